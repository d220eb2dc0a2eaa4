"""Risks suggested by evaluation runs: a failing risk category becomes a suggestion with
a likelihood, and a person takes it into the register (with the impact) or dismisses it."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.eval_findings import Tally, likelihood_from_failures
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.risks import RISK_TAXONOMY, RiskFields, RiskStatus
from tekisei.db.catalog import CatalogNodeRow
from tekisei.db.evals import EvalRunRow, RiskSuggestionRow
from tekisei.db.orgs import OrgRow
from tekisei.db.risks import RiskRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.i18n import Lang, messages
from tekisei.services import audit, risks, scope, systems
from tekisei.services.people import ActorNames


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


class SuggestionOut(BaseModel):
    """A risk a run's failures suggest, with the likelihood they point to."""

    id: int
    system_id: int
    run_id: int
    run_key: str
    taxonomy: str
    title_ja: str
    title_en: str
    failed: int
    total: int
    likelihood: int
    risk_id: int | None
    status: str
    decided_by: str | None
    decided_at: datetime | None
    note: str


def suggest_risks(session: Session, run: EvalRunRow, by_risk: dict[str, Tally]) -> list[str]:
    known = taxonomy_titles(session)
    open_risks = [
        r
        for r in session.scalars(select(RiskRow).where(RiskRow.system_id == run.system_id))
        if r.status != RiskStatus.CLOSED.value
    ]
    suggested: list[str] = []
    for taxonomy, tally in by_risk.items():
        likelihood = likelihood_from_failures(tally.failed, tally.total)
        if likelihood is None or taxonomy not in known:
            continue
        for older in session.scalars(
            select(RiskSuggestionRow).where(
                RiskSuggestionRow.system_id == run.system_id,
                RiskSuggestionRow.taxonomy == taxonomy,
                RiskSuggestionRow.status == "pending",
            )
        ):
            older.status = "superseded"
        existing = next((r for r in open_risks if taxonomy in r.taxonomy), None)
        session.add(
            RiskSuggestionRow(
                org_id=run.org_id,
                system_id=run.system_id,
                run_id=run.id,
                taxonomy=taxonomy,
                failed=tally.failed,
                total=tally.total,
                likelihood=likelihood,
                risk_id=existing.id if existing else None,
                status="pending",
                note="",
            )
        )
        suggested.append(taxonomy)
    session.flush()
    return suggested


def taxonomy_titles(session: Session) -> dict[str, tuple[str, str]]:
    return {
        n.ref: (n.title_ja, n.title_en)
        for n in session.scalars(
            select(CatalogNodeRow).where(CatalogNodeRow.framework_id == RISK_TAXONOMY)
        )
    }


def _suggestion_view(
    row: RiskSuggestionRow, key: str, titles: dict[str, tuple[str, str]], actors: ActorNames
) -> SuggestionOut:
    ja, en = titles.get(row.taxonomy, (row.taxonomy, row.taxonomy))
    return SuggestionOut(
        id=row.id,
        system_id=row.system_id,
        run_id=row.run_id,
        run_key=key,
        taxonomy=row.taxonomy,
        title_ja=ja,
        title_en=en,
        failed=row.failed,
        total=row.total,
        likelihood=row.likelihood,
        risk_id=row.risk_id,
        status=row.status,
        decided_by=actors(row.decided_by),
        decided_at=row.decided_at,
        note=row.note,
    )


def list_suggestions(
    session: Session,
    principal: Principal,
    system_id: int | None = None,
    status: str | None = "pending",
) -> list[SuggestionOut]:
    """Risk suggestions from runs, for the systems the principal may see."""
    require(principal, Permission.READ)
    query = (
        select(RiskSuggestionRow, EvalRunRow.key)
        .join(EvalRunRow, EvalRunRow.id == RiskSuggestionRow.run_id)
        .where(scope.visible(principal, RiskSuggestionRow.org_id, RiskSuggestionRow.system_id))
    )
    if system_id is not None:
        systems.visible_system(session, principal, system_id)
        query = query.where(RiskSuggestionRow.system_id == system_id)
    if status:
        query = query.where(RiskSuggestionRow.status == status)
    titles, actors = taxonomy_titles(session), ActorNames(session, principal)
    return [
        _suggestion_view(row, key, titles, actors)
        for row, key in session.execute(query.order_by(RiskSuggestionRow.id))
    ]


def _pending_suggestion(
    session: Session, principal: Principal, suggestion_id: int
) -> RiskSuggestionRow:
    row = scope.visible_row(
        session,
        principal,
        session.get(RiskSuggestionRow, suggestion_id),
        NotFoundError(
            f"no risk suggestion {suggestion_id} in this organisation",
            ja=f"この組織にリスクの提案 {suggestion_id} はありません。",
        ),
    )
    require(principal, Permission.WRITE_RISKS)
    if row.status != "pending":
        raise ConflictError(
            f"suggestion {suggestion_id} is {row.status} already",
            ja=f"提案 {suggestion_id} はすでに処理されています（{row.status}）。",
        )
    return row


def accept_suggestion(
    session: Session,
    principal: Principal,
    suggestion_id: int,
    impact: int | None = None,
    note: str = "",
    lang: Lang = "ja",
) -> RiskRow:
    """A person takes a suggestion into the register.

    When the system already has an open risk on the same taxonomy id, its likelihood is
    raised to the suggested one (never lowered). Otherwise a new risk is added with the
    suggested likelihood and the ``impact`` the person judges; its name and description,
    which the person owns from then on, are written in ``lang``, the person's language.

    Raises:
        InvalidInputError: a new risk is needed and no impact (1-5) was given.
        ConflictError: the suggestion was decided already.
    """
    row = _pending_suggestion(session, principal, suggestion_id)
    run = session.get(EvalRunRow, row.run_id)
    assert run is not None
    ja, en = taxonomy_titles(session).get(row.taxonomy, (row.taxonomy, row.taxonomy))
    words = messages(lang)
    evidence = words.format(
        "note:risk-found",
        run=run.key,
        suite=run.suite,
        version=run.suite_version,
        failed=row.failed,
        total=row.total,
    )
    existing = session.get(RiskRow, row.risk_id) if row.risk_id else None
    if existing is not None and existing.status != RiskStatus.CLOSED.value:
        if existing.likelihood < row.likelihood:
            risks.update_risk(
                session, principal, existing.id, {"likelihood": row.likelihood}, existing.version
            )
        risk = existing
    else:
        if impact is None or not 1 <= impact <= 5:
            raise InvalidInputError(
                "give the impact (1-5): a test shows how often a failure happens, "
                "not how much harm it does",
                ja="影響度（1〜5）を指定してください。テストで分かるのは起こりやすさで、"
                "被害の大きさは人が判断します。",
            )
        risk = risks.add_risk(
            session,
            principal,
            row.system_id,
            RiskFields(
                title=words.format("note:risk-found-title", risk=ja if lang == "ja" else en),
                taxonomy=[row.taxonomy],
                description=evidence + (f"\n{note.strip()}" if note.strip() else ""),
                likelihood=row.likelihood,
                impact=impact,
            ),
        )
    row.status = "accepted"
    row.risk_id = risk.id
    row.decided_by = principal.email
    row.decided_at = datetime.now(UTC)
    row.note = note.strip()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "risk_suggestion.accept",
        "risk_suggestion",
        row.id,
        {"run": run.key, "taxonomy": row.taxonomy, "likelihood": row.likelihood, "risk": risk.id},
    )
    return risk


def dismiss_suggestion(
    session: Session, principal: Principal, suggestion_id: int, note: str
) -> RiskSuggestionRow:
    """A person decides a suggestion needs no risk, and says why.

    Raises:
        InvalidInputError: no reason given.
    """
    row = _pending_suggestion(session, principal, suggestion_id)
    if not note.strip():
        raise InvalidInputError(
            "say why no risk is needed", ja="リスクとして登録しない理由を記入してください。"
        )
    row.status = "dismissed"
    row.decided_by = principal.email
    row.decided_at = datetime.now(UTC)
    row.note = note.strip()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "risk_suggestion.dismiss",
        "risk_suggestion",
        row.id,
        {"taxonomy": row.taxonomy, "note": row.note},
    )
    return row
