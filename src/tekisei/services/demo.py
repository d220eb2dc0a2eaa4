"""A demo workspace, so that a first-time user sees living data (``tekisei demo load``).

Everything is made through the ordinary services, so the demo has a full audit trail.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tekisei.core.decisions import DecisionSettings
from tekisei.core.energy import Basis, EnergyFields
from tekisei.core.energy import Phase as EnergyPhase
from tekisei.core.haip_reports import HaipReportFields, SectionId, SectionText
from tekisei.core.incidents import IncidentReport, PublicChoice, Severity
from tekisei.core.judgements import Answer
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.policies import PolicyKind
from tekisei.core.procurements import Entry, ItemStatus, Kind, Phase, ProcurementFields
from tekisei.core.registers import Contribution, EntryChoice
from tekisei.core.risks import RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.core.vendors import VendorFields, VendorKind
from tekisei.db.orgs import OrgRow
from tekisei.private import private_dir, write_private
from tekisei.services import (
    credentials,
    decisions,
    energy,
    haip_reports,
    incidents,
    judgements,
    literacy,
    literacy_content,
    notice_approvals,
    notices,
    orgs,
    oversight,
    owners,
    policies,
    policy_approvals,
    policy_versions,
    procurements,
    provenance,
    public_incidents,
    registers,
    risks,
    statements,
    systems,
    users,
    vendors,
)
from tekisei.services.database import Database
from tekisei.services.decision_imports import import_decisions

CREDENTIALS_FILE = "demo-signin.txt"
SAMPLES_DIR = "demo"
"""Under the data directory: the samples the public checker offers to try."""
TEXT_SAMPLE = "watermarked-text.txt"
IMAGE_SAMPLE = "signed-image.png"
DEMO_TEXT_SECRET = hashlib.sha256(b"tekisei demo text watermark key: public, demo only").digest()
"""The demo company's text watermark secret. It is public (it is in this file), so that
the shipped sample text verifies on every installation: never use the demo company's key
for real output."""
DEMO_TEXT_SAMPLE = resources.files("tekisei.services") / "demo_data" / TEXT_SAMPLE
"""SmolLM2's answer watermarked with :data:`DEMO_TEXT_SECRET` (``tools/demo_samples.py``)."""


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in."""

    org: str
    email: str
    role: str


@dataclass(frozen=True)
class DemoResult:
    """What ``load_demo`` did and how to sign in."""

    created: bool
    skipped_reason: str | None
    accounts: list[DemoAccount]
    password: str | None
    credentials_file: str | None


NAMES = {
    "admin@demo-corp.example": "田中 美咲",
    "exec@demo-corp.example": "佐藤 一郎",
    "audit@demo-corp.example": "中村 健",
    "admin@demo-city.example": "伊藤 直子",
    "caio@demo-city.example": "山田 花子",
    "admin@demo-pref.example": "小林 誠",
    "audit@demo-pref.example": "加藤 恵",
}
"""The demo accounts' names (owners of risks are shown by name)."""

ORGS: list[dict[str, Any]] = [
    {
        "org": OrgCreate(
            name="デモ商事株式会社",
            slug="demo-corp",
            actors=[OrgActor.BUSINESS],
            responsible_person="佐藤 一郎",
            responsible_title="AIガバナンス責任者",
        ),
        "accounts": [
            ("admin@demo-corp.example", Role.ADMIN),
            ("exec@demo-corp.example", Role.EXECUTIVE),
            ("audit@demo-corp.example", Role.AUDITOR),
        ],
        "systems": [
            {
                "facts": {
                    "name": "採用書類スクリーニング",
                    "org_role": "developer",
                    "purpose": "応募書類を読み、一次面接に進める候補を人事担当者に提案する。",
                    "domain": "employment",
                    "stage": "verify",
                    "models": ["社内学習の分類モデル"],
                    "vendors": [],
                    "data_categories": ["personal"],
                    "affected": ["public"],
                    "autonomy": "human_in_the_loop",
                    "scale": "medium",
                    "deployment": "internal",
                    "responsible_person": "人事部 田中",
                    "contact_window": "recruit-ai@demo-corp.example",
                },
                "risks": [
                    {
                        "title": "性別・年齢による評価の偏り",
                        "taxonomy": ["social.bias"],
                        "description": (
                            "過去の採用実績で学習したため、特定の属性を不利に扱うおそれ。"
                        ),
                        "likelihood": 4,
                        "impact": 5,
                        "residual_likelihood": 2,
                        "residual_impact": 4,
                        "treatment": "mitigate",
                        "treatment_plan": (
                            "属性別の通過率を毎月監視し、学習データを再重み付けする。"
                        ),
                        "owner": "admin@demo-corp.example",
                    },
                    {
                        "title": "不採用理由を説明できない",
                        "taxonomy": ["technical.misjudgement"],
                        "likelihood": 3,
                        "impact": 4,
                        "treatment": "mitigate",
                        "treatment_plan": "最終判断は必ず担当者が行い、理由を記録する。",
                    },
                ],
            },
            {
                "facts": {
                    "name": "社内ナレッジ検索アシスタント",
                    "org_role": "user",
                    "purpose": "社内規程や過去の提案書を検索し、根拠つきで回答する（RAG）。",
                    "domain": "internal_operations",
                    "stage": "operate",
                    "models": ["外部LLM API"],
                    "vendors": ["クラウドAI事業者"],
                    "data_categories": ["confidential"],
                    "affected": ["staff"],
                    "autonomy": "assistive",
                    "scale": "small",
                    "deployment": "internal",
                    "responsible_person": "情報システム部 鈴木",
                    "contact_window": "helpdesk@demo-corp.example",
                },
                "risks": [
                    {
                        "title": "根拠のない回答（ハルシネーション）",
                        "taxonomy": ["technical.hallucination"],
                        "likelihood": 4,
                        "impact": 3,
                        "residual_likelihood": 2,
                        "residual_impact": 2,
                        "treatment": "mitigate",
                        "treatment_plan": "回答に出典を必ず表示し、出典のない回答は警告する。",
                        "accept": (
                            "出典表示により職員が確認でき、影響は社内に限られるため受容する。"
                        ),
                    },
                    {
                        "title": "文書に埋め込まれた指示による情報漏えい",
                        "taxonomy": ["security.manipulation"],
                        "likelihood": 3,
                        "impact": 4,
                        "treatment": "mitigate",
                        "treatment_plan": (
                            "検索対象の文書を限定し、間接プロンプトインジェクションの試験を行う。"
                        ),
                    },
                ],
            },
            {
                "facts": {
                    "name": "広告画像生成サービス",
                    "org_role": "provider",
                    "purpose": "顧客が入力した文章から広告用の画像を生成して提供する。",
                    "domain": "content_generation",
                    "stage": "deploy",
                    "models": ["画像生成モデル"],
                    "vendors": ["モデル提供事業者"],
                    "data_categories": ["copyrighted"],
                    "affected": ["public", "customers"],
                    "autonomy": "autonomous",
                    "scale": "large",
                    "deployment": "public",
                    "responsible_person": "サービス企画部 高橋",
                    "contact_window": "https://demo-corp.example/contact",
                },
                "risks": [
                    {
                        "title": "既存の著作物に酷似した画像",
                        "taxonomy": ["social.property"],
                        "likelihood": 3,
                        "impact": 4,
                        "treatment": "mitigate",
                        "treatment_plan": "類似画像検出と権利者からの申し出窓口を設ける。",
                    },
                    {
                        "title": "実在人物になりすました画像",
                        "taxonomy": ["deepfake.impersonation"],
                        "likelihood": 2,
                        "impact": 5,
                        "treatment": "avoid",
                        "treatment_plan": "実在人物の生成を禁止し、C2PAの来歴情報を付与する。",
                    },
                ],
            },
        ],
    },
    {
        "org": OrgCreate(
            name="デモ市役所",
            slug="demo-city",
            actors=[OrgActor.LOCAL],
            responsible_person="山田 花子",
            responsible_title="CAIO（副市長）",
        ),
        "accounts": [
            ("admin@demo-city.example", Role.ADMIN),
            ("caio@demo-city.example", Role.EXECUTIVE),
        ],
        "systems": [
            {
                "facts": {
                    "name": "住民問い合わせチャットボット",
                    "org_role": "user",
                    "purpose": "ごみの出し方や各種手続きについて、24時間住民の質問に答える。",
                    "domain": "public_services",
                    "stage": "operate",
                    "models": ["外部LLM API"],
                    "vendors": ["自治体向けSaaS事業者"],
                    "data_categories": ["personal"],
                    "affected": ["public", "vulnerable"],
                    "autonomy": "human_on_the_loop",
                    "scale": "medium",
                    "deployment": "public",
                    "responsible_person": "市民課 伊藤",
                    "contact_window": "市民課 窓口・電話",
                },
                "risks": [
                    {
                        "title": "誤った制度案内",
                        "taxonomy": ["technical.hallucination"],
                        "likelihood": 4,
                        "impact": 3,
                        "treatment": "mitigate",
                        "treatment_plan": (
                            "回答に根拠ページを示し、手続きの最終確認は窓口へ案内する。"
                        ),
                    },
                    {
                        "title": "入力された個人情報の取扱い",
                        "taxonomy": ["social.privacy"],
                        "likelihood": 3,
                        "impact": 4,
                        "treatment": "mitigate",
                        "treatment_plan": (
                            "個人情報を入力しないよう画面で注意し、ログを自動でマスクする。"
                        ),
                    },
                ],
            },
        ],
    },
    {
        # The prefecture that oversees the city (3(2)): no systems of its own in the demo.
        "org": OrgCreate(
            name="デモ県",
            slug="demo-pref",
            actors=[OrgActor.LOCAL],
            responsible_person="小林 誠",
            responsible_title="デジタル推進課長",
        ),
        "accounts": [
            ("admin@demo-pref.example", Role.ADMIN),
            ("audit@demo-pref.example", Role.AUDITOR),
        ],
        "systems": [],
    },
]


def load_demo(
    database: Database,
    data_dir: Path,
    *,
    only_if_empty: bool = False,
    master: bytes | None = None,
) -> DemoResult:
    """Create the demo organisations, accounts, systems and risks (once).

    The shared password is generated and kept in ``<data_dir>/demo-signin.txt``
    (readable only by the owner), so that it can be shown again. With ``master`` (the
    deployment's sealing key) the demo company also gets a text watermark key and, when
    the deployment has none yet, the C2PA signing certificates, so that the public
    checker has something to check against from the first day.
    """
    path = data_dir / CREDENTIALS_FILE
    accounts = [
        DemoAccount(item["org"].slug or "", email, role.value)
        for item in ORGS
        for email, role in item["accounts"]
    ]
    with database.reading() as session:
        existing = set(session.scalars(select(OrgRow.slug)))
        count = session.scalar(select(func.count()).select_from(OrgRow)) or 0
    if "demo-corp" in existing:
        return DemoResult(
            False,
            "the demo is already loaded",
            accounts,
            _read(path),
            str(path) if path.exists() else None,
        )
    if only_if_empty and count:
        return DemoResult(False, "the database already has organisations", [], None, None)
    password = secrets.token_urlsafe(12)
    with database.transaction() as session:
        city: tuple[Principal, int] | None = None
        for item in ORGS:
            org = orgs.create_org(session, item["org"], actor="demo")
            for email, role in item["accounts"]:
                users.create_user(
                    session,
                    users.UserCreate(email=email, name=NAMES.get(email, ""), password=password),
                    org.slug,
                    role,
                    actor="demo",
                    # The demo's accounts share a password printed for whoever runs it.
                    must_change_password=False,
                )
            operator = orgs.cli_principal(session, org.slug)
            executive = users.principal_for(session, item["accounts"][1][0], org.slug)
            registered: list[int] = []
            for system in item["systems"]:
                facts = SystemFacts.model_validate(system["facts"])
                row = systems.register_system(session, operator, facts)
                registered.append(row.id)
                for risk in system["risks"]:
                    fields = {k: v for k, v in risk.items() if k not in ("accept", "owner")}
                    if "owner" in risk:
                        fields["owner_id"] = owners.owner_by_email(session, operator, risk["owner"])
                    added = risks.add_risk(
                        session, operator, row.id, RiskFields.model_validate(fields)
                    )
                    if "accept" in risk:
                        risks.accept_risk(
                            session, executive, added.id, risk["accept"], added.version
                        )
            if org.slug == "demo-corp":
                _basic_policy(
                    session,
                    users.principal_for(session, item["accounts"][0][0], org.slug),
                    executive,
                )
            if master is not None and org.slug == "demo-corp":
                _provenance_samples(session, operator, master, data_dir, registered[0])
            if org.slug == "demo-corp":
                _haip_draft(session, operator)
            if org.slug == "demo-city":
                admin = users.principal_for(session, item["accounts"][0][0], org.slug)
                _judgement(session, admin, executive, registered[0])
                _public_register(session, database, operator, executive, registered[0])
                _procurement(session, operator, registered[0])
                _decision_records(session, admin, registered[0])
                _literacy(session, admin, executive)
                _energy_estimate(session, operator, registered[0])
                _portal_items(session, operator, registered[0])
                city = (operator, registered[0])
        assert city is not None
        _oversight(session, *city)
    private_dir(data_dir)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return DemoResult(True, None, accounts, password, str(path))


def _basic_policy(session: Session, admin: Principal, executive: Principal) -> None:
    """The demo company's basic AI policy from tekisei's template: approved by its
    executive, published for the public and in force from today."""
    row = policies.create_policy(session, admin, PolicyKind.BASIC)
    content = policies.content_of(row)
    terms = policies.terms_of(row).model_copy(
        update={"effective_on": policy_versions.today(session, policies.org_of(session, admin))}
    )
    policies.save_draft(session, admin, row.id, {"ja": content.ja, "en": content.en}, terms, 1)
    policy_approvals.request_approval(session, admin, row.id, row.version, "")
    made = policy_approvals.decide_approval(
        session,
        executive,
        row.id,
        approve=True,
        reason="雛形をもとに当社の方針として確認した。",
        version=row.version,
    )
    assert made is not None
    policies.publish_version(session, admin, row.id, made.number)


HAIP_TITLE = "{year}年 HAIP報告"
HAIP_SECTIONS: dict[SectionId, SectionText] = {
    "1": SectionText(
        ja="リスクは、システムごとにリスク台帳で特定・評価し、導入前と運用中にモデル評価"
        "（レッドチーミングを含む）を行っています。",
        en="Risks are identified and evaluated per system in the risk register; models are "
        "evaluated, red teaming included, before release and in operation.",
    ),
    "4": SectionText(
        ja="AIガバナンス責任者が取組を統括し、リスクの受容と段階移行は経営層が判断します。",
        en="The head of AI governance leads the work; the executives decide on accepting "
        "risks and on moving systems between stages.",
    ),
}
"""The demo company's draft HAIP report: two sections written, the rest for the user."""


def _public_register(
    session: Session,
    database: Database,
    operator: Principal,
    executive: Principal,
    system_id: int,
) -> None:
    """The city's chatbot with its notice published (approved by the CAIO, as its tier
    asks) and listed on the city's public register of AI use (3(1), 3(4))."""
    version = notices.draft_notice(session, operator, system_id).version
    notice_approvals.request_approval(session, operator, system_id, version)
    row = notice_approvals.decide_approval(
        session, executive, system_id, approve=True, reason="確認しました。", version=version
    )
    assert database.files_dir is not None
    notices.publish_notice(
        session,
        operator,
        system_id,
        row.version,
        files_dir=database.files_dir,
        max_bytes=database.max_upload_bytes,
    )
    choice = EntryChoice(division="市民課", contribution=Contribution.INFORMS)
    registers.list_system(session, operator, system_id, choice)
    registers.publish_register(session, operator)


DEMO_CHECKLIST: dict[str, tuple[ItemStatus, str]] = {
    "data-location": (ItemStatus.IN_CONTRACT, "国内のデータセンターに限る（契約書第8条）"),
    "data-no-training": (ItemStatus.IN_CONTRACT, "学習への利用を禁止（契約書第9条）"),
    "personal-protection": (ItemStatus.CONFIRMED, "安全管理措置の説明書を受領"),
    "personal-abroad": (ItemStatus.NOT_APPLICABLE, "個人データは国内でのみ取り扱う"),
    "security-assurance": (ItemStatus.CONFIRMED, "ISMAP登録済みであることを確認"),
    "eval-results": (ItemStatus.IN_TENDER, "仕様書4.2で提出を求めた"),
    "incident-notice": (ItemStatus.IN_CONTRACT, "把握から24時間以内に市民課へ連絡"),
    "exit-data-return": (ItemStatus.IN_TENDER, "仕様書5.1に記載、契約書には未記載"),
    "transparency-explain": (ItemStatus.CONFIRMED, "住民向けお知らせの案文を受領"),
}
"""What the city filled of its chatbot's checklist; the rest is left open."""


def _procurement(session: Session, operator: Principal, system_id: int) -> None:
    """The city's chatbot service bought from a vendor, part of its checklist filled
    (3(1)); two items are only in the tender, so the page shows the contract's gaps."""
    vendor = vendors.add_vendor(
        session, operator,
        VendorFields(
            name="自治体向けSaaS事業者", kind=VendorKind.AI_API, region="日本",
            contract_ref="市民課-R8-003", covers_ai_use=True, covers_data_use=True,
            covers_incidents=True, systems=[system_id],
        ),
    )  # fmt: skip
    fields = ProcurementFields(
        title="住民問い合わせチャットボットの利用（令和8年度）", reference="市民課-R8-003",
        kind=Kind.SERVICE, phase=Phase.CONTRACTED, vendor_id=vendor.id,
        tender_on=date(2026, 2, 2), contract_on=date(2026, 3, 27), ends_on=date(2027, 3, 31),
    )  # fmt: skip
    row = procurements.create_procurement(session, operator, system_id, fields)
    entries = {k: Entry(status=s, note=n) for k, (s, n) in DEMO_CHECKLIST.items()}
    procurements.set_items(session, operator, system_id, row.id, entries, row.version)


CHATBOT_JUDGEMENT: dict[str, tuple[str, str]] = {
    "users-public": ("yes", "住民が市のウェブサイトから直接使う。"),
    "users-vulnerable": ("yes", "高齢者や子どもが使うことも想定される。"),
    "work-rights": ("no", "手続きの案内だけで、申請の審査や決定には使わない。"),
    "work-safety": ("no", "避難情報など命に関わる案内はせず、防災ページへ誘導する。"),
    "work-trust": ("yes", "回答は市の案内として住民に表示される。"),
    "data-confidential": ("no", "公開前の情報は入力も学習もしない。"),
    "data-personal": ("yes", "住民が氏名や住所を書き込むことがある（ログでは自動で伏せる）。"),
    "output-unchecked": ("yes", "回答は職員が確認する前に住民に表示される。"),
    "output-hard-to-check": ("no", "市民課が毎週、回答の記録を抜き出して確かめている。"),
}
"""The city's DS-920 judgement of its chatbot: high-risk from all four perspectives."""


def _judgement(session: Session, admin: Principal, executive: Principal, system_id: int) -> None:
    """The chatbot's DS-920 judgement, answered by the administrator and signed by the
    CAIO (3(1)); its tier reasons then name the judgement."""
    answers = {
        key: Answer.model_validate({"answer": reply, "note": note})
        for key, (reply, note) in CHATBOT_JUDGEMENT.items()
    }
    row = judgements.answer(session, admin, system_id, answers)
    judgements.sign(session, executive, system_id, row.id, row.version)


DECISION_HEADER = "案件番号,決定日,決定内容,根拠,AIの関与,AIの提案,審査結果,審査・決定者"
DECISION_OUTCOMES = ("採用", "採用", "修正", "採用", "採用", "不採用") * 2
"""Twelve replies to residents the chatbot drafted and staff sent: 8 kept, 2 changed by the
reviewer and 2 overridden."""


def _decision_records(session: Session, admin: Principal, system_id: int) -> None:
    """A dozen decisions the chatbot helped with (replies to escalated inquiries), imported
    as a case system would send them, with the statistics (and anonymised records)
    published on the city's register (3(4))."""
    lines = [DECISION_HEADER]
    for number, outcome in enumerate(DECISION_OUTCOMES, start=1):
        month = 9 + (number - 1) // 4
        lines.append(
            f"R8-Q{number:03d},2026-{month:02d}-{(number * 2) % 27 + 1:02d},"
            "問い合わせへの回答を送付,市民課の案内基準,文案の作成,手続き案内の回答案,"
            f"{outcome},admin@demo-city.example"
        )
    data = ("\n".join(lines) + "\n").encode("utf-8")
    result = import_decisions(session, admin, system_id, data, "demo-decisions.csv")
    assert result.applied, result.errors
    settings = DecisionSettings(published=[system_id], publish_records=True)
    decisions.update_settings(session, admin, settings, 0)


def _oversight(session: Session, city: Principal, chatbot: int) -> None:
    """The city grants the prefecture oversight of its AI use and shares its chatbot."""
    oversight.grant(session, city, "demo-pref", [chatbot])


def _literacy(session: Session, admin: Principal, executive: Principal) -> None:
    """The city assigns two AI literacy modules to its staff, due in a month; its CAIO
    has passed the first (3(2))."""
    due = literacy.today(session, admin.org_id) + timedelta(days=30)
    for module_id in ("what-ai-is", "staff-policy-high-risk"):
        literacy.assign(session, admin, module_id, None, due)
    answers: list[int | None] = [q.answer for q in literacy_content.module("what-ai-is").quiz]
    literacy.complete(session, executive, "what-ai-is", answers, "ja")


def _energy_estimate(session: Session, operator: Principal, system_id: int) -> None:
    """The city's chatbot: an estimate of the electricity its answers took over half a
    year, shown on its notice and the city's statement (1(2))."""
    fields = EnergyFields(
        phase=EnergyPhase.INFERENCE, start=date(2026, 4, 1), end=date(2026, 9, 30),
        compute="外部の生成AIサービスを利用。応答1回あたり約0.3 Wh、6か月で約527万回。",
        kwh=Decimal("1581"), basis=Basis.ESTIMATED, factor=Decimal("0.45"),
        factor_source="デモ用の仮の値（実際には契約する電気事業者が公表する排出係数を記載）",
        source="提供事業者の公表値（応答1回あたりの消費電力量）× 応答回数（ログの集計）",
    )  # fmt: skip
    energy.add_energy(session, operator, system_id, fields)
    energy.set_publication(session, operator, system_id, True, 0)


def _portal_items(session: Session, operator: Principal, system_id: int) -> None:
    """The city's governance statement and one incident notice, published, so that its
    page on the citizens' portal links to each kind of thing an organisation publishes."""
    statements.publish_statement(session, operator)
    report = IncidentReport(
        title="チャットボットが古い収集日程を案内",
        description="年末年始のごみ収集日程の変更が回答に反映されていなかった。",
        severity=Severity.LOW,
        systems=[system_id],
        containment="該当する回答を停止し、最新の日程ページを案内するよう修正した。",
    )
    row = incidents.report_incident(session, operator, report).row
    choice = PublicChoice(
        title="チャットボットによるごみ収集日程の誤案内について",
        summary="年末年始のごみ収集日程について、チャットボットが変更前の日程を案内して"
        "いました。現在は修正済みです。ご迷惑をおかけしました。",
        show_containment=True,
    )
    public_incidents.publish_incident(session, operator, row.id, choice, row.version)


def _haip_draft(session: Session, operator: Principal) -> None:
    """A draft HAIP report for this year, so that a new user sees one."""
    year = datetime.now(UTC).year
    haip_reports.create_report(
        session,
        operator,
        HaipReportFields(
            title=HAIP_TITLE.format(year=year),
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
        ),
        dict(HAIP_SECTIONS),
    )


def _provenance_samples(
    session: Session, operator: Principal, master: bytes, data_dir: Path, system_id: int
) -> None:
    """The demo company's text watermark key (public secret) and, when the deployment has
    none, its signing certificates; then the samples the public checker offers: the
    shipped watermarked text and an image signed now."""
    provenance.create_key(session, operator, master, data_dir, public_secret=DEMO_TEXT_SECRET)
    folder = private_dir(data_dir / SAMPLES_DIR)
    write_private(folder / TEXT_SAMPLE, DEMO_TEXT_SAMPLE.read_bytes())
    if not (data_dir / "pki").exists():
        credentials.pki_init(session, operator, data_dir, master=master)
    signed, _row = credentials.sign(
        session, operator, data_dir, sample_image(), system_id, "tekisei demo image generator",
        master=master,
    )  # fmt: skip
    write_private(folder / IMAGE_SAMPLE, signed)


def sample_image() -> bytes:
    """A 512 × 384 PNG drawn here (rings and bands, textured enough for the watermark)."""
    from PIL import Image, ImageDraw

    width, height = 512, 384
    picture = Image.new("RGB", (width, height))
    pixels = picture.load()
    assert pixels is not None
    for y in range(height):
        for x in range(width):
            pixels[x, y] = (
                (x * 255) // width,
                (y * 255) // height,
                ((x * y) // 97 + (x ^ y)) % 256,
            )
    draw = ImageDraw.Draw(picture)
    for ring in range(12):
        r = 20 + ring * 14
        draw.ellipse(
            (256 - r, 192 - r, 256 + r, 192 + r),
            outline=(255 - ring * 18, 80 + ring * 12, 140),
            width=3,
        )
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def samples(data_dir: Path) -> dict[str, Path]:
    """The demo's samples that exist, by name (``text``, ``image``)."""
    folder = data_dir / SAMPLES_DIR
    found = {"text": folder / TEXT_SAMPLE, "image": folder / IMAGE_SAMPLE}
    return {name: path for name, path in found.items() if path.is_file()}


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None
