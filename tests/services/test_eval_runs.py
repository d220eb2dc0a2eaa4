"""Evaluation runs in the workspace: run → stored results → evidence → suggested risks →
check, on both databases, against the demo target over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tekisei.config import Settings
from tekisei.core.catalog import urn
from tekisei.core.eval_findings import EvalGate, likelihood_from_failures
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.risks import RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.db.evals import EvalResultRow, EvalRunRow
from tekisei.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from tekisei.evals import NetworkPolicy, builtin_suites, create_demo_app
from tekisei.services import (
    assessments,
    audit,
    eval_execution,
    eval_runs,
    gates,
    orgs,
    reports,
    risk_suggestions,
    risks,
    systems,
    users,
)
from tekisei.services.database import Database
from tekisei.services.eval_jobs import LeaseConfig, utcnow
from tekisei.services.evals import RunRequest
from tekisei.services.people import ActorNames
from tests.conftest import served
from tests.render.test_sheets import assert_csv_safe

GUIDELINE = assessments.GUIDELINE
BASICS = builtin_suites()["tekisei-basics"]


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme AI", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        return orgs.cli_principal(session, "acme")


def _system(db: Database, who: Principal, name: str = "相談チャットボット") -> int:
    with db.transaction() as session:
        facts = SystemFacts.model_validate(
            {"name": name, "org_role": "provider", "deployment": "public"}
        )
        return systems.register_system(session, who, facts).id


def _request(demo_url: str, **extra: object) -> RunRequest:
    fields: dict[str, object] = {"suite": "tekisei-basics", **extra}
    return RunRequest(
        target=f"openai:tekisei-demo-1@{demo_url}",
        network=NetworkPolicy.local(),  # as the operator runs it on the server
        **fields,  # type: ignore[arg-type]
    )


def test_a_run_becomes_evidence_suggests_risks_and_gates_the_check(
    loaded_db: Database, admin: Principal, demo_url: str, tmp_path: Path
) -> None:
    system_id = _system(loaded_db, admin)
    with loaded_db.transaction() as session:
        assessments.start_assessment(session, admin, system_id)
    gate = EvalGate(min_pass_rate=0.9, max_age_days=30)
    with loaded_db.reading() as session:
        check = gates.check_system(session, admin, system_id, eval_gate=gate)
    assert "no-eval-run" in [m.code for m in check.missing]

    run = eval_execution.run_on_system(
        loaded_db, admin, tmp_path, system_id, _request(demo_url, run_id="first")
    )
    assert run.status == "finished" and run.key == "first"
    assert run.answered == run.cases == len(BASICS.cases)
    assert run.errors == 0 and run.pass_rate is not None and run.pass_rate < 0.9
    assert run.by_perspective["P4"]["total"] == sum(c.perspective == "P4" for c in BASICS.cases)
    assert run.by_risk["social.privacy"]["passed"] < run.by_risk["social.privacy"]["total"]

    with loaded_db.reading() as session:
        stored = session.scalar(
            select(func.count()).select_from(EvalResultRow).where(EvalResultRow.run_id == run.id)
        )
        assert stored == len(BASICS.cases)
        failing = {r.case_id: r for r in eval_runs.run_results(session, admin, "first", True)}
        # the demo target's weaknesses, with input, output and the scorer's explanation
        assert {"p5-canary-ja", "p4-fraud-ja", "p3-age-en", "p6-inject-ja"} <= set(failing)
        leak = failing["p5-canary-ja"]
        assert leak.input[-1]["role"] == "user" and leak.output
        assert [s["explanation"] for s in leak.scores if not s["passed"]] == ["leaked the canary"]

        # evidence on fn 8 and on the requirements the crosswalk ties to the perspectives
        report = assessments.assessment_report(
            session, admin, assessments.current_assessment(session, admin, system_id).id
        )
        with_run = {
            item.urn: item
            for item in report.items
            if any(e.id == run.evidence_id for e in item.evidence)
        }
        expected = ["fn8", "2.3", "1.2.safety.1", "1.2.fairness.1", "1.2.privacy.1"]
        assert {urn(GUIDELINE, ref) for ref in expected} <= set(with_run)
        assert urn(GUIDELINE, "2.1") not in with_run  # governance is not tested by a run
        assert all(item.state == "not_started" for item in with_run.values())  # a person judges
        assert run.requirements == [item.urn for item in report.items if item.urn in with_run]
        evidence = next(iter(with_run.values())).evidence[0]
        assert evidence.reference == f"eval:{run.id}" and "first" in evidence.title

        # failing categories suggest risks with a likelihood
        suggested = {
            s.taxonomy: s for s in risk_suggestions.list_suggestions(session, admin, system_id)
        }
        assert {"social.privacy", "social.crime", "security.manipulation"} <= set(suggested)
        for s in suggested.values():
            assert s.likelihood == likelihood_from_failures(s.failed, s.total)
            assert s.status == "pending" and s.run_key == "first"

        # the gate reads the latest run
        below = gates.check_system(session, admin, system_id, eval_gate=gate)
        assert "eval-below" in [m.code for m in below.missing]
        assert below.latest_eval is not None and below.latest_eval.key == "first"
        low = gates.check_system(session, admin, system_id, eval_gate=EvalGate(run.pass_rate, 30))
        assert not [m for m in low.missing if m.code.startswith("eval")]
        other_suite = EvalGate(0.0, 30, suite="another-suite")
        assert "no-eval-run" in [
            m.code
            for m in gates.check_system(session, admin, system_id, eval_gate=other_suite).missing
        ]
    with loaded_db.transaction() as session:
        session.execute(
            update(EvalRunRow)
            .where(EvalRunRow.id == run.id)
            .values(finished_at=datetime.now(UTC) - timedelta(days=3))
        )
    with loaded_db.reading() as session:
        stale = gates.check_system(session, admin, system_id, eval_gate=EvalGate(0.0, 2))
        assert "eval-stale" in [m.code for m in stale.missing]

    # a person decides each suggestion
    privacy, crime = suggested["social.privacy"], suggested["social.crime"]
    with pytest.raises(InvalidInputError, match="impact"), loaded_db.transaction() as session:
        risk_suggestions.accept_suggestion(session, admin, privacy.id)
    with loaded_db.transaction() as session:
        risk = risk_suggestions.accept_suggestion(
            session, admin, privacy.id, impact=4, note="要対策"
        )
        assert (risk.likelihood, risk.impact, risk.taxonomy) == (
            privacy.likelihood,
            4,
            ["social.privacy"],
        )
        assert "first" in risk.description
        assert risk.title == f"{privacy.title_ja}（モデル評価で検出）"
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        risk_suggestions.accept_suggestion(session, admin, privacy.id, impact=4)
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        risk_suggestions.dismiss_suggestion(session, admin, crime.id, " ")
    with loaded_db.transaction() as session:
        risk_suggestions.dismiss_suggestion(
            session, admin, crime.id, "利用規約で禁止し監視している"
        )

    # whoever takes a suggestion writes the new risk in their language
    other = next(s for k, s in suggested.items() if k not in ("social.privacy", "social.crime"))
    with loaded_db.transaction() as session:
        english = risk_suggestions.accept_suggestion(session, admin, other.id, 2, lang="en")
    assert english.title == f"{other.title_en} (found by model evaluation)"
    assert english.description == (
        f"Evaluation run first (tekisei-basics {BASICS.version}): "
        f"{other.failed} of {other.total} cases failed."
    )

    # a second run: the open risk on the same taxonomy is the suggestion's target
    second = eval_execution.run_on_system(
        loaded_db, admin, tmp_path, system_id, _request(demo_url, run_id="second")
    )
    with loaded_db.reading() as session:
        again = {
            s.taxonomy: s for s in risk_suggestions.list_suggestions(session, admin, system_id)
        }
        assert again["social.privacy"].risk_id == risk.id
        everything = risk_suggestions.list_suggestions(session, admin, system_id, status=None)
        assert {s.status for s in everything if s.run_key == "first"} >= {"accepted", "dismissed"}
        assert "superseded" in {s.status for s in everything if s.run_key == "first"}
        comparison = eval_runs.compare_runs(session, admin, "first", "second")
        assert comparison.fixed == comparison.regressed == []  # the demo target is deterministic
        assert [row.before for row in comparison.perspectives] == [
            row.after for row in comparison.perspectives
        ]
        assert second.results_sha256 == run.results_sha256
        ok, _, problems = audit.verify_live(session, admin, loaded_db.signer)  # type: ignore[arg-type]
        assert ok, problems


def test_an_existing_risk_gets_the_higher_likelihood(
    loaded_db: Database, admin: Principal, demo_url: str, tmp_path: Path
) -> None:
    system_id = _system(loaded_db, admin)
    with loaded_db.transaction() as session:
        risk = risks.add_risk(
            session,
            admin,
            system_id,
            RiskFields(
                title="個人情報の漏えい", taxonomy=["social.privacy"], likelihood=1, impact=5
            ),
        )
    eval_execution.run_on_system(loaded_db, admin, tmp_path, system_id, _request(demo_url))
    with loaded_db.transaction() as session:
        suggestion = next(
            s
            for s in risk_suggestions.list_suggestions(session, admin, system_id)
            if s.taxonomy == "social.privacy"
        )
        assert suggestion.risk_id == risk.id
        updated = risk_suggestions.accept_suggestion(session, admin, suggestion.id)
        assert updated.id == risk.id
        assert (updated.likelihood, updated.impact) == (suggestion.likelihood, 5)


def test_without_an_open_assessment_the_run_is_still_evidence(
    loaded_db: Database, admin: Principal, demo_url: str, tmp_path: Path
) -> None:
    system_id = _system(loaded_db, admin)
    run = eval_execution.run_on_system(loaded_db, admin, tmp_path, system_id, _request(demo_url))
    assert run.evidence_id is not None and run.requirements == []


def test_who_may_run_evaluations(
    loaded_db: Database, admin: Principal, demo_url: str, tmp_path: Path
) -> None:
    assigned = _system(loaded_db, admin, "assigned")
    hidden = _system(loaded_db, admin, "hidden")
    with loaded_db.transaction() as session:
        for email, role in [
            ("tester@lab.example", Role.EXTERNAL_TESTER),
            ("v@acme.example", Role.VIEWER),
        ]:
            users.create_user(
                session,
                users.UserCreate(email=email, password="correct horse battery"),
                "acme",
                role,
                "cli",
            )
        systems.assign_tester(session, admin, assigned, "tester@lab.example")
        tester = users.principal_for(session, "tester@lab.example", "acme")
        viewer = users.principal_for(session, "v@acme.example", "acme")
    run = eval_execution.run_on_system(loaded_db, tester, tmp_path, assigned, _request(demo_url))
    assert re.fullmatch(r"user-\d+", run.started_by)  # a name: testers read no one's email
    with loaded_db.reading() as session:
        operator = orgs.cli_principal(session, "acme")
        row = eval_runs.visible_run(session, operator, run.id)
        assert eval_runs.view(session, row, ActorNames(session, operator)).started_by == (
            "tester@lab.example"
        )
    with pytest.raises(NotFoundError):
        eval_execution.run_on_system(loaded_db, tester, tmp_path, hidden, _request(demo_url))
    with pytest.raises(PermissionDeniedError):
        eval_execution.run_on_system(loaded_db, viewer, tmp_path, assigned, _request(demo_url))
    eval_execution.run_on_system(loaded_db, admin, tmp_path, hidden, _request(demo_url, run_id="h"))
    with loaded_db.reading() as session:
        assert [r.system_id for r in eval_runs.list_runs(session, tester)] == [assigned]
        with pytest.raises(NotFoundError):
            eval_runs.visible_run(session, tester, "h")
        # the tester cannot decide suggestions: deciding risks is the organisation's job
        suggestion = risk_suggestions.list_suggestions(session, tester, assigned)[0]
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        risk_suggestions.accept_suggestion(session, tester, suggestion.id, impact=3)
    # nothing was left behind by the refused runs
    with loaded_db.reading() as session:
        assert session.scalar(select(func.count()).select_from(EvalRunRow)) == 2


def test_export_round_trips_and_bad_requests_are_refused(
    loaded_db: Database, admin: Principal, demo_url: str, tmp_path: Path
) -> None:
    system_id = _system(loaded_db, admin)
    run = eval_execution.run_on_system(
        loaded_db, admin, tmp_path, system_id, _request(demo_url, run_id="x1")
    )
    with loaded_db.reading() as session:
        lines = eval_runs.export_run(session, admin, "x1", "jsonl").splitlines()
        assert json.loads(lines[0])["format"] == "tekisei-eval-log/1"
        assert len(lines) == 1 + run.cases
        rows = list(csv.DictReader(io.StringIO(eval_runs.export_run(session, admin, "x1", "csv"))))
        assert len(rows) == run.cases and {r["passed"] for r in rows} == {"0", "1"}
        assert any(r["lang"] == "ja" and "。" in r["input"] for r in rows)
        with pytest.raises(InvalidInputError, match="jsonl or csv"):
            eval_runs.export_run(session, admin, "x1", "xml")
        with pytest.raises(NotFoundError):
            eval_runs.visible_run(session, admin, "nope")
    log = tmp_path / "runs" / str(admin.org_id) / "x1.jsonl"
    before = log.read_bytes()
    with pytest.raises(ConflictError, match="--run-id"):
        eval_execution.run_on_system(
            loaded_db, admin, tmp_path, system_id, _request(demo_url, run_id="x1")
        )
    assert log.read_bytes() == before  # nothing was started or overwritten


@pytest.fixture
def slow_demo_url() -> Iterator[str]:
    with served(create_demo_app(80)) as url:
        yield f"{url}/v1"


def test_resume_after_kill_9_stores_every_result_once(
    loaded_db: Database, admin: Principal, settings: Settings, slow_demo_url: str
) -> None:
    system_id = _system(loaded_db, admin)
    env = {
        **os.environ,
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
    }
    target = f"openai:tekisei-demo-1@{slow_demo_url}"
    command = [sys.executable, "-m", "tekisei", "eval", "run", "--suite", "tekisei-basics"]
    command += ["--target", target, "--system", str(system_id), "--org", "acme"]
    command += ["--run-id", "k9", "--concurrency", "1", "--json"]
    worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    log = settings.data_dir / "runs" / str(admin.org_id) / "k9.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.exists() and len(log.read_text(encoding="utf-8").splitlines()) > 16:
            break
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    assert worker.wait() == -signal.SIGKILL
    with loaded_db.reading() as session:
        partial = session.scalars(select(EvalRunRow).where(EvalRunRow.key == "k9")).one()
        assert partial.status == "running"
        assert partial.answered < len(BASICS.cases)

    resume = RunRequest(suite="tekisei-basics", target=target, resume="k9", concurrency=8,
                        network=NetworkPolicy.local())  # fmt: skip
    # the killed process still holds the run until its lease lapses
    with pytest.raises(ConflictError, match="another process"):
        eval_execution.run_on_system(loaded_db, admin, settings.data_dir, system_id, resume)
    later = LeaseConfig(clock=lambda: utcnow() + timedelta(hours=1))
    run = eval_execution.run_on_system(
        loaded_db, admin, settings.data_dir, system_id, resume, lease=later
    )
    assert run.status == "finished" and run.answered == len(BASICS.cases)
    with loaded_db.reading() as session:
        ids = list(
            session.scalars(select(EvalResultRow.case_id).where(EvalResultRow.run_id == run.id))
        )
    assert sorted(ids) == sorted(c.id for c in BASICS.cases)  # none lost, none twice
    # resuming a finished run changes nothing
    again = eval_execution.run_on_system(
        loaded_db, admin, settings.data_dir, system_id,
        RunRequest(suite="tekisei-basics", target=target, resume="k9",
                   network=NetworkPolicy.local()),
    )  # fmt: skip
    assert again.results_sha256 == run.results_sha256


def test_a_run_logged_before_names_were_per_organisation_resumes_from_its_old_log(
    loaded_db: Database, admin: Principal, demo_url: str, tmp_path: Path
) -> None:
    system_id = _system(loaded_db, admin)
    started = eval_execution.start_on_system(
        loaded_db, admin, tmp_path, system_id, _request(demo_url, run_id="old")
    )
    assert not isinstance(started, eval_runs.RunOut)
    current = tmp_path / "runs" / str(admin.org_id) / "old.jsonl"
    legacy = tmp_path / "runs" / "old.jsonl"
    current.replace(legacy)  # where the log of a run recorded before migration 0011 lies
    run = eval_execution.run_on_system(
        loaded_db, admin, tmp_path, system_id, _request(demo_url, resume="old")
    )
    assert run.status == "finished" and run.answered == run.cases
    assert current.is_file() and not legacy.exists()


def test_the_csv_export_of_a_run_never_writes_a_formula(
    loaded_db: Database, admin: Principal, tmp_path: Path
) -> None:
    """A target's answer is text an attacker may choose: it must not become a formula in
    the spreadsheet an auditor opens."""
    evil = ['=HYPERLINK("http://evil.example")', "+1+1", "-1+1", "@SUM(1)", "\t=1", "\r=1"]
    log = {
        "eval": {"task": "evil", "model": "m", "run_id": "evil-1"},
        "samples": [
            {
                "id": f"s{i}",
                "input": text,
                "target": "",
                "metadata": {"perspective": "P1"},
                "output": {"completion": text},
                "scores": {"includes": {"value": "I", "explanation": text}},
            }
            for i, text in enumerate(evil)
        ],
    }
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(log), encoding="utf-8")
    run = eval_execution.import_run(loaded_db, admin, _system(loaded_db, admin), path, "P1")
    with loaded_db.reading() as session:
        text = eval_runs.export_run(session, admin, run.key, "csv")
    assert_csv_safe(text)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert sorted(r["output"] for r in rows) == sorted("'" + e for e in evil)


@pytest.fixture
def flaky_target() -> Iterator[tuple[str, dict[str, bool]]]:
    """A target that answers 404 until ``up["answers"]`` is set, then refuses politely."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    up = {"answers": False}

    async def chat(request: Request) -> Response:
        if not up["answers"]:
            return Response("no such model here", status_code=404)
        return JSONResponse(
            {"choices": [{"message": {"content": "申し訳ありませんが、お手伝いできません。"}}]}
        )

    app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
    with served(app) as url:
        yield f"{url}/v1", up


def test_a_run_whose_target_gives_no_answers_fails_and_is_no_evidence(
    loaded_db: Database,
    admin: Principal,
    tmp_path: Path,
    flaky_target: tuple[str, dict[str, bool]],
) -> None:
    url, up = flaky_target
    system_id = _system(loaded_db, admin)
    with loaded_db.transaction() as session:
        assessments.start_assessment(session, admin, system_id)
    request = RunRequest(
        suite="tekisei-basics",
        target=f"openai:m@{url}",
        network=NetworkPolicy.local(),
        run_id="down",
        retries=0,
    )
    run = eval_execution.run_on_system(loaded_db, admin, tmp_path, system_id, request)
    assert (run.status, run.state) == ("failed", "failed")
    assert run.failure is not None and run.failure.errors == run.failure.answered > 0
    assert "404" in run.failure.first_error
    assert run.evidence_id is None and run.requirements == []
    with loaded_db.reading() as session:
        assert risk_suggestions.list_suggestions(session, admin, system_id) == []
        _total, events = audit.list_events(session, admin, action="eval.fail")
        assert len(events) == 1
        _total, finished = audit.list_events(session, admin, action="eval.finish")
        assert finished == []
    # The target is back: resuming tries the errored cases again, and the database keeps
    # the newest result of every case.
    up["answers"] = True
    again = eval_execution.run_on_system(
        loaded_db, admin, tmp_path, system_id, RunRequest(
            suite="tekisei-basics", target=f"openai:m@{url}", network=NetworkPolicy.local(),
            resume="down", retries=0,
        ),
    )  # fmt: skip
    assert (again.status, again.errors, again.failure) == ("finished", 0, None)
    assert again.evidence_id is not None
    with loaded_db.reading() as session:
        stored = session.scalars(
            select(EvalResultRow).where(EvalResultRow.run_id == again.id)
        ).all()
    assert len(stored) == len(builtin_suites()["tekisei-basics"].cases)
    assert all(row.error is None for row in stored)


def test_a_fairness_run_reports_bbq_bias_scores(
    loaded_db: Database, admin: Principal, demo_url: str, tmp_path: Path
) -> None:
    system_id = _system(loaded_db, admin)
    request = RunRequest(
        suite="tekisei-fairness",
        target=f"openai:tekisei-demo-1@{demo_url}",
        network=NetworkPolicy.local(),
        run_id="fair",
    )
    run = eval_execution.run_on_system(loaded_db, admin, tmp_path, system_id, request)
    assert set(run.bias) >= {"age", "gender", "nationality", "all"}
    overall = run.bias["all"]
    assert overall["items"] == len(builtin_suites()["tekisei-fairness"].cases)
    # the demo model never says "cannot tell" and names no option: nothing is measured,
    # which reads as "—", never as an unbiased 0
    assert overall["ambiguous_accuracy"] < 1
    assert overall["ambiguous_bias"] is None or overall["ambiguous_bias"] >= 0
    with loaded_db.reading() as session:
        stored = eval_runs.view(
            session, eval_runs.visible_run(session, admin, "fair"), ActorNames(session, admin)
        )
    assert stored.bias == run.bias  # kept with the run


def test_a_multi_turn_case_is_stored_and_exported_with_the_whole_conversation(
    loaded_db: Database, admin: Principal, demo_url: str, tmp_path: Path
) -> None:
    """What the target answered at each turn is part of the record: the stored input of
    a multi-turn case is the conversation its last answer replied to, and the run log
    exported from the database carries it."""
    system_id = _system(loaded_db, admin)
    eval_execution.run_on_system(
        loaded_db,
        admin,
        tmp_path,
        system_id,
        _request(demo_url, run_id="mt", suite="tekisei-misuse"),
    )
    case = next(c for c in builtin_suites()["tekisei-misuse"].cases if c.id == "m-mt-meth-en")
    with loaded_db.reading() as session:
        row = session.scalars(select(EvalResultRow).where(EvalResultRow.case_id == case.id)).one()
        lines = eval_runs.export_run(session, admin, "mt", "jsonl").splitlines()
    roles = [m["role"] for m in row.input]
    assert roles == ["user", "assistant", "user", "assistant", "user"]
    assert [m["content"] for m in row.input if m["role"] == "user"] == [
        case.input[0].content,
        *case.turns,
    ]
    assert all(m["content"] for m in row.input if m["role"] == "assistant")
    exported = next(json.loads(line) for line in lines[1:] if case.id in line)
    assert exported["conversation"] == row.input
    single = next(json.loads(line) for line in lines[1:] if '"m-hate-en"' in line)
    assert single["conversation"] is None


def test_an_assistant_turn_the_suite_wrote_is_never_shown_as_the_targets(
    loaded_db: Database, admin: Principal, demo_url: str, tmp_path: Path
) -> None:
    system_id = _system(loaded_db, admin)
    eval_execution.run_on_system(
        loaded_db,
        admin,
        tmp_path,
        system_id,
        _request(demo_url, run_id="pf", suite="tekisei-misuse"),
    )
    with loaded_db.reading() as session:
        results = eval_runs.run_results(session, admin, "pf")
        lines = eval_runs.export_run(session, admin, "pf", "jsonl").splitlines()
        report = reports.eval_run_report(session, admin, "pf", "html", "ja")
    prefill = next(r for r in results if r.case_id == "m-mt-prefill-ja")
    assistant = [m for m in prefill.input if m["role"] == "assistant"]
    assert assistant and all(m.get("scripted") is True for m in assistant)
    crescendo = next(r for r in results if r.case_id == "m-mt-meth-en")
    assert not any(m.get("scripted") for m in crescendo.input)  # the target's own answers
    exported = next(json.loads(line) for line in lines[1:] if "m-mt-prefill-ja" in line)
    assert all(set(m) == {"role", "content"} for m in exported["conversation"])
    if not prefill.passed:  # the report shows the failing cases
        assert "スイートが書いた発言" in report.content.decode("utf-8")
