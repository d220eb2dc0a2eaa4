"""The procurement checklist (guideline 3(1): governments procure AI carefully).

When an organisation buys an AI system (built or adapted for it) or an AI service (used
as offered, e.g. a cloud LLM), the tender and the contract should ask the vendor for what
the organisation needs to govern it: where data goes, security, evaluation and red-team
results, provenance marks, incident notification, continuity and exit, transparency to
residents and users, personal information, rights, human oversight and subcontractors.

The checklist below is tekisei's own wording (no official text is quoted), and every
page that shows it says so. Each item applies to systems, services or both. A
procurement fills each applicable item with a :class:`ItemStatus` and a note; "not
applicable" needs a reason. :func:`completeness` says what is settled, and, once the
contract is signed, what never made it into the contract.

This module holds the vocabulary, the limits and the rules; it knows nothing of files or
databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tekisei.core.text import VisibleText

OUR_WORDING = (
    "tekisei による記載例です（公的な文書の原文ではありません）。",
    "Written by tekisei (not an official text).",
)
"""The mark every page and export showing the checklist carries (Japanese, English)."""

MAX_TITLE = 200
MAX_REFERENCE = 100
MAX_NOTE = 1000
"""The longest note on one item, in characters."""
MAX_PROCUREMENTS = 200
"""Procurements one system may have."""

Title = Annotated[
    VisibleText, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)
]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_REFERENCE)]
Note = Annotated[VisibleText, StringConstraints(strip_whitespace=True, max_length=MAX_NOTE)]
VendorId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Area(StrEnum):
    """What a group of requirements is about."""

    DATA = "data"
    PERSONAL = "personal"
    SECURITY = "security"
    EVALUATION = "evaluation"
    PROVENANCE = "provenance"
    INCIDENTS = "incidents"
    CONTINUITY = "continuity"
    TRANSPARENCY = "transparency"
    RIGHTS = "rights"
    OVERSIGHT = "oversight"
    SUBCONTRACTORS = "subcontractors"


AREAS: dict[Area, tuple[str, str]] = {
    Area.DATA: ("データの取扱いと保存場所", "Data handling and location"),
    Area.PERSONAL: ("個人情報の保護", "Personal information"),
    Area.SECURITY: ("セキュリティ", "Security"),
    Area.EVALUATION: ("評価とレッドチーミングの結果", "Evaluation and red-team results"),
    Area.PROVENANCE: ("来歴の表示（C2PA・電子透かし）", "Provenance marks (C2PA, watermarks)"),
    Area.INCIDENTS: ("インシデントの通知", "Incident notification"),
    Area.CONTINUITY: ("継続性と契約終了時の対応", "Continuity and exit"),
    Area.TRANSPARENCY: ("住民・利用者への透明性", "Transparency to residents and users"),
    Area.RIGHTS: ("知的財産と権利", "Intellectual property and rights"),
    Area.OVERSIGHT: ("人による監督", "Human oversight"),
    Area.SUBCONTRACTORS: ("再委託と外部サービス", "Subcontractors and dependencies"),
}
"""Each area's name (Japanese, English), in the order the checklist walks them."""


class Kind(StrEnum):
    """What is bought."""

    SYSTEM = "system"
    """An AI system built or adapted for the organisation."""
    SERVICE = "service"
    """An AI service used as offered (a cloud service, an API)."""


class Applies(StrEnum):
    """Which procurements an item applies to."""

    SYSTEM = "system"
    SERVICE = "service"
    BOTH = "both"

    def covers(self, kind: Kind) -> bool:
        """Whether the item applies to a procurement of ``kind``."""
        return self is Applies.BOTH or self.value == kind.value


KINDS: dict[Kind, tuple[str, str]] = {
    Kind.SYSTEM: ("AIシステム（開発・構築）", "AI system (built or adapted)"),
    Kind.SERVICE: ("AIサービス（提供されるものを利用）", "AI service (used as offered)"),
}
APPLIES: dict[Applies, tuple[str, str]] = {
    Applies.SYSTEM: ("システム", "Systems"),
    Applies.SERVICE: ("サービス", "Services"),
    Applies.BOTH: ("両方", "Both"),
}


class Phase(StrEnum):
    """Where a procurement stands."""

    PLANNING = "planning"
    TENDER = "tender"
    CONTRACTED = "contracted"
    CLOSED = "closed"


PHASES: dict[Phase, tuple[str, str]] = {
    Phase.PLANNING: ("計画中", "Planning"),
    Phase.TENDER: ("入札・公募中", "Tendering"),
    Phase.CONTRACTED: ("契約済み", "Contracted"),
    Phase.CLOSED: ("終了", "Closed"),
}
SIGNED = frozenset({Phase.CONTRACTED, Phase.CLOSED})
"""The phases after the contract was signed."""


class ItemStatus(StrEnum):
    """How far one requirement got."""

    OPEN = "open"
    IN_TENDER = "in_tender"
    """Written into the tender (the specification or the call for proposals)."""
    IN_CONTRACT = "in_contract"
    """Written into the contract."""
    CONFIRMED = "confirmed"
    """Confirmed with the vendor (in writing, or checked in its documents)."""
    NOT_APPLICABLE = "not_applicable"
    """Does not apply to this procurement; the note says why."""


STATUSES: dict[ItemStatus, tuple[str, str]] = {
    ItemStatus.OPEN: ("未対応", "Open"),
    ItemStatus.IN_TENDER: ("仕様書に記載", "In the tender"),
    ItemStatus.IN_CONTRACT: ("契約書に記載", "In the contract"),
    ItemStatus.CONFIRMED: ("事業者に確認済み", "Confirmed with the vendor"),
    ItemStatus.NOT_APPLICABLE: ("該当しない（理由を記載）", "Not applicable (reason given)"),
}


@dataclass(frozen=True)
class Item:
    """One requirement to put in a tender or a contract, in tekisei's words."""

    id: str
    area: Area
    applies: Applies
    ja: str
    en: str


CHECKLIST: tuple[Item, ...] = (
    Item(
        "data-location", Area.DATA, Applies.BOTH,
        "データ（入力・出力・ログ・バックアップを含む）を保存・処理する国・地域と施設を明示し、"
        "変更するときは事前に発注者の承認を得ること。",
        "State the countries, regions and facilities where data (inputs, outputs, logs and "
        "backups included) is stored and processed, and obtain the buyer's approval before "
        "changing them.",
    ),
    Item(
        "data-no-training", Area.DATA, Applies.SERVICE,
        "発注者が入力したデータと出力を、発注者の書面による同意なく、AIモデルの学習・改善や"
        "その他の目的に使わないこと。",
        "Do not use the data the buyer enters, or the outputs, to train or improve AI models "
        "or for any other purpose without the buyer's written consent.",
    ),
    Item(
        "data-retention", Area.DATA, Applies.BOTH,
        "データの保存期間と、期間満了時・契約終了時の消去方法を定め、消去したことを書面で"
        "証明すること。",
        "Set how long data is kept and how it is deleted when that period or the contract "
        "ends, and certify the deletion in writing.",
    ),
    Item(
        "data-sources", Area.DATA, Applies.SYSTEM,
        "モデルの学習・調整に使ったデータの出所と権利関係、偏りへの対処を説明する資料を"
        "提出すること。",
        "Provide documents on where the data used to train or tune the model came from, the "
        "rights to it, and how bias in it was addressed.",
    ),
    Item(
        "personal-protection", Area.PERSONAL, Applies.BOTH,
        "個人情報を取り扱う場合は、個人情報保護法と発注者の規程に沿った安全管理措置を講じ、"
        "その内容を書面で示すこと。",
        "Where personal information is handled, take safeguards in line with the Act on the "
        "Protection of Personal Information and the buyer's rules, and set them out in writing.",
    ),
    Item(
        "personal-abroad", Area.PERSONAL, Applies.BOTH,
        "個人データを外国で取り扱う場合は、その国名と個人情報保護法第28条に基づく根拠を"
        "示すこと。",
        "Where personal data is handled abroad, name the country and the legal basis under "
        "article 28 of the Act.",
    ),
    Item(
        "personal-sensitive", Area.PERSONAL, Applies.BOTH,
        "要配慮個人情報や機密情報を入力しない前提で使うのか、入力する場合にどのような追加の"
        "保護措置をとるのかを明らかにすること。",
        "Make clear whether special-care personal information and confidential information "
        "are to be kept out, or which additional safeguards apply when they are entered.",
    ),
    Item(
        "security-assurance", Area.SECURITY, Applies.BOTH,
        "ISMAP などの第三者認証や監査報告書など、セキュリティ対策の水準を示す資料を提出する"
        "こと。",
        "Provide evidence of the level of security, such as ISMAP or another third-party "
        "certification, or audit reports.",
    ),
    Item(
        "security-ai-attacks", Area.SECURITY, Applies.BOTH,
        "プロンプトインジェクションやデータ汚染など、AI特有の攻撃への対策を説明すること。",
        "Describe the defences against attacks specific to AI, such as prompt injection and "
        "data poisoning.",
    ),
    Item(
        "security-logs", Area.SECURITY, Applies.BOTH,
        "アクセス権限を管理し、操作ログを取得・保存して、発注者の求めに応じて提出すること。",
        "Manage access rights, keep operation logs, and hand them over when the buyer asks.",
    ),
    Item(
        "security-fixes", Area.SECURITY, Applies.SYSTEM,
        "脆弱性が見つかった場合の修正の手順と、修正版を提供する期限を定めること。",
        "Set how vulnerabilities found are fixed and by when the fixes are delivered.",
    ),
    Item(
        "eval-results", Area.EVALUATION, Applies.BOTH,
        "精度、誤った出力（ハルシネーション）の傾向、偏りなどの評価結果と評価方法を提出する"
        "こと。",
        "Provide the evaluation results and methods: accuracy, patterns of wrong outputs "
        "(hallucinations), bias and the like.",
    ),
    Item(
        "eval-red-team", Area.EVALUATION, Applies.BOTH,
        "レッドチーミング（攻撃者の視点による検証）の実施状況と、見つかった問題への対処を"
        "報告すること。",
        "Report how red teaming (testing from an attacker's point of view) was done and how "
        "the problems it found were dealt with.",
    ),
    Item(
        "eval-buyer-tests", Area.EVALUATION, Applies.BOTH,
        "発注者または発注者が指定する第三者が、導入前と運用中に検証できるようにすること。",
        "Let the buyer, or a third party the buyer names, test it before it is introduced and "
        "while it is in use.",
    ),
    Item(
        "eval-model-change", Area.EVALUATION, Applies.SERVICE,
        "基盤モデルを変更・更新するときは事前に通知し、性能や挙動の変化を説明すること。",
        "Give notice before the underlying model is changed or updated, and explain the "
        "changes in performance and behaviour.",
    ),
    Item(
        "provenance-marks", Area.PROVENANCE, Applies.BOTH,
        "生成した画像・音声・動画などに、C2PA などの来歴情報や電子透かしを付けられるか、"
        "その方式とあわせて示すこと。",
        "State whether generated images, audio and video can carry provenance information "
        "such as C2PA or watermarks, and by which method.",
    ),
    Item(
        "provenance-labels", Area.PROVENANCE, Applies.BOTH,
        "AIが生成したものであることを、利用者に分かる形で表示できること。",
        "Outputs can be labelled so that users can tell they were generated by AI.",
    ),
    Item(
        "incident-notice", Area.INCIDENTS, Applies.BOTH,
        "情報漏えい、重大な誤作動、不正利用などのインシデントを知ったときに発注者へ通知する"
        "期限と連絡体制を定めること。",
        "Set the deadline and the contacts for telling the buyer of an incident (a data "
        "leak, a serious malfunction, misuse and the like) once the vendor learns of it.",
    ),
    Item(
        "incident-cooperation", Area.INCIDENTS, Applies.BOTH,
        "原因の調査、再発防止策の報告、住民への説明や関係機関への報告に協力すること。",
        "Cooperate in finding the cause, in reporting the measures against a recurrence, and "
        "in explaining to residents and reporting to the authorities.",
    ),
    Item(
        "continuity-service-level", Area.CONTINUITY, Applies.BOTH,
        "稼働率などのサービス水準と、停止したときの代替手段と復旧の目標を定めること。",
        "Set service levels such as availability, and the fallback and the recovery targets "
        "for when it stops.",
    ),
    Item(
        "exit-data-return", Area.CONTINUITY, Applies.BOTH,
        "契約終了時に、データ（入力・出力・設定・ログ）を一般的な形式で返却すること。",
        "When the contract ends, return the data (inputs, outputs, settings, logs) in a "
        "common format.",
    ),
    Item(
        "exit-portability", Area.CONTINUITY, Applies.SYSTEM,
        "他の事業者へ移行するために必要な資料と支援を提供し、特定の事業者に依存し続けない"
        "ようにすること。",
        "Provide the documents and the help needed to move to another vendor, so that the "
        "buyer is not locked in.",
    ),
    Item(
        "exit-termination", Area.CONTINUITY, Applies.SERVICE,
        "サービスを終了・大きく変更するときの予告期間と、発注者が契約を解除できる条件を"
        "定めること。",
        "Set the notice given before the service ends or changes substantially, and the "
        "conditions on which the buyer may end the contract.",
    ),
    Item(
        "transparency-explain", Area.TRANSPARENCY, Applies.BOTH,
        "住民・利用者に、AIを使っていること、その目的と限界を説明するための情報を提供する"
        "こと。",
        "Provide what is needed to tell residents and users that AI is used, for what, and "
        "what its limits are.",
    ),
    Item(
        "transparency-records", Area.TRANSPARENCY, Applies.BOTH,
        "情報公開請求、議会や監査への説明、住民からの問い合わせや異議に答えるための資料と"
        "記録の提出に協力すること。",
        "Cooperate in providing the documents and records needed to answer information "
        "requests, to account to the assembly and auditors, and to answer residents' "
        "questions and objections.",
    ),
    Item(
        "rights-outputs", Area.RIGHTS, Applies.BOTH,
        "出力の知的財産権の帰属と、第三者の権利を侵害したときの責任の分担を定めること。",
        "Set who owns the intellectual property in the outputs, and how liability is shared "
        "when a third party's rights are infringed.",
    ),
    Item(
        "rights-deliverables", Area.RIGHTS, Applies.SYSTEM,
        "開発した成果物（プログラム、設定、調整済みのモデルなど）の権利と利用条件を定める"
        "こと。",
        "Set the rights to, and the terms of use of, what is developed (programs, settings, "
        "tuned models and the like).",
    ),
    Item(
        "oversight-controls", Area.OVERSIGHT, Applies.BOTH,
        "職員が出力を確認・修正し、必要なときに利用を止められる仕組みを備えること。",
        "Provide the means for staff to check and correct outputs, and to stop its use when "
        "needed.",
    ),
    Item(
        "oversight-training", Area.OVERSIGHT, Applies.BOTH,
        "職員向けの操作手順書と研修を提供し、AIの限界と注意点を説明すること。",
        "Provide staff with manuals and training that explain the AI's limits and what to "
        "watch for.",
    ),
    Item(
        "subcontract-approval", Area.SUBCONTRACTORS, Applies.BOTH,
        "再委託するときは事前に発注者の承認を得て、再委託先にも同じ義務を負わせること。",
        "Obtain the buyer's approval before subcontracting, and bind subcontractors to the "
        "same obligations.",
    ),
    Item(
        "subcontract-dependencies", Area.SUBCONTRACTORS, Applies.SERVICE,
        "利用している外部のAIサービスやクラウド（基盤モデルの提供者を含む）を一覧で示すこと。",
        "List the external AI services and clouds it relies on, the providers of the "
        "underlying models included.",
    ),
)  # fmt: skip
"""The checklist, area by area, in the order the form walks it."""

ITEMS: dict[str, Item] = {item.id: item for item in CHECKLIST}


def items_for(kind: Kind) -> tuple[Item, ...]:
    """The items that apply to a procurement of ``kind``, in checklist order."""
    return tuple(item for item in CHECKLIST if item.applies.covers(kind))


REASON_RULE = "give the reason why the item does not apply"
REASON_RULE_JA = "「該当しない」とする理由を書いてください。"
ORDER_RULE = "the contract cannot end before it starts"
ORDER_RULE_JA = "契約の終了日は契約日より後にしてください。"
VENDOR_RULE = "a signed contract names its vendor"
VENDOR_RULE_JA = "契約済み・終了の調達には、契約した事業者を指定してください。"
RULES_JA = {REASON_RULE: REASON_RULE_JA, ORDER_RULE: ORDER_RULE_JA, VENDOR_RULE: VENDOR_RULE_JA}
"""The rules above in Japanese, for forms."""


class Entry(BaseModel):
    """One item as filled: its status and a note (where it is written, what the vendor
    said, or why it does not apply)."""

    model_config = ConfigDict(extra="forbid")

    status: ItemStatus = ItemStatus.OPEN
    note: Note = ""

    @model_validator(mode="after")
    def _reason(self) -> Self:
        if self.status is ItemStatus.NOT_APPLICABLE and not self.note:
            raise ValueError(REASON_RULE)
        return self


class ProcurementFields(BaseModel):
    """What a person records about one procurement (the checklist is filled apart)."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    reference: Reference = Field(default="", description="The tender's or contract's number")
    kind: Kind = Kind.SERVICE
    phase: Phase = Phase.PLANNING
    vendor_id: VendorId | None = Field(
        default=None, description="The vendor (required once contracted)"
    )
    tender_on: date | None = Field(default=None, description="Day the tender was published")
    contract_on: date | None = Field(default=None, description="Day the contract was signed")
    ends_on: date | None = Field(default=None, description="Day the contract ends")

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.ends_on and self.contract_on and self.ends_on < self.contract_on:
            raise ValueError(ORDER_RULE)
        if self.phase in SIGNED and self.vendor_id is None:
            raise ValueError(VENDOR_RULE)
        return self


@dataclass(frozen=True)
class Completeness:
    """How far a procurement's checklist got."""

    applicable: int
    settled: int
    """Items with any status but open."""
    counts: dict[str, int]
    """Items by status code (every status named, zero included)."""
    open: tuple[str, ...]
    """Applicable items still open, in checklist order."""
    gaps: tuple[str, ...]
    """Once the contract is signed: items still open or only in the tender, i.e. never
    written into the contract nor confirmed with the vendor."""

    @property
    def complete(self) -> bool:
        """Every applicable item is settled."""
        return not self.open


def entries_of(stored: object) -> dict[str, Entry]:
    """The entries a JSON column holds (an unknown item or a broken entry is skipped)."""
    found: dict[str, Entry] = {}
    if not isinstance(stored, dict):
        return found
    for key, value in stored.items():
        if key in ITEMS and isinstance(value, dict):
            try:
                found[key] = Entry.model_validate(value)
            except ValueError:
                continue
    return found


def completeness(kind: Kind, phase: Phase, entries: dict[str, Entry]) -> Completeness:
    """What is settled, what is open and, once contracted, what the contract lacks."""
    items = items_for(kind)
    statuses = [entries.get(i.id, Entry()).status for i in items]
    counts = {s.value: 0 for s in ItemStatus}
    for status in statuses:
        counts[status.value] += 1
    still = (ItemStatus.OPEN, ItemStatus.IN_TENDER)
    return Completeness(
        applicable=len(items),
        settled=sum(1 for s in statuses if s is not ItemStatus.OPEN),
        counts=counts,
        open=tuple(i.id for i, s in zip(items, statuses, strict=True) if s is ItemStatus.OPEN),
        gaps=tuple(i.id for i, s in zip(items, statuses, strict=True) if s in still)
        if phase in SIGNED
        else (),
    )


def unknown_items(kind: Kind, ids: set[str]) -> tuple[list[str], list[str]]:
    """Of ``ids``: those not on the checklist, and those on it that do not apply to
    ``kind``."""
    unknown = sorted(i for i in ids if i not in ITEMS)
    other = sorted(i for i in ids if i in ITEMS and not ITEMS[i].applies.covers(kind))
    return unknown, other
