"""Published registers of AI use as anyone reads them, without signing in: by the
organisation's short id, the listed systems with only their public facts. Every lookup
is made once for the whole register (vendors, reviews, notices), never once per system,
so a register of thousands of systems is one handful of queries.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.judgements import tier_reason
from tekisei.core.registers import (
    CSV_HEADER,
    Contribution,
    PublicRegister,
    RegisterEntry,
    RegisterReason,
)
from tekisei.core.systems import SystemFacts, TierResult, risk_tier
from tekisei.db.notices import NoticeRow
from tekisei.db.orgs import OrgRow
from tekisei.db.registers import RegisterEntryRow, RegisterRow
from tekisei.db.reviews import ReviewRow
from tekisei.db.statements import StatementRow
from tekisei.db.systems import SystemRow
from tekisei.db.vendors import VendorRow, VendorSystemRow
from tekisei.errors import NotFoundError
from tekisei.render.sheets import Table, csv_text
from tekisei.services.decisions import published_decisions
from tekisei.services.notices import public_path as notice_path
from tekisei.services.orgs import time_zone_name
from tekisei.services.statements import public_path as statement_path
from tekisei.services.systems import FACT_FIELDS

_TIER_FIELDS = tuple(name for name in FACT_FIELDS if name != "models")
"""The system's facts the register reads: all but the models, which it does not show
and the tier does not depend on (a missing field takes its default)."""
_FREE_TEXT = frozenset({"name", "purpose", "vendors", "responsible_person", "contact_window"})
_JUDGED_FIELDS = tuple(name for name in _TIER_FIELDS if name not in _FREE_TEXT)
"""The facts a risk tier is judged from: every fact but the free text (names, purpose,
vendors, people), which no rule of :func:`risk_tier` reads (a test holds it so)."""


def _not_found() -> NotFoundError:
    return NotFoundError(
        "no register of AI use is published at this address; check it",
        ja="このアドレスで公開されているAI利用登録簿はありません。アドレスを確かめてください。",
    )


def published_path(session: Session, slug: str) -> str | None:
    """The public address of the register of the organisation ``slug`` when it is
    published (None otherwise), for the pages that link to it."""
    published = session.scalar(
        select(RegisterRow.published_at)
        .join(OrgRow, OrgRow.id == RegisterRow.org_id)
        .where(OrgRow.slug == slug[:64])
    )
    return f"/orgs/{slug}/register" if published is not None else None


def read_register(session: Session, slug: str) -> PublicRegister:
    """The published register of the organisation ``slug``.

    Raises:
        NotFoundError: no such organisation, or its register is not published (the same
            answer for both).
    """
    org = session.scalars(select(OrgRow).where(OrgRow.slug == slug)).first()
    row = (
        session.scalars(select(RegisterRow).where(RegisterRow.org_id == org.id)).first()
        if org is not None
        else None
    )
    if org is None or row is None or row.published_at is None:
        raise _not_found()
    # Only the columns the register shows or the tier is computed from, as plain rows:
    # no ORM object per system, no JSON column decoded that is not needed.
    listed = session.execute(
        select(
            SystemRow.id,
            *(getattr(SystemRow, name) for name in _TIER_FIELDS),
            SystemRow.judged_high_risk,
            RegisterEntryRow.division,
            RegisterEntryRow.contribution,
        )
        .join(RegisterEntryRow, RegisterEntryRow.system_id == SystemRow.id)
        .where(RegisterEntryRow.org_id == org.id, SystemRow.org_id == org.id)
        .order_by(SystemRow.name, SystemRow.id)
    ).all()
    ids = [system.id for system in listed]
    vendors = _vendors(session, org.id, ids)
    reviews = _last_reviews(session, org.id, ids)
    notices = _notices(session, org.id, ids)
    decisions = published_decisions(session, org.id, ids)
    statement = session.scalars(select(StatementRow).where(StatementRow.org_id == org.id)).first()
    published_statement = (
        statement is not None
        and statement.published_version is not None
        and statement.withdrawn_at is None
    )
    entries = []
    tiers: dict[tuple[object, ...], TierResult] = {}
    for system in listed:
        # systems of one organisation share a few combinations of the facts a tier is
        # judged from (and of the perspectives of a signed DS-920 judgement): each
        # combination is validated and judged once
        perspectives = system.judged_high_risk
        key = (
            tuple(perspectives) if perspectives else None,
            *(
                tuple(value) if isinstance(value, list) else value
                for value in (getattr(system, name) for name in _JUDGED_FIELDS)
            ),
        )
        tier = tiers.get(key)
        if tier is None:
            values = {n: getattr(system, n) for n in _TIER_FIELDS}
            reason = tier_reason(perspectives) if perspectives else None
            tier = tiers[key] = risk_tier(SystemFacts.model_validate(values), reason)
        entries.append(
            RegisterEntry(
                name=system.name,
                purpose=system.purpose,
                division=system.division,
                contribution=Contribution(system.contribution),
                tier=tier.tier.label,
                tier_reasons=[RegisterReason(code=r.code, ja=r.ja, en=r.en) for r in tier.reasons],
                stage=system.stage,
                domain=system.domain,
                notice_url=notices.get(system.id),
                vendors=_merged(vendors.get(system.id, []), system.vendors),
                last_review=reviews.get(system.id),
                decisions=decisions.get(system.id),
            )
        )
    return PublicRegister(
        organisation=org.name,
        slug=org.slug,
        actor=list(org.actors),
        time_zone=time_zone_name(session, org),
        published_at=row.published_at,
        statement_url=statement_path(org.slug) if published_statement else None,
        systems=entries,
    )


def _merged(linked: list[str], named: list[str]) -> list[str]:
    """The vendor records linked to the system, then names only the system's facts give."""
    return list(dict.fromkeys([*linked, *named]))


def _vendors(session: Session, org_id: int, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(
        select(VendorSystemRow.system_id, VendorRow.name)
        .join(VendorRow, VendorRow.id == VendorSystemRow.vendor_id)
        .where(
            VendorSystemRow.org_id == org_id,
            VendorRow.org_id == org_id,
            VendorRow.archived_at.is_(None),
        )
        .order_by(VendorRow.name)
    )
    wanted = set(ids)
    for system_id, name in rows:
        if system_id in wanted:
            found[system_id].append(name)
    return found


def _last_reviews(session: Session, org_id: int, ids: list[int]) -> dict[int, date]:
    if not ids:
        return {}
    rows = session.execute(
        select(ReviewRow.system_id, func.max(ReviewRow.completed_at))
        .where(ReviewRow.org_id == org_id, ReviewRow.completed_at.is_not(None))
        .group_by(ReviewRow.system_id)
    )
    return {system_id: at.date() for system_id, at in rows if at is not None}


def _notices(session: Session, org_id: int, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(NoticeRow.system_id, NoticeRow.public_id).where(
            NoticeRow.org_id == org_id,
            NoticeRow.published_version.is_not(None),
            NoticeRow.withdrawn_at.is_(None),
        )
    )
    return {system_id: notice_path(public_id) for system_id, public_id in rows}


def register_csv(register: PublicRegister, site: str = "") -> str:
    """The register as CSV (UTF-8 with a BOM for spreadsheet software, every field quoted,
    no cell ever read as a formula), one row per system, the columns of ``CSV_HEADER``."""
    rows = [
        [
            e.name, e.purpose, e.division, e.contribution.value, e.tier,
            " / ".join(r.code for r in e.tier_reasons), e.stage, e.domain,
            f"{site}{e.notice_url}" if e.notice_url else "", " / ".join(e.vendors),
            e.last_review,
            *((e.decisions.total.count, e.decisions.total.kept, e.decisions.total.changed,
               e.decisions.total.overridden) if e.decisions else ("", "", "", "")),
        ]
        for e in register.systems
    ]  # fmt: skip
    return "\ufeff" + csv_text(Table(title="register", header=CSV_HEADER, rows=rows))
