"""Assessments: answer the requirements that apply to a system, with evidence, and see the
same answers as an ISO/IEC 42001, NIST AI RMF, Hiroshima Code or METI view."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.assessments import (
    GAP_ORDER,
    Answered,
    AnswerFields,
    AnswerState,
    Score,
    Source,
    derive,
    elements_of,
    score,
)
from tekisei.core.catalog import Localized, Relation, urn
from tekisei.core.notes import AutoNote, read_note
from tekisei.core.orgs import Permission, Principal, require, sees_all_systems
from tekisei.core.systems import RECOMMENDED
from tekisei.db.assessments import AnswerEvidenceRow, AnswerRow, AssessmentRow, EvidenceRow
from tekisei.db.catalog import CatalogNodeRow, CrosswalkLinkRow
from tekisei.db.orgs import OrgRow
from tekisei.db.systems import SystemRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import audit, catalog, scope, systems
from tekisei.services.changes import check_version
from tekisei.services.evidence import EvidenceView, visible_evidence
from tekisei.services.evidence import view as evidence_view
from tekisei.services.notes import note_words
from tekisei.services.owners import OwnerView, check_owner, check_owner_text, owner_email
from tekisei.services.people import ActorNames

GUIDELINE = "jp-ai-appropriateness-2025"


class ScoreOut(BaseModel):
    """A score with its ratios."""

    total: int
    answered: int
    implemented: int
    partial: int
    not_implemented: int
    not_applicable: int
    completeness: float
    conformity: float
    applicable: int = 0
    """Answered requirements that apply (implemented, partial, not implemented): with
    none, conformity means nothing and is shown as "—", not 0 %."""


def _score_out(value: Score) -> ScoreOut:
    return ScoreOut(
        total=value.total,
        answered=value.answered,
        implemented=value.implemented,
        partial=value.partial,
        not_implemented=value.not_implemented,
        not_applicable=value.not_applicable,
        completeness=round(value.completeness, 4),
        conformity=round(value.conformity, 4),
        applicable=value.implemented + value.partial + value.not_implemented,
    )


class ItemOut(BaseModel):
    """One requirement of an assessment with its answer."""

    urn: str
    section: str
    title_ja: str
    title_en: str
    group: str
    elements: list[str]
    state: AnswerState
    notes: str
    auto_note: Localized | None = None
    """What tekisei noted itself (e.g. a run's results were attached), in both languages."""
    owner_id: int | None = None
    owner_text: str = ""
    owner: OwnerView | None = None
    """Who owns the answer, as the reader is shown them."""
    justification: str
    version: int | None
    evidence: list[EvidenceView]
    recommended: bool = False
    """The guideline words it as possible or expected, not as a duty."""


class AssessmentOut(BaseModel):
    """An assessment: its requirements and answers, scores and gaps."""

    id: int
    system_id: int
    framework: str
    status: str
    based_on: int | None
    created_at: datetime
    closed_at: datetime | None
    tier: str
    items: list[ItemOut]
    overall: ScoreOut
    groups: dict[str, ScoreOut]
    elements: dict[str, ScoreOut]
    gaps: list[str]


class SourceOut(BaseModel):
    """A guideline answer a framework view draws on."""

    urn: str
    section: str
    relation: str
    state: AnswerState


class ViewItemOut(BaseModel):
    """One requirement of another framework, read through the crosswalk."""

    urn: str
    section: str
    title_ja: str
    title_en: str
    state: AnswerState | None
    derived_state: AnswerState | None
    direct_answer: AnswerState | None
    sources: list[SourceOut]
    related: list[SourceOut]
    needs_direct_answer: bool


class FrameworkViewOut(BaseModel):
    """An assessment as another framework sees it."""

    system_id: int
    framework: str
    assessment_id: int
    items: list[ViewItemOut]
    overall: ScoreOut


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _latest(
    session: Session, system_id: int, framework_id: str, status: str | None = None
) -> AssessmentRow | None:
    query = select(AssessmentRow).where(
        AssessmentRow.system_id == system_id, AssessmentRow.framework_id == framework_id
    )
    if status:
        query = query.where(AssessmentRow.status == status)
    return session.scalars(query.order_by(AssessmentRow.id.desc())).first()


def start_assessment(
    session: Session, principal: Principal, system_id: int, framework_id: str = GUIDELINE
) -> AssessmentRow:
    """Open an assessment; the answers of the last closed one are carried over.

    Raises:
        ConflictError: an open assessment exists already.
        NotFoundError: the system or framework is not there.
    """
    system = systems.visible_system(session, principal, system_id)
    require(principal, Permission.WRITE_ASSESSMENTS)
    catalog.get_framework(session, framework_id)
    if _latest(session, system.id, framework_id, "open") is not None:
        raise ConflictError(
            f"system {system_id} already has an open {framework_id} assessment; "
            "answer it or close it first",
            ja=f"システム {system_id} には作業中のアセスメントがあります。"
            "回答を続けるか、先に確定してください。",
        )
    previous = _latest(session, system.id, framework_id, "closed")
    row = AssessmentRow(
        org_id=principal.org_id,
        system_id=system.id,
        framework_id=framework_id,
        status="open",
        based_on=previous.id if previous else None,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    if previous is not None:
        old_answers = session.scalars(
            select(AnswerRow).where(AnswerRow.assessment_id == previous.id)
        )
        for old in old_answers:
            copy = AnswerRow(
                assessment_id=row.id,
                node_urn=old.node_urn,
                state=old.state,
                notes=old.notes,
                auto_note=old.auto_note,
                owner_id=old.owner_id,
                owner_text=old.owner_text,
                justification=old.justification,
                updated_by=old.updated_by,
                updated_at=old.updated_at,
                version=1,
            )
            session.add(copy)
            session.flush()
            links = session.scalars(
                select(AnswerEvidenceRow.evidence_id).where(AnswerEvidenceRow.answer_id == old.id)
            )
            for evidence_id in links:
                session.add(AnswerEvidenceRow(answer_id=copy.id, evidence_id=evidence_id))
    session.flush()
    if framework_id == GUIDELINE:
        # The system's records and published notice, and the organisation's policies in
        # force and published statement, are evidence from the start (2(1), 2(2), 2(5),
        # 3(4), fn 17, fn 18); imported here because transparency builds on systems.
        from tekisei.services import transparency

        transparency.link_existing(session, principal, row)
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "assessment.start",
        "assessment",
        row.id,
        {"system": system.id, "framework": framework_id, "based_on": row.based_on},
    )
    return row


def visible_assessment(session: Session, principal: Principal, assessment_id: int) -> AssessmentRow:
    """An assessment of a system the principal may see.

    Raises:
        NotFoundError: not visible.
    """
    return scope.visible_row(
        session,
        principal,
        session.get(AssessmentRow, assessment_id),
        NotFoundError(
            f"no assessment {assessment_id} in this organisation",
            ja=f"この組織にアセスメント {assessment_id} はありません。",
        ),
    )


def current_assessment(
    session: Session, principal: Principal, system_id: int, framework_id: str = GUIDELINE
) -> AssessmentRow:
    """The open assessment of a system, or its latest closed one.

    Raises:
        NotFoundError: none has been started.
    """
    system = systems.visible_system(session, principal, system_id)
    row = _latest(session, system.id, framework_id, "open") or _latest(
        session, system.id, framework_id
    )
    if row is None:
        raise NotFoundError(
            f"system {system_id} has no {framework_id} assessment yet; start one",
            ja=f"システム {system_id} のアセスメントはまだありません。"
            "アセスメントを開始してください。",
        )
    return row


def _applicable_urns(session: Session, principal: Principal, row: AssessmentRow) -> list[str]:
    if row.framework_id == GUIDELINE:
        return [r.urn for r in systems.system_requirements(session, principal, row.system_id)]
    return [n.urn for n in catalog.framework_tree(session, row.framework_id) if n.assessable]


def answer_requirement(
    session: Session,
    principal: Principal,
    assessment_id: int,
    reference: str,
    fields: AnswerFields,
    version: int | None = None,
    keep: Collection[str] = (),
) -> AnswerRow:
    """Record the answer to one requirement.

    ``keep`` names the fields the caller did not send ("notes", "justification",
    "owner"): an existing answer keeps them as they are rather than having them cleared.

    ``reference`` is a URN or ``<framework>:<section>``. In a guideline assessment
    the requirement must apply to the system, or be a requirement of another
    framework (answered directly where the crosswalk gives no counterpart).

    Raises:
        ConflictError: the assessment is closed, or ``version`` is stale.
        InvalidInputError: the requirement is not part of this assessment, or a new owner
            who is not a member of the organisation (or written as text).
    """
    row = visible_assessment(session, principal, assessment_id)
    require(principal, Permission.WRITE_ASSESSMENTS)
    if row.status != "open":
        raise ConflictError(
            f"assessment {assessment_id} is closed; start a new one to change answers",
            ja=f"アセスメント {assessment_id} は確定済みです。"
            "変更するには新しいアセスメントを始めてください。",
        )
    node = catalog.resolve_node(session, reference)
    in_framework = node.framework_id == row.framework_id
    if in_framework and node.urn not in _applicable_urns(session, principal, row):
        raise InvalidInputError(
            f"{node.section} does not apply to this system",
            ja=f"{node.section} はこのシステムには適用されません。",
        )
    if not node.assessable or (not in_framework and row.framework_id != GUIDELINE):
        raise InvalidInputError(
            f"{node.urn} is not a requirement of this assessment",
            ja=f"{node.urn} はこのアセスメントの項目ではありません。",
        )
    answer = session.scalars(
        select(AnswerRow).where(AnswerRow.assessment_id == row.id, AnswerRow.node_urn == node.urn)
    ).first()
    if answer is not None and keep:
        kept: dict[str, Any] = {}
        if "notes" in keep:
            kept["notes"] = answer.notes
        if "justification" in keep:
            kept["justification"] = answer.justification
        if "owner" in keep:
            kept |= {"owner_id": answer.owner_id, "owner_text": answer.owner_text}
        fields = fields.model_copy(update=kept)
    if fields.state is AnswerState.NOT_APPLICABLE and not fields.justification:
        raise InvalidInputError(
            "say why the requirement does not apply: 'not applicable' needs a justification",
            ja="「該当しない」とする理由を書いてください。",
        )
    fields = AnswerFields.model_validate(fields.model_dump())  # limits, once merged
    if fields.owner_id is not None and fields.owner_text:  # a member replaces the text
        fields = fields.model_copy(update={"owner_text": ""})
    check_owner_text(fields.owner_text, answer.owner_text if answer else "")
    check_owner(session, principal, fields.owner_id, answer.owner_id if answer else None)
    now = datetime.now(UTC)
    before: dict[str, Any] | None = None
    if answer is None:
        answer = AnswerRow(assessment_id=row.id, node_urn=node.urn, version=1)
        session.add(answer)
    else:
        if version is not None:
            check_version("回答", node.section, version, answer.version, kind_en="the answer to")
        before = {
            "state": answer.state,
            "notes": answer.notes,
            "owner_id": answer.owner_id,
            "owner_text": answer.owner_text,
            "owner_email": owner_email(session, answer.owner_id),
            "justification": answer.justification,
        }
        answer.version += 1
    answer.state = fields.state.value
    answer.notes = fields.notes
    answer.owner_id = fields.owner_id
    answer.owner_text = fields.owner_text
    answer.justification = fields.justification
    answer.updated_by = principal.email
    answer.updated_at = now
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "assessment.answer",
        "assessment",
        row.id,
        {
            "requirement": node.urn,
            "before": before,
            "after": fields.model_dump(mode="json")
            | {"owner_email": owner_email(session, fields.owner_id)},
        },
    )
    return answer


def attach_evidence(
    session: Session, principal: Principal, assessment_id: int, reference: str, evidence_id: int
) -> None:
    """Let a piece of evidence back an answer (one piece can back several answers).

    Raises:
        InvalidInputError: the requirement has no answer yet.
    """
    row = visible_assessment(session, principal, assessment_id)
    require(principal, Permission.WRITE_ASSESSMENTS)
    if row.status != "open":
        raise ConflictError(
            f"assessment {assessment_id} is closed",
            ja=f"アセスメント {assessment_id} は確定済みです。",
        )
    evidence = visible_evidence(session, principal, evidence_id)
    node = catalog.resolve_node(session, reference)
    answer = session.scalars(
        select(AnswerRow).where(AnswerRow.assessment_id == row.id, AnswerRow.node_urn == node.urn)
    ).first()
    if answer is None:
        raise InvalidInputError(
            f"answer {node.section} before attaching evidence to it",
            ja=f"証跡を付ける前に {node.section} に回答してください。",
        )
    exists = session.scalars(
        select(AnswerEvidenceRow).where(
            AnswerEvidenceRow.answer_id == answer.id, AnswerEvidenceRow.evidence_id == evidence.id
        )
    ).first()
    if exists is None:
        session.add(AnswerEvidenceRow(answer_id=answer.id, evidence_id=evidence.id))
        session.flush()
        audit.record(
            session,
            _org(session, principal),
            principal.email,
            "assessment.attach_evidence",
            "assessment",
            row.id,
            {"requirement": node.urn, "evidence": evidence.id},
        )


def attach_test_evidence(
    session: Session,
    principal: Principal,
    system_id: int,
    node_urns: list[str],
    evidence: EvidenceRow,
    note: AutoNote,
) -> list[str]:
    """Attach the evidence of a test run to requirements of the system's open guideline
    assessment; returns the URNs it was attached to (none when no assessment is open).

    Whoever may run evaluations on the system may do this (an external tester too, fn 8).
    A requirement not answered yet gets an answer that is still ``not_started``, with
    ``note``: the evidence is there, and judging the state stays a person's job.
    """
    systems.visible_system(session, principal, system_id)
    require(principal, Permission.RUN_EVALS)
    row = _latest(session, system_id, GUIDELINE, "open")
    if row is None:
        return []
    answers = _answers(session, row.id)
    attached: list[str] = []
    now = datetime.now(UTC)
    for node_urn in node_urns:
        answer = answers.get(node_urn)
        if answer is None:
            answer = AnswerRow(
                assessment_id=row.id,
                node_urn=node_urn,
                state=AnswerState.NOT_STARTED.value,
                notes="",
                auto_note=note.stored(),
                owner_id=None,
                owner_text="",
                justification="",
                updated_by=principal.email,
                updated_at=now,
                version=1,
            )
            session.add(answer)
            session.flush()
        session.add(AnswerEvidenceRow(answer_id=answer.id, evidence_id=evidence.id))
        attached.append(node_urn)
    session.flush()
    if attached:
        audit.record(
            session,
            _org(session, principal),
            principal.email,
            "assessment.attach_evidence",
            "assessment",
            row.id,
            {"requirements": attached, "evidence": evidence.id},
        )
    return attached


def close_assessment(session: Session, principal: Principal, assessment_id: int) -> AssessmentRow:
    """Freeze an assessment; a new one can start from it.

    Raises:
        ConflictError: already closed.
    """
    row = visible_assessment(session, principal, assessment_id)
    require(principal, Permission.WRITE_ASSESSMENTS)
    if row.status != "open":
        raise ConflictError(
            f"assessment {assessment_id} is already closed",
            ja=f"アセスメント {assessment_id} はすでに確定済みです。",
        )
    row.status = "closed"
    row.closed_at = datetime.now(UTC)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "assessment.close",
        "assessment",
        row.id,
        {},
    )
    return row


def _answers(session: Session, assessment_id: int) -> dict[str, AnswerRow]:
    return {
        a.node_urn: a
        for a in session.scalars(select(AnswerRow).where(AnswerRow.assessment_id == assessment_id))
    }


def _auto_note(answer: AnswerRow | None) -> Localized | None:
    note = read_note(answer.auto_note) if answer else None
    return note_words(note) if note else None


ORG_DOCUMENTS = frozenset(
    {
        "policy",
        "statement",
        "soa",
        "stakeholder",
        "engagement",
        "data_holder",
        "vendor",
        "continuity",
    }
)
"""Kinds of evidence that refer to the whole organisation's records (``policy:3``): a
reader who sees only some systems (an external tester) is not shown them."""


def _evidence_by_answer(
    session: Session, answer_ids: list[int], actors: ActorNames, whole_org: bool = True
) -> dict[int, list[EvidenceView]]:
    out: dict[int, list[EvidenceView]] = {}
    if not answer_ids:
        return out
    rows = session.execute(
        select(AnswerEvidenceRow.answer_id, EvidenceRow)
        .join(EvidenceRow, EvidenceRow.id == AnswerEvidenceRow.evidence_id)
        .where(AnswerEvidenceRow.answer_id.in_(answer_ids))
        .order_by(EvidenceRow.id)
    )
    for answer_id, evidence in rows:
        kind = (evidence.reference or "").split(":", 1)[0]
        if not whole_org and evidence.kind == "reference" and kind in ORG_DOCUMENTS:
            continue
        out.setdefault(answer_id, []).append(evidence_view(evidence, actors))
    return out


def assessment_report(session: Session, principal: Principal, assessment_id: int) -> AssessmentOut:
    """Every requirement of an assessment with its answer, the scores and the gap list.

    Gaps are ordered by state (not implemented, not started, partial) and then by the
    element of 1(2) they serve.
    """
    row = visible_assessment(session, principal, assessment_id)
    system = systems.visible_system(session, principal, row.system_id)
    answers = _answers(session, row.id)
    actors = ActorNames(session, principal)
    evidence = _evidence_by_answer(
        session, [a.id for a in answers.values()], actors, sees_all_systems(principal.role)
    )
    if row.framework_id == GUIDELINE:
        requirements = [
            (r.urn, r.section, r.title_ja, r.title_en, r.group)
            for r in systems.system_requirements(session, principal, system.id)
        ]
    else:
        tree = catalog.framework_tree(session, row.framework_id)
        by_urn = {n.urn: n for n in tree}

        def top(node_urn: str) -> str:
            node = by_urn[node_urn]
            while node.parent is not None:
                node = by_urn[node.parent]
            return node.section

        requirements = [
            (n.urn, n.section, n.title_ja, n.title_en, top(n.urn)) for n in tree if n.assessable
        ]
    items: list[ItemOut] = []
    for node_urn, section, title_ja, title_en, group in requirements:
        answer = answers.get(node_urn)
        ref = node_urn.rsplit(":", 1)[1]
        items.append(
            ItemOut(
                urn=node_urn,
                section=section,
                title_ja=title_ja,
                title_en=title_en,
                group=group,
                elements=list(elements_of(ref)) if row.framework_id == GUIDELINE else [],
                state=AnswerState(answer.state) if answer else AnswerState.NOT_STARTED,
                notes=answer.notes if answer else "",
                auto_note=_auto_note(answer),
                owner_id=answer.owner_id if answer else None,
                owner_text=answer.owner_text if answer else "",
                owner=actors.owner(answer.owner_id, answer.owner_text) if answer else None,
                justification=answer.justification if answer else "",
                version=answer.version if answer else None,
                evidence=evidence.get(answer.id, []) if answer else [],
                recommended=row.framework_id == GUIDELINE and ref in RECOMMENDED,
            )
        )
    scores = score(Answered(i.urn.rsplit(":", 1)[1], i.group, i.state) for i in items)
    element_rank = {
        e: n
        for n, e in enumerate(sorted(scores.elements, key=lambda e: scores.elements[e].conformity))
    }
    gaps = sorted(
        (i for i in items if i.state in GAP_ORDER),
        key=lambda i: (GAP_ORDER[i.state], min((element_rank[e] for e in i.elements), default=99)),
    )
    return AssessmentOut(
        id=row.id,
        system_id=system.id,
        framework=row.framework_id,
        status=row.status,
        based_on=row.based_on,
        created_at=row.created_at,
        closed_at=row.closed_at,
        tier=system.tier,
        items=items,
        overall=_score_out(scores.overall),
        groups={k: _score_out(v) for k, v in scores.groups.items()},
        elements={k: _score_out(v) for k, v in scores.elements.items()},
        gaps=[i.urn for i in gaps],
    )


def framework_view(
    session: Session, principal: Principal, system_id: int, framework_id: str
) -> FrameworkViewOut:
    """The system's guideline assessment read as ``framework_id``.

    Each assessable node of the framework takes the state derived from the guideline
    answers linked to it (core.assessments.derive), unless it was answered directly;
    nodes with no carrying link are marked so they can be answered directly.
    """
    assessment = current_assessment(session, principal, system_id, GUIDELINE)
    catalog.get_framework(session, framework_id)
    answers = _answers(session, assessment.id)
    guideline_nodes = {
        n.urn: n
        for n in session.scalars(
            select(CatalogNodeRow).where(CatalogNodeRow.framework_id == GUIDELINE)
        )
    }
    links: dict[str, list[tuple[str, Relation]]] = {}
    outgoing = session.scalars(
        select(CrosswalkLinkRow).where(
            CrosswalkLinkRow.target_framework == framework_id,
            CrosswalkLinkRow.target_urn.is_not(None),
            CrosswalkLinkRow.source_urn.like(urn(GUIDELINE, "%")),
        )
    )
    for link in outgoing:
        assert link.target_urn is not None and link.relation is not None
        links.setdefault(link.target_urn, []).append((link.source_urn, Relation(link.relation)))
    incoming = session.scalars(
        select(CrosswalkLinkRow).where(
            CrosswalkLinkRow.target_framework == GUIDELINE,
            CrosswalkLinkRow.source_urn.like(urn(framework_id, "%")),
        )
    )
    for link in incoming:
        if link.target_urn is not None and link.relation is not None:
            links.setdefault(link.source_urn, []).append(
                (link.target_urn, Relation(link.relation).inverse())
            )
    applicable = set(_applicable_urns(session, principal, assessment))
    items: list[ViewItemOut] = []
    view_score = Score()
    for node in catalog.framework_tree(session, framework_id):
        if not node.assessable:
            continue
        sources: list[Source] = []
        for guideline_urn, relation in links.get(node.urn, []):
            if guideline_urn not in applicable:
                continue
            answer = answers.get(guideline_urn)
            given = AnswerState(answer.state) if answer else AnswerState.NOT_STARTED
            sources.append(
                Source(guideline_urn, guideline_nodes[guideline_urn].section, relation, given)
            )
        derived = derive(sources)
        direct = answers.get(node.urn)
        direct_state = AnswerState(direct.state) if direct else None
        shown = direct_state or derived
        view_score.add(shown or AnswerState.NOT_STARTED)
        items.append(
            ViewItemOut(
                urn=node.urn,
                section=node.section,
                title_ja=node.title_ja,
                title_en=node.title_en,
                state=shown,
                derived_state=derived,
                direct_answer=direct_state,
                sources=[
                    SourceOut(
                        urn=s.urn, section=s.section, relation=s.relation.value, state=s.state
                    )
                    for s in sources
                    if s.kind.value != "none"
                ],
                related=[
                    SourceOut(
                        urn=s.urn, section=s.section, relation=s.relation.value, state=s.state
                    )
                    for s in sources
                    if s.kind.value == "none"
                ],
                needs_direct_answer=derived is None and direct_state is None,
            )
        )
    return FrameworkViewOut(
        system_id=system_id,
        framework=framework_id,
        assessment_id=assessment.id,
        items=items,
        overall=_score_out(view_score),
    )


def guideline_completeness(
    session: Session, org: OrgRow, rows: list[SystemRow]
) -> dict[int, tuple[int, int]]:
    """For each of ``rows`` (systems of ``org``) with a guideline assessment: the
    requirements that apply to it and how many of them its latest assessment answers,
    the ``overall.total`` and ``overall.answered`` of :func:`assessment_report`, counted
    with one query for the assessments and one for their answers whatever the number of
    systems (an aggregate over many systems, not a report of each)."""
    ids = [row.id for row in rows]
    if not ids:
        return {}
    latest = dict(
        session.execute(
            select(AssessmentRow.system_id, func.max(AssessmentRow.id))
            .where(
                AssessmentRow.org_id == org.id,
                AssessmentRow.framework_id == GUIDELINE,
                AssessmentRow.system_id.in_(ids),
            )
            .group_by(AssessmentRow.system_id)
        ).all()
    )
    if not latest:
        return {}
    answered: dict[int, set[str]] = {assessment: set() for assessment in latest.values()}
    for assessment, node, state in session.execute(
        select(AnswerRow.assessment_id, AnswerRow.node_urn, AnswerRow.state).where(
            AnswerRow.assessment_id.in_(list(latest.values()))
        )
    ).all():
        if state != AnswerState.NOT_STARTED.value:
            answered[assessment].add(node)
    applying = systems.applicable_urns(session, org, [r for r in rows if r.id in latest])
    return {
        system_id: (len(applying[system_id]), len(applying[system_id] & answered[assessment]))
        for system_id, assessment in latest.items()
    }
