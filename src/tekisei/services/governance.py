"""``tekisei apply``: bring one system's record in line with its governance-as-code file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.assessments import AnswerBase, AnswerFields
from tekisei.core.governance import GovernanceFile, RiskSpec
from tekisei.core.orgs import Principal
from tekisei.core.risks import RiskBase, RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.db.assessments import AnswerEvidenceRow, AnswerRow, AssessmentRow, EvidenceRow
from tekisei.db.risks import RiskRow
from tekisei.db.systems import SystemRow
from tekisei.errors import CatalogFileError, FileLimitError, Problem
from tekisei.services import assessments, catalog, evidence, owners, risks, scope, systems
from tekisei.services.catalog_files import problem_at
from tekisei.services.database import Database
from tekisei.services.people import ActorNames
from tekisei.untrusted import compose_yaml, construct_yaml

GUIDELINE = assessments.GUIDELINE
FACT_FIELDS = tuple(SystemFacts.model_fields)
RISK_FIELDS = tuple(RiskBase.model_fields)
ANSWER_FIELDS = tuple(AnswerBase.model_fields)
OWNER_FIELDS = ("owner_id", "owner_text")


@dataclass
class ApplyResult:
    """What ``apply`` did (or, in a dry run, would do)."""

    system: int
    changes: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything was (or would be) written."""
        return bool(self.changes)


def parse(text: str, path: str) -> GovernanceFile:
    """Read a governance file.

    Raises:
        CatalogFileError: problems with their line and column.
    """
    try:
        tree = compose_yaml(text, path)
        data = None if tree is None else construct_yaml(tree)
    except FileLimitError as exc:
        raise CatalogFileError([Problem(path, 1, 1, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise CatalogFileError(
            [
                Problem(
                    path,
                    mark.line + 1 if mark else 1,
                    mark.column + 1 if mark else 1,
                    f"YAML syntax: {exc.problem}",
                )
            ]
        ) from None
    if tree is None or not isinstance(data, dict):
        raise CatalogFileError(
            [
                Problem(
                    path,
                    1,
                    1,
                    "the file must be a YAML mapping with 'format: tekisei-system/1' at the top",
                )
            ]
        )
    try:
        return GovernanceFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(p) for p in loc)
            message = error["msg"].removeprefix("Value error, ")
            problems.append(problem_at(path, tree, loc, f"{where}: {message}"))
        raise CatalogFileError(problems) from None


class _RollBack(Exception):  # noqa: N818 - control flow, not an error
    """Ends a dry run's transaction without committing."""

    def __init__(self, result: ApplyResult) -> None:
        super().__init__("dry run")
        self.result = result


def apply_file(
    database: Database, principal: Principal, document: GovernanceFile, *, dry_run: bool = False
) -> ApplyResult:
    """Create or update the system, its risks and its answers so they match ``document``.

    Applying the same file twice changes nothing the second time. A dry run does
    the same work in a transaction that is rolled back, and reports the changes.
    """
    try:
        with database.transaction() as session:
            result = _apply(session, principal, document)
            if dry_run:
                result.dry_run = True
                raise _RollBack(result)
    except _RollBack as stop:
        return stop.result
    return result


def _apply(session: Session, principal: Principal, document: GovernanceFile) -> ApplyResult:
    spec = document.system
    facts = SystemFacts.model_validate(spec.model_dump(include=set(FACT_FIELDS)))
    row = session.scalars(
        select(SystemRow).where(
            scope.visible(principal, SystemRow.org_id, SystemRow.id), SystemRow.code == spec.code
        )
    ).first()
    if row is None:
        row = systems.register_system(session, principal, facts)
        row.code = spec.code
        result = ApplyResult(system=row.id, changes=[f"system {spec.code}: created"])
    else:
        result = ApplyResult(system=row.id)
        current = systems.view(row, principal.org_slug)
        wanted = facts.model_dump(mode="json")
        have = current.model_dump(mode="json", include=set(FACT_FIELDS))
        changes = {k: v for k, v in facts.model_dump().items() if wanted[k] != have[k]}
        if changes:
            systems.update_system(session, principal, row.id, changes, row.version)
            result.changes.append(f"system {spec.code}: {', '.join(sorted(changes))} changed")
    for risk in document.risks:
        _apply_risk(session, principal, row.id, risk, result)
    if document.answers:
        _apply_answers(session, principal, row.id, document, result)
    session.flush()
    return result


def _owner(
    session: Session, principal: Principal, email: str, stored: AnswerRow | RiskRow | None
) -> dict[str, Any]:
    """The owner fields for the file's ``owner`` (a member's email). A file that still
    names the owner written as text before keeps that text as it is."""
    if stored is not None and stored.owner_id is None and email and email == stored.owner_text:
        return {"owner_id": None, "owner_text": stored.owner_text}
    return {"owner_id": owners.owner_by_email(session, principal, email), "owner_text": ""}


def _apply_risk(
    session: Session, principal: Principal, system_id: int, spec: RiskSpec, result: ApplyResult
) -> None:
    row = session.scalars(
        select(RiskRow).where(RiskRow.system_id == system_id, RiskRow.code == spec.code)
    ).first()
    fields = RiskFields.model_validate(
        spec.model_dump(include=set(RISK_FIELDS)) | _owner(session, principal, spec.owner, row)
    )
    if row is None:
        added = risks.add_risk(session, principal, system_id, fields)
        added.code = spec.code
        result.changes.append(f"risk {spec.code}: created")
        return
    have = risks.view(row, ActorNames(session, principal)).model_dump(
        mode="json", include=set(RiskFields.model_fields)
    )
    wanted = fields.model_dump(mode="json")
    changes: dict[str, Any] = {k: v for k, v in fields.model_dump().items() if wanted[k] != have[k]}
    if changes:
        risks.update_risk(session, principal, row.id, changes, row.version)
        result.changes.append(f"risk {spec.code}: {', '.join(sorted(changes))} changed")


def _apply_answers(
    session: Session,
    principal: Principal,
    system_id: int,
    document: GovernanceFile,
    result: ApplyResult,
) -> None:
    open_row = session.scalars(
        select(AssessmentRow).where(
            AssessmentRow.system_id == system_id,
            AssessmentRow.framework_id == GUIDELINE,
            AssessmentRow.status == "open",
        )
    ).first()
    if open_row is None:
        open_row = assessments.start_assessment(session, principal, system_id)
        result.changes.append("assessment: started")
    for spec in document.answers:
        reference = (
            spec.requirement if ":" in spec.requirement else (f"{GUIDELINE}:{spec.requirement}")
        )
        node = catalog.resolve_node(session, reference)
        answer = session.scalars(
            select(AnswerRow).where(
                AnswerRow.assessment_id == open_row.id, AnswerRow.node_urn == node.urn
            )
        ).first()
        fields = AnswerFields.model_validate(
            spec.model_dump(include=set(ANSWER_FIELDS))
            | _owner(session, principal, spec.owner, answer)
        )
        wanted = fields.model_dump(mode="json")
        have = {k: getattr(answer, k) for k in (*ANSWER_FIELDS, *OWNER_FIELDS)} if answer else None
        if have != wanted:
            answer = assessments.answer_requirement(
                session, principal, open_row.id, node.urn, fields
            )
            result.changes.append(f"answer {node.section}: {fields.state.value}")
        assert answer is not None
        attached = set(
            session.scalars(
                select(EvidenceRow.url)
                .join(AnswerEvidenceRow, AnswerEvidenceRow.evidence_id == EvidenceRow.id)
                .where(AnswerEvidenceRow.answer_id == answer.id)
            )
        )
        for url in map(str, spec.evidence):
            if url in attached:
                continue
            link = evidence.add_link(session, principal, url=url)
            assessments.attach_evidence(session, principal, open_row.id, node.urn, link.id)
            result.changes.append(f"answer {node.section}: evidence {url} attached")
