"""The AI policies as facts of the HAIP report: section 4 (organisational governance)
names the policies in force at the end of the reporting period, with the date each took
effect and who may read it. Registered when imported (``haip_facts.SOURCE_MODULES``)."""

from __future__ import annotations

from sqlalchemy import select

from tekisei.core.haip_facts import Cell, FactBlock, FactColumn, FactKey, Label, table
from tekisei.core.orgs import sees_all_systems
from tekisei.core.policies import KIND_NAMES, PolicyKind
from tekisei.db.orgs import OrgRow
from tekisei.db.policies import PolicyRow
from tekisei.services import policy_versions
from tekisei.services.haip_facts import FactContext, register_fact_source
from tekisei.services.haip_sources import note

KIND_LABELS = {kind.value: Label(ja=ja, en=en) for kind, (ja, en) in KIND_NAMES.items()}


def _title(content: object) -> str:
    """The version's own title, Japanese first (what the organisation wrote)."""
    if not isinstance(content, dict):
        return ""
    for lang in ("ja", "en"):
        text = content.get(lang)
        if isinstance(text, dict) and isinstance(text.get("title"), str) and text["title"]:
            return str(text["title"])
    return ""


def policy_facts(ctx: FactContext) -> FactBlock | None:
    """Section 4: the organisation's AI policies in force on the last day of the period
    (or today, for a period still running). Governance documents are the whole
    organisation's, so a reader who sees only some systems gets none."""
    if not sees_all_systems(ctx.principal.role):
        return None
    org = ctx.session.get(OrgRow, ctx.principal.org_id)
    assert org is not None
    on = min(ctx.period_end, policy_versions.today(ctx.session, org))
    versions = policy_versions.in_force_for_org(ctx.session, org, on)
    if not versions:
        return FactBlock(source="policies", lines=[note(FactKey.NO_POLICIES)])
    kinds = {
        row.id: row.kind
        for row in ctx.session.scalars(select(PolicyRow).where(PolicyRow.org_id == org.id))
    }
    rows: list[list[Cell]] = [
        [
            kinds.get(v.policy_id, ""),
            _title(v.content),
            v.number,
            v.effective_on.isoformat(),
            v.audience,
        ]
        for v in versions
    ]
    public = sum(1 for v in versions if v.audience == "public")
    basic = any(kinds.get(v.policy_id) == PolicyKind.BASIC.value for v in versions)
    columns = [
        FactColumn(key="policy-kind", kind="labels", labels=KIND_LABELS),
        FactColumn(key="title"),
        FactColumn(key="version", kind="number"),
        FactColumn(key="effective", kind="date"),
        FactColumn(key="audience", kind="word", words="audience"),
    ]
    lines = [note(FactKey.POLICIES, policies=len(versions), public=public)]
    if not basic:
        lines.append(note(FactKey.NO_BASIC_POLICY))
    return FactBlock(
        source="policies",
        lines=lines,
        table=table(columns, rows),
        covers=["5"],
    )


register_fact_source("4", policy_facts)
