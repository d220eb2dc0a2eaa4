"""The incident register as facts of the HAIP report: section 4 (organisational
governance, incident management) counts the incidents reported in the period by severity
and what became of them, and lists those with a public notice by its address (guideline
fn 16: how realised risks are handled; Code of Conduct action 4: reporting incidents).

The report is published, so no internal title, description or cause appears: only counts,
and for incidents the organisation chose to announce, the public notice's address.
Registered when imported (``haip_facts.SOURCE_MODULES``)."""

from __future__ import annotations

from sqlalchemy import select

from tekisei.core.haip_facts import Cell, FactBlock, FactColumn, FactKey, table
from tekisei.core.incidents import IncidentState, Severity
from tekisei.core.orgs import sees_all_systems
from tekisei.db.incidents import IncidentRow
from tekisei.services.haip_facts import FactContext, register_fact_source
from tekisei.services.haip_sources import day, note
from tekisei.services.public_incidents import public_path


def incident_facts(ctx: FactContext) -> FactBlock | None:
    """Section 4: the incidents reported in the period. The register is the whole
    organisation's, so a reader who sees only some systems gets none."""
    if not sees_all_systems(ctx.principal.role):
        return None
    rows = list(
        ctx.session.scalars(
            select(IncidentRow)
            .where(
                IncidentRow.org_id == ctx.principal.org_id,
                IncidentRow.reported_at >= ctx.start,
                IncidentRow.reported_at < ctx.end,
            )
            .order_by(IncidentRow.reported_at, IncidentRow.id)
        )
    )
    if not rows:
        return FactBlock(source="incidents", lines=[note(FactKey.NO_INCIDENTS)])
    by_severity = {s.value: sum(1 for r in rows if r.severity == s.value) for s in Severity}
    closed = sum(1 for r in rows if r.state == IncidentState.CLOSED.value)
    announced = [r for r in rows if r.published_version is not None and r.withdrawn_at is None]
    lines = [
        note(
            FactKey.INCIDENTS,
            incidents=len(rows),
            closed=closed,
            open=len(rows) - closed,
            published=len(announced),
        ),
        note(FactKey.INCIDENT_SEVERITIES, **by_severity),
    ]
    columns = [
        FactColumn(key="reported", kind="date"),
        FactColumn(key="severity", kind="word", words="incident-severity"),
        FactColumn(key="state", kind="word", words="incident-state"),
        FactColumn(key="address"),
    ]
    cells: list[list[Cell]] = [
        [day(ctx, r.reported_at), r.severity, r.state, public_path(r.public_id)] for r in announced
    ]
    return FactBlock(
        source="incidents",
        lines=lines,
        table=table(columns, cells) if cells else None,
        covers=["4"],
    )


register_fact_source("4", incident_facts)
