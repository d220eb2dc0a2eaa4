"""Compute and energy records of AI systems (guideline 1(2)): add, list, remove, the
summary per system, the switch that shows a system's figures publicly, and the
organisation's default for systems that have not chosen.

Records of a system are visible exactly when the system is (``services/scope.py``):
everyone in the organisation reads them, external testers those of their assigned
systems, other organisations nothing ("not found"). Administrators and editors add and
remove records and turn the public switch on and off; every change is audited in the same
transaction. When the switch is on, the system's public notice and the organisation's
public governance statement show a short environmental section, computed from the current
records each time the page (or its JSON twin or PDF) is read; when it is off, nothing of
them is public.

A system that has never been switched follows the organisation's default (off until an
administrator turns it on); once switched, its own choice holds whatever the default.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from tekisei.core.energy import (
    MAX_RECORDS,
    Basis,
    EnergyFields,
    EnergySummary,
    Phase,
    PublicEnergy,
    from_mg,
    from_wh,
    public_figures,
    summarise,
    to_mg,
    to_wh,
)
from tekisei.core.orgs import Permission, Principal, require, sees_all_systems
from tekisei.db.energy import EnergyDefaultRow, EnergyPublicationRow, EnergyRecordRow
from tekisei.db.notices import NoticeRow
from tekisei.db.orgs import OrgRow
from tekisei.db.systems import SystemRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import audit
from tekisei.services.changes import check_version
from tekisei.services.people import ActorNames
from tekisei.services.scope import visible_system

MAX_PUBLIC_SYSTEMS = 200
"""Systems one governance statement shows figures for (by name)."""


class EnergyView(BaseModel):
    """One record as a member reads it, with its emissions computed."""

    id: int
    system_id: int
    phase: Phase
    start: date
    end: date
    compute: str
    kwh: Decimal
    basis: Basis
    factor: Decimal | None
    """kg-CO2e per kWh."""
    factor_source: str
    source: str
    emissions_kg: Decimal | None
    """kWh × factor in kg-CO2e, rounded to the gram (None without a factor)."""
    recorded_at: datetime
    recorded_by: str


class Publication(BaseModel):
    """Whether the system's figures are public; ``version`` to send back when switching
    (0: never switched)."""

    published: bool
    """Shown publicly now: the system's own choice, else the organisation's default."""
    show_sources: bool = False
    """The source of each figure is shown too (only by the system's own choice)."""
    own_choice: bool
    """The system was switched on or off itself (False: it follows the default)."""
    version: int
    updated_at: datetime | None
    updated_by: str | None


class EnergyDefault(BaseModel):
    """The organisation's default for systems that have not chosen; ``version`` to send
    back when changing it (0: never set, so off)."""

    published: bool
    version: int
    updated_at: datetime | None
    updated_by: str | None
    following: int | None
    """Systems that follow the default (no choice of their own); None for external
    testers, who do not see every system."""


class EnergyOverview(BaseModel):
    """A system's summary and its public switch."""

    system_id: int
    summary: EnergySummary
    publication: Publication


def _org(session: Session, org_id: int) -> OrgRow:
    org = session.get(OrgRow, org_id)
    assert org is not None
    return org


def _not_found(record_id: int) -> NotFoundError:
    return NotFoundError(
        f"no energy record {record_id} for this system; list them with tekisei energy list",
        ja=f"このシステムにエネルギー記録 {record_id} はありません。一覧で番号を確かめてください。",
    )


def system_of(session: Session, principal: Principal, system_id: int) -> SystemRow:
    """A system whose records the principal may read.

    Raises:
        NotFoundError: no such system visible to the principal.
    """
    return visible_system(session, principal, system_id)


def fields_of(row: EnergyRecordRow) -> EnergyFields:
    """What was written, back as the core model (figures in kWh and kg-CO2e/kWh)."""
    return EnergyFields.model_construct(
        phase=Phase(row.phase), start=row.period_start, end=row.period_end,
        compute=row.compute, kwh=from_wh(row.energy_wh), basis=Basis(row.basis),
        factor=None if row.factor_mg is None else from_mg(row.factor_mg),
        factor_source=row.factor_source, source=row.source,
    )  # fmt: skip


def _view(row: EnergyRecordRow, actors: ActorNames) -> EnergyView:
    fields = fields_of(row)
    return EnergyView(
        id=row.id, system_id=row.system_id, **fields.model_dump(),
        emissions_kg=fields.emissions_kg(), recorded_at=row.recorded_at,
        recorded_by=actors(row.recorded_by) or "",
    )  # fmt: skip


def _rows(session: Session, org_id: int, system_id: int) -> list[EnergyRecordRow]:
    return list(
        session.scalars(
            select(EnergyRecordRow)
            .where(EnergyRecordRow.org_id == org_id, EnergyRecordRow.system_id == system_id)
            .order_by(EnergyRecordRow.period_start.desc(), EnergyRecordRow.id.desc())
        )
    )


def list_energy(session: Session, principal: Principal, system_id: int) -> list[EnergyView]:
    """The system's records, the latest period first.

    Raises:
        NotFoundError: the system is not visible to the principal.
    """
    system = system_of(session, principal, system_id)
    actors = ActorNames(session, principal)
    return [_view(row, actors) for row in _rows(session, principal.org_id, system.id)]


def _record(
    session: Session, principal: Principal, system_id: int, record_id: int
) -> EnergyRecordRow:
    system = system_of(session, principal, system_id)
    row = session.get(EnergyRecordRow, record_id)
    if row is None or row.org_id != principal.org_id or row.system_id != system.id:
        raise _not_found(record_id)
    return row


def get_energy(
    session: Session, principal: Principal, system_id: int, record_id: int
) -> EnergyView:
    """One record of the system.

    Raises:
        NotFoundError: the system is not visible, or it has no such record.
    """
    row = _record(session, principal, system_id, record_id)
    return _view(row, ActorNames(session, principal))


def add_energy(
    session: Session, principal: Principal, system_id: int, fields: EnergyFields
) -> EnergyView:
    """Record a phase and period of the system's energy use.

    Raises:
        NotFoundError: the system is not visible to the principal.
        PermissionDeniedError: the role may not write systems.
        InvalidInputError: the system holds :data:`MAX_RECORDS` records already.
    """
    system = system_of(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    held = session.scalar(
        select(func.count(EnergyRecordRow.id)).where(EnergyRecordRow.system_id == system.id)
    )
    if (held or 0) >= MAX_RECORDS:
        raise InvalidInputError(
            f"a system holds at most {MAX_RECORDS} energy records; remove old ones or record "
            "longer periods",
            ja=f"1つのシステムに記録できるエネルギー記録は{MAX_RECORDS}件までです。"
            "古い記録を削除するか、期間をまとめて記録してください。",
        )
    row = EnergyRecordRow(
        org_id=principal.org_id, system_id=system.id, phase=fields.phase.value,
        period_start=fields.start, period_end=fields.end, compute=fields.compute,
        energy_wh=to_wh(fields.kwh), basis=fields.basis.value,
        factor_mg=None if fields.factor is None else to_mg(fields.factor),
        factor_source=fields.factor_source, source=fields.source,
        recorded_at=datetime.now(UTC), recorded_by=principal.email,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, _org(session, principal.org_id), principal.email, "energy.add", "system",
        system.id, {"record": row.id, **fields.model_dump(mode="json")},
    )  # fmt: skip
    return _view(row, ActorNames(session, principal))


def remove_energy(session: Session, principal: Principal, system_id: int, record_id: int) -> None:
    """Remove a record (the audit log keeps what it said).

    Raises:
        NotFoundError: the system is not visible, or it has no such record.
        PermissionDeniedError: the role may not write systems.
    """
    row = _record(session, principal, system_id, record_id)
    require(principal, Permission.WRITE_SYSTEMS)
    removed = fields_of(row).model_dump(mode="json")
    session.delete(row)
    session.flush()
    audit.record(
        session, _org(session, principal.org_id), principal.email, "energy.remove", "system",
        system_id, {"record": record_id, **removed},
    )  # fmt: skip


def _summary(session: Session, org_id: int, system_id: int) -> EnergySummary:
    return summarise(fields_of(row) for row in _rows(session, org_id, system_id))


def _default(session: Session, org_id: int) -> bool:
    row = session.get(EnergyDefaultRow, org_id)
    return row is not None and row.published


def _publication(session: Session, system: SystemRow, actors: ActorNames | None) -> Publication:
    row = session.get(EnergyPublicationRow, system.id)
    if row is None:
        return Publication(
            published=_default(session, system.org_id), own_choice=False, version=0,
            updated_at=None, updated_by=None,
        )  # fmt: skip
    return Publication(
        published=row.published, show_sources=row.show_sources, own_choice=True,
        version=row.version,
        updated_at=row.updated_at, updated_by=actors(row.updated_by) if actors else None,
    )  # fmt: skip


def energy_overview(session: Session, principal: Principal, system_id: int) -> EnergyOverview:
    """The system's summary (by phase, in all, the share estimated) and its public switch.

    Raises:
        NotFoundError: the system is not visible to the principal.
    """
    system = system_of(session, principal, system_id)
    return EnergyOverview(
        system_id=system.id,
        summary=_summary(session, principal.org_id, system.id),
        publication=_publication(session, system, ActorNames(session, principal)),
    )


def set_publication(
    session: Session,
    principal: Principal,
    system_id: int,
    published: bool,
    version: int,
    show_sources: bool = False,
) -> Publication:
    """Show (or stop showing) the system's figures on its public notice and the
    organisation's governance statement; with ``show_sources``, the source of each figure
    too.

    Raises:
        NotFoundError: the system is not visible to the principal.
        PermissionDeniedError: the role may not write systems.
        ConflictError: ``version`` is not the one read.
    """
    system = system_of(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)
    row = session.get(EnergyPublicationRow, system.id)
    check_version(
        "環境負荷の公開設定", "", version, row.version if row else 0,
        kind_en="the publication of the energy figures",
    )  # fmt: skip
    now = datetime.now(UTC)
    if row is None:
        row = EnergyPublicationRow(
            system_id=system.id, org_id=principal.org_id, published=published,
            show_sources=published and show_sources, updated_at=now,
            updated_by=principal.email, version=1,
        )  # fmt: skip
        session.add(row)
    else:
        row.published = published
        row.show_sources = published and show_sources
        row.updated_at = now
        row.updated_by = principal.email
        row.version += 1
    session.flush()
    audit.record(
        session, _org(session, principal.org_id), principal.email, "energy.publication",
        "system", system.id,
        {"published": published, "show_sources": row.show_sources, "version": row.version},
    )  # fmt: skip
    return _publication(session, system, ActorNames(session, principal))


def _default_view(session: Session, principal: Principal) -> EnergyDefault:
    row = session.get(EnergyDefaultRow, principal.org_id)
    following = None
    if sees_all_systems(principal.role):
        following = session.scalar(
            select(func.count(SystemRow.id))
            .outerjoin(EnergyPublicationRow, EnergyPublicationRow.system_id == SystemRow.id)
            .where(SystemRow.org_id == principal.org_id, EnergyPublicationRow.system_id.is_(None))
        )
    if row is None:
        return EnergyDefault(
            published=False, version=0, updated_at=None, updated_by=None, following=following
        )
    return EnergyDefault(
        published=row.published, version=row.version, updated_at=row.updated_at,
        updated_by=ActorNames(session, principal)(row.updated_by), following=following,
    )  # fmt: skip


def read_default(session: Session, principal: Principal) -> EnergyDefault:
    """The organisation's default for systems that have not chosen, as a member reads it."""
    require(principal, Permission.READ)
    return _default_view(session, principal)


def set_default(
    session: Session, principal: Principal, published: bool, version: int
) -> EnergyDefault:
    """Show (or stop showing) by default the figures of the organisation's systems that
    have not chosen themselves, those of today and those registered later (administrators).
    A system switched on or off itself keeps its choice.

    Raises:
        PermissionDeniedError: not an administrator.
        ConflictError: ``version`` is not the one read.
    """
    require(principal, Permission.MANAGE_ORG)
    row = session.get(EnergyDefaultRow, principal.org_id)
    check_version(
        "環境負荷の公開の既定値", "", version, row.version if row else 0,
        kind_en="the default publication of the energy figures",
    )  # fmt: skip
    now = datetime.now(UTC)
    if row is None:
        row = EnergyDefaultRow(
            org_id=principal.org_id, published=published, updated_at=now,
            updated_by=principal.email, version=1,
        )  # fmt: skip
        session.add(row)
    else:
        row.published = published
        row.updated_at = now
        row.updated_by = principal.email
        row.version += 1
    session.flush()
    view = _default_view(session, principal)
    audit.record(
        session, _org(session, principal.org_id), principal.email, "energy.default", "org",
        principal.org_id,
        {"published": published, "version": row.version, "following": view.following},
    )  # fmt: skip
    return view


def _public(session: Session, system: SystemRow) -> PublicEnergy | None:
    records = [fields_of(row) for row in _rows(session, system.org_id, system.id)]
    row = session.get(EnergyPublicationRow, system.id)
    shown = records if row is not None and row.published and row.show_sources else None
    return public_figures(system.name, summarise(records), shown)


def _published(session: Session, system: SystemRow) -> bool:
    row = session.get(EnergyPublicationRow, system.id)
    return row.published if row is not None else _default(session, system.org_id)


def public_for_system(session: Session, system_id: int) -> PublicEnergy | None:
    """The figures of the system as its public notice shows them, when the organisation
    shows them (the system's own choice, else the default) and there are some."""
    system = session.get(SystemRow, system_id)
    if system is None or not _published(session, system):
        return None
    return _public(session, system)


def public_for_notice(session: Session, public_id: str) -> PublicEnergy | None:
    """The figures of the system whose notice is published at ``public_id``, when the
    organisation shows them and there are some (None otherwise, or when the notice is not
    published)."""
    notice = session.scalars(select(NoticeRow).where(NoticeRow.public_id == public_id[:32])).first()
    if notice is None or notice.published_version is None or notice.withdrawn_at is not None:
        return None
    return public_for_system(session, notice.system_id)


def public_of_org(session: Session, org: OrgRow) -> list[PublicEnergy]:
    """The figures of every system of ``org`` that shows them (its own choice, else the
    organisation's default), by system name (at most :data:`MAX_PUBLIC_SYSTEMS`)."""
    shown: ColumnElement[bool] = EnergyPublicationRow.published.is_(True)
    if _default(session, org.id):
        shown = or_(shown, EnergyPublicationRow.system_id.is_(None))
    systems = session.scalars(
        select(SystemRow)
        .outerjoin(EnergyPublicationRow, EnergyPublicationRow.system_id == SystemRow.id)
        .where(and_(SystemRow.org_id == org.id, shown))
        .order_by(SystemRow.name, SystemRow.id)
        .limit(MAX_PUBLIC_SYSTEMS)
    )
    return [found for system in systems if (found := _public(session, system)) is not None]


def public_for_org(session: Session, slug: str) -> list[PublicEnergy]:
    """The figures of every system of the organisation ``slug`` that shows them, by
    system name (at most :data:`MAX_PUBLIC_SYSTEMS`).

    Raises:
        NotFoundError: no such organisation, or it shows no figures (the same answer, so
            that the address tells nobody which organisations exist).
    """
    org = session.scalars(select(OrgRow).where(OrgRow.slug == slug[:64])).first()
    shown = public_of_org(session, org) if org is not None else []
    if not shown:
        raise NotFoundError(
            "no environmental figures are published at this address; check it",
            ja="このアドレスで公開されている環境負荷の数値はありません。アドレスを確かめてください。",
        )
    return shown
