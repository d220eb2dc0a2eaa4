"""Published HAIP reports as anyone reads them, without signing in: by their unguessable
public id, only what was published (the narratives and the summary lines of the approved
facts; the fact tables only when the organisation chose to publish them; never the
coverage, the draft, or who published and approved it), every version at its own address,
and a record of when and why a report was taken down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.haip_documents import HaipDocument, HaipReportFile
from tekisei.core.haip_facts import HaipFacts
from tekisei.core.haip_reports import HaipContent
from tekisei.db.haip_reports import HaipReportRow, HaipReportVersionRow
from tekisei.db.orgs import OrgRow
from tekisei.errors import NotFoundError
from tekisei.i18n import Lang
from tekisei.render.haip_reports import haip_file, haip_html, haip_pdf
from tekisei.services import haip_documents
from tekisei.services.haip_reports import public_path
from tekisei.services.haip_views import VersionSummary, version_summaries
from tekisei.services.orgs import time_zone_name


class PublicHaipReport(BaseModel):
    """A published report: the version asked for (the latest by default) as the JSON file,
    with the list of every version."""

    public_id: str
    organisation: str
    latest: int
    number: int
    published_at: datetime
    report: HaipReportFile
    versions: list[VersionSummary]


class Withdrawal(BaseModel):
    """What the address of a report that was taken down says."""

    public_id: str
    organisation: str
    withdrawn_at: datetime
    reason: str


@dataclass(frozen=True)
class Published:
    """A published version: what the public JSON says, the document its page and PDF are
    made from, and the organisation's time zone (its clock, on the page and the PDF)."""

    public: PublicHaipReport
    document: HaipDocument
    time_zone: str


def _not_found() -> NotFoundError:
    return NotFoundError(
        "no HAIP report is published at this address; check it",
        ja="このアドレスで公開されているHAIP報告書はありません。アドレスを確かめてください。",
    )


def read_report(
    session: Session, public_id: str, number: int | None = None
) -> Published | Withdrawal:
    """The published report at ``public_id`` (version ``number``, else the latest), or the
    record of its withdrawal.

    Raises:
        NotFoundError: nothing was ever published there, or there is no such version.
    """
    row = session.scalars(select(HaipReportRow).where(HaipReportRow.public_id == public_id)).first()
    if row is None or row.published_version is None:
        raise _not_found()
    org = session.get(OrgRow, row.org_id)
    assert org is not None
    if row.withdrawn_at is not None:
        return Withdrawal(
            public_id=row.public_id,
            organisation=org.name,
            withdrawn_at=row.withdrawn_at,
            reason=row.withdrawal_reason or "",
        )
    wanted = row.published_version if number is None else number
    found = session.scalars(
        select(HaipReportVersionRow).where(
            HaipReportVersionRow.report_id == row.id, HaipReportVersionRow.number == wanted
        )
    ).first()
    if found is None:
        raise _not_found()
    document = HaipDocument(
        organisation=org.name,
        title=found.title,
        period_start=found.period_start,
        period_end=found.period_end,
        status="published",
        number=found.number,
        published_at=found.published_at,
        approved=True,
        approved_at=found.approved_at,
        facts_taken_at=None,
        public_path=public_path(row.public_id),
        sections=haip_documents.sections(
            session,
            HaipContent.model_validate(found.content),
            HaipFacts.model_validate(found.facts),
            details=found.details_public,
            coverage=False,
        ),
    )
    public = PublicHaipReport(
        public_id=row.public_id,
        organisation=org.name,
        latest=row.published_version,
        number=found.number,
        published_at=found.published_at,
        report=haip_file(document, found.published_at),
        versions=version_summaries(session, row),
    )
    return Published(public, document, time_zone_name(session, org))


def pdf(found: Published, lang: Lang, site: str = "") -> bytes:
    """The version as a PDF in ``lang``. A published version never changes, so its PDF is
    made once per process."""
    zone = ZoneInfo(found.time_zone)
    return _pdf(haip_html(found.document, lang, zone, public=True, site=site))


@lru_cache(maxsize=32)
def _pdf(html: str) -> bytes:
    return haip_pdf(html)
