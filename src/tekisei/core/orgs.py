"""Organisations, their members' roles, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tekisei.core.catalog import Actor
from tekisei.errors import PermissionDeniedError


class OrgActor(StrEnum):
    """The actor roles an organisation can hold (AI Promotion Act arts. 4-7)."""

    RESEARCH = "research"
    BUSINESS = "business"
    NATIONAL = "national"
    LOCAL = "local"

    @property
    def catalog_actor(self) -> Actor:
        """The same actor as the catalog names it."""
        return Actor(self.value)

    @property
    def is_government(self) -> bool:
        """National or local government."""
        return self in (OrgActor.NATIONAL, OrgActor.LOCAL)


class Role(StrEnum):
    """A member's role in one organisation."""

    ADMIN = "admin"
    EDITOR = "editor"
    ASSESSOR = "assessor"
    EXECUTIVE = "executive"
    AUDITOR = "auditor"
    EXTERNAL_TESTER = "external_tester"
    VIEWER = "viewer"


class Permission(StrEnum):
    """Something a role may do."""

    READ = "read"
    """See the organisation's systems, risks and settings (external testers: assigned only)."""
    WRITE_SYSTEMS = "write_systems"
    WRITE_RISKS = "write_risks"
    ACCEPT_RISK = "accept_risk"
    """Accept a residual risk (the executive decision of 1(3)①)."""
    APPROVE_STAGE = "approve_stage"
    """Approve or reject moving a system through a lifecycle gate (1(3)③)."""
    APPROVE_NOTICE = "approve_notice"
    """Approve publishing the disclosure notice of a high or critical tier system (2(2))."""
    APPROVE_DOCUMENTS = "approve_documents"
    """Approve the organisation's governance documents, such as its ISO/IEC 42001 Statement
    of Applicability (2(1): management's involvement)."""
    MANAGE_ORG = "manage_org"
    """Change the organisation's settings, members and tokens."""
    WRITE_ASSESSMENTS = "write_assessments"
    """Answer requirements and attach evidence."""
    READ_AUDIT = "read_audit"
    EXPORT_AUDIT = "export_audit"
    RUN_EVALS = "run_evals"
    """Run evaluations and red-teaming on a system (external testers: assigned systems only,
    the independent external tests of fn 8)."""
    WRITE_POLICIES = "write_policies"
    """Write the organisation's AI policies, ask for their approval and publish them (2(1))."""
    APPROVE_POLICY = "approve_policy"
    """Approve a version of an AI policy (management's involvement, 2(1))."""
    PUBLISH_STATEMENT = "publish_statement"
    """Publish or take down the organisation's public governance statement (2(1), 3(4))."""
    WRITE_REPORTS = "write_reports"
    """Write, publish and take down the organisation's HAIP reports (fn 16)."""
    APPROVE_REPORTS = "approve_reports"
    """Approve a HAIP report for publication (the management's involvement of 2(1))."""
    # Added with inquiries (issue 14): who answers the public and sees who wrote.
    HANDLE_INQUIRIES = "handle_inquiries"
    """Answer, assign, close and reject inquiries from the public, see the sender's name and
    contact, set the days to answer and erase personal data (fn 17, fn 18)."""
    # Added with incidents (issue 14): who reports and handles them, who publishes notices.
    WRITE_INCIDENTS = "write_incidents"
    """Report incidents, write their timeline, corrective actions and notifications, move
    and close them (fn 16, 1(3)④)."""
    PUBLISH_INCIDENTS = "publish_incidents"
    """Publish and take down the public notice of an incident (fn 16)."""
    # Added with judgements (issue 15): who signs a DS-920 high-risk judgement.
    SIGN_JUDGEMENTS = "sign_judgements"
    """Sign a DS-920 high-risk judgement of a system (3(1)); the signed one feeds the tier."""


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Accepting a residual risk is the executive's decision alone, not an admin's.
    Role.ADMIN: frozenset(Permission)
    - {
        Permission.ACCEPT_RISK,
        Permission.APPROVE_STAGE,
        Permission.APPROVE_NOTICE,
        Permission.APPROVE_DOCUMENTS,
        Permission.APPROVE_POLICY,
        Permission.APPROVE_REPORTS,
    },
    Role.EDITOR: frozenset(
        {
            Permission.READ,
            Permission.WRITE_SYSTEMS,
            Permission.WRITE_RISKS,
            Permission.WRITE_ASSESSMENTS,
            Permission.READ_AUDIT,
            Permission.RUN_EVALS,
            Permission.WRITE_POLICIES,
            Permission.WRITE_REPORTS,
            Permission.HANDLE_INQUIRIES,
            Permission.WRITE_INCIDENTS,
            Permission.PUBLISH_INCIDENTS,
        }
    ),
    Role.ASSESSOR: frozenset(
        {
            Permission.READ,
            Permission.WRITE_RISKS,
            Permission.WRITE_ASSESSMENTS,
            Permission.RUN_EVALS,
            Permission.WRITE_INCIDENTS,
        }
    ),
    Role.EXECUTIVE: frozenset(
        {
            Permission.READ,
            Permission.ACCEPT_RISK,
            Permission.APPROVE_STAGE,
            Permission.APPROVE_NOTICE,
            Permission.APPROVE_DOCUMENTS,
            Permission.READ_AUDIT,
            Permission.APPROVE_POLICY,
            Permission.APPROVE_REPORTS,
            Permission.SIGN_JUDGEMENTS,
        }
    ),
    Role.AUDITOR: frozenset({Permission.READ, Permission.READ_AUDIT, Permission.EXPORT_AUDIT}),
    Role.EXTERNAL_TESTER: frozenset({Permission.READ, Permission.RUN_EVALS}),
    Role.VIEWER: frozenset({Permission.READ}),
}


def can(role: Role, permission: Permission) -> bool:
    """Whether ``role`` grants ``permission``."""
    return permission in ROLE_PERMISSIONS[role]


def sees_all_systems(role: Role) -> bool:
    """External testers see only the systems assigned to them (guideline fn 8)."""
    return role is not Role.EXTERNAL_TESTER


@dataclass(frozen=True)
class Principal:
    """Who is acting, for which organisation, in which role."""

    user_id: int | None
    email: str
    org_id: int
    org_slug: str
    role: Role
    via: Literal["session", "token", "cli"] = "cli"
    org_name: str = ""
    """The organisation's name as people read it (the slug is for addresses and files);
    empty where only the slug is known (a queued job acting for someone)."""
    time_zone: str | None = None
    """The IANA zone the organisation reads times in, when the principal was made from a
    sign-in, a token or the CLI; None elsewhere (``services.orgs.org_zone`` looks it up)."""


ROLE_NAMES_JA: dict[Role, str] = {
    Role.ADMIN: "管理者",
    Role.EDITOR: "編集者",
    Role.ASSESSOR: "アセスメント担当者",
    Role.EXECUTIVE: "経営層（承認者）",
    Role.AUDITOR: "監査人",
    Role.EXTERNAL_TESTER: "外部テスター",
    Role.VIEWER: "閲覧者",
}


PERMISSION_WORDS: dict[Permission, tuple[str, str]] = {
    Permission.READ: ("read the organisation's records", "組織の記録の閲覧"),
    Permission.WRITE_SYSTEMS: ("change AI systems", "AIシステムの登録・変更"),
    Permission.WRITE_RISKS: ("change the risk register", "リスクの登録・変更"),
    Permission.ACCEPT_RISK: ("accept risk", "リスクの受容"),
    Permission.APPROVE_STAGE: ("approve a stage change", "段階移行の承認"),
    Permission.APPROVE_NOTICE: ("approve a disclosure notice", "利用者へのお知らせの承認"),
    Permission.APPROVE_DOCUMENTS: (
        "approve the Statement of Applicability",
        "適用宣言書の承認",
    ),
    Permission.MANAGE_ORG: (
        "manage the organisation's settings, members and tokens",
        "組織の設定・メンバー・トークンの管理",
    ),
    Permission.WRITE_ASSESSMENTS: (
        "answer assessments and add evidence",
        "アセスメントの回答・根拠資料の追加",
    ),
    Permission.READ_AUDIT: ("read the audit log", "監査ログの閲覧"),
    Permission.EXPORT_AUDIT: ("export the audit log", "監査ログの書き出し"),
    Permission.RUN_EVALS: ("run evaluations", "評価の実行"),
    Permission.WRITE_POLICIES: ("write AI policies", "AI方針の作成・公開"),
    Permission.APPROVE_POLICY: ("approve AI policies", "AI方針の承認"),
    Permission.PUBLISH_STATEMENT: (
        "publish the governance statement",
        "AIガバナンス声明の公開",
    ),
    Permission.WRITE_REPORTS: ("write HAIP reports", "HAIP報告書の作成・公開"),
    Permission.APPROVE_REPORTS: ("approve reports", "HAIP報告書の承認"),
    Permission.HANDLE_INQUIRIES: ("handle inquiries", "問い合わせへの対応"),
    Permission.WRITE_INCIDENTS: ("report and handle incidents", "インシデントの報告・対応"),
    Permission.PUBLISH_INCIDENTS: (
        "publish incident notices",
        "インシデントのお知らせの公開",
    ),
    Permission.SIGN_JUDGEMENTS: (
        "sign high-risk judgements (DS-920)",
        "高リスク判定（DS-920）への署名",
    ),
}
"""What each permission lets a person do, in English and Japanese (error messages)."""

_ARTICLE = {Role.ADMIN: "an", Role.EDITOR: "an", Role.ASSESSOR: "an", Role.EXECUTIVE: "an",
            Role.AUDITOR: "an", Role.EXTERNAL_TESTER: "an", Role.VIEWER: "a"}  # fmt: skip


def require(principal: Principal, permission: Permission) -> None:
    """Raise unless the principal's role grants ``permission``.

    Raises:
        PermissionDeniedError: naming the role, what it may not do and who may.
    """
    if can(principal.role, permission):
        return
    en, ja = PERMISSION_WORDS[permission]
    holders = [role for role in Role if permission in ROLE_PERMISSIONS[role]]
    who_en = " or ".join(f"{_ARTICLE[role]} {role.value.replace('_', ' ')}" for role in holders)
    who_ja = "・".join(f"「{ROLE_NAMES_JA[role]}」" for role in holders)
    raise PermissionDeniedError(
        f"the role '{principal.role.value}' may not {en}; "
        f"ask {who_en or 'nobody'} of the organisation to do it",
        ja=f"「{ROLE_NAMES_JA[principal.role]}」の権限では{ja}はできません。"
        f"組織の{who_ja}の権限を持つ人に依頼してください。",
    )


Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$", strip_whitespace=True)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
UserId = Annotated[int, Field(ge=1, le=2**31 - 1)]
"""An account's id, as the members list gives it."""


class OrgCreate(BaseModel):
    """What it takes to register an organisation."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    slug: Slug | None = Field(
        default=None, description="Short id used in URLs and the CLI; derived from the name"
    )
    actors: list[OrgActor] = Field(min_length=1)
    responsible_person: Name | None = Field(
        default=None,
        description="Who answers for AI governance; for a ministry, the CAIO (guideline fn 20)",
    )
    responsible_title: Name | None = None
    time_zone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = (
        Field(
            default=None,
            description="IANA zone its pages, reports and exports show times in, e.g. "
            "Asia/Tokyo; by default the deployment's (TEKISEI_TIME_ZONE)",
        )
    )
