"""AI systems: the facts an organisation records, the risk tier they imply, and which
guideline requirements apply.

The tier follows the guideline's risk-based approach (1(3)①: measures in
proportion to the field, purpose and impact of use) and the four perspectives of
the Digital Agency's high-risk judgement (who the users are, the nature of the
work, confidential or personal data, human judgement on outputs). Each rule that
fires gives a reason in Japanese and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tekisei.core.catalog import SystemRole
from tekisei.core.orgs import OrgActor


class Stage(StrEnum):
    """Lifecycle stage (guideline 1(3)③, end-to-end governance)."""

    PLAN = "plan"
    DESIGN = "design"
    DEVELOP = "develop"
    VERIFY = "verify"
    DEPLOY = "deploy"
    OPERATE = "operate"
    RETIRE = "retire"


class UseDomain(StrEnum):
    """The field the system is used in."""

    GENERAL = "general"
    INTERNAL_OPERATIONS = "internal_operations"
    CUSTOMER_SERVICE = "customer_service"
    CONTENT_GENERATION = "content_generation"
    RESEARCH = "research"
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    HEALTHCARE = "healthcare"
    FINANCE = "finance"
    PUBLIC_SERVICES = "public_services"
    ADMINISTRATIVE_DECISIONS = "administrative_decisions"
    LAW_ENFORCEMENT = "law_enforcement"
    JUSTICE = "justice"
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure"
    TRANSPORT = "transport"
    BIOMETRICS = "biometrics"
    ELECTIONS = "elections"


STAGE_NAMES: dict[Stage, tuple[str, str]] = {
    Stage.PLAN: ("企画", "planning"),
    Stage.DESIGN: ("設計", "design"),
    Stage.DEVELOP: ("開発", "development"),
    Stage.VERIFY: ("検証", "verification"),
    Stage.DEPLOY: ("導入", "deployment"),
    Stage.OPERATE: ("運用", "operation"),
    Stage.RETIRE: ("廃止", "retirement"),
}
"""Each lifecycle stage in words (Japanese, English), for messages written here."""

DOMAIN_NAMES: dict[UseDomain, tuple[str, str]] = {
    UseDomain.ADMINISTRATIVE_DECISIONS: ("行政上の判断", "administrative decisions"),
    UseDomain.BIOMETRICS: ("生体認証", "biometrics"),
    UseDomain.CONTENT_GENERATION: ("コンテンツ生成", "content generation"),
    UseDomain.CRITICAL_INFRASTRUCTURE: ("重要インフラ", "critical infrastructure"),
    UseDomain.CUSTOMER_SERVICE: ("顧客対応", "customer service"),
    UseDomain.EDUCATION: ("教育", "education"),
    UseDomain.ELECTIONS: ("選挙・政治", "elections"),
    UseDomain.EMPLOYMENT: ("雇用・人事", "employment"),
    UseDomain.FINANCE: ("金融", "finance"),
    UseDomain.GENERAL: ("汎用", "general"),
    UseDomain.HEALTHCARE: ("医療・健康", "healthcare"),
    UseDomain.INTERNAL_OPERATIONS: ("社内業務", "internal operations"),
    UseDomain.JUSTICE: ("司法", "justice"),
    UseDomain.LAW_ENFORCEMENT: ("法執行", "law enforcement"),
    UseDomain.PUBLIC_SERVICES: ("行政サービス", "public services"),
    UseDomain.RESEARCH: ("研究", "research"),
    UseDomain.TRANSPORT: ("交通・移動", "transport"),
}
"""Each field of use in words (Japanese, English), for messages written here."""

HIGH_IMPACT_DOMAINS = frozenset(
    {
        UseDomain.EDUCATION,
        UseDomain.EMPLOYMENT,
        UseDomain.HEALTHCARE,
        UseDomain.FINANCE,
        UseDomain.ADMINISTRATIVE_DECISIONS,
        UseDomain.LAW_ENFORCEMENT,
        UseDomain.JUSTICE,
        UseDomain.CRITICAL_INFRASTRUCTURE,
        UseDomain.TRANSPORT,
        UseDomain.BIOMETRICS,
        UseDomain.ELECTIONS,
    }
)


class DataCategory(StrEnum):
    """Kinds of data the system is trained on or handles."""

    PERSONAL = "personal"
    SENSITIVE = "sensitive"
    """Special-care personal information (要配慮個人情報): health, creed, criminal record, …"""
    CONFIDENTIAL = "confidential"
    COPYRIGHTED = "copyrighted"
    PUBLIC = "public"


class AffectedGroup(StrEnum):
    """Who the system's outputs reach."""

    STAFF = "staff"
    CUSTOMERS = "customers"
    PUBLIC = "public"
    CHILDREN = "children"
    VULNERABLE = "vulnerable"
    THIRD_PARTIES = "third_parties"


class Autonomy(StrEnum):
    """How far outputs take effect without a person's judgement."""

    ASSISTIVE = "assistive"
    """The AI suggests; a person decides."""
    HUMAN_IN_THE_LOOP = "human_in_the_loop"
    """A person approves each output before it takes effect."""
    HUMAN_ON_THE_LOOP = "human_on_the_loop"
    """Outputs take effect; a person monitors and can intervene."""
    AUTONOMOUS = "autonomous"
    """Outputs take effect with no human review."""


class Scale(StrEnum):
    """How many people the system reaches in a year."""

    SMALL = "small"
    """Fewer than 1,000."""
    MEDIUM = "medium"
    """Up to 100,000."""
    LARGE = "large"
    """Up to 10 million."""
    VERY_LARGE = "very_large"
    """More than 10 million."""


class Deployment(StrEnum):
    """Who can use the system."""

    INTERNAL = "internal"
    PARTNERS = "partners"
    PUBLIC = "public"


class Tier(IntEnum):
    """Risk tier; higher means more requirements and closer review."""

    MINIMAL = 1
    LIMITED = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """The tier's name (minimal, limited, high, critical)."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Tier:
        """The tier named ``value``."""
        return cls[value.upper()]


Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class SystemFacts(BaseModel):
    """What an organisation records about one AI system (the inventory entry)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    purpose: Text = ""
    domain: UseDomain = UseDomain.GENERAL
    org_role: SystemRole = Field(description="What the organisation is for this system")
    stage: Stage = Stage.PLAN
    models: list[ShortText] = Field(default_factory=list, max_length=50)
    vendors: list[ShortText] = Field(default_factory=list, max_length=50)
    data_categories: list[DataCategory] = Field(default_factory=list, max_length=20)
    affected: list[AffectedGroup] = Field(default_factory=list, max_length=20)
    autonomy: Autonomy = Autonomy.ASSISTIVE
    scale: Scale = Scale.SMALL
    deployment: Deployment = Deployment.INTERNAL
    responsible_person: ShortText = ""
    contact_window: ShortText = Field(
        default="", description="Where users send questions and complaints (guideline fn 18)"
    )


@dataclass(frozen=True)
class TierReason:
    """One rule that raised the tier, with its explanation."""

    code: str
    tier: Tier
    ja: str
    en: str


@dataclass(frozen=True)
class TierResult:
    """A system's tier and every reason for it."""

    tier: Tier
    reasons: tuple[TierReason, ...]


def risk_tier(facts: SystemFacts, judged: TierReason | None = None) -> TierResult:
    """The risk tier implied by a system's facts, with the reasons.

    The tier is the highest any rule gives; with no rule, it is minimal. ``judged`` is
    the reason a signed high-risk judgement gives (core/judgements.py), counted as a rule.
    """
    reasons: list[TierReason] = [] if judged is None else [judged]
    high_impact = facts.domain in HIGH_IMPACT_DOMAINS
    data = set(facts.data_categories)
    affected = set(facts.affected)
    autonomous = facts.autonomy is Autonomy.AUTONOMOUS
    public = facts.deployment is Deployment.PUBLIC

    def add(code: str, tier: Tier, ja: str, en: str) -> None:
        reasons.append(TierReason(code, tier, ja, en))

    if high_impact and autonomous:
        add(
            "autonomous-high-impact",
            Tier.CRITICAL,
            "人の権利や生活に大きく影響する分野で、出力が人の確認なしに効力を持つ。",
            "Outputs take effect without human review in a field that weighs on people's "
            "rights or lives.",
        )
    if high_impact and public and facts.scale in (Scale.LARGE, Scale.VERY_LARGE):
        add(
            "large-public-high-impact",
            Tier.CRITICAL,
            "人の権利や生活に大きく影響する分野で、一般に公開され多数の人に届く。",
            "Open to the public and reaching many people in a field that weighs on people's "
            "rights or lives.",
        )
    if high_impact:
        add(
            "high-impact-domain",
            Tier.HIGH,
            f"利用分野（{DOMAIN_NAMES[facts.domain][0]}）が人の権利や生活に大きく影響する。",
            f"The field of use ({DOMAIN_NAMES[facts.domain][1]}) weighs on people's rights or "
            "lives.",
        )
    if DataCategory.SENSITIVE in data:
        add(
            "sensitive-data",
            Tier.HIGH,
            "要配慮個人情報を扱う。",
            "Handles special-care personal information.",
        )
    if affected & {AffectedGroup.CHILDREN, AffectedGroup.VULNERABLE}:
        add(
            "vulnerable-people",
            Tier.HIGH,
            "子どもや配慮を要する人々に影響が及ぶ。",
            "Reaches children or vulnerable people.",
        )
    if autonomous and public:
        add(
            "autonomous-public",
            Tier.HIGH,
            "一般に公開され、出力が人の確認なしに効力を持つ。",
            "Open to the public, with outputs taking effect without human review.",
        )
    if public and facts.scale is Scale.VERY_LARGE:
        add(
            "very-large-public",
            Tier.HIGH,
            "一般に公開され、年間1,000万人を超える人に届く。",
            "Open to the public and reaching more than ten million people a year.",
        )
    if data & {DataCategory.PERSONAL, DataCategory.CONFIDENTIAL}:
        add(
            "personal-or-confidential-data",
            Tier.LIMITED,
            "個人情報または機密情報を扱う。",
            "Handles personal or confidential information.",
        )
    if public or affected & {AffectedGroup.PUBLIC, AffectedGroup.THIRD_PARTIES}:
        add(
            "outside-users",
            Tier.LIMITED,
            "組織の外の人が使う、または出力の影響を受ける。",
            "People outside the organisation use it or are affected by its outputs.",
        )
    if facts.domain is UseDomain.CONTENT_GENERATION:
        add(
            "generated-content",
            Tier.LIMITED,
            "生成物が外に出回り得る（2(3)のAI生成物の識別が関わる）。",
            "Generated content can circulate (2(3), identifying AI-generated content).",
        )
    if DataCategory.COPYRIGHTED in data:
        add(
            "copyrighted-data",
            Tier.LIMITED,
            "著作物を学習や入力に使う（2(5)のデータ保有者への配慮が関わる）。",
            "Uses copyrighted works for training or input (2(5), care for data holders).",
        )
    if not reasons:
        return TierResult(
            Tier.MINIMAL,
            (
                TierReason(
                    "no-rule",
                    Tier.MINIMAL,
                    "社内向けで、影響の大きい分野・データ・利用者に当たらない。",
                    "Internal use with no high-impact field, data or affected group.",
                ),
            ),
        )
    tier = max(reason.tier for reason in reasons)
    return TierResult(tier, tuple(sorted(reasons, key=lambda r: -r.tier)))


@dataclass(frozen=True)
class Requirement:
    """A catalog node as applicability sees it."""

    urn: str
    ref: str
    section: str
    actors: tuple[str, ...]
    system_roles: tuple[str, ...]
    assessable: bool


# Guideline items that apply only from a tier upwards, and why.
TIER_FLOORS: dict[str, Tier] = {
    "fn8": Tier.LIMITED,  # red teaming, internal and external tests, in proportion to risk
    "fn16": Tier.HIGH,  # HAIP reporting / ISO/IEC 42001 management system
    "2.4": Tier.LIMITED,  # business continuity plan for systems others depend on
}
# Items the guideline words as possible or expected (可能と考えられる・期待される), not as a
# duty: a tier floor makes them part of an assessment as a recommendation, shown as such.
RECOMMENDED = frozenset({"fn16"})
# Items that apply only when the system uses data whose holders are stakeholders.
DATA_HOLDER_ITEMS = frozenset({"2.5"})
DATA_HOLDER_CATEGORIES = frozenset(
    {DataCategory.COPYRIGHTED, DataCategory.PERSONAL, DataCategory.SENSITIVE}
)


def applies(
    requirement: Requirement, org_actors: set[OrgActor], facts: SystemFacts, tier: Tier
) -> bool:
    """Whether an assessable guideline item applies to a system.

    It applies when it names one of the organisation's actor roles, fits the
    organisation's role for the system, is not above the system's tier, and (for
    2(5)) the system uses data that has holders to care for.
    """
    if not requirement.assessable:
        return False
    actors = {actor.catalog_actor.value for actor in org_actors}
    if not actors & set(requirement.actors):
        return False
    if requirement.system_roles and facts.org_role.value not in requirement.system_roles:
        return False
    floor = TIER_FLOORS.get(requirement.ref)
    if floor is not None and tier < floor:
        return False
    return not (
        requirement.ref in DATA_HOLDER_ITEMS
        and not set(facts.data_categories) & DATA_HOLDER_CATEGORIES
    )


def applicable(
    requirements: list[Requirement],
    org_actors: set[OrgActor],
    facts: SystemFacts,
    judged: TierReason | None = None,
) -> list[Requirement]:
    """The requirements that apply to a system, in catalog order."""
    tier = risk_tier(facts, judged).tier
    return [r for r in requirements if applies(r, org_actors, facts, tier)]
