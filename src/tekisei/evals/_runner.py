"""Running a suite against a target: concurrent, with retries, scoring as results arrive."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from tekisei.evals._judge import Judge, JudgeError, with_judge
from tekisei.evals._limits import ResponseCache, TokenBucket
from tekisei.evals._model import Case, Message, Result, Role, Suite
from tekisei.evals._scorers import get_scorer, score_answer
from tekisei.evals._targets import Target, TargetError


async def run_suite(
    suite: Suite,
    target: Target,
    *,
    concurrency: int = 10,
    retries: int = 2,
    backoff: float = 0.5,
    on_result: Callable[[Result], None] | None = None,
    rate: TokenBucket | None = None,
    cache: ResponseCache | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    judge: Judge | None = None,
) -> list[Result]:
    """Answer and score every case, at most ``concurrency`` at a time.

    Retryable target errors are tried again up to ``retries`` times, waiting
    ``backoff`` × 2ⁿ seconds (or the target's Retry-After). A case that still fails
    is a result with ``error`` set; it is never scored as passed. With ``rate``,
    requests are paced by the token bucket; with ``cache``, a request answered
    before is not sent again (errors are never cached). Cases whose id is in
    ``skip`` (finished in an earlier, interrupted run) are not run again. With
    ``judge``, every answer is also judged by an LLM against the case's rubric; a judge
    that cannot answer makes the result an error (so a resumed run tries it again).
    """
    if concurrency < 1:
        raise ValueError("concurrency is at least 1")
    for name in suite.scorers:
        get_scorer(name)  # an unknown scorer fails before any request is sent
    gate = asyncio.Semaphore(concurrency)

    async def one(case: Case) -> Result:
        async with gate:
            result = await _answer(case, target, retries, backoff, rate, cache)
        if result.error is None and result.output is not None:
            result.scores = score_answer(
                suite, case, result.output, own_answers(case, result.conversation)
            )
            if judge is None and needs_judge(case):
                result.error = "only an LLM judge can score this case; run it with a judge"
            elif judge is not None:
                try:
                    verdict = await judge.score(case, result.output, result.conversation)
                    result.scores = with_judge(result.scores, verdict)
                except (TargetError, JudgeError) as exc:
                    result.error = f"judge: {exc}"
        if on_result is not None:
            on_result(result)
        return result

    todo = [case for case in suite.cases if case.id not in skip]
    return list(await asyncio.gather(*(one(case) for case in todo)))


async def _answer(
    case: Case,
    target: Target,
    retries: int,
    backoff: float,
    rate: TokenBucket | None,
    cache: ResponseCache | None,
) -> Result:
    """The target's answer to the case; for a multi-turn case, its answer to the last
    turn, each turn asked with the target's own earlier answers in the conversation."""
    started = time.perf_counter()
    messages = list(case.input)
    output = ""
    for turn, follow_up in enumerate([None, *case.turns], start=1):
        if follow_up is not None:
            messages += [
                Message(role=Role.ASSISTANT, content=output),
                Message(role=Role.USER, content=follow_up),
            ]
        answer, error = await _generate(messages, target, retries, backoff, rate, cache)
        if error is not None:
            where = f"turn {turn} of {len(case.turns) + 1}: " if case.turns else ""
            return Result(
                case_id=case.id,
                output=None,
                error=where + error,
                latency_ms=(time.perf_counter() - started) * 1000,
                conversation=messages if case.turns else None,
            )
        output = answer
    return Result(
        case_id=case.id,
        output=output,
        latency_ms=(time.perf_counter() - started) * 1000,
        conversation=messages if case.turns else None,
    )


async def _generate(
    messages: list[Message],
    target: Target,
    retries: int,
    backoff: float,
    rate: TokenBucket | None,
    cache: ResponseCache | None,
) -> tuple[str, str | None]:
    """(answer, None), or ("", error) once retries are spent."""
    if cache is not None and (stored := cache.get(target.name, messages)) is not None:
        return stored, None
    attempt = 0
    while True:
        if rate is not None:
            await rate.acquire()
        try:
            # NUL is no text a database stores; shown as the replacement character.
            output = (await target.generate(messages)).replace("\x00", "\ufffd")
        except TargetError as exc:
            if exc.retryable and attempt < retries:
                await asyncio.sleep(exc.retry_after or backoff * 2**attempt)
                attempt += 1
                continue
            return "", str(exc)
        if cache is not None:
            cache.put(target.name, messages, output)
        return output, None


def own_answers(case: Case, conversation: Sequence[Message] | None) -> list[str]:
    """The target's answers to the earlier turns of a multi-turn case (the assistant
    messages after the case's own input)."""
    if not conversation:
        return []
    return [m.content for m in conversation[len(case.input) :] if m.role is Role.ASSISTANT]


def needs_judge(case: Case) -> bool:
    """Whether only an LLM judge can score the case (``metadata["judge"] == "required"``,
    e.g. a requirement row of an imported dataset)."""
    return case.metadata.get("judge") == "required"


def summary(results: list[Result], cases: list[Case]) -> dict[str, dict[str, int]]:
    """Passed and total per J-AISI perspective."""
    by_id = {case.id: case for case in cases}
    out: dict[str, dict[str, int]] = {}
    for result in results:
        perspective = by_id[result.case_id].perspective
        entry = out.setdefault(perspective, {"passed": 0, "total": 0})
        entry["total"] += 1
        entry["passed"] += int(result.passed)
    return out
