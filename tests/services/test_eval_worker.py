"""Runs started from the web are queued and executed by a worker (``tekisei worker``):
they survive a server restart and a worker killed with SIGKILL, one process at a time
works on a run, and its API keys wait sealed in the queue only until it ends."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from typer.testing import CliRunner

from tekisei.cli.app import app as cli_app
from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.db.evals import EvalJobRow, EvalResultRow, EvalRunRow
from tekisei.errors import ConflictError, ThrottledError
from tekisei.evals import builtin_suites, create_demo_app
from tekisei.services import eval_execution, eval_jobs, eval_runs, orgs, systems, users
from tekisei.services.database import Database
from tekisei.services.eval_jobs import LeaseConfig, utcnow
from tekisei.services.eval_targets import WebEvalSettings
from tekisei.services.evals import RunRequest
from tekisei.services.orgs import cli_principal
from tekisei.services.people import ActorNames
from tekisei.web.app import create_app
from tests.conftest import served, worker_running

BASICS = builtin_suites()["tekisei-basics"]
KEY = "sk-live-SECRET-1234567890"


def _wait(check: Callable[[], bool], what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _run(db: Database, key: str) -> EvalRunRow:
    with db.reading() as session:
        return session.scalars(select(EvalRunRow).where(EvalRunRow.key == key)).one()


def _job(db: Database, run_id: int) -> EvalJobRow | None:
    with db.reading() as session:
        return session.get(EvalJobRow, run_id)


@pytest.fixture
def acme(loaded_db: Database) -> tuple[Principal, int, str]:
    """An organisation with an editor (and an API token) and a system."""
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="editor@acme.example", password="correct horse battery"),
            "acme",
            Role.EDITOR,
            "cli",
        )
        token = users.create_token(session, "editor@acme.example", "acme")[0]
        editor = users.principal_for(session, "editor@acme.example", "acme")
        facts = SystemFacts.model_validate({"name": "相談チャットボット", "org_role": "provider"})
        system = systems.register_system(session, editor, facts).id
    return editor, system, token


@pytest.fixture
def recording_target() -> Iterator[tuple[str, list[str]]]:
    """A target that refuses everything and records the Authorization header it gets."""
    seen: list[str] = []

    async def chat(request: Request) -> Response:
        seen.append(request.headers.get("authorization", ""))
        return JSONResponse(
            {"choices": [{"message": {"content": "申し訳ありませんが、お手伝いできません。"}}]}
        )

    with served(Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])) as url:
        yield f"{url}/v1", seen


def test_a_run_queued_from_the_api_is_finished_by_a_worker_started_after_a_restart(
    settings: Settings,
    loaded_db: Database,
    acme: tuple[Principal, int, str],
    recording_target: tuple[str, list[str]],
) -> None:
    _, system, token = acme
    url, seen = recording_target
    configured = settings.model_copy(update={"demo_target_url": url})

    async def queue() -> dict[str, Any]:
        app = create_app(configured)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            started = await client.post(
                f"/api/systems/{system}/eval-runs",
                json={"suite": "tekisei-basics", "target": f"openai:m@{url}", "run_id": "queued",
                      "api_key": KEY},
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
        app.state.database.close()  # the server stops before any worker starts
        assert started.status_code == 202, started.text
        return dict(started.json())

    out = asyncio.run(queue())
    assert (out["status"], out["queued"], out["executing"]) == ("running", True, False)
    job = _job(loaded_db, out["id"])
    assert job is not None and job.origin == "web" and job.lease_owner is None
    assert job.secrets is not None and KEY not in job.secrets  # sealed, never in clear
    assert KEY not in str(job.request) and KEY not in str(job.acting)
    master = eval_jobs.secrets_key(configured)
    assert eval_jobs.open_keys(master, out["id"], job.secrets) == (KEY, None)
    assert eval_jobs.open_keys(master, out["id"] + 1, job.secrets) == (None, None)  # bound

    with worker_running(configured):
        _wait(lambda: _run(loaded_db, "queued").status == "finished", "the run to finish")
    run = _run(loaded_db, "queued")
    assert run.answered == run.cases == len(BASICS.cases) and run.errors == 0
    assert seen and set(seen) == {f"Bearer {KEY}"}  # the worker used the sealed key
    assert _job(loaded_db, run.id) is None  # the queue row, and the key with it, is gone
    with loaded_db.reading() as session:
        view = eval_runs.view(session, run, ActorNames(session, cli_principal(session, "acme")))
    assert (view.executing, view.queued) == (False, False)


@pytest.fixture
def slow_demo() -> Iterator[str]:
    with served(create_demo_app(60)) as url:
        yield f"{url}/v1"


def _start_from_web(
    db: Database, settings: Settings, who: Principal, system: int, target: str, key: str
) -> eval_runs.RunOut:
    config = WebEvalSettings.from_settings(settings)
    request = RunRequest(suite="tekisei-basics", target=target, run_id=key, concurrency=1,
                         api_key=KEY)  # fmt: skip
    return eval_execution.start_from_web(
        db, who, settings.data_dir, system, request, config, eval_jobs.secrets_key(settings)
    )


def test_a_worker_killed_mid_run_is_taken_over_and_every_case_is_stored_once(
    settings: Settings, loaded_db: Database, acme: tuple[Principal, int, str], slow_demo: str
) -> None:
    editor, system, _ = acme
    configured = settings.model_copy(update={"demo_target_url": slow_demo})
    target = f"openai:tekisei-demo-1@{slow_demo}"
    run = _start_from_web(loaded_db, configured, editor, system, target, "k9")
    env = {
        **os.environ,
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "TEKISEI_DEMO_TARGET_URL": slow_demo,
        "TEKISEI_EVAL_LEASE_SECONDS": "600",  # it would hold the run for 10 minutes
    }
    command = [sys.executable, "-m", "tekisei", "worker", "--poll", "0.05"]
    worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(lambda: _run(loaded_db, "k9").answered >= 3, "the worker to store results")
        with loaded_db.reading() as session:
            assert eval_runs.view(
                session, _run(loaded_db, "k9"), ActorNames(session, cli_principal(session, "acme"))
            ).executing  # from the lease

        # nobody else may work on the run meanwhile: not the command line ...
        resumed = CliRunner().invoke(
            cli_app,
            ["eval", "run", "--suite", "tekisei-basics", "--target", target, "--system",
             str(system), "--org", "acme", "--resume", "k9"],
            env={"TEKISEI_DATABASE_URL": settings.resolved_database_url,
                 "TEKISEI_DATA_DIR": str(settings.data_dir), "LANG": "C.UTF-8", "LC_ALL": ""},
        )  # fmt: skip
        assert resumed.exit_code == 8, resumed.output
        assert "another process" in resumed.stderr and "tekisei eval cancel k9" in resumed.stderr
        # ... nor the web
        config = WebEvalSettings.from_settings(configured)
        again = RunRequest(suite="tekisei-basics", target=target, resume="k9")
        with pytest.raises(ConflictError, match="another process"):
            eval_execution.start_from_web(loaded_db, editor, settings.data_dir, system, again,
                                          config, eval_jobs.secrets_key(configured))  # fmt: skip

        worker.send_signal(signal.SIGKILL)
        assert worker.wait(30) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
    partial = _run(loaded_db, "k9")
    assert partial.status == "running" and 3 <= partial.answered < partial.cases

    # another worker, an hour later by its clock: the dead worker's lease has expired
    later = LeaseConfig(seconds=30, clock=lambda: utcnow() + timedelta(hours=1))
    with worker_running(configured, lease=later):
        _wait(lambda: _run(loaded_db, "k9").status == "finished", "the second worker")
    with loaded_db.reading() as session:
        ids = list(
            session.scalars(select(EvalResultRow.case_id).where(EvalResultRow.run_id == run.id))
        )
        assert session.get(EvalJobRow, run.id) is None
    assert sorted(ids) == sorted(c.id for c in BASICS.cases)  # none lost, none twice
    assert _run(loaded_db, "k9").answered == len(BASICS.cases)


def test_a_stopping_worker_puts_its_run_back_in_the_queue(
    settings: Settings, loaded_db: Database, acme: tuple[Principal, int, str], slow_demo: str
) -> None:
    editor, system, _ = acme
    configured = settings.model_copy(update={"demo_target_url": slow_demo})
    target = f"openai:tekisei-demo-1@{slow_demo}"
    run = _start_from_web(loaded_db, configured, editor, system, target, "ctrl-c")
    with worker_running(configured):
        _wait(lambda: _run(loaded_db, "ctrl-c").answered >= 2, "the first results")
    job = _job(loaded_db, run.id)  # stopped like Ctrl-C in 'make run'
    assert job is not None and job.lease_owner is None and job.secrets is not None
    assert _run(loaded_db, "ctrl-c").status == "running"
    with worker_running(configured):
        _wait(lambda: _run(loaded_db, "ctrl-c").status == "finished", "the next worker")
    with loaded_db.reading() as session:
        count = session.scalar(
            select(func.count()).select_from(EvalResultRow).where(EvalResultRow.run_id == run.id)
        )
    assert count == len(BASICS.cases) and _job(loaded_db, run.id) is None


def test_an_organisation_has_at_most_two_runs_queued_and_may_cancel_one(
    settings: Settings, loaded_db: Database, acme: tuple[Principal, int, str], demo_url: str
) -> None:
    editor, system, _ = acme
    configured = settings.model_copy(update={"demo_target_url": demo_url})
    target = f"openai:tekisei-demo-1@{demo_url}"
    first = _start_from_web(loaded_db, configured, editor, system, target, "one")
    _start_from_web(loaded_db, configured, editor, system, target, "two")
    with pytest.raises(ThrottledError, match="TEKISEI_EVAL_RUNS_PER_ORG"):
        _start_from_web(loaded_db, configured, editor, system, target, "three")
    assert not (settings.data_dir / "runs" / str(editor.org_id) / "three.jsonl").exists()

    cancelled = eval_execution.cancel_run(loaded_db, editor, "one")
    assert (cancelled.queued, cancelled.executing) == (False, False)
    assert cancelled.state == "interrupted" and cancelled.stopped is not None
    assert cancelled.stopped.kind == "cancelled"
    assert cancelled.stopped.by and "@" not in cancelled.stopped.by  # a name, not the email
    assert _job(loaded_db, first.id) is None  # its keys are gone with it
    with pytest.raises(ConflictError, match="nothing to cancel"):
        eval_execution.cancel_run(loaded_db, editor, "one")
    third = _start_from_web(loaded_db, configured, editor, system, target, "three")
    assert third.queued
    with loaded_db.reading() as session:
        recorded = session.scalar(
            select(func.count()).select_from(EvalRunRow).where(EvalRunRow.org_id == editor.org_id)
        )
    assert recorded == 3  # the refused third run left nothing behind
    # a cancelled run can be resumed: it is queued again (when there is room)
    eval_execution.cancel_run(loaded_db, editor, "two")
    again = RunRequest(suite="tekisei-basics", target=target, resume="one")
    resumed = eval_execution.start_from_web(
        loaded_db, editor, settings.data_dir, system, again,
        WebEvalSettings.from_settings(configured), eval_jobs.secrets_key(configured),
    )  # fmt: skip
    assert resumed.queued and resumed.id == first.id and resumed.stopped is None
    with worker_running(configured):
        _wait(lambda: _run(loaded_db, "one").status == "finished", "the resumed run")
        _wait(lambda: _run(loaded_db, "three").status == "finished", "the third run")


def test_a_run_its_worker_cannot_execute_says_why_on_the_run(
    settings: Settings, loaded_db: Database, acme: tuple[Principal, int, str], demo_url: str
) -> None:
    editor, system, _ = acme
    configured = settings.model_copy(update={"demo_target_url": demo_url})
    run = _start_from_web(
        loaded_db, configured, editor, system, f"openai:tekisei-demo-1@{demo_url}", "gone"
    )
    with loaded_db.transaction() as session:  # its suite was removed while it waited
        job = session.get(EvalJobRow, run.id)
        assert job is not None
        job.request = job.request | {"suite": "a-suite-removed-meanwhile"}
    with worker_running(configured):
        _wait(lambda: _job(loaded_db, run.id) is None, "the worker to give the run up")
    with loaded_db.reading() as session:
        row = eval_runs.visible_run(session, editor, "gone")
        shown = eval_runs.view(session, row, ActorNames(session, editor))
    assert shown.state == "interrupted" and shown.stopped is not None
    assert shown.stopped.kind == "error"
    assert "a-suite-removed-meanwhile" in (shown.stopped.message or "")
    assert shown.stopped.message_ja and "a-suite-removed-meanwhile" in shown.stopped.message_ja
