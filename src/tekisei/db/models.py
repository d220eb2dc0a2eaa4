"""Every table, imported so that ``Base.metadata`` is complete (Alembic reads this)."""

from tekisei.db.approvals import ApprovalRow
from tekisei.db.assessments import AnswerEvidenceRow, AnswerRow, AssessmentRow, EvidenceRow
from tekisei.db.audit import AuditCheckpointRow, AuditEventRow
from tekisei.db.base import Base
from tekisei.db.catalog import CatalogNodeRow, CrosswalkLinkRow, CrosswalkRow, FrameworkRow
from tekisei.db.content_versions import ContentVersionRow
from tekisei.db.continuity import ContinuityDrillRow, ContinuityPlanRow
from tekisei.db.data_holders import (
    DataHolderBenefitRow,
    DataHolderCommunicationRow,
    DataHolderDatasetRow,
    DataHolderRow,
)
from tekisei.db.decisions import DecisionRow, DecisionSettingsRow
from tekisei.db.energy import EnergyDefaultRow, EnergyPublicationRow, EnergyRecordRow
from tekisei.db.evals import (
    EvalJobRow,
    EvalResultRow,
    EvalRunRow,
    EvalTargetHostRow,
    RiskSuggestionRow,
)
from tekisei.db.haip_reports import HaipReportRow, HaipReportVersionRow
from tekisei.db.incidents import (
    IncidentNoticeVersionRow,
    IncidentRow,
    IncidentSystemRow,
)
from tekisei.db.inquiries import InquiryEntryRow, InquiryRow, InquirySettingsRow
from tekisei.db.judgements import JudgementRow
from tekisei.db.limits import RateLimitRow
from tekisei.db.literacy import LiteracyAssignmentRow, LiteracyCompletionRow, LiteracyRuleRow
from tekisei.db.mfa import MfaFailureRow, MfaPolicyRow, MfaRecoveryCodeRow, MfaTotpRow
from tekisei.db.notices import NoticeRow, NoticeVersionRow
from tekisei.db.notifications import MailOutboxRow, NotificationRow, NotificationSettingsRow
from tekisei.db.orgs import (
    ApiTokenRow,
    InvitationRow,
    MembershipRow,
    OrgRow,
    SigninFailureRow,
    UserRow,
    WebSessionRow,
)
from tekisei.db.oversight import OversightGrantRow, OversightSnapshotRow
from tekisei.db.passkeys import PasskeyChallengeRow, PasskeyRow
from tekisei.db.policies import PolicyAcknowledgementRow, PolicyRow, PolicyVersionRow
from tekisei.db.procurements import ProcurementRow
from tekisei.db.provenance import (
    ImageCredentialRow,
    ProvenanceCheckRow,
    ProvenanceKeyRow,
    SystemProvenanceRow,
)
from tekisei.db.records import DatasetRecordRow, ModelRecordRow, RecordVersionRow
from tekisei.db.registers import RegisterEntryRow, RegisterRow
from tekisei.db.reviews import ReviewRow
from tekisei.db.risks import RiskRow
from tekisei.db.scim import ScimGroupMemberRow, ScimGroupRow, ScimTokenRow, ScimUserRow
from tekisei.db.soa import SoaApprovalRow, SoaChangeRow, SoaControlRow, SoaRow
from tekisei.db.sso import OidcLoginRow, OidcProviderRow, OidcSessionRow
from tekisei.db.stakeholders import EngagementRow, StakeholderRow, StakeholderSystemRow
from tekisei.db.statements import StatementRow, StatementVersionRow
from tekisei.db.systems import SystemAssignmentRow, SystemRow
from tekisei.db.vendors import VendorEventRow, VendorRow, VendorSystemRow

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
    "ContentVersionRow",
    "ContinuityDrillRow",
    "ContinuityPlanRow",
    "CrosswalkLinkRow",
    "CrosswalkRow",
    "DataHolderBenefitRow",
    "DataHolderCommunicationRow",
    "DataHolderDatasetRow",
    "DataHolderRow",
    "DatasetRecordRow",
    "DecisionRow",
    "DecisionSettingsRow",
    "EnergyDefaultRow",
    "EnergyPublicationRow",
    "EnergyRecordRow",
    "EngagementRow",
    "EvalJobRow",
    "EvalResultRow",
    "EvalRunRow",
    "EvalTargetHostRow",
    "EvidenceRow",
    "FrameworkRow",
    "HaipReportRow",
    "HaipReportVersionRow",
    "ImageCredentialRow",
    "IncidentNoticeVersionRow",
    "IncidentRow",
    "IncidentSystemRow",
    "InquiryEntryRow",
    "InquiryRow",
    "InquirySettingsRow",
    "InvitationRow",
    "JudgementRow",
    "LiteracyAssignmentRow",
    "LiteracyCompletionRow",
    "LiteracyRuleRow",
    "MailOutboxRow",
    "MembershipRow",
    "MfaFailureRow",
    "MfaPolicyRow",
    "MfaRecoveryCodeRow",
    "MfaTotpRow",
    "ModelRecordRow",
    "NoticeRow",
    "NoticeVersionRow",
    "NotificationRow",
    "NotificationSettingsRow",
    "OidcLoginRow",
    "OidcProviderRow",
    "OidcSessionRow",
    "OrgRow",
    "OversightGrantRow",
    "OversightSnapshotRow",
    "PasskeyChallengeRow",
    "PasskeyRow",
    "PolicyAcknowledgementRow",
    "PolicyRow",
    "PolicyVersionRow",
    "ProcurementRow",
    "ProvenanceCheckRow",
    "ProvenanceKeyRow",
    "RateLimitRow",
    "RecordVersionRow",
    "RegisterEntryRow",
    "RegisterRow",
    "ReviewRow",
    "RiskRow",
    "RiskSuggestionRow",
    "ScimGroupMemberRow",
    "ScimGroupRow",
    "ScimTokenRow",
    "ScimUserRow",
    "SigninFailureRow",
    "SoaApprovalRow",
    "SoaChangeRow",
    "SoaControlRow",
    "SoaRow",
    "StakeholderRow",
    "StakeholderSystemRow",
    "StatementRow",
    "StatementVersionRow",
    "SystemAssignmentRow",
    "SystemProvenanceRow",
    "SystemRow",
    "UserRow",
    "VendorEventRow",
    "VendorRow",
    "VendorSystemRow",
    "WebSessionRow",
]
