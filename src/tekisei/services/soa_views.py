"""The Statement of Applicability as it stands: the 38 controls with what the organisation
stated, the state each system's assessment gives them through the crosswalk (or a direct
answer), the answers and evidence behind it.

A system counts when it is not retired. Its guideline answers are those of its current
guideline assessment (the open one, else the latest closed); a system not assessed yet
counts with every linked item not started. A direct answer to a control is taken from the
guideline assessment (the framework view's direct answer) or, failing that, from the
system's current ISO/IEC 42001 assessment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from tekisei.core.assessments import AnswerState, Source, TransferKind
from tekisei.core.catalog import Relation, urn
from tekisei.core.notes import read_note
from tekisei.core.orgs import Principal
from tekisei.core.soa import (
    FRAMEWORK,
    ControlFields,
    ControlLine,
    EvidenceLine,
    OwnerLine,
    SourceLine,
    Statement,
    SystemLine,
    combine,
    stated,
    system_state,
)
from tekisei.core.systems import Stage
from tekisei.db.assessments import AnswerEvidenceRow, AnswerRow, AssessmentRow, EvidenceRow
from tekisei.db.catalog import CatalogNodeRow, CrosswalkLinkRow
from tekisei.db.orgs import OrgRow
from tekisei.db.soa import SoaControlRow, SoaRow
from tekisei.db.systems import SystemRow
from tekisei.errors import NotFoundError
from tekisei.services import systems
from tekisei.services.notes import note_words
from tekisei.services.people import ActorNames

GUIDELINE = systems.GUIDELINE
SELF = "soa:"
"""The reference an approved statement is kept under as evidence; a statement never lists
an approved statement among its own evidence."""


def control_nodes(session: Session) -> list[CatalogNodeRow]:
    """The controls of Annex A (its assessable nodes), in the catalog's order.

    Raises:
        NotFoundError: the ISO/IEC 42001 catalog is not loaded.
    """
    rows = list(
        session.scalars(
            select(CatalogNodeRow)
            .where(CatalogNodeRow.framework_id == FRAMEWORK, CatalogNodeRow.assessable)
            .order_by(CatalogNodeRow.position)
        )
    )
    if not rows:
        raise NotFoundError(
            "the ISO/IEC 42001 catalog is not loaded; run 'tekisei catalog load'",
            ja="ISO/IEC 42001 のカタログが読み込まれていません。tekisei catalog load を"
            "実行してください。",
        )
    return rows


def _objectives(session: Session) -> dict[str, CatalogNodeRow]:
    """Each node of Annex A → its control objective (the top of its branch: A.2 … A.10)."""
    rows = {
        n.urn: n
        for n in session.scalars(
            select(CatalogNodeRow).where(CatalogNodeRow.framework_id == FRAMEWORK)
        )
    }
    out: dict[str, CatalogNodeRow] = {}
    for node_urn, node in rows.items():
        top = node
        while top.parent_urn is not None and top.parent_urn in rows:
            top = rows[top.parent_urn]
        out[node_urn] = top
    return out


def _links(session: Session) -> dict[str, list[tuple[str, Relation]]]:
    """Control URN → the guideline items linked to it, with the relation read from the
    guideline's side (as the framework view reads it)."""
    links: dict[str, list[tuple[str, Relation]]] = {}
    outgoing = session.scalars(
        select(CrosswalkLinkRow)
        .where(
            CrosswalkLinkRow.target_framework == FRAMEWORK,
            CrosswalkLinkRow.target_urn.is_not(None),
            CrosswalkLinkRow.source_urn.like(urn(GUIDELINE, "%")),
        )
        .order_by(CrosswalkLinkRow.id)
    )
    for link in outgoing:
        if link.target_urn is not None and link.relation is not None:
            links.setdefault(link.target_urn, []).append((link.source_urn, Relation(link.relation)))
    incoming = session.scalars(
        select(CrosswalkLinkRow)
        .where(
            CrosswalkLinkRow.target_framework == GUIDELINE,
            CrosswalkLinkRow.source_urn.like(urn(FRAMEWORK, "%")),
        )
        .order_by(CrosswalkLinkRow.id)
    )
    for link in incoming:
        if link.target_urn is not None and link.relation is not None:
            links.setdefault(link.source_urn, []).append(
                (link.target_urn, Relation(link.relation).inverse())
            )
    return links


@dataclass
class _System:
    """What the statement reads of one system."""

    id: int
    name: str
    applicable: set[str]
    assessment_id: int | None = None
    answers: dict[str, AnswerRow] = field(default_factory=dict)
    direct: dict[str, AnswerRow] = field(default_factory=dict)
    """Answers of its ISO/IEC 42001 assessment, if it has one."""


def _current(session: Session, org_id: int, framework: str) -> dict[int, int]:
    """System id → its current assessment of ``framework`` (the open one, else the
    latest)."""
    rows = session.execute(
        select(AssessmentRow.system_id, AssessmentRow.id)
        .where(AssessmentRow.org_id == org_id, AssessmentRow.framework_id == framework)
        .order_by(case((AssessmentRow.status == "open", 1), else_=0), AssessmentRow.id)
    )
    return {row.system_id: row.id for row in rows}  # the last one of each system wins


def _systems(session: Session, principal: Principal) -> list[_System]:
    rows = session.scalars(
        select(SystemRow)
        .where(SystemRow.org_id == principal.org_id, SystemRow.stage != Stage.RETIRE.value)
        .order_by(SystemRow.id)
    )
    found = [
        _System(
            row.id,
            row.name,
            {r.urn for r in systems.system_requirements(session, principal, row.id)},
        )
        for row in rows
    ]
    guideline = _current(session, principal.org_id, GUIDELINE)
    iso = _current(session, principal.org_id, FRAMEWORK)
    wanted = [guideline[s.id] for s in found if s.id in guideline]
    wanted += [iso[s.id] for s in found if s.id in iso]
    answers: dict[int, list[AnswerRow]] = {}
    if wanted:
        for answer in session.scalars(select(AnswerRow).where(AnswerRow.assessment_id.in_(wanted))):
            answers.setdefault(answer.assessment_id, []).append(answer)
    for system in found:
        system.assessment_id = guideline.get(system.id)
        if system.assessment_id is not None:
            system.answers = {a.node_urn: a for a in answers.get(system.assessment_id, [])}
        if system.id in iso:
            system.direct = {a.node_urn: a for a in answers.get(iso[system.id], [])}
    return found


def _evidence(session: Session, answer_ids: set[int]) -> dict[int, list[EvidenceRow]]:
    out: dict[int, list[EvidenceRow]] = {}
    if not answer_ids:
        return out
    rows = session.execute(
        select(AnswerEvidenceRow.answer_id, EvidenceRow)
        .join(EvidenceRow, EvidenceRow.id == AnswerEvidenceRow.evidence_id)
        .where(AnswerEvidenceRow.answer_id.in_(answer_ids))
        .order_by(EvidenceRow.id)
    )
    for answer_id, evidence in rows:
        out.setdefault(answer_id, []).append(evidence)
    return out


def evidence_line(row: EvidenceRow) -> EvidenceLine:
    """A piece of evidence as the statement lists it."""
    note = read_note(row.auto_title)
    return EvidenceLine(
        id=row.id,
        kind=row.kind,
        title=row.title,
        auto_title=note_words(note) if note else None,
        url=row.url,
        reference=row.reference,
        sha256=row.sha256,
    )


def stated_fields(row: SoaControlRow | None) -> ControlFields:
    """What the organisation stated about a control (the defaults before anything was)."""
    if row is None:
        return ControlFields()
    return ControlFields.model_validate(
        {
            "applicable": row.applicable,
            "justification": row.justification,
            "notes": row.notes,
            "owner_id": row.owner_id,
        },
    )


def stated_rows(session: Session, org_id: int) -> dict[str, SoaControlRow]:
    """Control URN → what the organisation stated about it."""
    return {
        r.control_urn: r
        for r in session.scalars(select(SoaControlRow).where(SoaControlRow.org_id == org_id))
    }


def _derivation(
    node: CatalogNodeRow,
    links: list[tuple[str, Relation]],
    sections: dict[str, str],
    found: list[_System],
) -> tuple[list[SystemLine], set[int]]:
    """Each system's part in a control's state, and the answers it drew on."""
    lines: list[SystemLine] = []
    used: set[int] = set()
    for system in found:
        sources: list[Source] = []
        for guideline_urn, relation in links:
            if guideline_urn not in system.applicable:
                continue
            answer = system.answers.get(guideline_urn)
            given = AnswerState(answer.state) if answer else AnswerState.NOT_STARTED
            sources.append(Source(guideline_urn, sections[guideline_urn], relation, given))
        direct = system.answers.get(node.urn) or system.direct.get(node.urn)
        if not sources and direct is None:
            continue
        state, origin = system_state(sources, AnswerState(direct.state) if direct else None)
        if direct is not None:
            used.add(direct.id)
        else:
            for source in sources:
                answer = system.answers.get(source.urn)
                if answer is not None and source.kind is not TransferKind.NONE:
                    used.add(answer.id)
        lines.append(
            SystemLine(
                system_id=system.id,
                system_name=system.name,
                state=state,
                origin=origin,
                assessment_id=system.assessment_id,
                sources=[
                    SourceLine(
                        urn=s.urn,
                        section=s.section,
                        relation=s.relation.value,
                        state=s.state,
                        carries=s.kind is not TransferKind.NONE,
                    )
                    for s in sources
                ],
            )
        )
    return lines, used


def statement(session: Session, principal: Principal) -> Statement:
    """The statement as it stands now, for ``principal`` (who has been allowed to read
    it): names are shown as the reader may see them."""
    nodes = control_nodes(session)
    objectives = _objectives(session)
    links = _links(session)
    sections = {
        n.urn: n.section
        for n in session.scalars(
            select(CatalogNodeRow).where(CatalogNodeRow.framework_id == GUIDELINE)
        )
    }
    found = _systems(session, principal)
    rows = stated_rows(session, principal.org_id)
    derivations = {n.urn: _derivation(n, links.get(n.urn, []), sections, found) for n in nodes}
    evidence = _evidence(session, {i for _, used in derivations.values() for i in used})
    actors = ActorNames(session, principal)
    controls: list[ControlLine] = []
    for node in nodes:
        lines, used = derivations[node.urn]
        row = rows.get(node.urn)
        fields = stated_fields(row)
        combined = combine(line.state for line in lines)
        state, hint = stated(fields.applicable, combined, systems=len(found))
        owner = actors.owner(fields.owner_id)
        attached = {
            e.id: e
            for i in sorted(used)
            for e in evidence.get(i, [])
            if not (e.reference or "").startswith(SELF)
        }
        objective = objectives[node.urn]
        controls.append(
            ControlLine(
                ref=node.ref,
                urn=node.urn,
                objective=objective.section,
                objective_ja=objective.title_ja,
                objective_en=objective.title_en,
                title_ja=node.title_ja,
                title_en=node.title_en,
                text_ja=node.text_ja,
                text_en=node.text_en,
                applicable=fields.applicable,
                justification=fields.justification,
                notes=fields.notes,
                owner=OwnerLine(
                    user_id=owner.user_id, name=owner.name, former_member=owner.former_member
                )
                if owner is not None and owner.user_id is not None
                else None,
                state=state,
                derived_state=combined,
                hint=hint,
                systems=lines,
                evidence=[evidence_line(attached[i]) for i in sorted(attached)],
                version=row.version if row else 0,
                updated_at=row.updated_at if row else None,
                updated_by=actors(row.updated_by) if row else None,
            )
        )
    org = session.get(OrgRow, principal.org_id)
    head = session.scalars(select(SoaRow).where(SoaRow.org_id == principal.org_id)).first()
    return Statement(
        org_name=org.name if org is not None else principal.org_slug,
        version=head.version if head else 0,
        generated_at=datetime.now(UTC),
        systems=len(found),
        controls=controls,
    )
