"""Every table, imported so that ``Base.metadata`` is complete (Alembic reads this)."""

from tekisei.db.approvals import ApprovalRow
from tekisei.db.assessments import AnswerEvidenceRow, AnswerRow, AssessmentRow, EvidenceRow
from tekisei.db.audit import AuditCheckpointRow, AuditEventRow
from tekisei.db.base import Base
from tekisei.db.catalog import CatalogNodeRow, CrosswalkLinkRow, CrosswalkRow, FrameworkRow
from tekisei.db.evals import EvalResultRow, EvalRunRow, RiskSuggestionRow
from tekisei.db.limits import RateLimitRow
from tekisei.db.orgs import (
    ApiTokenRow,
    LoginFailureRow,
    MembershipRow,
    OrgRow,
    UserRow,
    WebSessionRow,
)
from tekisei.db.provenance import (
    ImageCredentialRow,
    ProvenanceCheckRow,
    ProvenanceKeyRow,
    SystemProvenanceRow,
)
from tekisei.db.reviews import ReviewRow
from tekisei.db.risks import RiskRow
from tekisei.db.systems import SystemAssignmentRow, SystemRow

__all__ = [
    "AnswerEvidenceRow",
    "AnswerRow",
    "ApiTokenRow",
    "ApprovalRow",
    "AssessmentRow",
    "AuditCheckpointRow",
    "AuditEventRow",
    "Base",
    "CatalogNodeRow",
    "CrosswalkLinkRow",
    "CrosswalkRow",
    "EvalResultRow",
    "EvalRunRow",
    "EvidenceRow",
    "FrameworkRow",
    "ImageCredentialRow",
    "LoginFailureRow",
    "MembershipRow",
    "OrgRow",
    "ProvenanceCheckRow",
    "ProvenanceKeyRow",
    "RateLimitRow",
    "ReviewRow",
    "RiskRow",
    "RiskSuggestionRow",
    "SystemAssignmentRow",
    "SystemProvenanceRow",
    "SystemRow",
    "UserRow",
    "WebSessionRow",
]
