"""Where an incident report points: the organisation's systems it affected and the
inquiry, evaluation run or provenance check it comes from, each checked against what the
principal may see (a reference to something else is "not found")."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.incidents import Source
from tekisei.core.orgs import Principal
from tekisei.db.provenance import ProvenanceCheckRow
from tekisei.db.systems import SystemRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import eval_runs, inquiries, scope


def check_systems(session: Session, principal: Principal, system_ids: list[int]) -> None:
    """Refuse systems that are not the organisation's.

    Raises:
        NotFoundError: naming those that are not.
    """
    known = set(
        session.scalars(
            select(SystemRow.id).where(
                SystemRow.org_id == principal.org_id, SystemRow.id.in_(system_ids)
            )
        )
    )
    missing = [str(s) for s in system_ids if s not in known]
    if missing:
        raise NotFoundError(
            f"no system {', '.join(missing)} in this organisation",
            ja=f"この組織にシステム {'、'.join(missing)} はありません。",
        )


def check_source(session: Session, principal: Principal, source: Source, ref: str) -> str:
    """The reference of a report's source, checked: an inquiry, run or provenance check the
    principal can see (the run by its number). Reports from a form have none.

    Raises:
        NotFoundError: the source is not the organisation's, or not visible.
        InvalidInputError: a source without a reference, or a form with one.
    """
    if source is Source.FORM:
        if ref:
            raise InvalidInputError(
                "a report from the form names no source; leave source_ref empty",
                ja="フォームからの報告には報告元を指定しません。source_ref を空にしてください。",
                field="source_ref",
            )
        return ""
    if not ref.isdigit() or len(ref) > 10 or int(ref) > 2**31 - 1:
        raise InvalidInputError(
            "give the id (a number) of the inquiry, run or check the report comes from",
            ja="報告元の問い合わせ・評価実行・検証のIDを数字で指定してください。",
            field="source_ref",
        )
    number = int(ref)
    if source is Source.INQUIRY:
        inquiries.get_inquiry(session, principal, number)
    elif source is Source.EVAL_RUN:
        eval_runs.visible_run(session, principal, number)
    else:
        visible_check(session, principal, number)
    return str(number)


def visible_check(session: Session, principal: Principal, check_id: int) -> ProvenanceCheckRow:
    """A provenance check of a system the principal may see.

    Raises:
        NotFoundError: not visible.
    """
    return scope.visible_row(
        session,
        principal,
        session.get(ProvenanceCheckRow, check_id),
        NotFoundError(
            f"no provenance check {check_id} in this organisation",
            ja=f"この組織に来歴の検証 {check_id} はありません。",
        ),
    )
