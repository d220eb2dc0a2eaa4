"""The citizens' portal as anyone reads it, without signing in: finding an organisation
by its name or by the systems on its published register, and an organisation's page
linking to everything it has published.

Only published things count: an organisation is found only when it publishes something
(its register, its governance statement, a notice, an incident notice or a HAIP report
that is not withdrawn), and a system only while it is listed on a published register.
Every search is a fixed handful of queries, however many systems a register lists.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from tekisei.core.portal import (
    MAX_RESULTS,
    MAX_SYSTEMS_SHOWN,
    FoundOrg,
    FoundSystem,
    OrgHub,
    PortalSearch,
    PublishedItem,
    search_terms,
)
from tekisei.db.decisions import DecisionSettingsRow
from tekisei.db.haip_reports import HaipReportRow, HaipReportVersionRow
from tekisei.db.incidents import IncidentNoticeVersionRow, IncidentRow
from tekisei.db.notices import NoticeRow, NoticeVersionRow
from tekisei.db.orgs import OrgRow
from tekisei.db.registers import RegisterEntryRow, RegisterRow
from tekisei.db.statements import StatementRow
from tekisei.db.systems import SystemRow
from tekisei.errors import NotFoundError
from tekisei.services.haip_reports import public_path as report_path
from tekisei.services.notices import public_path as notice_path
from tekisei.services.orgs import time_zone_name
from tekisei.services.public_incidents import public_path as incident_path
from tekisei.services.registers import public_path as register_path
from tekisei.services.statements import public_path as statement_path

STATUS_URL = "/inquiries/status"


def hub_path(slug: str) -> str:
    """The address of an organisation's page on the portal, relative to the site."""
    return f"/orgs/{slug}"


def _not_found() -> NotFoundError:
    return NotFoundError(
        "no organisation publishes anything at this address; check it, or search for it "
        "on the portal's front page",
        ja="このアドレスで情報を公開している組織はありません。アドレスを確かめるか、"
        "トップページで組織を検索してください。",
    )


# ----------------------------------------------------------------------------- published


def _register_published(org_id: Any) -> ColumnElement[bool]:
    return exists().where(RegisterRow.org_id == org_id, RegisterRow.published_at.is_not(None))


def _statement_published(org_id: Any) -> ColumnElement[bool]:
    return exists().where(
        StatementRow.org_id == org_id,
        StatementRow.published_version.is_not(None),
        StatementRow.withdrawn_at.is_(None),
    )


def _notice_published(org_id: Any) -> ColumnElement[bool]:
    return exists().where(
        NoticeRow.org_id == org_id,
        NoticeRow.published_version.is_not(None),
        NoticeRow.withdrawn_at.is_(None),
    )


def _incident_published(org_id: Any) -> ColumnElement[bool]:
    return exists().where(
        IncidentRow.org_id == org_id,
        IncidentRow.published_version.is_not(None),
        IncidentRow.withdrawn_at.is_(None),
    )


def _report_published(org_id: Any) -> ColumnElement[bool]:
    return exists().where(
        HaipReportRow.org_id == org_id,
        HaipReportRow.published_version.is_not(None),
        HaipReportRow.withdrawn_at.is_(None),
    )


def _publishes(org_id: Any) -> ColumnElement[bool]:
    """Whether the organisation ``org_id`` (a column or a value) publishes anything."""
    return or_(
        _register_published(org_id),
        _statement_published(org_id),
        _notice_published(org_id),
        _incident_published(org_id),
        _report_published(org_id),
    )


# ----------------------------------------------------------------------------- search


def _listed_systems() -> Any:
    """Systems listed on a published register: (org id, system id, name, purpose)."""
    return (
        select(SystemRow.org_id, SystemRow.id, SystemRow.name, SystemRow.purpose)
        .join(
            RegisterEntryRow,
            and_(
                RegisterEntryRow.system_id == SystemRow.id,
                RegisterEntryRow.org_id == SystemRow.org_id,
            ),
        )
        .join(RegisterRow, RegisterRow.org_id == SystemRow.org_id)
        .where(RegisterRow.published_at.is_not(None))
    )


def search(session: Session, query: str) -> PortalSearch:
    """The organisations that publish something and match every word of ``query`` by
    their name or short id, or by the name or purpose of a system on their published
    register; every organisation that publishes something when ``query`` is blank. By
    name, at most :data:`MAX_RESULTS`.

    Raises:
        InvalidInputError: the query is too long or has too many words.
    """
    terms = search_terms(query)
    findable = select(OrgRow.id).where(_publishes(OrgRow.id))
    hits: dict[int, dict[int, tuple[int, str, str]]] = defaultdict(dict)
    if not terms:
        org_ids: set[int] | None = None
    else:
        org_ids = None
        for term in terms:
            by_name = set(
                session.scalars(
                    select(OrgRow.id).where(
                        OrgRow.id.in_(findable),
                        or_(
                            OrgRow.name.icontains(term, autoescape=True),
                            OrgRow.slug.icontains(term, autoescape=True),
                        ),
                    )
                )
            )
            rows = session.execute(
                _listed_systems().where(
                    or_(
                        SystemRow.name.icontains(term, autoescape=True),
                        SystemRow.purpose.icontains(term, autoescape=True),
                    )
                )
            ).all()
            for org_id, system_id, name, purpose in rows:
                hits[org_id][system_id] = (system_id, name, purpose)
            found = by_name | {org_id for org_id, *_ in rows}
            org_ids = found if org_ids is None else org_ids & found
            if not org_ids:
                return PortalSearch(query=query, results=[], more=False)
    listing = select(OrgRow).where(OrgRow.id.in_(findable)).order_by(OrgRow.name, OrgRow.id)
    if org_ids is not None:
        listing = listing.where(OrgRow.id.in_(org_ids))
    orgs = list(session.scalars(listing.limit(MAX_RESULTS + 1)))
    more = len(orgs) > MAX_RESULTS
    orgs = orgs[:MAX_RESULTS]
    shown = {
        org.id: sorted(hits.get(org.id, {}).values(), key=lambda s: (s[1], s[0]))[
            :MAX_SYSTEMS_SHOWN
        ]
        for org in orgs
    }
    notices = _notice_paths(session, [s[0] for systems in shown.values() for s in systems])
    results = [
        FoundOrg(
            organisation=org.name,
            slug=org.slug,
            actor=list(org.actors),
            url=hub_path(org.slug),
            systems=[
                FoundSystem(name=name, purpose=purpose, notice_url=notices.get(system_id))
                for system_id, name, purpose in shown[org.id]
            ],
            more_systems=max(0, len(hits.get(org.id, {})) - MAX_SYSTEMS_SHOWN),
        )
        for org in orgs
    ]
    return PortalSearch(query=query, results=results, more=more)


def _notice_paths(session: Session, system_ids: list[int]) -> dict[int, str]:
    if not system_ids:
        return {}
    rows = session.execute(
        select(NoticeRow.system_id, NoticeRow.public_id).where(
            NoticeRow.system_id.in_(system_ids),
            NoticeRow.published_version.is_not(None),
            NoticeRow.withdrawn_at.is_(None),
        )
    )
    return {system_id: notice_path(public_id) for system_id, public_id in rows}


# ----------------------------------------------------------------------------- hub


def read_hub(session: Session, slug: str) -> OrgHub:
    """The page of the organisation ``slug``: links to its published statement, register,
    notices, incident notices and HAIP reports, its decision statistics, and its inquiry
    form.

    Raises:
        NotFoundError: no such organisation, or it publishes nothing (the same answer for
            both).
    """
    org = session.scalars(select(OrgRow).where(OrgRow.slug == slug[:64])).first()
    if org is None or not session.scalar(select(_publishes(org.id))):
        raise _not_found()
    register = session.scalar(select(_register_published(org.id)))
    statement = session.scalar(select(_statement_published(org.id)))
    listed = (
        session.scalar(
            select(func.count(RegisterEntryRow.id)).where(RegisterEntryRow.org_id == org.id)
        )
        if register
        else 0
    )
    notices = _notices(session, org.id)
    published_stats = session.scalar(
        select(DecisionSettingsRow.published).where(DecisionSettingsRow.org_id == org.id)
    )
    return OrgHub(
        organisation=org.name,
        slug=org.slug,
        actor=list(org.actors),
        time_zone=time_zone_name(session, org),
        statement_url=statement_path(org.slug) if statement else None,
        register_url=register_path(org.slug) if register else None,
        register_systems=listed or 0,
        notices=notices,
        incident_notices=_incident_notices(session, org.id),
        reports=_reports(session, org.id),
        decision_stats_url=(
            f"/api/public/orgs/{org.slug}/decisions/stats" if published_stats else None
        ),
        # the inquiry form is open to an organisation that publishes a notice or its
        # statement (services.public_inquiries)
        inquiry_url=f"/orgs/{org.slug}/inquiries/new" if statement or notices else None,
        status_url=STATUS_URL,
    )


def _titles(content: dict[str, Any]) -> tuple[str, str]:
    ja = ((content.get("ja") or {}).get("title") or "").strip()
    en = ((content.get("en") or {}).get("title") or "").strip()
    return ja or en, en or ja


def _notices(session: Session, org_id: int) -> list[PublishedItem]:
    rows = session.execute(
        select(NoticeRow.public_id, NoticeVersionRow.content, NoticeVersionRow.published_at)
        .join(
            NoticeVersionRow,
            and_(
                NoticeVersionRow.notice_id == NoticeRow.id,
                NoticeVersionRow.number == NoticeRow.published_version,
            ),
        )
        .where(NoticeRow.org_id == org_id, NoticeRow.withdrawn_at.is_(None))
    )
    items = []
    for public_id, content, published_at in rows:
        ja, en = _titles(content)
        items.append(
            PublishedItem(
                title_ja=ja, title_en=en, url=notice_path(public_id), published_at=published_at
            )
        )
    return sorted(items, key=lambda item: (item.title_ja, item.url))


def _incident_notices(session: Session, org_id: int) -> list[PublishedItem]:
    rows = session.execute(
        select(
            IncidentRow.public_id,
            IncidentNoticeVersionRow.content,
            IncidentNoticeVersionRow.published_at,
        )
        .join(
            IncidentNoticeVersionRow,
            and_(
                IncidentNoticeVersionRow.incident_id == IncidentRow.id,
                IncidentNoticeVersionRow.number == IncidentRow.published_version,
            ),
        )
        .where(IncidentRow.org_id == org_id, IncidentRow.withdrawn_at.is_(None))
        .order_by(IncidentNoticeVersionRow.published_at.desc(), IncidentRow.id)
    )
    return [
        PublishedItem(
            title_ja=str(content.get("title", "")),
            title_en=str(content.get("title", "")),
            url=incident_path(public_id),
            published_at=published_at,
        )
        for public_id, content, published_at in rows
    ]


def _reports(session: Session, org_id: int) -> list[PublishedItem]:
    rows = session.execute(
        select(
            HaipReportRow.public_id, HaipReportVersionRow.title, HaipReportVersionRow.published_at
        )
        .join(
            HaipReportVersionRow,
            and_(
                HaipReportVersionRow.report_id == HaipReportRow.id,
                HaipReportVersionRow.number == HaipReportRow.published_version,
            ),
        )
        .where(HaipReportRow.org_id == org_id, HaipReportRow.withdrawn_at.is_(None))
        .order_by(HaipReportVersionRow.published_at.desc(), HaipReportRow.id)
    )
    return [
        PublishedItem(title_ja=title, title_en=title, url=report_path(public_id), published_at=at)
        for public_id, title, at in rows
    ]
