"""Every page and report in one language: the Japanese interface shows no English prose
and the English one no Japanese, in the pages a new user meets, their form errors, and
what they download (the assessment report as HTML, PDF and XLSX, the risk register as
XLSX and CSV, an evaluation run's report), including the notes tekisei writes itself.
What the users wrote (names, purposes, risk titles, notes: their data) is left out; so
are proper names, acronyms, commands, codes, addresses and the other-language text
marked ``lang`` (a test case's prompt and the model's answer)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import anyio
import docx
import httpx
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.continuity import DrillFields
from tekisei.core.data_holders import BenefitFields, CommunicationFields, DataHolderFields
from tekisei.core.inquiries import InquirySubmission
from tekisei.core.records import DatasetFields
from tekisei.core.stakeholders import EngagementFields, StakeholderFields
from tekisei.core.vendors import ChangeReason, VendorChange, VendorFields
from tekisei.db.assessments import AnswerRow, EvidenceRow
from tekisei.db.inquiries import InquiryRow
from tekisei.db.orgs import OrgRow, UserRow
from tekisei.db.policies import PolicyRow, PolicyVersionRow
from tekisei.db.risks import RiskRow
from tekisei.db.systems import SystemRow
from tekisei.evals import NetworkPolicy
from tekisei.services import (
    assessments,
    continuity,
    data_holder_logs,
    data_holders,
    eval_execution,
    eval_runs,
    evidence,
    haip_approvals,
    haip_reports,
    inquiries,
    public_inquiries,
    records,
    risk_suggestions,
    soa,
    soa_approvals,
    stakeholders,
    statements,
    systems,
    vendors,
)
from tekisei.services.database import Database
from tekisei.services.demo import HAIP_SECTIONS, HAIP_TITLE, load_demo
from tekisei.services.evals import RunRequest
from tekisei.services.users import principal_for
from tekisei.web.app import create_app
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.anyio

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]+")
ENGLISH_WORD = re.compile(r"(?<![\w@./:#-])[A-Za-z][a-z]{2,}\b")
# Names, acronyms and technical terms that stay as they are in Japanese text.
ALLOWED_IN_JAPANESE = {
    "tekisei", "Web", "JSON", "CSV", "XLSX", "PDF", "HTML", "PNG", "JPEG", "ISO", "IEC",
    "NIST", "RMF", "HAIP", "CAIO", "AISI", "URL", "API", "OpenAI", "Chat", "Completions",
    "Base64", "Inspect", "Ray", "openai", "responses", "temperature", "seed", "https",
    "http", "Hugging", "Face", "SmolLM2", "Instruct", "Office", "Excel",
    "Plan", "Check", "Act",  # the PDCA cycle's own names, given after the Japanese ones
}  # fmt: skip
# Code and addresses: commands, options, e-mail addresses, host names, URNs, ids.
CODE = re.compile(
    r"tekisei(?: [a-z][a-z0-9-]*)+|--[a-z-]+|[\w.+-]+@[\w.-]+|\b[\w-]+(?:\.[\w-]+)+\b"
    r"|urn:\S+|\b[a-z]+(?:-[a-z0-9.]+)+\b|\b[A-Z_]{3,}\b"
)
PAGES = [
    "/dashboard", "/systems", "/systems/new", "/systems/{system}", "/systems/{system}/edit",
    "/systems/{system}/assessment", "/systems/{system}/reviews", "/risks", "/risks/{risk}",
    "/evals", "/approvals", "/org", "/audit", "/account", "/catalog", "/catalog/search?q=AI",
    "/verify", "/no-such-page", "/risks/new?system={system}",
    "/catalog/frameworks/jp-ai-appropriateness-2025",
    "/catalog/nodes/urn:tekisei:req:jp-ai-appropriateness-2025:2.1",
    "/catalog/nodes/urn:tekisei:req:jp-ai-appropriateness-2025:fn16",
    "/systems/{system}/assessment?framework=iso-iec-42001-2023",
    "/systems/{system}/assessment/answer?requirement=urn:tekisei:req:jp-ai-appropriateness-2025:fn8",
    "/evals/runs/{run}",
    "/systems/import", "/risks/import",
    "/systems/{system}/notice", "/records/models/new?system={system}",
    "/records/datasets/new?system={system}",
    "/soa", "/soa?state=partial", "/soa/controls/A.2.2", "/soa/controls/A.6.2.4", "/soa/history",
    "/soa/approvals/1",
    "/policies", "/policies/{policy}", "/policies/{policy}/versions/1", "/statement",
    "/orgs/demo-corp/statement",
    "/reports/haip", "/reports/haip/{report}", "/public/reports/{public}",
    "/public/reports/{public}/versions/1", "/approvals",
    "/stakeholders", "/stakeholders?system={system}&kind=data_holders&archived=true",
    "/stakeholders/{stakeholder}",
    "/data-holders", "/data-holders?dataset={dataset}&kind=creators&right=copyright&archived=true",
    "/data-holders/{holder}", "/records/datasets/{dataset}",
    "/vendors", "/vendors?system={system}&kind=ai_api&abroad=true&archived=true",
    "/vendors/{vendor}",
    "/inquiries", "/inquiries?state=answered&kind=disclosure&system={system}&overdue=true",
    "/inquiries/{inquiry}", "/inquiries/settings", "/orgs/demo-corp/inquiries/new",
    "/inquiries/status",
    "/continuity", "/systems/{system}/continuity",
    "/systems/{system}/energy",
    "/", "/orgs", "/orgs/demo-corp",
]  # fmt: skip
# What a reader downloads: (address, format).
REPORTS = [
    ("/api/systems/{system}/assessment/report?format=html", "html"),
    ("/api/systems/{system}/assessment/report?format=pdf", "pdf"),
    ("/api/systems/{system}/assessment/report?format=xlsx", "xlsx"),
    ("/api/risks/export?format=xlsx", "xlsx"),
    ("/api/risks/export?format=csv", "csv"),
    ("/api/evals/runs/{run}/report?format=html", "html"),
    ("/api/soa/export?format=xlsx", "xlsx"),
    ("/api/soa/export?format=pdf", "pdf"),
    ("/api/soa/export?format=xlsx&approval=1", "xlsx"),
    ("/orgs/demo-corp/statement/pdf?", "pdf"),
    ("/api/reports/haip/{report}/export?format=docx", "docx"),
    ("/api/reports/haip/{report}/export?format=pdf", "pdf"),
    ("/public/reports/{public}/pdf?x=1", "pdf"),
]
ADMIN = "admin@demo-corp.example"
REASON = "内容を確認しました"
"""The executive's reason for approving the demo's HAIP report (theirs, in Japanese)."""
QUOTED = re.compile(r"'([^']+)'|「([^」]+)」")


def _without(text: str, data: list[str]) -> str:
    """``text`` without what the users wrote (theirs, in their language), wherever a
    report wrapped it across lines."""
    for value in data:
        spaced = r"\s*".join(re.escape(c) for c in value if not c.isspace())
        text = re.sub(spaced, " ", text) if spaced else text
    return CODE.sub(" ", text)


def html_text(html: str) -> str:
    """The visible text of a page, without the other-language text marked ``lang``."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.select("body [lang], script, style, code, pre, input, textarea"):
        element.decompose()
    return soup.body.get_text(" ", strip=True) if soup.body else ""


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF, with a code the layout wrapped at its hyphen
    (``tekisei-`` / ``basics`` in a narrow table column) joined again."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"(?<=[a-z0-9])-\n(?=[a-z0-9])", "-", text)


def xlsx_text(content: bytes) -> str:
    """Every sheet name and text cell of a workbook."""
    book = load_workbook(io.BytesIO(content))
    cells = [
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    return "\n".join([*book.sheetnames, *cells])


def docx_text(content: bytes) -> str:
    """Every paragraph and table cell of a Word document."""
    opened = docx.Document(io.BytesIO(content))
    cells = [c.text for t in opened.tables for row in t.rows for c in row.cells]
    return "\n".join([*(p.text for p in opened.paragraphs), *cells])


def csv_cells(content: bytes) -> str:
    """Every cell of a CSV file."""
    rows = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    return "\n".join(cell for row in rows for cell in row)


def foreign_words(text: str, lang: str, data: list[str]) -> list[str]:
    """The words of the other language in a text (what the users wrote left out)."""
    text = _without(text, data)
    if lang == "en":
        return sorted(set(JAPANESE.findall(text)))
    return sorted({w for w in ENGLISH_WORD.findall(text) if w not in ALLOWED_IN_JAPANESE})


def foreign(html: str, lang: str, data: list[str]) -> list[str]:
    """The words of the other language in a page's visible text."""
    return foreign_words(html_text(html), lang, data)


@dataclass(frozen=True)
class Workspace:
    """The demo with work done on its first system, as a user would have done it."""

    system: int
    risk: int
    run: int
    policy: int
    report: int
    public: str
    data: list[str]
    password: str
    stakeholder: int = 0
    holder: int = 0
    dataset: int = 0
    vendor: int = 0
    inquiry: int = 0


def _workspace(db: Database, settings: Settings, demo_url: str, lang: str) -> Workspace:
    """The demo, and on its first system: an assessment with answers, a link and an
    evaluation run attached (tekisei notes it on the answers), a risk taken from the
    run's suggestions by a reader of ``lang``, a model change (tekisei opens a review)."""
    demo = load_demo(db, settings.data_dir)
    with db.transaction() as session:
        admin = principal_for(session, ADMIN, "demo-corp")
        system = session.scalars(select(SystemRow.id).order_by(SystemRow.id)).first()
        assert system is not None
        row = assessments.start_assessment(session, admin, system)
        assessments.answer_requirement(
            session,
            admin,
            row.id,
            "jp-ai-appropriateness-2025:2(3)",
            AnswerFields(state=AnswerState.IMPLEMENTED, notes="全ての出力に透かしを付与"),
        )
        link = evidence.add_link(session, admin, url="https://intra.example/42", title="AI利用規程")
        assessments.attach_evidence(
            session, admin, row.id, "jp-ai-appropriateness-2025:2(3)", link.id
        )
    run = eval_execution.run_on_system(
        db,
        admin,
        settings.data_dir,
        system,
        RunRequest(
            suite="tekisei-basics",
            target=f"openai:tekisei-demo-1@{demo_url}",
            run_id="walk-1",
            network=NetworkPolicy.local(),
        ),
    )
    with db.transaction() as session:
        suggestion = risk_suggestions.list_suggestions(session, admin, system)[0]
        risk_suggestions.accept_suggestion(
            session, admin, suggestion.id, impact=3, lang="ja" if lang == "ja" else "en"
        )
        current = systems.visible_system(session, admin, system)
        systems.update_system(session, admin, system, {"models": ["model-z"]}, current.version)
    with db.transaction() as session:  # the statement: an excluded control, notes, approval
        soa.set_control(
            session, admin, "A.10.3", {"applicable": False, "justification": "調達はしない"}, 0
        )
        soa.set_control(session, admin, "A.2.2", {"notes": "AI基本方針を定めた"}, 0)
        executive = principal_for(session, "exec@demo-corp.example", "demo-corp")
    with db.transaction() as session:
        soa_approvals.approve(session, executive, 2, "確認済み")
        # the demo's basic policy, in force, on the published statement
        statements.publish_statement(session, admin)
    with db.transaction() as session:
        # the demo's draft HAIP report, approved and published (its public page is walked)
        report = haip_reports.list_reports(session, admin)[0]
        haip_approvals.request_approval(session, admin, report.id, report.version)
        haip_approvals.decide_approval(
            session, executive, report.id, approve=True, reason=REASON, version=report.version
        )
        haip_reports.publish_report(
            session,
            admin,
            report.id,
            report.version,
            files_dir=settings.files_dir,
            max_bytes=settings.max_upload_mb * 1024 * 1024,
        )
        report_id, public = report.id, report.public_id
    with db.transaction() as session:  # a stakeholder of the system, with an engagement
        stakeholder = stakeholders.add_stakeholder(
            session, admin, StakeholderFields(name="写真家協会", kind="data_holders",
                                              interests="作品の無断学習", systems=[system])
        )  # fmt: skip
        stakeholders.engage(
            session, admin, stakeholder.id,
            EngagementFields(kind="consultation", summary="説明会を開いた", outcome="窓口を設けた"),
        )  # fmt: skip
        stakeholder_id = stakeholder.id
    with db.transaction() as session:  # a holder of a dataset of the system, logged, with a benefit
        dataset = records.add_dataset(session, admin, system, DatasetFields(name="報道写真"))
        holder = data_holders.add_holder(
            session, admin, DataHolderFields(name="写真通信社", kind="companies", data="写真12万点",
                                             rights=["copyright"], datasets=[dataset.id])
        )  # fmt: skip
        data_holder_logs.log_communication(
            session, admin, holder.id,
            CommunicationFields(channel="letter", summary="利用状況を報告した", outcome="合意した"),
        )  # fmt: skip
        data_holder_logs.add_benefit(
            session, admin, holder.id,
            BenefitFields(kind="attribution", recipient="写真通信社", method="説明欄に表記",
                          since="2026-04-01"),
        )  # fmt: skip
        holder_id, dataset_id = holder.id, dataset.id
    with db.transaction() as session:  # a vendor of the system that changed its model
        vendor = vendors.add_vendor(
            session, admin, VendorFields(name="Example LLM", kind="ai_api", region="米国",
                                         abroad=True, abroad_basis="本人の同意",
                                         covers_ai_use=True, data_categories=["personal"],
                                         review_result="問題なし", systems=[system])
        )  # fmt: skip
        vendors.mark_changed(
            session, admin, vendor.id,
            VendorChange(reason=ChangeReason.MODEL_CHANGE, detail="新しいモデル"), 1,
        )  # fmt: skip
        vendor_id = vendor.id
    with db.transaction() as session:  # a disclosure request about the system, answered
        to = public_inquiries.receiver(session, "demo-corp", None)
        sent = public_inquiries.submit(
            session, to, InquirySubmission(kind="disclosure", subject="学習データの開示",
                                           message="私の写真は使われましたか", name="山田 花子")
        )  # fmt: skip
        inquiry_id = session.scalars(
            select(InquiryRow.id).where(InquiryRow.tracking == sent.tracking)
        ).one()
        inquiries.link(session, admin, inquiry_id, inquiries.Links(system_id=system), 1)
        inquiries.add_note(session, admin, inquiry_id, "法務に確認した")
        inquiries.reply(session, admin, inquiry_id, "使用していません", 2)
    with db.transaction() as session:  # a continuity plan of the system, drilled once
        continuity.save_plan(
            session, admin, system,
            {"dependencies": [{"kind": "api", "name": "Example LLM"}],
             "scenarios": [{"kind": "outage", "procedure": "窓口で手作業の受付に切り替える",
                            "rto": {"value": 4, "unit": "hours"}}],
             "contacts": [{"name": "運用担当", "role": "当番", "reach": "内線 100"}]}, 0,
        )  # fmt: skip
        continuity.record_drill(
            session, admin, system,
            DrillFields(held_on=date(2026, 1, 15), scenario="outage", outcome="partial",
                        findings="切り替えに時間がかかった", actions="手順書を直す"),
        )  # fmt: skip
    with db.reading() as session:
        risk = session.scalars(select(RiskRow.id).order_by(RiskRow.id)).first()
        assert risk is not None
        data = [r.name for r in session.scalars(select(OrgRow))]
        for o in session.scalars(select(OrgRow)):  # the organisation's own words
            data += [o.responsible_person or "", o.responsible_title or ""]
        data += [HAIP_TITLE.format(year=datetime.now(UTC).year), REASON]
        data += [t for text in HAIP_SECTIONS.values() for t in (text.ja, text.en)]
        policy = session.scalars(select(PolicyRow.id).order_by(PolicyRow.id)).first()
        assert policy is not None
        for p in session.scalars(select(PolicyRow)):  # what the executive wrote
            data += [p.decision_reason or "", p.approval_note or ""]
        for texts in [r.content for r in session.scalars(select(PolicyRow))] + [
            v.content for v in session.scalars(select(PolicyVersionRow))
        ]:
            for text in texts.values():
                if text:
                    data += [text["title"], *text["body"].splitlines()]
        for s in session.scalars(select(SystemRow)):
            data += [s.name, s.purpose or "", *(s.models or []), *(s.vendors or [])]
            data += [s.responsible_person or "", s.contact_window or ""]
        for r in session.scalars(select(RiskRow)):
            data += [
                r.title,
                r.description,
                r.treatment_plan,
                r.owner_text,
                r.acceptance_note or "",
            ]
        data += list(session.scalars(select(UserRow.name)))  # the members' names
        data += [a.notes for a in session.scalars(select(AnswerRow))]
        data += [e.title for e in session.scalars(select(EvidenceRow)) if e.auto_title is None]
        data += [run.target, run.key]
        data += ["調達はしない", "AI基本方針を定めた", "確認済み"]  # the statement's texts
        data += ["写真家協会", "作品の無断学習", "説明会を開いた", "窓口を設けた"]
        data += ["報道写真", "写真通信社", "写真12万点", "利用状況を報告した", "合意した"]
        data += ["説明欄に表記"]
        data += ["Example LLM", "米国", "本人の同意", "問題なし", "新しいモデル"]
        data += ["学習データの開示", "私の写真は使われましたか", "山田 花子", "法務に確認した"]
        data += ["使用していません"]
        data += ["窓口で手作業の受付に切り替える", "運用担当", "当番", "内線 100"]
        data += ["切り替えに時間がかかった", "手順書を直す"]
        # what a scorer quotes from the suite's case (a phrase it looks for) is the case's
        for result in eval_runs.run_results(session, admin, run.id, failing_only=True):
            for score in result.scores:
                for said in (score.get("explanation"), score.get("explanation_ja")):
                    data += ["".join(m) for m in QUOTED.findall(said or "")]
    return Workspace(
        system=system,
        risk=risk,
        run=run.id,
        policy=policy,
        report=report_id,
        public=public,
        # the account page names the browser of each session: this client is httpx
        data=sorted((d for d in [*data, "httpx"] if d), key=len, reverse=True),
        password=demo.password or "",
        stakeholder=stakeholder_id,
        holder=holder_id,
        dataset=dataset_id,
        vendor=vendor_id,
        inquiry=inquiry_id,
    )


async def _signed_in(client: httpx.AsyncClient, password: str) -> None:
    signin = BeautifulSoup((await client.get("/signin")).text, "html.parser")
    token = signin.select_one('input[name="login_csrf"]')["value"]  # type: ignore[index]
    await client.post(
        "/signin",
        data={"email": ADMIN, "password": password, "next": "/dashboard", "login_csrf": token},
    )


def _report_text(content: bytes, kind: str) -> str:
    if kind == "html":
        return html_text(content.decode("utf-8"))
    if kind == "pdf":
        return pdf_text(content)
    if kind == "xlsx":
        return xlsx_text(content)
    if kind == "docx":
        return docx_text(content)
    return csv_cells(content)


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_pages_and_reports_speak_one_language(
    settings: Settings, loaded_db: Database, demo_url: str, lang: str
) -> None:
    import shutil

    if shutil.which("fc-list") is None:
        skip_or_fail("fontconfig is missing (apt-get install fonts-noto-cjk)")
    # the run drives its own event loop, so the workspace is made on a thread of its own
    work = await anyio.to_thread.run_sync(_workspace, loaded_db, settings, demo_url, lang)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    problems: list[str] = []
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await _signed_in(client, work.password)
            for page in PAGES:
                url = page.format(
                    system=work.system,
                    risk=work.risk,
                    run=work.run,
                    policy=work.policy,
                    report=work.report,
                    public=work.public,
                    stakeholder=work.stakeholder,
                    holder=work.holder,
                    dataset=work.dataset,
                    vendor=work.vendor,
                    inquiry=work.inquiry,
                )
                separator = "&" if "?" in url else "?"
                response = await client.get(f"{url}{separator}lang={lang}")
                assert response.status_code in (200, 404), url
                if found := foreign(response.text, lang, work.data):
                    problems.append(f"{url}: {found[:12]}")
            # form errors: a system without a name
            page = await client.get(f"/systems/new?lang={lang}")
            csrf = BeautifulSoup(page.text, "html.parser").select_one('input[name="csrf"]')
            refused = await client.post(
                f"/systems/new?lang={lang}",
                data={"csrf": csrf["value"], "name": ""},  # type: ignore[index]
            )
            assert refused.status_code == 422
            if found := foreign(refused.text, lang, work.data):
                problems.append(f"POST /systems/new: {found[:12]}")
            for report, kind in REPORTS:
                address = report.format(
                    system=work.system, run=work.run, report=work.report, public=work.public
                )
                url = f"{address}&lang={lang}"
                response = await client.get(url)
                assert response.status_code == 200, url
                text = _report_text(response.content, kind)
                assert len(text) > 200, url  # the check read the report, not an empty shell
                if found := foreign_words(text, lang, work.data):
                    problems.append(f"{url}: {found[:12]}")
    finally:
        app.state.database.close()
    assert not problems, "\n".join(problems)
