"""Scale-out on Ray (extra ``ray``): a run's cases are split into shards, each shard runs
the same async runner in a Ray task, and results stream back to the caller as they
finish, batch by batch.

Targets cross the cluster as their spec (``openai:MODEL@URL`` ...) and are built again
in each task; every task needs tekisei installed (the same virtualenv on a local
instance, a runtime environment on a remote cluster).
"""

from __future__ import annotations

import asyncio
import importlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from tekisei.evals._judge import Judge
from tekisei.evals._limits import TokenBucket
from tekisei.evals._model import Result, Suite
from tekisei.evals._network import NetworkPolicy
from tekisei.evals._runner import run_suite
from tekisei.evals._targets import target_from_spec

_DONE = object()


def _ray() -> Any:
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise RuntimeError(
            "--executor ray needs Ray; install the extra: pip install 'tekisei[ray]'"
        ) from None


def shard(suite: Suite, shards: int, skip: set[str] | frozenset[str]) -> list[Suite]:
    """The cases left to run, dealt round-robin into at most ``shards`` suites."""
    todo = [case for case in suite.cases if case.id not in skip]
    count = max(1, min(shards, len(todo)))
    return [
        suite.model_copy(update={"cases": todo[index::count]})
        for index in range(count)
        if todo[index::count]
    ]


def run_shard(
    suite_json: str,
    target: str,
    settings: dict[str, Any],
) -> Iterator[list[str]]:
    """Run one shard with the async runner and yield its results (as JSON) in batches of
    what finished since the last batch, about every 0.2 s. Runs inside a Ray task."""
    suite = Suite.model_validate_json(suite_json)
    finished: queue.Queue[object] = queue.Queue()

    async def work() -> None:
        policy = settings.get("policy")
        built = target_from_spec(target, api_key=settings.get("api_key"), policy=policy)
        judge_target = (
            target_from_spec(
                settings["judge"], api_key=settings.get("judge_api_key"), policy=policy
            )
            if settings.get("judge")
            else None
        )
        rate = settings.get("rate_per_minute")
        try:
            await run_suite(
                suite,
                built,
                concurrency=settings.get("concurrency", 10),
                retries=settings.get("retries", 2),
                rate=TokenBucket(per_minute=rate) if rate else None,
                on_result=lambda result: finished.put(result.model_dump_json()),
                judge=Judge(judge_target) if judge_target is not None else None,
            )
        finally:
            for one in (built, judge_target):
                close = getattr(one, "aclose", None)
                if close is not None:
                    await close()

    failure: list[BaseException] = []

    def main() -> None:
        try:
            asyncio.run(work())
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
        finally:
            finished.put(_DONE)

    worker = threading.Thread(target=main, daemon=True)
    worker.start()
    done = False
    while not done:
        batch: list[str] = []
        deadline = time.monotonic() + 0.2
        while time.monotonic() < deadline:
            try:
                item = finished.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item is _DONE:
                done = True
                break
            assert isinstance(item, str)
            batch.append(item)
        if batch:
            yield batch
    worker.join()
    if failure:
        raise failure[0]


def run_suite_ray(
    suite: Suite,
    target: str,
    *,
    shards: int = 2,
    concurrency: int = 10,
    retries: int = 2,
    rate_per_minute: float | None = None,
    on_result: Callable[[Result], None] | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    api_key: str | None = None,
    judge: str | None = None,
    judge_api_key: str | None = None,
    address: str | None = None,
    policy: NetworkPolicy | None = None,
) -> list[Result]:
    """Run ``suite`` against the target ``target`` (a spec) in ``shards`` Ray tasks, each
    with ``concurrency`` requests in flight (a rate limit is split between them), calling
    ``on_result`` in this process as results stream back.

    Connects to the Ray cluster at ``address``, or to the one this process has already
    initialised, or starts a local instance. ``policy`` (default
    :meth:`NetworkPolicy.local`) says what the targets may reach, in every task.
    """
    ray = _ray()
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    parts = shard(suite, shards, skip)
    settings: dict[str, Any] = {
        "concurrency": concurrency,
        "retries": retries,
        "rate_per_minute": rate_per_minute / len(parts) if rate_per_minute and parts else None,
        "api_key": api_key,
        "judge": judge,
        "judge_api_key": judge_api_key,
        "policy": policy,
    }
    remote = ray.remote(run_shard).options(num_returns="streaming", max_retries=0)
    streams = [remote.remote(part.model_dump_json(), target, settings) for part in parts]
    results: list[Result] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def drain(stream: Any) -> None:
        try:
            for ref in stream:
                for line in ray.get(ref):
                    result = Result.model_validate_json(line)
                    with lock:
                        results.append(result)
                        if on_result is not None:
                            on_result(result)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    readers = [threading.Thread(target=drain, args=(s,), daemon=True) for s in streams]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    if errors:
        raise errors[0]
    return results
