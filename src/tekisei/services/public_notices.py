"""Published notices as anyone reads them, without signing in: by their unguessable
public id, only what was published (the draft, who published it and who approved it stay
inside the organisation), every version at its own address, and a record of when and why
a notice was taken down instead of pretending it never existed."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.energy import PublicEnergy
from tekisei.core.notices import Lang, NoticeContent
from tekisei.db.notices import NoticeRow, NoticeVersionRow
from tekisei.db.orgs import OrgRow
from tekisei.errors import NotFoundError
from tekisei.render.notices import notice_html, notice_pdf
from tekisei.services import energy
from tekisei.services.notice_views import VersionSummary, version_summaries
from tekisei.services.orgs import time_zone_name


class PublicVersion(BaseModel):
    """One published version of a notice, exactly as published."""

    number: int
    published_at: datetime
    approved_by_executive: bool
    """An executive approved this version before it was published (high and critical
    tiers)."""
    languages: list[Lang]
    content: NoticeContent


class PublicNotice(BaseModel):
    """A published notice: the version asked for (the latest by default) and the list of
    every version."""

    public_id: str
    organisation: str
    org_slug: str = ""
    """The organisation's short id: its page is ``/orgs/{org_slug}``."""
    time_zone: str
    """The IANA zone the organisation reads times in (its pages and PDF show them so)."""
    latest: int
    version: PublicVersion
    versions: list[VersionSummary]
    energy: PublicEnergy | None = None
    """The system's compute and energy figures, when the organisation shows them
    (guideline 1(2)): built from the current records at each reading, on every version's
    address alike (they are not part of a published version); null when not shown."""


class Withdrawal(BaseModel):
    """What the address of a notice that was taken down says."""

    public_id: str
    organisation: str
    time_zone: str
    withdrawn_at: datetime
    reason: str


def _not_found() -> NotFoundError:
    return NotFoundError(
        "no notice is published at this address; check it",
        ja="このアドレスで公開されているお知らせはありません。アドレスを確かめてください。",
    )


def read_notice(
    session: Session, public_id: str, number: int | None = None
) -> PublicNotice | Withdrawal:
    """The published notice at ``public_id`` (version ``number``, else the latest), or
    the record of its withdrawal.

    Raises:
        NotFoundError: nothing was ever published there, or there is no such version.
    """
    row = session.scalars(select(NoticeRow).where(NoticeRow.public_id == public_id)).first()
    if row is None or row.published_version is None:
        raise _not_found()
    org = session.get(OrgRow, row.org_id)
    assert org is not None
    if row.withdrawn_at is not None:
        return Withdrawal(
            public_id=row.public_id,
            organisation=org.name,
            time_zone=time_zone_name(session, org),
            withdrawn_at=row.withdrawn_at,
            reason=row.withdrawal_reason or "",
        )
    wanted = row.published_version if number is None else number
    found = session.scalars(
        select(NoticeVersionRow).where(
            NoticeVersionRow.notice_id == row.id, NoticeVersionRow.number == wanted
        )
    ).first()
    if found is None:
        raise _not_found()
    content = NoticeContent.model_validate(found.content)
    return PublicNotice(
        public_id=row.public_id,
        organisation=org.name,
        org_slug=org.slug,
        time_zone=time_zone_name(session, org),
        latest=row.published_version,
        version=PublicVersion(
            number=found.number,
            published_at=found.published_at,
            approved_by_executive=found.approved_by is not None,
            languages=content.languages(),
            content=content,
        ),
        versions=version_summaries(session, row),
        energy=energy.public_for_system(session, row.system_id),
    )


def pdf(notice: PublicNotice, lang: Lang, site: str = "") -> bytes:
    """The version as a PDF in ``lang`` (the other language when it is not given in
    ``lang``, saying so), with the energy figures shown at the time of reading. A PDF is
    kept per process by the HTML it is typeset from: a published version never changes,
    and the HTML carries the energy section, so changed figures or a turned switch make
    another HTML, hence another PDF."""
    html = notice_html(
        organisation=notice.organisation,
        public_id=notice.public_id,
        number=notice.version.number,
        latest=notice.latest,
        published_at=notice.version.published_at,
        content=notice.version.content,
        lang=lang,
        time_zone=notice.time_zone,
        site=site,
        energy=[notice.energy] if notice.energy else [],
    )
    return _pdf(html)


@lru_cache(maxsize=64)
def _pdf(html: str) -> bytes:
    return notice_pdf(html)
