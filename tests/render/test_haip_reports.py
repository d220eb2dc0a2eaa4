"""The HAIP report out: the DOCX opened back with python-docx (seven section headings, the
risks and runs in tables, hostile text kept as plain text), the PDF's text in Japanese and
English, and the JSON file against its own JSON Schema."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import docx
import jsonschema
import pytest
from pypdf import PdfReader

from tekisei.core.haip_documents import DocAction, DocSection, HaipDocument, HaipReportFile
from tekisei.core.haip_facts import (
    ActionCoverage,
    FactBlock,
    FactColumn,
    FactKey,
    SectionCoverage,
    table,
)
from tekisei.core.haip_reports import SECTIONS, SectionText
from tekisei.core.notes import AutoNote
from tekisei.render.haip_reports import haip_docx, haip_file, haip_html, haip_json, haip_pdf
from tests.conftest import skip_or_fail

TOKYO = ZoneInfo("Asia/Tokyo")
TITLES = {
    "1": ("リスクの特定及び評価", "Risk identification and evaluation"),
    "2": ("リスク管理及び情報セキュリティ", "Risk management and information security"),
    "3": ("高度AIシステムに関する透明性報告", "Transparency reporting on advanced AI systems"),
    "4": ("組織ガバナンス、インシデント管理及び透明性",
          "Organizational governance, incident management, and transparency"),
    "5": ("コンテンツ認証及び来歴管理の仕組み", "Content authentication & provenance mechanisms"),
    "6": ("AI安全性の向上及び社会的リスク軽減のための研究・投資",
          "Research & investment to advance AI safety & mitigate societal risks"),
    "7": ("人類及び世界全体の利益の推進", "Advancing human and global interests"),
}  # fmt: skip
RISKS = ["応募者の性別による偏り", "個人情報の漏えい"]
RUNS = ["nightly-basics-42", "redteam-2026-11"]
HOSTILE = '=HYPERLINK("http://evil.example","x")\n<script>alert(1)</script>\x07\x0b'


def document(narrative: str = HOSTILE, **changes: object) -> HaipDocument:
    """A report with risks and runs in section 1 and coverage everywhere; section 1's
    Japanese narrative is ``narrative``, unchecked (what a renderer may still be given)."""
    risk_block = FactBlock(
        source="risks",
        lines=[AutoNote(key=FactKey.RISKS.value, params={"risks": 2, "systems": 1,
                                                         "all_systems": 3, "categories": 2})],
        table=table(
            [FactColumn(key="system"), FactColumn(key="risk"),
             FactColumn(key="level", kind="word", words="level")],
            [["採用書類スクリーニング", RISKS[0], "critical"],
             ["問い合わせ応答AI", RISKS[1], "high"]],
        ),
        covers=["1"],
    )  # fmt: skip
    run_block = FactBlock(
        source="evals",
        lines=[AutoNote(key=FactKey.RUNS.value, params={"runs": 2, "systems": 1, "cases": 86,
                                                        "pass_percent": 81})],
        table=table(
            [FactColumn(key="run"), FactColumn(key="pass-rate", kind="percent"),
             FactColumn(key="external", kind="word", words="haip-bool")],
            [[RUNS[0], 0.8125, "false"], [RUNS[1], None, "true"]],
        ),
        covers=["1"],
    )  # fmt: skip
    sections = [
        DocSection(
            section=s,
            title_ja=TITLES[s][0],
            title_en=TITLES[s][1],
            actions=[DocAction(ref=s, title_ja=f"行動{s}", title_en=f"Action {s}")],
            narrative=SectionText.model_construct(ja=narrative if s == "1" else "", en="Written."),
            blocks=[risk_block, run_block] if s == "1" else [],
            coverage=SectionCoverage(
                section=s,
                actions=[
                    ActionCoverage(
                        action=s,
                        status="evidenced" if s == "1" else "missing",
                        sources=["risks"] if s == "1" else [],
                    )
                ],
            ),
        )
        for s in SECTIONS
    ]
    fields: dict[str, object] = {
        "organisation": "Acme 株式会社",
        "title": "2026年度 HAIP報告",
        "period_start": date(2026, 4, 1),
        "period_end": date(2027, 3, 31),
        "status": "draft",
        "draft_version": 3,
        "sections": sections,
    }
    return HaipDocument.model_validate(fields | changes)


def _docx(content: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(content))


def _cells(opened: docx.document.Document) -> list[str]:
    return [cell.text for t in opened.tables for row in t.rows for cell in row.cells]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_docx_has_the_seven_sections_with_the_risks_and_runs_in_tables(lang: str) -> None:
    opened = _docx(haip_docx(document(), lang, TOKYO))  # type: ignore[arg-type]
    headings = [p.text for p in opened.paragraphs if p.style.name == "Heading 1"]
    pick = 0 if lang == "ja" else 1
    assert headings == [f"{s}. {TITLES[s][pick]}" for s in SECTIONS]
    cells = _cells(opened)
    assert set(RISKS + RUNS) <= set(cells)
    assert ("重大" if lang == "ja" else "critical") in cells and "81%" in cells
    assert ("はい" if lang == "ja" else "yes") in cells and "—" in cells
    text = "\n".join(p.text for p in opened.paragraphs)
    assert ("tekisei による文言" if lang == "ja" else "tekisei's wording") in text
    assert (
        "ワークスペースに記録あり" if lang == "ja" else "evidenced by workspace records"
    ) in cells


def test_hostile_text_in_the_docx_is_literal_text_and_loses_what_xml_cannot_hold() -> None:
    content = haip_docx(document(), "ja", TOKYO)
    opened = _docx(content)
    text = "\n".join(p.text for p in opened.paragraphs)
    assert '=HYPERLINK("http://evil.example","x")' in text and "<script>" in text
    assert "\x07" not in text and "\x0b" not in text
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    assert "fldSimple" not in body and "instrText" not in body  # no field code, no formula
    assert "&lt;script&gt;" in body


def test_the_html_escapes_what_people_wrote_and_leaves_out_coverage_when_public() -> None:
    html = haip_html(document(), "ja", TOKYO)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "evidenced by workspace records" in haip_html(document(), "en", TOKYO)
    public = haip_html(document(status="published", number=2), "en", TOKYO, public=True)
    assert "evidenced by workspace records" not in public and "Code of Conduct" not in public


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_pdf_reads_in_its_language(lang: str) -> None:
    if shutil.which("fc-list") is None:
        skip_or_fail("fontconfig is missing (apt-get install fonts-noto-cjk)")
    html = haip_html(document(), lang, TOKYO, generated_at=datetime.now(UTC))  # type: ignore[arg-type]
    assert "\x07" not in html  # what XML cannot hold is dropped before typesetting
    content = haip_pdf(html)
    text = re.sub(
        r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    )
    pick = 0 if lang == "ja" else 1
    for section in SECTIONS:
        assert re.sub(r"\s+", "", TITLES[section][pick]) in text
    for name in (*RISKS, *RUNS):
        assert re.sub(r"\s+", "", name) in text
    assert ("報告期間" if lang == "ja" else "Reportingperiod") in text


def test_the_json_file_meets_its_schema_and_words_everything_in_both_languages() -> None:
    written = "方針は取締役会で決めています。\n改行も保ちます。"
    data = json.loads(haip_json(document(written), datetime(2026, 12, 2, tzinfo=UTC)))
    jsonschema.validate(data, HaipReportFile.model_json_schema())
    assert data["format"] == "tekisei-haip-report/1" and data["version"] == 1
    first = data["sections"][0]
    assert first["prompt_source"] == "tekisei" and first["prompt"]["ja"] and first["prompt"]["en"]
    assert first["title"] == {"ja": TITLES["1"][0], "en": TITLES["1"][1]}
    risks = first["facts"][0]
    assert risks["heading"]["en"] == "Risk register (risks identified)"
    assert risks["lines"][0]["text"]["en"].startswith("Risks identified: 2")
    level = risks["table"]["columns"][2]
    assert level["words"] == {
        "critical": {"ja": "重大", "en": "critical"},
        "high": {"ja": "高", "en": "high"},
    }
    assert [row[1] for row in risks["table"]["rows"]] == RISKS
    assert first["actions"][0]["status"] == "evidenced"
    assert data["generated_at"].endswith("Z") or data["generated_at"].endswith("+00:00")
    assert first["narrative"]["ja"] == written
    assert HaipReportFile.model_validate(data) == haip_file(
        document(written), datetime(2026, 12, 2, tzinfo=UTC)
    )
    with pytest.raises(jsonschema.ValidationError):  # a control character breaks the schema
        jsonschema.validate(
            json.loads(haip_json(document(), datetime.now(UTC))), HaipReportFile.model_json_schema()
        )
