"""Evaluation runs in the workspace: a run belongs to a system, its results are stored in
batches as they finish, and a finished run becomes evidence on the requirements it tests
and suggests risks for a person to accept (``risk_suggestions``). Executing runs is
``eval_execution``."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tekisei.core.catalog import urn
from tekisei.core.eval_findings import (
    EVIDENCE_RELATIONS,
    MAX_ERROR_SHARE,
    RED_TEAMING_REF,
    Tally,
)
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.stats import differs, wilson
from tekisei.db.assessments import EvidenceRow
from tekisei.db.catalog import CrosswalkLinkRow
from tekisei.db.evals import EvalResultRow, EvalRunRow
from tekisei.db.orgs import OrgRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.evals import (
    Case,
    Message,
    Result,
    Role,
    RunHeader,
    Score,
)
from tekisei.render.sheets import Table, csv_text
from tekisei.services import assessments, audit, eval_jobs, risk_suggestions, scope, systems
from tekisei.services.database import Database
from tekisei.services.evidence import MAX_TITLE
from tekisei.services.notes import note_text
from tekisei.services.people import ActorNames

JAISI = "jaisi-eval-perspectives-1.10"
log = logging.getLogger(__name__)
GUIDELINE = assessments.GUIDELINE


RunState = Literal["queued", "executing", "interrupted", "failed", "finished"]


class FailureOut(BaseModel):
    """Why a run failed: too many of its cases errored."""

    errors: int
    answered: int
    share: float
    first_error: str


class StopOut(BaseModel):
    """Why a run stopped before finishing: cancelled (by whom), or an error (its message
    in English and Japanese)."""

    kind: Literal["cancelled", "error"]
    at: datetime
    by: str | None = None
    message: str | None = None
    message_ja: str | None = None


class RunOut(BaseModel):
    """An evaluation run as readers see it."""

    id: int
    key: str
    system_id: int
    system_name: str
    source: str
    suite: str
    suite_version: str
    target: str
    probes: list[str]
    judge: str | None
    """The LLM judge's target, when one judged the answers too."""
    status: str
    """``running``, ``finished`` or ``failed`` (too many cases errored)."""
    executing: bool
    """A process (a worker, or a command-line run) holds the run's lease and executes it
    now; a running run that is neither executing nor queued was interrupted and can be
    resumed."""
    queued: bool = False
    """Waiting for a worker (``tekisei worker``) to take it up."""
    stopped: StopOut | None = None
    """Why a run that is not executing stopped before finishing, when known."""
    failure: FailureOut | None = None
    """Why the run failed (too many errored cases), when it did."""
    bias: dict[str, dict[str, float | None]] = {}
    """BBQ-style bias scores of fairness items, per attribute and ``all``
    (``ambiguous_bias``, ``disambiguated_bias``, accuracies, ``items``)."""
    intervals: dict[str, tuple[float, float]] = {}
    """95 % Wilson intervals of the pass rate: per perspective, and ``all`` for the run."""
    judge_agreement: dict[str, int] = {}
    """With a judge: answers it decided (``judged``) and those where the rule scorers
    reached the same verdict (``agreed``)."""
    state: RunState = "finished"
    """Where the run is, in one word: ``queued``, ``executing``, ``interrupted`` (running,
    but no process executes it and none will: stopped, cancelled or killed; it can be
    resumed) or ``finished``."""
    cases: int
    answered: int
    passed: int
    errors: int
    pass_rate: float | None
    by_perspective: dict[str, dict[str, int]]
    by_risk: dict[str, dict[str, int]]
    inconsistent: dict[str, str]
    requirements: list[str]
    """Guideline requirements (URNs) the run was attached to as evidence."""
    evidence_id: int | None
    results_sha256: str | None
    started_by: str
    started_at: datetime
    finished_at: datetime | None


class ResultOut(BaseModel):
    """One case's outcome in a run."""

    case_id: str
    perspective: str
    risks: list[str]
    lang: str
    passed: bool
    error: str | None
    input: list[dict[str, Any]]
    """The messages asked; ``scripted`` marks an assistant turn the suite wrote."""
    output: str | None
    scores: list[dict[str, Any]]
    latency_ms: float


class ComparisonRow(BaseModel):
    """One perspective in two runs, and whether its pass rate changed beyond chance (a
    two-proportion z-test at 95 %)."""

    perspective: str
    before: dict[str, int] | None
    after: dict[str, int] | None
    beyond_noise: bool = False


class ComparisonOut(BaseModel):
    """Two runs side by side: per perspective, and the cases that changed."""

    before: RunOut
    after: RunOut
    perspectives: list[ComparisonRow]
    fixed: list[str]
    """Cases that failed before and pass now."""
    regressed: list[str]
    """Cases that passed before and fail now."""
    beyond_noise: bool = False
    """Whether the overall pass rate changed beyond chance (two-proportion z-test, 95 %)."""


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _not_found(reference: str | int) -> NotFoundError:
    return NotFoundError(
        f"no evaluation run {reference} in this organisation",
        ja=f"この組織に評価実行 {reference} はありません。",
    )


def visible_run(session: Session, principal: Principal, reference: str | int) -> EvalRunRow:
    """A run of a system the principal may see, by name or by number, looked up only
    among the principal's organisation's runs: another organisation's run is answered
    exactly like one that does not exist.

    Raises:
        NotFoundError: no such run in the organisation, or its system is not visible.
    """
    mine = select(EvalRunRow).where(EvalRunRow.org_id == principal.org_id)
    text = str(reference)
    row = session.scalars(mine.where(EvalRunRow.key == text)).first()
    if row is None and text.isdigit() and len(text) <= 10 and int(text) < 2**31:
        row = session.scalars(mine.where(EvalRunRow.id == int(text))).first()
    return scope.visible_row(session, principal, row, _not_found(reference))


def _stopped(found: dict[str, str] | None, actors: ActorNames) -> StopOut | None:
    if not found:
        return None
    return StopOut(
        kind="cancelled" if found.get("kind") == "cancelled" else "error",
        at=datetime.fromisoformat(found["at"]),
        by=actors(found.get("by")),
        message=found.get("en"),
        message_ja=found.get("ja"),
    )


def _intervals(
    by_perspective: dict[str, dict[str, int]], passed: int, answered: int
) -> dict[str, tuple[float, float]]:
    counts = {**by_perspective, "all": {"passed": passed, "total": answered}}
    out: dict[str, tuple[float, float]] = {}
    for key, tally in counts.items():
        found = wilson(tally.get("passed", 0), tally.get("total", 0))
        if found is not None:
            out[key] = (round(found.low, 4), round(found.high, 4))
    return out


def run_state(status: str, job: str | None) -> RunState:
    """A run's state from its status and its job's (``executing``, ``queued`` or none)."""
    if status in ("finished", "failed") and job is None:
        return "finished" if status == "finished" else "failed"
    if job == "executing":
        return "executing"
    return "queued" if job == "queued" else "interrupted"


def view(session: Session, row: EvalRunRow, actors: ActorNames) -> RunOut:
    """The reader's view of a run (``actors``: how the one who started it is shown)."""
    name = session.scalar(select(SystemRow.name).where(SystemRow.id == row.system_id))
    summary = row.summary or {}
    state = eval_jobs.job_state(session, row.id) if row.status != "finished" else None
    return RunOut(
        id=row.id,
        key=row.key,
        system_id=row.system_id,
        system_name=name or "",
        source=row.source,
        suite=row.suite,
        suite_version=row.suite_version,
        target=row.target,
        probes=list(row.probes),
        judge=summary.get("judge"),
        status=row.status,
        executing=state == "executing",
        queued=state == "queued",
        state=run_state(row.status, state),
        stopped=_stopped(summary.get("stopped"), actors) if state is None else None,
        failure=FailureOut(**summary["failure"]) if row.status == "failed" else None,
        judge_agreement=summary.get("judge_agreement") or {},
        bias=summary.get("bias") or {},
        intervals=_intervals(summary.get("by_perspective", {}), row.passed, row.answered),
        cases=row.cases,
        answered=row.answered,
        passed=row.passed,
        errors=row.errors,
        pass_rate=row.pass_rate,
        by_perspective=summary.get("by_perspective", {}),
        by_risk=summary.get("by_risk", {}),
        inconsistent=summary.get("inconsistent", {}),
        requirements=summary.get("requirements", []),
        evidence_id=row.evidence_id,
        results_sha256=row.results_sha256,
        started_by=actors(row.started_by) or "",
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def key_free(session: Session, org_id: int, key: str) -> None:
    """Raise ConflictError when the organisation has a run of that name (names are per
    organisation: another organisation's runs are never looked at)."""
    taken = select(EvalRunRow.id).where(EvalRunRow.org_id == org_id, EvalRunRow.key == key)
    if session.scalars(taken).first() is not None:
        raise ConflictError(
            f"a run named {key} exists already; choose another --run-id",
            ja=f"評価実行 {key} はすでにあります。別の --run-id を指定してください。",
        )


def begin_run(
    session: Session,
    principal: Principal,
    system_id: int,
    *,
    key: str,
    suite: str,
    suite_version: str,
    target: str,
    probes: list[str],
    cases: int,
    source: str = "run",
    judge: str | None = None,
) -> EvalRunRow:
    """Record that a run on a system has started.

    Raises:
        PermissionDeniedError: the role may not run evaluations.
        NotFoundError: the system is not visible (external testers: not assigned).
        ConflictError: the key is taken.
    """
    system = systems.visible_system(session, principal, system_id)
    require(principal, Permission.RUN_EVALS)
    key_free(session, principal.org_id, key)
    row = EvalRunRow(
        org_id=principal.org_id,
        system_id=system.id,
        key=key,
        source=source,
        suite=suite,
        suite_version=suite_version,
        target=target,
        probes=probes,
        status="running",
        cases=cases,
        answered=0,
        passed=0,
        errors=0,
        summary={"judge": judge} if judge else {},
        started_by=principal.email,
        started_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "eval.start",
        "eval_run",
        row.id,
        {
            "system": system.id,
            "key": key,
            "source": source,
            "suite": f"{suite} {suite_version}",
            "target": target,
            "probes": probes,
            "cases": cases,
            "judge": judge,
        },
    )
    return row


def _text(value: Any) -> Any:
    """``value`` with NUL (which no database text column takes) shown as U+FFFD, in
    strings at any depth: answers and imported logs are chosen by others."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_text(item) for item in value]
    if isinstance(value, dict):
        return {key: _text(item) for key, item in value.items()}
    return value


def _stored_input(messages: list[Message], case: Case) -> list[dict[str, Any]]:
    """The messages as stored; an assistant message the suite itself wrote (a prefilled
    turn of the case's input) is marked ``scripted``, so that no page or report shows it
    as the target's words."""
    return [
        {
            **message.model_dump(mode="json"),
            **(
                {"scripted": True}
                if index < len(case.input) and message.role is Role.ASSISTANT
                else {}
            ),
        }
        for index, message in enumerate(messages)
    ]


def result_row(run_id: int, result: Result, case: Case) -> dict[str, Any]:
    """The columns of one stored result."""
    row = _columns(run_id, result, case)
    return {key: _text(value) for key, value in row.items()}


def _columns(run_id: int, result: Result, case: Case) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "case_id": result.case_id,
        "perspective": case.perspective,
        "risks": list(case.risks),
        "lang": case.lang,
        "passed": result.passed,
        "error": result.error,
        "input": _stored_input(result.conversation or case.asked(), case),
        "output": result.output,
        "scores": [s.model_dump(mode="json") for s in result.scores],
        "latency_ms": round(result.latency_ms, 2),
    }


class ResultWriter:
    """Stores results in batches as they finish, each batch in its own transaction.

    A case already stored for the run is skipped, so writing the same result twice (a
    resumed run replaying its log) never duplicates it.
    """

    def __init__(
        self,
        database: Database,
        run_id: int,
        cases: dict[str, Case],
        *,
        batch: int = 200,
        interval_s: float = 1.0,
    ) -> None:
        self._database = database
        self._run_id = run_id
        self._cases = cases
        self._batch = batch
        self._interval = interval_s
        self._pending: list[dict[str, Any]] = []
        self._last = time.monotonic()

    def add(self, result: Result) -> None:
        """Queue a result; a full batch, or one older than the interval, is written."""
        case = self._cases.get(result.case_id)
        if case is None:
            return
        self._pending.append(result_row(self._run_id, result, case))
        if len(self._pending) >= self._batch or time.monotonic() - self._last >= self._interval:
            self.flush()

    def flush(self) -> None:
        """Write what is queued (nothing is lost if this raises: the run log has it)."""
        self._last = time.monotonic()
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        with self._database.transaction() as session:
            store_results(session, self._run_id, rows)


def store_results(session: Session, run_id: int, rows: list[dict[str, Any]]) -> int:
    """Insert results not stored yet for the run (one statement); returns how many. A
    result another process stored meanwhile is skipped, never stored twice; a stored
    error is replaced by a newer answer (a resumed run retries its errored cases, and the
    database keeps the newest result, as the run log does)."""
    ids = [row["case_id"] for row in rows]
    answered = {row["case_id"] for row in rows if row.get("error") is None}
    retried = set(
        session.scalars(
            select(EvalResultRow.case_id).where(
                EvalResultRow.run_id == run_id,
                EvalResultRow.case_id.in_(answered),
                EvalResultRow.error.is_not(None),
            )
        )
    )
    if retried:
        session.execute(
            delete(EvalResultRow).where(
                EvalResultRow.run_id == run_id, EvalResultRow.case_id.in_(retried)
            )
        )
    stored = set(
        session.scalars(
            select(EvalResultRow.case_id).where(
                EvalResultRow.run_id == run_id, EvalResultRow.case_id.in_(ids)
            )
        )
    )
    fresh: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["case_id"] not in stored:
            fresh.setdefault(row["case_id"], row)
    if fresh:
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(EvalResultRow).on_conflict_do_nothing(
            index_elements=["run_id", "case_id"]
        )
        session.execute(statement, list(fresh.values()))
    run = session.get(EvalRunRow, run_id)
    assert run is not None
    run.answered = (
        session.scalar(
            select(func.count()).select_from(EvalResultRow).where(EvalResultRow.run_id == run_id)
        )
        or 0
    )
    return len(fresh)


def _results(session: Session, run_id: int) -> list[EvalResultRow]:
    return list(
        session.scalars(
            select(EvalResultRow)
            .where(EvalResultRow.run_id == run_id)
            .order_by(EvalResultRow.case_id)
        )
    )


def _tallies(rows: list[EvalResultRow]) -> tuple[dict[str, Tally], dict[str, Tally]]:
    perspective: dict[str, list[int]] = {}
    risk: dict[str, list[int]] = {}
    for row in rows:
        for bucket, key in [(perspective, row.perspective), *((risk, r) for r in row.risks)]:
            entry = bucket.setdefault(key, [0, 0])
            entry[0] += int(row.passed)
            entry[1] += 1

    def order(key: str) -> tuple[int, str]:
        return (int(key[1:]), key) if key[1:].isdigit() else (99, key)

    return (
        {k: Tally(*perspective[k]) for k in sorted(perspective, key=order)},
        {k: Tally(*risk[k]) for k in sorted(risk)},
    )


def _digest(rows: list[EvalResultRow]) -> str:
    canonical = json.dumps(
        [[r.case_id, r.passed, r.output, r.error] for r in rows],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def tested_requirements(
    session: Session, principal: Principal, system_id: int, perspectives: list[str]
) -> list[str]:
    """Guideline requirements that apply to the system and that a run on these perspectives
    gives evidence for: fn 8 (red teaming and tests) always, and the items the crosswalk
    links to the perspectives as equal, intersecting, subset or superset."""
    targets = [urn(JAISI, p) for p in perspectives]
    strong = {r.value for r in EVIDENCE_RELATIONS}
    linked = set(
        session.scalars(
            select(CrosswalkLinkRow.source_urn).where(
                CrosswalkLinkRow.target_urn.in_(targets),
                CrosswalkLinkRow.relation.in_(strong),
            )
        )
    )
    linked.add(urn(GUIDELINE, RED_TEAMING_REF))
    return [
        r.urn for r in systems.system_requirements(session, principal, system_id) if r.urn in linked
    ]


def judge_agreement(rows: list[EvalResultRow]) -> dict[str, int]:
    """How often the LLM judge and the rule scorers reached the same verdict, over the
    answers the judge decided (none without a judge)."""
    judged = agreed = 0
    for row in rows:
        judge = [s for s in row.scores if s.get("scorer") == "llm_judge"]
        rules = [s for s in row.scores if s.get("scorer") != "llm_judge"]
        if not judge or not rules:
            continue
        judged += 1
        agreed += judge[0]["passed"] == all(s["passed"] for s in rules)
    return {"judged": judged, "agreed": agreed}


def _fail(
    session: Session, principal: Principal, run: EvalRunRow, tallies: dict[str, Any]
) -> EvalRunRow:
    """End ``run`` as failed, saying why; resuming it retries the errored cases."""
    run.status = "failed"
    share = run.errors / run.answered if run.answered else 1.0
    first = session.scalar(
        select(EvalResultRow.error)
        .where(EvalResultRow.run_id == run.id, EvalResultRow.error.is_not(None))
        .order_by(EvalResultRow.id)
        .limit(1)
    )
    run.summary = {
        **({"judge": run.summary["judge"]} if run.summary.get("judge") else {}),
        **tallies,
        "failure": {
            "errors": run.errors,
            "answered": run.answered,
            "share": round(share, 4),
            "first_error": (first or "")[:300],
        },
    }
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "eval.fail",
        "eval_run",
        run.id,
        {"key": run.key, "answered": run.answered, "errors": run.errors,
         "results_sha256": run.results_sha256},
    )  # fmt: skip
    return run


def finish_run(
    session: Session,
    principal: Principal,
    run_id: int,
    inconsistent: dict[str, str] | None = None,
    *,
    bias: dict[str, dict[str, float | None]] | None = None,
) -> EvalRunRow:
    """Close a run: summarise it per perspective and risk, keep it as evidence on the
    requirements it tests, and suggest risks for its failing categories.

    Raises:
        ConflictError: the run is finished already.
    """
    run = visible_run(session, principal, run_id)
    require(principal, Permission.RUN_EVALS)
    if run.status == "finished":
        raise ConflictError(
            f"run {run.key} is finished already", ja=f"評価実行 {run.key} は完了しています。"
        )
    rows = _results(session, run.id)
    by_perspective, by_risk = _tallies(rows)
    run.answered = len(rows)
    run.passed = sum(r.passed for r in rows)
    run.errors = sum(r.error is not None for r in rows)
    run.pass_rate = round(run.passed / len(rows), 4) if rows else 0.0
    run.results_sha256 = _digest(rows)
    run.finished_at = datetime.now(UTC)
    tallies: dict[str, Any] = {
        "judge_agreement": judge_agreement(rows),
        "by_perspective": {
            k: {"passed": t.passed, "total": t.total} for k, t in by_perspective.items()
        },
        "by_risk": {k: {"passed": t.passed, "total": t.total} for k, t in by_risk.items()},
        "inconsistent": inconsistent or {},
        "bias": bias or {},
    }
    if not rows or run.errors > MAX_ERROR_SHARE * len(rows):
        return _fail(session, principal, run, tallies)
    run.status = "finished"
    title = AutoNote.of(
        NoteKey.EVAL_EVIDENCE,
        run=run.key,
        suite=run.suite,
        version=run.suite_version,
        pass_percent=round(run.pass_rate * 100),
    )
    evidence = EvidenceRow(
        org_id=principal.org_id,
        kind="reference",
        title=note_text(title, "ja")[:MAX_TITLE],
        auto_title=title.stored(),
        reference=f"eval:{run.id}",
        created_by=principal.email,
        created_at=run.finished_at,
    )
    session.add(evidence)
    session.flush()
    run.evidence_id = evidence.id
    org = _org(session, principal)
    audit.record(
        session,
        org,
        principal.email,
        "evidence.add",
        "evidence",
        evidence.id,
        {"kind": "reference", "reference": evidence.reference},
    )
    requirements = tested_requirements(session, principal, run.system_id, list(by_perspective))
    failing = run.answered - run.passed
    attached = assessments.attach_test_evidence(
        session,
        principal,
        run.system_id,
        requirements,
        evidence,
        AutoNote.of(NoteKey.EVAL_ATTACHED, run=run.key, failing=failing),
    )
    run.summary = {
        **({"judge": run.summary["judge"]} if run.summary.get("judge") else {}),
        **tallies,
        "requirements": attached,
    }
    suggested = risk_suggestions.suggest_risks(session, run, by_risk)
    audit.record(
        session,
        org,
        principal.email,
        "eval.finish",
        "eval_run",
        run.id,
        {
            "key": run.key,
            "answered": run.answered,
            "passed": run.passed,
            "errors": run.errors,
            "pass_rate": run.pass_rate,
            "results_sha256": run.results_sha256,
            "evidence": evidence.id,
            "requirements": attached,
            "suggestions": suggested,
        },
    )
    return run


def list_runs(
    session: Session, principal: Principal, system_id: int | None = None, limit: int = 100
) -> list[RunOut]:
    """Runs of the systems the principal may see, newest first."""
    require(principal, Permission.READ)
    query = select(EvalRunRow).where(
        scope.visible(principal, EvalRunRow.org_id, EvalRunRow.system_id)
    )
    if system_id is not None:
        systems.visible_system(session, principal, system_id)
        query = query.where(EvalRunRow.system_id == system_id)
    rows = session.scalars(query.order_by(EvalRunRow.id.desc()).limit(limit))
    actors = ActorNames(session, principal)
    return [view(session, r, actors) for r in rows]


def run_report(session: Session, principal: Principal, reference: str | int) -> dict[str, Any]:
    """A stored run's findings, in the shape of a local run's report plus what the
    workspace adds: per risk id, the evidence, the requirements and the suggested risks."""
    run = visible_run(session, principal, reference)
    out = view(session, run, ActorNames(session, principal))
    return {
        "run_id": run.key,
        "id": run.id,
        "system": run.system_id,
        "status": run.status,
        "source": run.source,
        "suite": f"{run.suite} {run.suite_version}",
        "target": run.target,
        "cases": run.cases,
        "answered": run.answered,
        "passed": run.passed,
        "errors": run.errors,
        "pass_rate": run.pass_rate or 0.0,
        "by_perspective": out.by_perspective,
        "by_risk": out.by_risk,
        "inconsistent": out.inconsistent,
        "evidence": run.evidence_id,
        "requirements": out.requirements,
        "results_sha256": run.results_sha256,
        "suggested_risks": [
            s.model_dump(mode="json")
            for s in risk_suggestions.list_suggestions(
                session, principal, run.system_id, status=None
            )
            if s.run_id == run.id
        ],
        "failing": [
            {
                "case": r.case_id,
                "perspective": r.perspective,
                "risks": r.risks,
                "error": r.error,
                "explanations": [s["explanation"] for s in r.scores if not s["passed"]],
            }
            for r in _results(session, run.id)
            if not r.passed
        ],
    }


def _conversation(stored: list[dict[str, str]]) -> list[Message] | None:
    """The stored input as the conversation an answer replied to, when it holds the
    target's earlier answers (a multi-turn case); None for a single question."""
    messages = [Message(role=Role(m["role"]), content=m["content"]) for m in stored]
    return messages if any(m.role is Role.ASSISTANT for m in messages) else None


def export_run(session: Session, principal: Principal, reference: str | int, fmt: str) -> str:
    """A stored run as a run log (``jsonl``, format tekisei-eval-log/1, which
    ``tekisei eval import`` reads back) or as ``csv`` (one row per case, for spreadsheets).

    Raises:
        InvalidInputError: another format.
    """
    run = visible_run(session, principal, reference)
    rows = _results(session, run.id)
    if fmt == "jsonl":
        header = RunHeader(
            run_id=run.key,
            suite=run.suite,
            suite_version=run.suite_version,
            target=run.target,
            started_at=run.started_at,
            settings={"probes": list(run.probes), "cases": run.cases, "system": run.system_id},
        )
        lines = [header.model_dump_json()]
        for row in rows:
            result = Result(
                case_id=row.case_id,
                output=row.output,
                error=row.error,
                scores=[Score.model_validate(s) for s in row.scores],
                latency_ms=row.latency_ms,
                conversation=_conversation(row.input),
            )
            lines.append(result.model_dump_json())
        return "\n".join(lines) + "\n"
    if fmt == "csv":
        table = Table(
            title=run.key,
            header=["run", "case_id", "perspective", "risks", "lang", "passed", "input",
                    "output", "error", "explanations"],
            rows=[
                [
                    run.key,
                    row.case_id,
                    row.perspective,
                    " ".join(row.risks),
                    row.lang,
                    row.passed,
                    "\n".join(f"{m['role']}: {m['content']}" for m in row.input),
                    row.output or "",
                    row.error or "",
                    "; ".join(f"{s['scorer']}: {s['explanation']}" for s in row.scores),
                ]
                for row in rows
            ],
        )  # fmt: skip
        return csv_text(table)
    raise InvalidInputError(
        f"format {fmt!r}: use jsonl or csv", ja=f"形式 {fmt!r}: jsonl か csv を指定してください。"
    )


def run_results(
    session: Session, principal: Principal, reference: str | int, failing_only: bool = False
) -> list[ResultOut]:
    """The results of a run (only the failing ones when asked), in case order."""
    run = visible_run(session, principal, reference)
    return [
        ResultOut.model_validate(r, from_attributes=True)
        for r in _results(session, run.id)
        if not (failing_only and r.passed)
    ]


def _beyond_noise(before: dict[str, int] | None, after: dict[str, int] | None) -> bool:
    if not before or not after:
        return False
    return differs(before["passed"], before["total"], after["passed"], after["total"])


def compare_runs(
    session: Session, principal: Principal, before: str | int, after: str | int
) -> ComparisonOut:
    """Two runs side by side (e.g. before and after a fix)."""
    first = visible_run(session, principal, before)
    second = visible_run(session, principal, after)
    old = {r.case_id: r.passed for r in _results(session, first.id)}
    new = {r.case_id: r.passed for r in _results(session, second.id)}
    actors = ActorNames(session, principal)
    a, b = view(session, first, actors), view(session, second, actors)
    keys = list(dict.fromkeys([*a.by_perspective, *b.by_perspective]))
    keys.sort(key=lambda k: int(k[1:]) if k[1:].isdigit() else 99)
    return ComparisonOut(
        before=a,
        after=b,
        perspectives=[
            ComparisonRow(
                perspective=k,
                before=a.by_perspective.get(k),
                after=b.by_perspective.get(k),
                beyond_noise=_beyond_noise(a.by_perspective.get(k), b.by_perspective.get(k)),
            )
            for k in keys
        ],
        beyond_noise=differs(a.passed, a.answered, b.passed, b.answered),
        fixed=sorted(c for c, ok in new.items() if ok and old.get(c) is False),
        regressed=sorted(c for c, ok in new.items() if not ok and old.get(c) is True),
    )
