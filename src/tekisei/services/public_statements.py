"""Published governance statements as anyone reads them, without signing in: by the
organisation's short id, only what was published (who published it stays inside the
organisation), every version at its own address, and a record of when and why a
statement was taken down instead of pretending it never existed."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.energy import PublicEnergy
from tekisei.core.policies import Lang
from tekisei.core.statements import StatementContent
from tekisei.db.orgs import OrgRow
from tekisei.db.statements import StatementRow, StatementVersionRow
from tekisei.errors import NotFoundError
from tekisei.render.statements import statement_html, statement_pdf
from tekisei.services import energy
from tekisei.services.orgs import time_zone_name
from tekisei.services.statements import public_path


class PublicVersionSummary(BaseModel):
    """One published version, in the list of all of them."""

    number: int
    published_at: datetime


class PublicStatement(BaseModel):
    """A published statement: the version asked for (the latest by default) and the list
    of every version."""

    organisation: str
    slug: str
    time_zone: str
    """The zone the organisation reads times in (its pages show dates on that clock)."""
    latest: int
    number: int
    published_at: datetime
    content: StatementContent
    versions: list[PublicVersionSummary]
    energy: list[PublicEnergy] = []
    """The compute and energy figures of each system the organisation shows them for
    (guideline 1(2)), by system name: built from the current records at each reading, on
    every version's address alike (they are not part of a published version)."""


class StatementWithdrawal(BaseModel):
    """What the address of a statement that was taken down says."""

    organisation: str
    slug: str
    time_zone: str
    withdrawn_at: datetime
    reason: str


def _not_found() -> NotFoundError:
    return NotFoundError(
        "no governance statement is published at this address; check it",
        ja="このアドレスで公開されているAIガバナンス声明はありません。アドレスを確かめてください。",
    )


def read_statement(
    session: Session, slug: str, number: int | None = None
) -> PublicStatement | StatementWithdrawal:
    """The published statement of the organisation ``slug`` (version ``number``, else the
    latest), or the record of its withdrawal.

    Raises:
        NotFoundError: no such organisation, nothing was ever published, or no such
            version (the same answer for each, so an address tells nothing more).
    """
    org = session.scalars(select(OrgRow).where(OrgRow.slug == slug)).first()
    row = (
        session.scalars(select(StatementRow).where(StatementRow.org_id == org.id)).first()
        if org is not None
        else None
    )
    if org is None or row is None or row.published_version is None:
        raise _not_found()
    if row.withdrawn_at is not None:
        return StatementWithdrawal(
            organisation=org.name,
            slug=org.slug,
            time_zone=time_zone_name(session, org),
            withdrawn_at=row.withdrawn_at,
            reason=row.withdrawal_reason or "",
        )
    wanted = row.published_version if number is None else number
    versions = list(
        session.scalars(
            select(StatementVersionRow)
            .where(StatementVersionRow.statement_id == row.id)
            .order_by(StatementVersionRow.number.desc())
        )
    )
    found = next((v for v in versions if v.number == wanted), None)
    if found is None:
        raise _not_found()
    return PublicStatement(
        organisation=org.name,
        slug=org.slug,
        time_zone=time_zone_name(session, org),
        latest=row.published_version,
        number=found.number,
        published_at=found.published_at,
        content=StatementContent.model_validate(found.content),
        versions=[
            PublicVersionSummary(number=v.number, published_at=v.published_at) for v in versions
        ],
        energy=energy.public_of_org(session, org),
    )


def pdf(statement: PublicStatement, lang: Lang, site: str = "") -> bytes:
    """The version as a PDF in ``lang``, with the energy figures shown at the time of
    reading. A PDF is kept per process by the HTML it is typeset from: a published version
    never changes, and the HTML carries the energy section, so changed figures or a turned
    switch make another HTML, hence another PDF."""
    html = statement_html(
        content=statement.content,
        number=statement.number,
        latest=statement.latest,
        published_at=statement.published_at,
        lang=lang,
        time_zone=statement.time_zone,
        site_path=f"{site}{public_path(statement.slug)}/versions/{statement.number}",
        energy=statement.energy,
    )
    return _pdf(html)


@lru_cache(maxsize=32)
def _pdf(html: str) -> bytes:
    return statement_pdf(html)
