"""DS-920 high-risk judgements of systems (guideline 3(1)): answer the sheet, sign it,
read it, and see when it is to be redone.

A system has at most one draft at a time; answering a system whose judgements are all
signed starts a new draft. A signed judgement never changes: signing a newer one
supersedes it. Signing stores the system's facts (and their digest): when the facts a
judgement rests on change later, it is "stale" (to be redone) until a new one is signed.
A signed high-risk judgement is a reason for the system's tier (at least high), and the
signed judgement in force is evidence for 3(1) and 1(3)① in its guideline assessment.
External testers see no judgement.

A draft started while the judgement in force is stale is a redo of it: its view says
which judgement it redoes and which facts changed since (the form carries that
judgement's answers over), and signing it needs the signer to confirm every perspective
again, against the facts of today.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.judgements import (
    PERSPECTIVES,
    QUESTION_IDS,
    Answer,
    Outcome,
    changed_facts,
    decide,
    facts_digest,
    reasons,
    unconfirmed,
)
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.core.orgs import Permission, Principal, Role, require
from tekisei.core.systems import risk_tier
from tekisei.db.judgements import JudgementRow
from tekisei.db.orgs import OrgRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, systems, transparency
from tekisei.services.changes import check_version
from tekisei.services.people import ActorNames


class ReasonOut(BaseModel):
    """Why a judgement decides as it does, in each language."""

    ja: str
    en: str


class RedoOf(BaseModel):
    """The stale judgement a draft redoes, and the facts changed since it was signed."""

    id: int
    number: int
    signed_at: datetime | None
    changed_facts: list[str]
    """Names of the system's facts (``purpose``, ``domain``, …) changed since."""


class JudgementView(BaseModel):
    """A judgement as readers see it."""

    id: int
    system_id: int
    number: int
    answers: dict[str, Answer]
    high_risk: bool
    perspectives: list[str]
    reasons: list[ReasonOut]
    unanswered: list[str]
    signed: bool
    signed_by: str | None
    signed_at: datetime | None
    superseded: bool
    stale: bool
    """Signed, in force, and the system's facts changed since: to be redone."""
    changed_facts: list[str]
    """When stale: the system's facts changed since it was signed."""
    redo_of: RedoOf | None
    """A draft (or a judgement signed as one) that redoes a stale judgement: its answers
    were carried over, and the signer confirms every perspective again."""
    reconfirmed: list[str] | None
    """The perspectives the signer confirmed again when signing a redo."""
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


def _not_found(judgement_id: int) -> NotFoundError:
    return NotFoundError(
        f"no judgement {judgement_id} of this system",
        ja=f"このシステムに判定 {judgement_id} はありません。",
    )


def _system(session: Session, principal: Principal, system_id: int) -> SystemRow:
    """The system, when the principal may see its judgements (testers may not)."""
    row = systems.visible_system(session, principal, system_id)
    if principal.role is Role.EXTERNAL_TESTER:
        raise NotFoundError(
            f"no system {system_id} in this organisation",
            ja=f"この組織にシステム {system_id} はありません。",
        )
    return row


def system_of(session: Session, principal: Principal, system_id: int) -> SystemRow:
    """The system, when the principal may see its judgements.

    Raises:
        NotFoundError: external testers, or no such system in the organisation.
    """
    return _system(session, principal, system_id)


def _outcome(row: JudgementRow) -> Outcome:
    return decide({k: Answer.model_validate(v) for k, v in row.answers.items()})


def view(session: Session, row: JudgementRow, actors: ActorNames) -> JudgementView:
    """The reader's view of a judgement, with whether it is stale; members are named as
    ``actors`` shows them to the reader."""
    outcome = _outcome(row)
    stale = False
    changed: list[str] = []
    system = session.get(SystemRow, row.system_id)
    assert system is not None
    facts = systems.facts_of(system)
    if row.signed_at is not None and row.superseded_at is None:
        stale = row.facts_digest != facts_digest(facts)
        changed = changed_facts(row.facts, facts) if stale else []
    redo: RedoOf | None = None
    if row.redo_of is not None:
        earlier = session.get(JudgementRow, row.redo_of)
        if earlier is not None:
            redo = RedoOf(
                id=earlier.id, number=earlier.number, signed_at=earlier.signed_at,
                changed_facts=changed_facts(earlier.facts, facts),
            )  # fmt: skip
    return JudgementView(
        id=row.id, system_id=row.system_id, number=row.number,
        answers={k: Answer.model_validate(v) for k, v in row.answers.items()},
        high_risk=outcome.high_risk, perspectives=[p.value for p in outcome.perspectives],
        reasons=[ReasonOut(ja=ja, en=en) for ja, en in reasons(outcome)],
        unanswered=list(outcome.unanswered), signed=row.signed_at is not None,
        signed_by=actors(row.signed_by), signed_at=row.signed_at,
        superseded=row.superseded_at is not None, stale=stale, changed_facts=changed,
        redo_of=redo, reconfirmed=row.reconfirmed,
        created_by=actors(row.created_by) or "", created_at=row.created_at,
        updated_at=row.updated_at, version=row.version,
    )  # fmt: skip


def list_judgements(session: Session, principal: Principal, system_id: int) -> list[JudgementRow]:
    """The system's judgements, newest first."""
    system = _system(session, principal, system_id)
    return list(
        session.scalars(
            select(JudgementRow)
            .where(JudgementRow.org_id == principal.org_id, JudgementRow.system_id == system.id)
            .order_by(JudgementRow.number.desc())
        )
    )


def get_judgement(
    session: Session, principal: Principal, system_id: int, judgement_id: int
) -> JudgementRow:
    """One judgement of the system.

    Raises:
        NotFoundError: the system or the judgement is not visible.
    """
    system = _system(session, principal, system_id)
    row = session.get(JudgementRow, judgement_id)
    if row is None or row.org_id != principal.org_id or row.system_id != system.id:
        raise _not_found(judgement_id)
    return row


def _draft(session: Session, system: SystemRow) -> JudgementRow | None:
    return session.scalars(
        select(JudgementRow).where(
            JudgementRow.system_id == system.id, JudgementRow.signed_at.is_(None)
        )
    ).first()


def answer(
    session: Session,
    principal: Principal,
    system_id: int,
    answers: dict[str, Answer],
    version: int | None = None,
) -> JudgementRow:
    """Answer questions of the system's draft judgement (started when there is none);
    the answers given replace those to the same questions.

    Raises:
        PermissionDeniedError: the role may not write assessments.
        NotFoundError: the system is not visible.
        InvalidInputError: a question id is not on the sheet.
        ConflictError: ``version`` is not the draft's current one.
    """
    system = _system(session, principal, system_id)
    require(principal, Permission.WRITE_ASSESSMENTS)
    unknown = sorted(set(answers) - QUESTION_IDS)
    if unknown:
        raise InvalidInputError(
            f"no question {', '.join(unknown)} on the sheet; "
            "'tekisei judgements show' lists the questions",
            ja=f"設問 {', '.join(unknown)} はありません。"
            "設問の一覧は判定シートで確認してください。",
        )
    now = datetime.now(UTC)
    row = _draft(session, system)
    if row is None:
        number = session.scalar(
            select(func.max(JudgementRow.number)).where(JudgementRow.system_id == system.id)
        )
        row = JudgementRow(
            org_id=principal.org_id, system_id=system.id, number=(number or 0) + 1, answers={},
            high_risk=False, perspectives=[], created_by=principal.email, created_at=now,
            updated_by=principal.email, updated_at=now, redo_of=_stale_in_force(session, system),
            version=1,
        )  # fmt: skip
        session.add(row)
    else:
        if version is not None:
            check_version("判定", row.id, version, row.version, kind_en="judgement")
        row.version += 1
    merged = dict(row.answers) | {k: v.model_dump(mode="json") for k, v in answers.items()}
    row.answers = merged
    outcome = _outcome(row)
    row.high_risk = outcome.high_risk
    row.perspectives = [p.value for p in outcome.perspectives]
    row.updated_by = principal.email
    row.updated_at = now
    session.flush()
    audit.record(
        session, _org(session, principal), principal.email, "judgement.answer", "judgement",
        row.id, {"system": system.id, "questions": sorted(answers)},
    )  # fmt: skip
    return row


def _stale_in_force(session: Session, system: SystemRow) -> int | None:
    """The id of the system's judgement in force when it is stale (a new draft redoes it)."""
    row = session.scalars(
        select(JudgementRow).where(
            JudgementRow.system_id == system.id,
            JudgementRow.signed_at.is_not(None),
            JudgementRow.superseded_at.is_(None),
        )
    ).first()
    if row is None or row.facts_digest == facts_digest(systems.facts_of(system)):
        return None
    return row.id


def sign(
    session: Session,
    principal: Principal,
    system_id: int,
    judgement_id: int,
    version: int,
    confirmed: list[str] | None = None,
) -> JudgementRow:
    """Sign a complete draft: it becomes the judgement in force, supersedes the one before,
    sets the system's tier reason and becomes evidence for 3(1) and 1(3)①. A redo of a
    stale judgement is signed only when ``confirmed`` names every perspective: the signer
    confirms that the answers carried over still hold for the facts of today.

    Raises:
        NotFoundError: the system or the judgement is not visible.
        PermissionDeniedError: the role may not sign judgements.
        ConflictError: already signed, stale ``version``, questions unanswered, or a redo
            with a perspective not confirmed again.
    """
    row = get_judgement(session, principal, system_id, judgement_id)
    require(principal, Permission.SIGN_JUDGEMENTS)
    if row.signed_at is not None:
        raise ConflictError(
            f"judgement {row.id} is signed and cannot change; answer again to start a new one",
            ja=f"判定 {row.id} は署名済みで変更できません。回答し直すと新しい判定が始まります。",
        )
    check_version("判定", row.id, version, row.version, kind_en="judgement")
    outcome = _outcome(row)
    if not outcome.complete:
        raise ConflictError(
            f"answer every question before signing (unanswered: {', '.join(outcome.unanswered)})",
            ja="署名の前にすべての設問に回答してください"
            f"（未回答: {'、'.join(outcome.unanswered)}）。",
        )
    if row.redo_of is not None:
        missing = unconfirmed(confirmed or [])
        if missing:
            ja = "、".join(PERSPECTIVES[p][1] for p in missing)
            en = ", ".join(PERSPECTIVES[p][2] for p in missing)
            raise ConflictError(
                "this judgement redoes one whose facts changed, and its answers were carried "
                "over from it: confirm each perspective again against the facts of today "
                f"before signing (not confirmed: {en})",
                ja="この判定は、システムの事実が変わった前回の判定のやり直しで、回答は前回から"
                "引き継いだものです。署名の前に、今の事実に照らして各観点を確認し直してください"
                f"（未確認: {ja}）。",
            )
        row.reconfirmed = [p.value for p in unconfirmed([])]
    system = session.get(SystemRow, row.system_id)
    assert system is not None
    now = datetime.now(UTC)
    previous = session.scalars(
        select(JudgementRow).where(
            JudgementRow.system_id == system.id,
            JudgementRow.signed_at.is_not(None),
            JudgementRow.superseded_at.is_(None),
        )
    ).first()
    if previous is not None:
        previous.superseded_at = now
    facts = systems.facts_of(system)
    row.facts = facts.model_dump(mode="json")
    row.facts_digest = facts_digest(facts)
    row.signed_at = now
    row.signed_by = principal.email
    row.signed_by_id = principal.user_id
    row.version += 1
    old_tier = system.tier
    system.judged_high_risk = [p.value for p in outcome.perspectives] or None
    system.tier = risk_tier(facts, systems.judged(system)).tier.label
    session.flush()
    audit.record(
        session, _org(session, principal), principal.email, "judgement.sign", "judgement",
        row.id,
        {"system": system.id, "number": row.number, "high_risk": outcome.high_risk,
         "perspectives": row.perspectives, "tier": {"before": old_tier, "after": system.tier},
         "supersedes": previous.id if previous is not None else None,
         "redo_of": row.redo_of, "reconfirmed": row.reconfirmed},
    )  # fmt: skip
    evidence = transparency.reference(
        session, principal, ref=f"judgement:{row.id}",
        title=AutoNote.of(
            NoteKey.JUDGEMENT_EVIDENCE, system=system.name, number=row.number
        ),
    )  # fmt: skip
    row.evidence_id = evidence.id
    session.flush()
    transparency.link(session, principal, system.id, evidence.id, "judgement")
    return row


def in_force(session: Session, principal: Principal, system_id: int) -> JudgementRow | None:
    """The system's signed judgement in force, if any."""
    system = _system(session, principal, system_id)
    return session.scalars(
        select(JudgementRow).where(
            JudgementRow.system_id == system.id,
            JudgementRow.signed_at.is_not(None),
            JudgementRow.superseded_at.is_(None),
        )
    ).first()


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org
