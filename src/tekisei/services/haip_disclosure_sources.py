"""The built-in fact sources of sections 3 to 5 of the HAIP report: what the
organisation discloses (published notices, model records), how it governs (guideline
assessments, the responsible person, executive decisions) and how it marks AI output
(the provenance register and its checks). Registered when imported; sections 1 and 2 are
in ``services/haip_sources.py``."""

from __future__ import annotations

from sqlalchemy import func, select

from tekisei.core.haip_facts import Cell, FactBlock, FactColumn, FactKey, table
from tekisei.db.approvals import ApprovalRow
from tekisei.db.assessments import AssessmentRow
from tekisei.db.notices import NoticeRow, NoticeVersionRow
from tekisei.db.orgs import OrgRow
from tekisei.db.provenance import ProvenanceCheckRow, SystemProvenanceRow
from tekisei.db.records import ModelRecordRow
from tekisei.db.risks import RiskRow
from tekisei.db.systems import SystemRow
from tekisei.services import assessments
from tekisei.services.haip_facts import GUIDELINE, FactContext, register_fact_source
from tekisei.services.haip_sources import day, note, percent, visible_systems
from tekisei.services.notices import public_path
from tekisei.services.scope import visible


def notice_facts(ctx: FactContext) -> FactBlock:
    """Section 3: the disclosure notices the organisation published for its systems."""
    found = ctx.session.execute(
        select(NoticeRow, SystemRow, NoticeVersionRow.published_at)
        .join(SystemRow, SystemRow.id == NoticeRow.system_id)
        .join(
            NoticeVersionRow,
            (NoticeVersionRow.notice_id == NoticeRow.id)
            & (NoticeVersionRow.number == NoticeRow.published_version),
        )
        .where(visible(ctx.principal, NoticeRow.org_id, NoticeRow.system_id))
        .order_by(SystemRow.name, SystemRow.id)
    ).all()
    live = [(n, s, at) for n, s, at in found if n.withdrawn_at is None]
    if not live:
        lines = [note(FactKey.NO_NOTICES)]
        if found:
            lines.append(note(FactKey.NOTICES, published=0, systems=0, withdrawn=len(found)))
        return FactBlock(source="notices", lines=lines)
    columns = [
        FactColumn(key="system"),
        FactColumn(key="version", kind="number"),
        FactColumn(key="published", kind="date"),
        FactColumn(key="address"),
    ]
    rows: list[list[Cell]] = [
        [system.name, notice.published_version, day(ctx, at), public_path(notice.public_id)]
        for notice, system, at in live
    ]
    return FactBlock(
        source="notices",
        lines=[
            note(
                FactKey.NOTICES,
                published=len(live),
                systems=len(visible_systems(ctx)),
                withdrawn=len(found) - len(live),
            )
        ],
        table=table(columns, rows),
        covers=["3"],
    )


def model_facts(ctx: FactContext) -> FactBlock:
    """Section 3: the model records, with their model cards."""
    found = ctx.session.execute(
        select(ModelRecordRow, SystemRow)
        .join(SystemRow, SystemRow.id == ModelRecordRow.system_id)
        .where(visible(ctx.principal, ModelRecordRow.org_id, ModelRecordRow.system_id))
        .order_by(SystemRow.name, ModelRecordRow.id)
    ).all()
    if not found:
        return FactBlock(source="models", lines=[note(FactKey.NO_MODELS)])
    cards = sum(1 for r, _ in found if r.model_card_url)
    columns = [
        FactColumn(key="system"),
        FactColumn(key="model"),
        FactColumn(key="provider"),
        FactColumn(key="model-version"),
        FactColumn(key="licence"),
        FactColumn(key="model-card"),
    ]
    rows: list[list[Cell]] = [
        [s.name, r.name, r.provider, r.model_version, r.licence, r.model_card_url] for r, s in found
    ]
    return FactBlock(
        source="models",
        lines=[
            note(
                FactKey.MODELS,
                models=len(found),
                systems=len({s.id for _, s in found}),
                cards=cards,
            )
        ],
        table=table(columns, rows),
        covers=["3"] if cards else [],
    )


def assessment_facts(ctx: FactContext) -> FactBlock:
    """Section 4: how complete each system's latest guideline assessment is."""
    systems = visible_systems(ctx)
    rows: list[list[Cell]] = []
    shares: list[float] = []
    for system in systems.values():
        latest = ctx.session.scalars(
            select(AssessmentRow)
            .where(AssessmentRow.system_id == system.id, AssessmentRow.framework_id == GUIDELINE)
            .order_by(AssessmentRow.id.desc())
        ).first()
        if latest is None:
            continue
        overall = assessments.assessment_report(ctx.session, ctx.principal, latest.id).overall
        shares.append(overall.completeness)
        rows.append(
            [
                system.name,
                system.tier,
                latest.status,
                overall.completeness,
                overall.conformity if overall.applicable else None,
            ]
        )
    if not rows:
        return FactBlock(source="assessments", lines=[note(FactKey.NO_ASSESSMENTS)])
    columns = [
        FactColumn(key="system"),
        FactColumn(key="tier", kind="word", words="tier"),
        FactColumn(key="assessment", kind="word", words="assessment"),
        FactColumn(key="completeness", kind="percent"),
        FactColumn(key="conformity", kind="percent"),
    ]
    return FactBlock(
        source="assessments",
        lines=[
            note(
                FactKey.ASSESSMENTS,
                assessed=len(rows),
                systems=len(systems),
                completeness_percent=percent(sum(shares) / len(shares)),
            )
        ],
        table=table(columns, rows),
    )


def governance_facts(ctx: FactContext) -> FactBlock:
    """Section 4: the responsible person and the executive decisions of the period."""
    org = ctx.session.get(OrgRow, ctx.principal.org_id)
    assert org is not None
    person = " ".join(p for p in (org.responsible_title, org.responsible_person) if p)
    lines = [note(FactKey.RESPONSIBLE, person=person) if person else note(FactKey.NO_RESPONSIBLE)]
    in_period = (ctx.start, ctx.end)
    accepted = ctx.session.scalar(
        select(func.count())
        .select_from(RiskRow)
        .where(
            visible(ctx.principal, RiskRow.org_id, RiskRow.system_id),
            RiskRow.accepted_at.between(*in_period),
        )
    )
    stages = ctx.session.scalar(
        select(func.count())
        .select_from(ApprovalRow)
        .where(
            visible(ctx.principal, ApprovalRow.org_id, ApprovalRow.system_id),
            ApprovalRow.decided_at.between(*in_period),
        )
    )
    notices = ctx.session.scalar(
        select(func.count())
        .select_from(NoticeRow)
        .where(
            visible(ctx.principal, NoticeRow.org_id, NoticeRow.system_id),
            NoticeRow.decided_at.between(*in_period),
        )
    )
    lines.append(
        note(
            FactKey.DECISIONS,
            accepted=accepted or 0,
            stages=stages or 0,
            notices=notices or 0,
        )
    )
    return FactBlock(source="governance", lines=lines)


def provenance_facts(ctx: FactContext) -> FactBlock:
    """Section 5: which systems mark their outputs, and the checks of the period."""
    systems = visible_systems(ctx)
    marks = {
        row.system_id: row
        for row in ctx.session.scalars(
            select(SystemProvenanceRow).where(SystemProvenanceRow.system_id.in_(list(systems)))
        )
    }
    marked = {
        sid: m for sid, m in marks.items() if m.text_key_id or m.c2pa or (m.other or "").strip()
    }
    checks = ctx.session.scalars(
        select(ProvenanceCheckRow)
        .where(
            ProvenanceCheckRow.system_id.in_(list(systems)),
            ProvenanceCheckRow.checked_at >= ctx.start,
            ProvenanceCheckRow.checked_at < ctx.end,
        )
        .order_by(ProvenanceCheckRow.checked_at)
    ).all()
    if not marked and not checks:
        return FactBlock(source="provenance", lines=[note(FactKey.NO_PROVENANCE)])
    last = {check.system_id: check for check in checks}
    columns = [
        FactColumn(key="system"),
        FactColumn(key="text-watermark", kind="word", words="haip-bool"),
        FactColumn(key="c2pa", kind="word", words="haip-bool"),
        FactColumn(key="other-mark"),
        FactColumn(key="checked", kind="date"),
        FactColumn(key="check-passed", kind="word", words="haip-bool"),
    ]
    rows: list[list[Cell]] = []
    for sid, system in systems.items():
        mark, check = marks.get(sid), last.get(sid)
        if sid not in marked and check is None:
            continue
        rows.append(
            [
                system.name,
                "true" if mark and mark.text_key_id else "false",
                "true" if mark and mark.c2pa else "false",
                (mark.other if mark else "") or None,
                day(ctx, check.checked_at) if check else None,
                None if check is None else ("true" if check.passed else "false"),
            ]
        )
    lines = [
        note(
            FactKey.PROVENANCE,
            systems=len(marked),
            all_systems=len(systems),
            watermark=sum(1 for m in marked.values() if m.text_key_id),
            c2pa=sum(1 for m in marked.values() if m.c2pa),
            other=sum(1 for m in marked.values() if (m.other or "").strip()),
        )
    ]
    if checks:
        lines.append(note(FactKey.CHECKS, checks=len(checks), passed=sum(c.passed for c in checks)))
    return FactBlock(
        source="provenance",
        lines=lines,
        table=table(columns, rows),
        covers=["7"] if marked else [],
    )


register_fact_source("3", notice_facts)
register_fact_source("3", model_facts)
register_fact_source("4", assessment_facts)
register_fact_source("4", governance_facts)
register_fact_source("5", provenance_facts)
