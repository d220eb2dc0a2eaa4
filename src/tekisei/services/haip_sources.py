"""The built-in fact sources of the HAIP report, registered per section when imported.

Section 1 (risk identification and evaluation): the risk register, and evaluation runs
with their findings. Section 2 (risk management and information security): the treatment
and acceptance of risks, the security, privacy and robustness results of the runs, and
the dataset records. Sections 3 to 5 (transparency reporting, organisational governance,
content provenance) are in ``services/haip_disclosure_sources.py``; this module holds the
helpers both share. Sections 6 and 7 have no source: research, investment and
contributions to global challenges are what people write. No source is made up for what
tekisei does not record; the AI policies and incidents have their own modules.

Each source reads only what the reader may see (``scope.visible``); counts of systems are
of the visible ones.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, cast, func, select

from tekisei.core.haip_facts import Cell, FactBlock, FactColumn, FactKey, Label, table
from tekisei.core.notes import AutoNote
from tekisei.core.orgs import Role
from tekisei.core.risks import level
from tekisei.core.times import local
from tekisei.db.evals import EvalResultRow, EvalRunRow, RiskSuggestionRow
from tekisei.db.orgs import MembershipRow, UserRow
from tekisei.db.records import DatasetRecordRow
from tekisei.db.risks import RiskRow
from tekisei.db.systems import SystemRow
from tekisei.services.haip_facts import FactContext, register_fact_source
from tekisei.services.risk_suggestions import taxonomy_titles
from tekisei.services.scope import visible

SECURITY_PERSPECTIVES = ("P5", "P6", "P8")
"""J-AISI perspectives of section 2: privacy (P5), security (P6), robustness (P8)."""


def note(key: FactKey, **params: str | int | float) -> AutoNote:
    """A summary line of ``key`` naming ``params``."""
    return AutoNote(key=key.value, params=params)


def percent(share: float) -> int:
    """A share as a whole percentage."""
    return round(share * 100)


def day(ctx: FactContext, moment: datetime | None) -> str | None:
    """The date of ``moment`` on the organisation's clock (None stays None)."""
    return None if moment is None else f"{local(moment, ctx.zone):%Y-%m-%d}"


def visible_systems(ctx: FactContext) -> dict[int, SystemRow]:
    """The visible systems, by id."""
    rows = ctx.session.scalars(
        select(SystemRow)
        .where(visible(ctx.principal, SystemRow.org_id, SystemRow.id))
        .order_by(SystemRow.name, SystemRow.id)
    )
    return {row.id: row for row in rows}


def _risks(ctx: FactContext) -> list[tuple[RiskRow, SystemRow]]:
    """The visible risks recorded before the period ended, by system and score."""
    rows = ctx.session.execute(
        select(RiskRow, SystemRow)
        .join(SystemRow, SystemRow.id == RiskRow.system_id)
        .where(
            visible(ctx.principal, RiskRow.org_id, RiskRow.system_id), RiskRow.created_at < ctx.end
        )
        .order_by(SystemRow.name, RiskRow.inherent.desc(), RiskRow.id)
    )
    return [(risk, system) for risk, system in rows]


def risk_facts(ctx: FactContext) -> FactBlock:
    """Section 1: the risks identified, by level and category."""
    found = _risks(ctx)
    if not found:
        return FactBlock(source="risks", lines=[note(FactKey.NO_RISKS)])
    levels = dict.fromkeys(("critical", "high", "medium", "low"), 0)
    for risk, _ in found:
        levels[level(risk.inherent).value] += 1
    categories = {c.split(".")[0] for risk, _ in found for c in risk.taxonomy}
    titles = taxonomy_titles(ctx.session)
    used = {c for risk, _ in found for c in risk.taxonomy}
    columns = [
        FactColumn(key="system"),
        FactColumn(key="risk"),
        FactColumn(
            key="categories",
            kind="labels",
            labels={c: Label(ja=titles[c][0], en=titles[c][1]) for c in used if c in titles},
        ),
        FactColumn(key="level", kind="word", words="level"),
        FactColumn(key="status", kind="word", words="risk-status"),
    ]
    rows: list[list[Cell]] = [
        [system.name, risk.title, ",".join(risk.taxonomy), level(risk.inherent).value, risk.status]
        for risk, system in found
    ]
    return FactBlock(
        source="risks",
        lines=[
            note(
                FactKey.RISKS,
                risks=len(found),
                systems=len({s.id for _, s in found}),
                all_systems=len(visible_systems(ctx)),
                categories=len(categories),
            ),
            note(FactKey.RISK_LEVELS, **levels),
        ],
        table=table(columns, rows),
        covers=["1"],
    )


def _runs(ctx: FactContext) -> list[tuple[EvalRunRow, SystemRow]]:
    """The visible runs that finished in the period, oldest first."""
    rows = ctx.session.execute(
        select(EvalRunRow, SystemRow)
        .join(SystemRow, SystemRow.id == EvalRunRow.system_id)
        .where(
            visible(ctx.principal, EvalRunRow.org_id, EvalRunRow.system_id),
            EvalRunRow.status == "finished",
            EvalRunRow.finished_at >= ctx.start,
            EvalRunRow.finished_at < ctx.end,
        )
        .order_by(EvalRunRow.finished_at, EvalRunRow.id)
    )
    return [(run, system) for run, system in rows]


def _external_testers(ctx: FactContext) -> set[str]:
    """The emails of the organisation's external testers (independent tests, fn 8)."""
    return set(
        ctx.session.scalars(
            select(UserRow.email)
            .join(MembershipRow, MembershipRow.user_id == UserRow.id)
            .where(
                MembershipRow.org_id == ctx.principal.org_id,
                MembershipRow.role == Role.EXTERNAL_TESTER.value,
            )
        )
    )


def eval_facts(ctx: FactContext) -> FactBlock:
    """Section 1: evaluation and red-teaming runs of the period, and their findings."""
    found = _runs(ctx)
    if not found:
        return FactBlock(source="evals", lines=[note(FactKey.NO_RUNS)])
    external = _external_testers(ctx)
    cases = sum(run.answered for run, _ in found)
    passed = sum(run.passed for run, _ in found)
    suggestions = ctx.session.execute(
        select(RiskSuggestionRow.status, func.count())
        .where(RiskSuggestionRow.run_id.in_([run.id for run, _ in found]))
        .group_by(RiskSuggestionRow.status)
    ).all()
    by_status = {str(status): int(count) for status, count in suggestions}
    columns = [
        FactColumn(key="run"),
        FactColumn(key="system"),
        FactColumn(key="suite"),
        FactColumn(key="finished", kind="date"),
        FactColumn(key="cases", kind="number"),
        FactColumn(key="pass-rate", kind="percent"),
        FactColumn(key="external", kind="word", words="haip-bool"),
    ]
    rows: list[list[Cell]] = [
        [
            run.key,
            system.name,
            run.suite,
            day(ctx, run.finished_at),
            run.answered,
            run.pass_rate,
            "true" if run.started_by in external else "false",
        ]
        for run, system in found
    ]
    lines = [
        note(
            FactKey.RUNS,
            runs=len(found),
            systems=len({s.id for _, s in found}),
            cases=cases,
            pass_percent=percent(passed / cases) if cases else 0,
        )
    ]
    by_testers = sum(1 for run, _ in found if run.started_by in external)
    if by_testers:
        lines.append(note(FactKey.EXTERNAL_RUNS, runs=by_testers))
    if by_status:
        lines.append(
            note(
                FactKey.FINDINGS,
                suggested=sum(by_status.values()),
                accepted=by_status.get("accepted", 0),
                pending=by_status.get("pending", 0),
            )
        )
    covers = ["1"]
    if any(system.stage in ("deploy", "operate") for _, system in found):
        covers.append("2")  # tests of systems in use: vulnerabilities after deployment
    return FactBlock(source="evals", lines=lines, table=table(columns, rows), covers=covers)


def treatment_facts(ctx: FactContext) -> FactBlock:
    """Section 2: how the risks are treated, their residual level and acceptance."""
    found = _risks(ctx)
    if not found:
        return FactBlock(source="treatment", lines=[note(FactKey.NO_TREATMENT)])
    treated = [r for r, _ in found if r.treatment]
    accepted = [r for r, _ in found if r.accepted_at is not None]
    columns = [
        FactColumn(key="system"),
        FactColumn(key="risk"),
        FactColumn(key="treatment", kind="word", words="treatment"),
        FactColumn(key="residual", kind="word", words="level"),
        FactColumn(key="status", kind="word", words="risk-status"),
        FactColumn(key="accepted", kind="date"),
    ]
    rows: list[list[Cell]] = [
        [
            system.name,
            risk.title,
            risk.treatment,
            level(risk.residual).value if risk.residual is not None else None,
            risk.status,
            day(ctx, risk.accepted_at),
        ]
        for risk, system in found
    ]
    lines = [
        note(
            FactKey.TREATMENT,
            treated=len(treated),
            residual=sum(1 for r, _ in found if r.residual is not None),
            open=sum(1 for r, _ in found if r.status == "open" and not r.treatment_plan),
        )
    ]
    if accepted:
        lines.append(note(FactKey.ACCEPTED, accepted=len(accepted)))
    return FactBlock(
        source="treatment",
        lines=lines,
        table=table(columns, rows),
        covers=["1"] if treated else [],
    )


def security_facts(ctx: FactContext) -> FactBlock:
    """Section 2: the security, privacy and robustness cases of the period's runs."""
    runs = [run.id for run, _ in _runs(ctx)]
    counted = ctx.session.execute(
        select(
            EvalResultRow.perspective,
            func.count(),
            func.sum(cast(EvalResultRow.passed, Integer)),
        )
        .where(
            EvalResultRow.run_id.in_(runs),
            EvalResultRow.perspective.in_(SECURITY_PERSPECTIVES),
            EvalResultRow.error.is_(None),
        )
        .group_by(EvalResultRow.perspective)
    ).all()
    found = {p: (int(total), int(good or 0)) for p, total, good in counted if total}
    if not found:
        return FactBlock(source="security", lines=[note(FactKey.NO_SECURITY)])
    cases = sum(total for total, _ in found.values())
    passed = sum(good for _, good in found.values())
    columns = [
        FactColumn(key="perspective", kind="word", words="haip-perspective"),
        FactColumn(key="cases", kind="number"),
        FactColumn(key="passed", kind="number"),
        FactColumn(key="pass-rate", kind="percent"),
    ]
    rows: list[list[Cell]] = [
        [p, found[p][0], found[p][1], found[p][1] / found[p][0]]
        for p in SECURITY_PERSPECTIVES
        if p in found
    ]
    covers = [action for p, action in (("P6", "6"), ("P5", "11")) if p in found]
    return FactBlock(
        source="security",
        lines=[note(FactKey.SECURITY, cases=cases, pass_percent=percent(passed / cases))],
        table=table(columns, rows),
        covers=covers,
    )


def dataset_facts(ctx: FactContext) -> FactBlock:
    """Section 2: the dataset records (personal data, copyright, opt-outs)."""
    found = ctx.session.execute(
        select(DatasetRecordRow, SystemRow)
        .join(SystemRow, SystemRow.id == DatasetRecordRow.system_id)
        .where(visible(ctx.principal, DatasetRecordRow.org_id, DatasetRecordRow.system_id))
        .order_by(SystemRow.name, DatasetRecordRow.id)
    ).all()
    if not found:
        return FactBlock(source="datasets", lines=[note(FactKey.NO_DATASETS)])
    columns = [
        FactColumn(key="system"),
        FactColumn(key="dataset"),
        FactColumn(key="licence"),
        FactColumn(key="personal", kind="word", words="haip-bool"),
        FactColumn(key="copyrighted", kind="word", words="copyrighted"),
        FactColumn(key="opt-out", kind="word", words="opt_out"),
    ]
    rows: list[list[Cell]] = [
        [
            system.name,
            record.name,
            record.licence,
            "true" if record.personal_data else "false",
            record.copyrighted,
            record.opt_out,
        ]
        for record, system in found
    ]
    return FactBlock(
        source="datasets",
        lines=[
            note(
                FactKey.DATASETS,
                datasets=len(found),
                systems=len({s.id for _, s in found}),
                personal=sum(1 for r, _ in found if r.personal_data),
                copyrighted=sum(1 for r, _ in found if r.copyrighted == "yes"),
                opt_out=sum(1 for r, _ in found if r.opt_out == "honoured"),
            )
        ],
        table=table(columns, rows),
        covers=["11"],
    )


register_fact_source("1", risk_facts)
register_fact_source("1", eval_facts)
register_fact_source("2", treatment_facts)
register_fact_source("2", security_facts)
register_fact_source("2", dataset_facts)
