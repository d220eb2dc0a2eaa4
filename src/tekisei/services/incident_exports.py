"""The incident register exported in a format public AI incident databases can take in
(the AI Incident Database, AIID; the OECD AI Incidents Monitor, AIM): one JSON document,
a versioned pydantic model (:class:`IncidentExport`), with the fields those databases
share — date, title, description, deployer, developer, harms, affected parties — and
severity, systems and the incident's own id. ``docs/incidents.md`` maps each field.

The whole export is for members (external testers see no incidents). The public export
holds only published notices, and of each only what its latest version shows."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import date as Day  # noqa: N812 (a field is called ``date``)
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.catalog import SystemRole
from tekisei.core.incidents import Harm, IncidentState, Severity
from tekisei.core.orgs import Principal
from tekisei.db.incidents import IncidentRow
from tekisei.db.orgs import OrgRow
from tekisei.db.systems import SystemRow
from tekisei.services import incidents, public_incidents


class ExportedSystem(BaseModel):
    """An AI system an incident affected."""

    id: int
    name: str


class ExportedIncident(BaseModel):
    """One incident, in the fields public AI incident databases use."""

    incident_id: str = Field(description="tekisei:<organisation>:incident:<id>, stable")
    date: Day | None = Field(description="When it occurred (else detected, else reported)")
    title: str
    description: str
    deployer: list[str] = Field(description="Who deployed the system (AIID: alleged deployer)")
    developer: list[str] = Field(description="Who developed it (AIID: alleged developer)")
    harms: list[Harm]
    affected_parties: str = Field(description="AIID: alleged harmed or nearly harmed parties")
    people_affected: int | None
    severity: Severity
    state: IncidentState
    systems: list[ExportedSystem]
    url: str | None = Field(
        description="Its public notice, when published: the site's address (TEKISEI_PUBLIC_URL) "
        "and the path, or the path alone when that is not set"
    )


class IncidentExport(BaseModel):
    """An export of an organisation's incident register."""

    format: Literal["tekisei-incidents"] = "tekisei-incidents"
    version: Literal[1] = 1
    organisation: str
    public: bool = Field(description="Only published notices, as published")
    exported_at: datetime
    incidents: list[ExportedIncident]


def _parties(org: OrgRow, systems: list[SystemRow]) -> tuple[list[str], list[str]]:
    deployer: list[str] = []
    developer: list[str] = []
    for system in systems:
        if system.org_role == SystemRole.DEVELOPER.value:
            developer.append(org.name)
        else:
            deployer.append(org.name)
            developer.extend(system.vendors or [])
    return sorted(set(deployer)), sorted(set(developer))


def _exported(
    session: Session, org: OrgRow, row: IncidentRow, *, public: bool, site: str
) -> ExportedIncident | None:
    systems = list(
        session.scalars(
            select(SystemRow)
            .where(SystemRow.id.in_(incidents.systems_of(session, row)))
            .order_by(SystemRow.id)
        )
    )
    deployer, developer = _parties(org, systems)
    published = public_incidents.status_of(row) == "published"
    moment = row.occurred_at or row.detected_at or row.reported_at
    url = site + public_incidents.public_path(row.public_id) if published else None
    common = {"incident_id": f"tekisei:{org.slug}:incident:{row.id}", "date": moment.date(),
              "deployer": deployer, "developer": developer, "url": url}  # fmt: skip
    if not public:
        return ExportedIncident(
            **common, title=row.title, description=row.description,
            harms=[Harm(h) for h in row.harms], affected_parties=row.affected_parties,
            people_affected=row.people_affected, severity=Severity(row.severity),
            state=IncidentState(row.state),
            systems=[ExportedSystem(id=s.id, name=s.name) for s in systems],
        )  # fmt: skip
    latest = public_incidents.latest_version(session, row)
    if not published or latest is None:
        return None
    shown = public_incidents.NoticeContent.model_validate(latest.content)
    return ExportedIncident(
        **common, title=shown.title, description=shown.summary, harms=shown.harms or [],
        affected_parties=shown.affected_parties or "", people_affected=shown.people_affected,
        severity=shown.severity, state=shown.state,
        systems=[ExportedSystem(id=s.id, name=s.name) for s in systems]
        if shown.systems is not None else [],
    )  # fmt: skip


def export(
    session: Session,
    principal: Principal,
    *,
    public: bool = False,
    incident_id: int | None = None,
    public_url: str = "",
) -> IncidentExport:
    """The organisation's incidents (or one), oldest first; with ``public``, only the
    published notices as their latest version shows them. Each notice's ``url`` starts with
    ``public_url`` (the site's address, ``Settings.public_url``) so that a database can
    follow it.

    Raises:
        NotFoundError: external testers, or ``incident_id`` is not visible.
    """
    incidents.reads_register(principal)
    org = incidents.org_of(session, principal)
    if incident_id is not None:
        rows = [incidents.get_incident(session, principal, incident_id)]
    else:
        rows = list(
            session.scalars(
                select(IncidentRow)
                .where(IncidentRow.org_id == principal.org_id)
                .order_by(IncidentRow.id)
            )
        )
    site = public_url.rstrip("/")
    found = [_exported(session, org, r, public=public, site=site) for r in rows]
    return IncidentExport(
        organisation=org.name,
        public=public,
        exported_at=datetime.now(UTC),
        incidents=[f for f in found if f is not None],
    )
