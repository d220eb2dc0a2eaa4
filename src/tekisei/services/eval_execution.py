"""Executing evaluation runs on a system: start or resume (on this process or on a thread
in the background), store results as they finish, finish the run; and importing runs
made with Inspect."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tekisei.core.orgs import Permission, Principal, require
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.evals import Case, ImportFileError, Result, perspective_of, read_inspect_log
from tekisei.services import eval_runs, systems
from tekisei.services import evals as eval_files
from tekisei.services.database import Database

log = logging.getLogger(__name__)


@dataclass
class StartedRun:
    """A run recorded on a system, its log open, ready to execute."""

    run_id: int
    key: str
    prepared: eval_files.PreparedRun
    cases: dict[str, Case]


def start_on_system(
    database: Database,
    principal: Principal,
    data_dir: Path,
    system_id: int,
    request: eval_files.RunRequest,
) -> StartedRun | eval_runs.RunOut:
    """Check the request, open the run log and record the run on the system (or, to
    resume, store what its log has that the database lacks). A resumed run that finished
    already comes back as it is.

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
                return eval_runs.view(session, existing)
        elif request.run_id is not None:
            eval_runs.key_free(session, request.run_id)
    prepared = eval_files.prepare(data_dir, request)
    header = prepared.log.header
    cases = {case.id: case for case in prepared.suite.cases}
    with database.transaction() as session:
        if request.resume is None:
            run_id = eval_runs.begin_run(
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
            ).id
        else:
            run_id = eval_runs.visible_run(session, principal, request.resume).id
        replay = [
            eval_runs.result_row(run_id, r, cases[r.case_id])
            for r in prepared.log.results()
            if r.case_id in cases
        ]
        if replay:
            eval_runs.store_results(session, run_id, replay)
    return StartedRun(run_id, header.run_id, prepared, cases)


def complete(
    database: Database,
    principal: Principal,
    started: StartedRun,
    on_result: Callable[[Result], None] | None = None,
) -> eval_runs.RunOut:
    """Execute what is left of a started run, storing results as they finish, then
    finish it. If this is interrupted the run stays ``running`` and can be resumed."""
    writer = eval_runs.ResultWriter(database, started.run_id, started.cases)

    def record(result: Result) -> None:
        writer.add(result)
        if on_result is not None:
            on_result(result)

    try:
        eval_files.execute(started.prepared, record)
    finally:
        writer.flush()
    inconsistent = eval_files.report(started.prepared)["inconsistent"]
    with database.transaction() as session:
        run = eval_runs.finish_run(session, principal, started.run_id, inconsistent)
        return eval_runs.view(session, run)


def run_on_system(
    database: Database,
    principal: Principal,
    data_dir: Path,
    system_id: int,
    request: eval_files.RunRequest,
    on_start: Callable[[eval_files.PreparedRun], None] | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> eval_runs.RunOut:
    """Run (or resume) a suite against a target on a system, storing results as they
    finish, and finish the run. Results in the log but not in the database (after a
    crash) are stored first, never twice.

    Raises:
        PermissionDeniedError, NotFoundError: the principal may not run evaluations on it.
        InvalidInputError, ConflictError: see ``start_on_system``.
    """
    started = start_on_system(database, principal, data_dir, system_id, request)
    if isinstance(started, eval_runs.RunOut):
        return started
    if on_start is not None:
        on_start(started.prepared)
    return complete(database, principal, started, on_result)


def import_run(
    database: Database,
    principal: Principal,
    system_id: int,
    path: Path,
    perspective: str | None = None,
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
        imported = read_inspect_log(path, perspective_of(perspective) if perspective else None)
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
        return eval_runs.view(session, eval_runs.finish_run(session, principal, run.id))


def check_served_target(spec: str) -> None:
    """A target the web app may call: an OpenAI-compatible endpoint by URL. ``http:``
    targets name a configuration file on the server and are for the command line only.

    Raises:
        InvalidInputError: another kind of target.
    """
    kind = spec.partition(":")[0]
    if kind not in ("openai", "responses"):
        raise InvalidInputError(
            "from the web, give openai:MODEL@BASE_URL or responses:MODEL@BASE_URL; "
            "http: targets read a file on the server and run from the command line",
            ja="Webからは openai:MODEL@BASE_URL か responses:MODEL@BASE_URL を指定してください。"
            "http: のターゲットはサーバー上のファイルを読むため、コマンドラインから実行します。",
        )


def run_in_background(
    database: Database,
    principal: Principal,
    data_dir: Path,
    system_id: int,
    request: eval_files.RunRequest,
) -> eval_runs.RunOut:
    """Start (or resume) a run and execute it on a thread of this process; returns at
    once with the run as recorded. Progress shows in ``answered`` as batches are stored.

    Raises:
        ConflictError: the run is executing already.
        (and what ``start_on_system`` raises)
    """
    started = start_on_system(database, principal, data_dir, system_id, request)
    if isinstance(started, eval_runs.RunOut):
        return started
    with eval_runs.ACTIVE_LOCK:
        if started.run_id in eval_runs.ACTIVE:
            raise ConflictError(
                f"run {started.key} is executing already",
                ja=f"評価実行 {started.key} は実行中です。",
            )

        def work() -> None:
            try:
                complete(database, principal, started)
            except Exception:
                log.exception("evaluation run %s stopped; resume it to finish", started.key)
            finally:
                with eval_runs.ACTIVE_LOCK:
                    eval_runs.ACTIVE.pop(started.run_id, None)

        thread = threading.Thread(target=work, name=f"eval-{started.key}", daemon=True)
        eval_runs.ACTIVE[started.run_id] = thread
        thread.start()
    with database.reading() as session:
        return eval_runs.view(session, eval_runs.visible_run(session, principal, started.run_id))
