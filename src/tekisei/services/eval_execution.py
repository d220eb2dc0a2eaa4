"""Executing evaluation runs on a system: start or resume, store results as they finish,
finish the run, holding the run's lease all along (``eval_jobs``); queueing runs started
from the web for a worker; and importing runs made with Inspect."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.evals import EvalRunRow
from tekisei.errors import InvalidInputError
from tekisei.evals import Case, ImportFileError, Result, perspective_of, read_inspect_log
from tekisei.services import eval_jobs, eval_runs, eval_targets, systems
from tekisei.services import evals as eval_files
from tekisei.services.database import Database
from tekisei.services.eval_jobs import LeaseConfig
from tekisei.services.people import ActorNames

log = logging.getLogger(__name__)


@dataclass
class StartedRun:
    """A run recorded on a system, its log open, ready to execute."""

    run_id: int
    key: str
    prepared: eval_files.PreparedRun
    cases: dict[str, Case]


Queue = Callable[[Session, EvalRunRow], None]


def start_on_system(
    database: Database,
    principal: Principal,
    data_dir: Path,
    system_id: int,
    request: eval_files.RunRequest,
    queue: Queue | None = None,
) -> StartedRun | eval_runs.RunOut:
    """Check the request, open the run log and record the run on the system (or, to
    resume, store what its log has that the database lacks). A resumed run that finished
    already comes back as it is. ``queue`` is called with a new run in the transaction
    that records it (if it raises, nothing is recorded and the new log is removed).

    Raises:
        PermissionDeniedError, NotFoundError: the principal may not run evaluations on it.
        InvalidInputError, ConflictError: a bad request, a name in use, or a resumed run
            of another system.
    """
    with database.reading() as session:
        systems.visible_system(session, principal, system_id)
        require(principal, Permission.RUN_EVALS)
        if request.resume is not None:
            existing = eval_runs.visible_run(session, principal, request.resume)
            if existing.system_id != system_id:
                raise InvalidInputError(
                    f"run {request.resume} belongs to system {existing.system_id}",
                    ja=f"評価実行 {request.resume} はシステム {existing.system_id} のものです。",
                )
            if existing.status == "finished":
                return eval_runs.view(session, existing, ActorNames(session, principal))
        elif request.run_id is not None:
            eval_runs.key_free(session, principal.org_id, request.run_id)
    prepared = eval_files.prepare(data_dir, request, org_id=principal.org_id)
    header = prepared.log.header
    cases = {case.id: case for case in prepared.suite.cases}
    try:
        with database.transaction() as session:
            if request.resume is None:
                run = eval_runs.begin_run(
                    session,
                    principal,
                    system_id,
                    key=header.run_id,
                    suite=header.suite,
                    suite_version=header.suite_version,
                    target=header.target,
                    probes=list(request.probes),
                    cases=len(cases),
                    judge=request.judge,
                )
                if queue is not None:
                    queue(session, run)
                run_id = run.id
            else:
                run_id = eval_runs.visible_run(session, principal, request.resume).id
            replay = [
                eval_runs.result_row(run_id, r, cases[r.case_id])
                for r in prepared.log.results()
                if r.case_id in cases
            ]
            if replay:
                eval_runs.store_results(session, run_id, replay)
    except BaseException:
        if request.resume is None:
            prepared.log.path.unlink(missing_ok=True)  # the run was not recorded after all
        raise
    return StartedRun(run_id, header.run_id, prepared, cases)


def complete(
    database: Database,
    principal: Principal,
    started: StartedRun,
    on_result: Callable[[Result], None] | None = None,
    guard: Callable[[], None] | None = None,
) -> eval_runs.RunOut:
    """Execute what is left of a started run, storing results as they finish, then
    finish it. If this is interrupted the run stays ``running`` and can be resumed.
    ``guard`` is called before each result is stored; what it raises stops the run (a
    lost lease, a worker stopping)."""
    writer = eval_runs.ResultWriter(database, started.run_id, started.cases)

    def record(result: Result) -> None:
        if guard is not None:
            guard()
        writer.add(result)
        if on_result is not None:
            on_result(result)

    try:
        eval_files.execute(started.prepared, record)
    finally:
        writer.flush()
    if guard is not None:
        guard()
    found = eval_files.report(started.prepared)
    inconsistent = found["inconsistent"]
    with database.transaction() as session:
        run = eval_runs.finish_run(
            session, principal, started.run_id, inconsistent, bias=found["bias"]
        )
        return eval_runs.view(session, run, ActorNames(session, principal))


def run_on_system(
    database: Database,
    principal: Principal,
    data_dir: Path,
    system_id: int,
    request: eval_files.RunRequest,
    on_start: Callable[[eval_files.PreparedRun], None] | None = None,
    on_result: Callable[[Result], None] | None = None,
    lease: LeaseConfig | None = None,
) -> eval_runs.RunOut:
    """Run (or resume) a suite against a target on a system in this process, storing
    results as they finish, and finish the run. Results in the log but not in the
    database (after a crash) are stored first, never twice. The run's lease is held
    from before its log is opened until it ends, so no other process works on it.

    Raises:
        PermissionDeniedError, NotFoundError: the principal may not run evaluations on it.
        InvalidInputError: see ``start_on_system``.
        ConflictError: a name in use, or another process holds the run (a worker, or
            another ``tekisei eval run --resume``); the message says what to do.
        LeaseLostError: the run was cancelled while executing.
    """
    config = lease or LeaseConfig()
    held: eval_jobs.Lease | None = None
    if request.resume is not None:
        with database.reading() as session:
            require(principal, Permission.RUN_EVALS)
            run_id = eval_runs.visible_run(session, principal, request.resume).id
        held = eval_jobs.take_lease(database, principal, run_id, config)
    try:
        started = start_on_system(database, principal, data_dir, system_id, request)
        if isinstance(started, eval_runs.RunOut):
            return started
        if held is None:
            held = eval_jobs.take_lease(database, principal, started.run_id, config)
        if on_start is not None:
            on_start(started.prepared)
        out = complete(database, principal, started, on_result, held.check)
    finally:
        if held is not None:
            held.release()
    with database.reading() as session:
        return eval_runs.view(
            session,
            eval_runs.visible_run(session, principal, out.id),
            ActorNames(session, principal),
        )


def import_run(
    database: Database,
    principal: Principal,
    system_id: int,
    path: Path,
    perspective: str | None = None,
    pass_threshold: float = 1.0,
) -> eval_runs.RunOut:
    """Store a run made with Inspect (an ``.eval`` or ``.json`` log it wrote) on a system,
    then finish it like a run of tekisei's own: summary, evidence, suggested risks.

    Raises:
        InvalidInputError: not an Inspect log, or a sample without a perspective.
        ConflictError: this log was imported already.
    """
    if perspective is not None and perspective_of(perspective) is None:
        raise InvalidInputError(
            f"perspective {perspective!r}: use P1-P10", ja="評価観点は P1〜P10 で指定してください。"
        )
    try:
        imported = read_inspect_log(
            path, perspective_of(perspective) if perspective else None, pass_threshold
        )
    except ImportFileError as exc:
        raise InvalidInputError(str(exc), ja=f"取り込めません: {exc}") from None
    except OSError as exc:
        raise InvalidInputError(
            f"cannot read {path}: {exc.strerror}", ja=f"{path} を読めません。"
        ) from None
    key = "inspect-" + re.sub(r"[^A-Za-z0-9._-]", "-", imported.run_id)[:90]
    cases = {case.id: case for case in imported.cases}
    with database.transaction() as session:
        run = eval_runs.begin_run(
            session,
            principal,
            system_id,
            key=key,
            suite=imported.task,
            suite_version=imported.version,
            target=imported.model,
            probes=[],
            cases=len(cases),
            source="inspect",
        )
        eval_runs.store_results(
            session,
            run.id,
            [eval_runs.result_row(run.id, r, cases[r.case_id]) for r in imported.results],
        )
        return eval_runs.view(
            session,
            eval_runs.finish_run(session, principal, run.id),
            ActorNames(session, principal),
        )


def check_served_target(spec: str) -> None:
    """A target the web app may call: an OpenAI-compatible endpoint by URL. ``http:``
    targets name a configuration file on the server and are for the command line only.

    Raises:
        InvalidInputError: another kind of target.
    """
    kind, _, rest = spec.partition(":")
    if kind not in ("openai", "responses") or "@" not in rest:
        raise InvalidInputError(
            "from the web, give openai:MODEL@BASE_URL or responses:MODEL@BASE_URL; "
            "http: targets read a file on the server and run from the command line",
            ja="Webからは openai:MODEL@BASE_URL か responses:MODEL@BASE_URL を指定してください。"
            "http: のターゲットはサーバー上のファイルを読むため、コマンドラインから実行します。",
        )


def check_web_request(
    database: Database,
    principal: Principal,
    request: eval_files.RunRequest,
    config: eval_targets.WebEvalSettings,
) -> eval_files.RunRequest:
    """A run request from the web or the API, checked and bound to its organisation's
    network policy: OpenAI-compatible URL targets only, concurrency within the operator's
    cap, the target and the judge on the allow-list and at allowed addresses.

    Raises:
        InvalidInputError: any of these is not so; the message says what to do.
    """
    check_served_target(request.target)
    if request.judge:
        check_served_target(request.judge)
    if request.resume is not None and request.concurrency > config.max_concurrency:
        request = replace(request, concurrency=config.max_concurrency)  # resumes ask no number
    if request.concurrency > config.max_concurrency:
        raise InvalidInputError(
            f"runs started from the web may have at most {config.max_concurrency} requests "
            "in flight (TEKISEI_WEB_EVAL_MAX_CONCURRENCY); lower the concurrency",
            ja=f"Webから始める評価実行の同時接続数は{config.max_concurrency}までです"
            "（TEKISEI_WEB_EVAL_MAX_CONCURRENCY）。同時接続数を下げてください。",
        )
    with database.reading() as session:
        policy = eval_targets.web_policy(session, principal.org_id, config)
    eval_targets.check_web_target(policy, request.target)
    if request.judge:
        eval_targets.check_web_target(policy, request.judge, judge=True)
    return replace(request, network=policy, executor="local")


def start_from_web(
    database: Database,
    principal: Principal,
    data_dir: Path,
    system_id: int,
    request: eval_files.RunRequest,
    config: eval_targets.WebEvalSettings,
    master: bytes,
) -> eval_runs.RunOut:
    """Start (or resume) a run from the web or the API: checked by
    :func:`check_web_request`, recorded, and queued for a worker (``tekisei worker``);
    returns at once with the run as recorded. The API keys wait in the queue row, sealed
    with ``master`` (see ``eval_jobs``), until the run ends.

    Raises:
        PermissionDeniedError, NotFoundError: the principal may not run evaluations on it
            (checked first: another organisation's system is never 422).
        InvalidInputError: see :func:`check_web_request`.
        ConflictError: a name in use, or the run is queued or executing already.
        ThrottledError: the organisation has as many runs queued or executing as allowed.
    """
    with database.reading() as session:
        require(principal, Permission.RUN_EVALS)
        systems.visible_system(session, principal, system_id)
        eval_jobs.check_capacity(session, principal.org_id, config.runs_per_org, eval_jobs.utcnow())
    checked = check_web_request(database, principal, request, config)
    if checked.resume is not None:
        return _queue_resume(database, principal, system_id, checked, config, master)

    def queue(session: Session, run: EvalRunRow) -> None:
        sealed = eval_jobs.seal_keys(master, run.id, checked.api_key, checked.judge_api_key)
        eval_jobs.enqueue(
            session,
            principal,
            run,
            _job_request(system_id, run.key, checked),
            sealed,
            limit=config.runs_per_org,
            now=eval_jobs.utcnow(),
        )

    started = start_on_system(database, principal, data_dir, system_id, checked, queue)
    with database.reading() as session:
        run_id = started.id if isinstance(started, eval_runs.RunOut) else started.run_id
        return eval_runs.view(
            session,
            eval_runs.visible_run(session, principal, run_id),
            ActorNames(session, principal),
        )


def _job_request(system_id: int, key: str, request: eval_files.RunRequest) -> dict[str, Any]:
    return {
        "system_id": system_id,
        "key": key,
        "suite": request.suite,
        "target": request.target,
        "probes": list(request.probes),
        "concurrency": request.concurrency,
        "retries": request.retries,
        "rate": request.rate,
        "judge": request.judge,
    }


def _queue_resume(
    database: Database,
    principal: Principal,
    system_id: int,
    request: eval_files.RunRequest,
    config: eval_targets.WebEvalSettings,
    master: bytes,
) -> eval_runs.RunOut:
    assert request.resume is not None
    with database.transaction() as session:
        run = eval_runs.visible_run(session, principal, request.resume)
        if run.system_id != system_id:
            raise InvalidInputError(
                f"run {run.key} belongs to system {run.system_id}",
                ja=f"評価実行 {run.key} はシステム {run.system_id} のものです。",
            )
        if run.status != "finished":
            sealed = eval_jobs.seal_keys(master, run.id, request.api_key, request.judge_api_key)
            eval_jobs.enqueue(
                session,
                principal,
                run,
                _job_request(system_id, run.key, request),
                sealed,
                limit=config.runs_per_org,
                now=eval_jobs.utcnow(),
                resume=True,
            )
            session.flush()
        return eval_runs.view(session, run, ActorNames(session, principal))


def cancel_run(database: Database, principal: Principal, reference: str | int) -> eval_runs.RunOut:
    """Cancel a queued or executing run: it leaves the queue (its API keys erased), and a
    process executing it stops at its next result. The run stays resumable.

    Raises:
        NotFoundError: no such run visible to the principal.
        PermissionDeniedError: the principal may not run evaluations.
        ConflictError: the run is neither queued nor executing.
    """
    with database.transaction() as session:
        require(principal, Permission.RUN_EVALS)
        run = eval_runs.visible_run(session, principal, reference)
        if not eval_jobs.cancel(session, principal, run):
            raise eval_jobs.not_running(run.key)
        session.flush()
        return eval_runs.view(session, run, ActorNames(session, principal))
