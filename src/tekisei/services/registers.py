"""The public register of AI use inside the workspace (guideline 3(1), 3(4)): which
systems it lists, with the division responsible and the AI's part in decisions, and its
publication. Listing and publishing take the permission to publish the governance
statement (administrators); every change leaves an audit event.

The public reads the register through ``services/public_registers.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.registers import MAX_ENTRIES, Contribution, EntryChoice, default_contribution
from tekisei.core.systems import Autonomy
from tekisei.db.orgs import OrgRow
from tekisei.db.registers import RegisterEntryRow, RegisterRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit
from tekisei.services.scope import visible, visible_system


class RegisterSystem(BaseModel):
    """A system of the organisation, listed on the register or not."""

    system_id: int
    name: str
    listed: bool
    division: str
    contribution: Contribution


class RegisterView(BaseModel):
    """The register as the workspace sees it."""

    published: bool
    published_at: datetime | None
    public_path: str
    systems: list[RegisterSystem]


def public_path(slug: str) -> str:
    """The public address of an organisation's register, relative to the site."""
    return f"/orgs/{slug}/register"


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _register(session: Session, org_id: int) -> RegisterRow | None:
    return session.scalars(select(RegisterRow).where(RegisterRow.org_id == org_id)).first()


def _count(session: Session, org_id: int) -> int:
    query = select(func.count()).where(RegisterEntryRow.org_id == org_id)
    return session.scalar(query) or 0


def show_register(session: Session, principal: Principal) -> RegisterView:
    """The systems the principal sees, each listed or not, and whether the register is
    published."""
    require(principal, Permission.READ)
    org = _org(session, principal)
    row = _register(session, org.id)
    entries = {
        e.system_id: e
        for e in session.scalars(select(RegisterEntryRow).where(RegisterEntryRow.org_id == org.id))
    }
    systems = session.execute(
        select(SystemRow.id, SystemRow.name, SystemRow.autonomy)
        .where(visible(principal, SystemRow.org_id, SystemRow.id))
        .order_by(SystemRow.name, SystemRow.id)
    ).all()
    out = []
    for system_id, name, autonomy in systems:
        entry = entries.get(system_id)
        out.append(
            RegisterSystem(
                system_id=system_id,
                name=name,
                listed=entry is not None,
                division=entry.division if entry else "",
                contribution=Contribution(entry.contribution)
                if entry
                else default_contribution(Autonomy(autonomy)),
            )
        )
    published_at = row.published_at if row else None
    return RegisterView(
        published=published_at is not None,
        published_at=published_at,
        public_path=public_path(org.slug),
        systems=out,
    )


def list_system(
    session: Session, principal: Principal, system_id: int, choice: EntryChoice
) -> RegisterEntryRow:
    """List the system on the register (or change its division and contribution).

    Raises:
        NotFoundError: no such system in the organisation (or not assigned to a tester).
        PermissionDeniedError: the role may not publish the register.
        InvalidInputError: the register already lists as many systems as it may.
    """
    system = visible_system(session, principal, system_id)
    require(principal, Permission.PUBLISH_STATEMENT)
    org = _org(session, principal)
    contribution = choice.contribution or default_contribution(Autonomy(system.autonomy))
    now = datetime.now(UTC)
    entry = session.scalars(
        select(RegisterEntryRow).where(RegisterEntryRow.system_id == system.id)
    ).first()
    if entry is None:
        if _count(session, org.id) >= MAX_ENTRIES:
            raise InvalidInputError(
                f"the register lists at most {MAX_ENTRIES} systems; take one off first",
                ja=f"登録簿に載せられるシステムは{MAX_ENTRIES}件までです。先にどれかを外してください。",
            )
        entry = RegisterEntryRow(org_id=org.id, system_id=system.id)
        session.add(entry)
    entry.division = choice.division
    entry.contribution = contribution.value
    entry.updated_at, entry.updated_by = now, principal.email
    session.flush()
    audit.record(
        session,
        org,
        principal.email,
        "register.list",
        "system",
        system.id,
        {"division": entry.division, "contribution": entry.contribution},
    )
    return entry


def unlist_system(session: Session, principal: Principal, system_id: int) -> None:
    """Take the system off the register.

    Raises:
        NotFoundError: no such system, or it is not listed.
        PermissionDeniedError: the role may not publish the register.
    """
    system = visible_system(session, principal, system_id)
    require(principal, Permission.PUBLISH_STATEMENT)
    entry = session.scalars(
        select(RegisterEntryRow).where(RegisterEntryRow.system_id == system.id)
    ).first()
    if entry is None:
        raise NotFoundError(
            f"system {system_id} is not listed on the register",
            ja=f"システム {system_id} は登録簿に載っていません。",
        )
    session.delete(entry)
    session.flush()
    audit.record(
        session, _org(session, principal), principal.email, "register.unlist", "system",
        system.id, {},
    )  # fmt: skip


def publish_register(session: Session, principal: Principal) -> RegisterRow:
    """Publish the register (again): the public reads the listed systems as they stand.

    Raises:
        PermissionDeniedError: the role may not publish the register.
        InvalidInputError: no system is listed yet.
    """
    require(principal, Permission.PUBLISH_STATEMENT)
    org = _org(session, principal)
    count = _count(session, org.id)
    if count == 0:
        raise InvalidInputError(
            "the register lists no system yet: choose the systems to list first",
            ja="登録簿に載せるシステムがまだありません。先に載せるシステムを選んでください。",
        )
    now = datetime.now(UTC)
    row = _register(session, org.id)
    if row is None:
        row = RegisterRow(org_id=org.id)
        session.add(row)
    row.published_at, row.published_by = now, principal.email
    row.updated_at, row.updated_by = now, principal.email
    session.flush()
    audit.record(
        session, org, principal.email, "register.publish", "register", row.id,
        {"systems": count},
    )  # fmt: skip
    return row


def unpublish_register(session: Session, principal: Principal) -> RegisterRow:
    """Take the register down: its public address then answers "not found".

    Raises:
        PermissionDeniedError: the role may not publish the register.
        ConflictError: it is not published.
    """
    require(principal, Permission.PUBLISH_STATEMENT)
    org = _org(session, principal)
    row = _register(session, org.id)
    if row is None or row.published_at is None:
        raise ConflictError("the register is not published", ja="登録簿は公開されていません。")
    now = datetime.now(UTC)
    row.published_at = row.published_by = None
    row.updated_at, row.updated_by = now, principal.email
    session.flush()
    audit.record(session, org, principal.email, "register.unpublish", "register", row.id, {})
    return row
