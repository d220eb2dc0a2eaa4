"""The worker (``tekisei worker``): executes the evaluation runs queued from the web.

It claims queued runs (``eval_jobs.claim_next``), at most ``slots`` at a time, and
executes each on a thread of its own, holding the run's lease with a heartbeat, acting
for the person who started it, within their organisation's network policy as it is
now. A run that finishes, fails or is cancelled leaves the queue with its API keys;
when the worker is asked to stop, the runs it executes go back to the queue at their
next result, so the next worker resumes them; when it is killed, its leases expire and
another worker takes the runs over. Results already stored are never stored twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tekisei.config import Settings
from tekisei.services import eval_execution, eval_jobs, eval_runs, eval_targets
from tekisei.services import evals as eval_files
from tekisei.services.database import Database
from tekisei.services.eval_jobs import ClaimedJob, LeaseConfig, LeaseLostError, WorkerStoppingError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker needs: where run logs go, the operator's network settings, the key
    that opens runs' API keys, its leases, and how many runs it executes at once."""

    data_dir: Path
    web: eval_targets.WebEvalSettings
    master: bytes
    lease: LeaseConfig = field(default_factory=LeaseConfig)
    slots: int = 2
    poll_seconds: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> WorkerConfig:
        """From the deployment's settings (the same as the web server's)."""
        values: dict[str, Any] = {
            "data_dir": settings.data_dir,
            "web": eval_targets.WebEvalSettings.from_settings(settings),
            "master": eval_jobs.secrets_key(settings),
            "lease": LeaseConfig.from_settings(settings),
        }
        return cls(**(values | overrides))


def run_worker(database: Database, config: WorkerConfig, stop: threading.Event) -> None:
    """Claim and execute queued runs until ``stop`` is set, then put the runs still in
    progress back in the queue and return once their threads have ended."""
    active: list[threading.Thread] = []
    log.info("worker %s: waiting for evaluation runs", config.lease.owner)
    while not stop.is_set():
        active = [thread for thread in active if thread.is_alive()]
        job = eval_jobs.claim_next(database, config.lease) if len(active) < config.slots else None
        if job is None:
            stop.wait(config.poll_seconds)
            continue
        thread = threading.Thread(
            target=execute_job,
            args=(database, config, job, stop),
            name=f"eval-run-{job.run_id}",
            daemon=True,
        )
        thread.start()
        active.append(thread)
    for thread in active:
        thread.join()


def execute_job(
    database: Database, config: WorkerConfig, job: ClaimedJob, stop: threading.Event
) -> None:
    """Execute one claimed run to its end (or until stopped, cancelled or taken over)."""
    lease = eval_jobs.Lease(database, job.run_id, config.lease)
    lease.start()
    outcome = "failed"
    key = str(job.request.get("key", job.run_id))
    try:
        if job.attempts > eval_jobs.MAX_ATTEMPTS:
            log.error("run %s: its worker died %s times; it leaves the queue", key, job.attempts)
            return
        principal = eval_jobs.principal_of(job)
        api_key, judge_api_key = eval_jobs.open_keys(config.master, job.run_id, job.secrets)
        with database.reading() as session:
            policy = eval_targets.web_policy(session, job.org_id, config.web)
        request = eval_files.RunRequest(
            suite=job.request["suite"],
            target=job.request["target"],
            probes=list(job.request.get("probes", [])),
            concurrency=int(job.request.get("concurrency", 10)),
            retries=int(job.request.get("retries", 2)),
            rate=job.request.get("rate"),
            resume=key,
            api_key=api_key,
            judge=job.request.get("judge"),
            judge_api_key=judge_api_key,
            network=policy,
        )

        def guard() -> None:
            if stop.is_set():
                raise WorkerStoppingError(key)
            lease.check()

        guard()
        system_id = int(job.request["system_id"])
        started = eval_execution.start_on_system(
            database, principal, config.data_dir, system_id, request
        )
        if not isinstance(started, eval_runs.RunOut):
            eval_execution.complete(database, principal, started, guard=guard)
        outcome = "done"
        log.info("run %s finished", key)
    except WorkerStoppingError:
        outcome = "requeue"
        log.info("run %s goes back to the queue: the worker is stopping", key)
    except LeaseLostError:
        outcome = "lost"
        log.info("run %s stopped: it was cancelled or taken over", key)
    except Exception as exc:
        log.exception("run %s stopped with an error; resume it to continue", key)
        eval_jobs.record_error(database, job.run_id, exc)
    finally:
        # a lost lease is someone else's now: releasing it changes nothing
        lease.release(requeue=outcome == "requeue")
