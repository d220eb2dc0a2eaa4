"""Who sees which systems: the one rule every list and every get of a per-system object
goes through.

Every role of an organisation sees all of its systems, except the external tester, who
sees only the systems assigned to them (guideline fn 8: independent external tests).
Everything that belongs to a system (risks, assessments and their answers, reviews,
stage-change requests, evaluation runs and their results, risk suggestions, provenance
mechanisms and checks, image credentials, and what dashboards, heat maps, reports and
exports draw from them) is visible exactly when its system is.

Evidence belongs to the organisation, not to one system. An external tester sees a piece
of evidence when it backs an answer in an assessment of a system assigned to them, when
it is the record of an evaluation run or a provenance check of such a system, or when
they created it themselves; every other role sees all the organisation's evidence.

What is not visible is "not found" (404), never "forbidden", and visibility is checked
before the role's permissions: an id tells nobody whether something exists.

Lists filter with :func:`visible` (or :func:`evidence_visible`) in SQL; gets go through
:func:`visible_system`, :func:`visible_row` or :func:`visible_evidence`.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tekisei.core.orgs import Permission, Principal, require, sees_all_systems
from tekisei.db.assessments import AnswerEvidenceRow, AnswerRow, AssessmentRow, EvidenceRow
from tekisei.db.evals import EvalRunRow
from tekisei.db.provenance import ProvenanceCheckRow
from tekisei.db.systems import SystemAssignmentRow, SystemRow
from tekisei.errors import NotFoundError

__all__ = [
    "assigned_systems",
    "evidence_visible",
    "sees_every_system",
    "system_is_visible",
    "visible",
    "visible_evidence",
    "visible_row",
    "visible_system",
]


def sees_every_system(principal: Principal) -> bool:
    """Whether the principal sees every system of its organisation (all but testers)."""
    return sees_all_systems(principal.role)


def assigned_systems(principal: Principal) -> Select[int]:
    """The ids of the systems assigned to the principal (as a subquery)."""
    return select(SystemAssignmentRow.system_id).where(
        SystemAssignmentRow.user_id == principal.user_id
    )


def visible(
    principal: Principal,
    org_id: InstrumentedAttribute[int],
    system_id: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
) -> ColumnElement[bool]:
    """The condition a row of a per-system table meets when the principal may see it:
    ``query.where(visible(principal, RiskRow.org_id, RiskRow.system_id))``."""
    in_org = org_id == principal.org_id
    if sees_every_system(principal):
        return in_org
    if principal.user_id is None:
        return false()
    return and_(in_org, system_id.in_(assigned_systems(principal)))


def _system_not_found(system_id: int) -> NotFoundError:
    return NotFoundError(
        f"no system {system_id} in this organisation",
        ja=f"この組織にシステム {system_id} はありません。",
    )


def system_is_visible(session: Session, principal: Principal, system_id: int | None) -> bool:
    """Whether the principal may see the system (False for no system)."""
    if system_id is None:
        return False
    found = session.scalar(
        select(SystemRow.id).where(
            SystemRow.id == system_id, visible(principal, SystemRow.org_id, SystemRow.id)
        )
    )
    return found is not None


def visible_system(session: Session, principal: Principal, system_id: int) -> SystemRow:
    """A system the principal may see: in its organisation and, for external testers,
    assigned to it. Anything else is "not found", so ids reveal nothing.

    Raises:
        NotFoundError: not visible.
    """
    require(principal, Permission.READ)
    row = session.get(SystemRow, system_id)
    if row is None or not system_is_visible(session, principal, row.id):
        raise _system_not_found(system_id)
    return row


class PerSystem(Protocol):
    """A row that belongs to one system of one organisation."""

    @property
    def org_id(self) -> int: ...

    @property
    def system_id(self) -> int: ...


Row = TypeVar("Row", bound=PerSystem)


def visible_row(
    session: Session, principal: Principal, row: Row | None, not_found: NotFoundError
) -> Row:
    """``row`` when its system is visible to the principal.

    Raises:
        NotFoundError: ``not_found``, when there is no row or its system is not visible.
    """
    require(principal, Permission.READ)
    if row is None or row.org_id != principal.org_id:
        raise not_found
    if not sees_every_system(principal) and not system_is_visible(
        session, principal, row.system_id
    ):
        raise not_found
    return row


def evidence_visible(principal: Principal) -> ColumnElement[bool]:
    """The condition a piece of evidence meets when the principal may see it (the rule in
    this module's docstring): ``query.where(evidence_visible(principal))``."""
    in_org = EvidenceRow.org_id == principal.org_id
    if sees_every_system(principal):
        return in_org
    if principal.user_id is None:
        return false()
    assigned = assigned_systems(principal)
    backing = (
        select(AnswerEvidenceRow.evidence_id)
        .join(AnswerRow, AnswerRow.id == AnswerEvidenceRow.answer_id)
        .join(AssessmentRow, AssessmentRow.id == AnswerRow.assessment_id)
        .where(AssessmentRow.system_id.in_(assigned))
    )
    runs = select(EvalRunRow.evidence_id).where(EvalRunRow.system_id.in_(assigned))
    checks = select(ProvenanceCheckRow.evidence_id).where(
        ProvenanceCheckRow.system_id.in_(assigned)
    )
    return and_(
        in_org,
        or_(
            EvidenceRow.created_by == principal.email,
            EvidenceRow.id.in_(backing),
            EvidenceRow.id.in_(runs),
            EvidenceRow.id.in_(checks),
        ),
    )


def visible_evidence(session: Session, principal: Principal, evidence_id: int) -> EvidenceRow:
    """A piece of evidence the principal may see.

    Raises:
        NotFoundError: not visible.
    """
    require(principal, Permission.READ)
    row = session.scalars(
        select(EvidenceRow).where(EvidenceRow.id == evidence_id, evidence_visible(principal))
    ).first()
    if row is None:
        raise NotFoundError(
            f"no evidence {evidence_id} in this organisation",
            ja=f"この組織に証跡 {evidence_id} はありません。",
        )
    return row
