"""The assessment report as HTML, PDF (WeasyPrint) and XLSX (openpyxl), in Japanese or English."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from tekisei.core.times import shown
from tekisei.render.sheets import Table, xlsx_bytes

Lang = Literal["ja", "en"]

LABELS: dict[str, dict[Lang, str]] = {
    "title": {"ja": "AIシステム評価報告書", "en": "AI system assessment report"},
    "system": {"ja": "システム", "en": "System"},
    "tier": {"ja": "リスク区分", "en": "Risk tier"},
    "reasons": {"ja": "区分の理由", "en": "Reasons for the tier"},
    "status": {"ja": "評価の状態", "en": "Assessment status"},
    "completeness": {"ja": "回答率", "en": "Completeness"},
    "conformity": {"ja": "適合率", "en": "Conformity"},
    "elements": {"ja": "要素ごとの結果", "en": "By element"},
    "element": {"ja": "要素", "en": "Element"},
    "requirements": {"ja": "項目ごとの回答", "en": "Answers by requirement"},
    "section": {"ja": "項番", "en": "Section"},
    "requirement": {"ja": "項目", "en": "Requirement"},
    "answer": {"ja": "回答", "en": "Answer"},
    "notes": {"ja": "取組・理由", "en": "Notes and justification"},
    "evidence": {"ja": "根拠資料", "en": "Evidence"},
    "view": {"ja": "他の枠組みから見た結果", "en": "Seen as another framework"},
    "from": {"ja": "導出元", "en": "Derived from"},
    "direct": {"ja": "直接回答が必要", "en": "Needs a direct answer"},
    "generated": {"ja": "作成日時", "en": "Generated"},
    "org": {"ja": "組織", "en": "Organisation"},
    "not_started": {"ja": "未着手", "en": "not started"},
    "implemented": {"ja": "実施済み", "en": "implemented"},
    "partial": {"ja": "一部実施", "en": "partially"},
    "not_implemented": {"ja": "未実施", "en": "not implemented"},
    "not_applicable": {"ja": "該当しない", "en": "not applicable"},
    "open": {"ja": "作業中", "en": "open"},
    "closed": {"ja": "締め済み", "en": "closed"},
    "minimal": {"ja": "最小", "en": "minimal"},
    "limited": {"ja": "限定", "en": "limited"},
    "high": {"ja": "高", "en": "high"},
    "critical": {"ja": "重大", "en": "critical"},
}


def _environment() -> Environment:
    folder = Path(str(resources.files("tekisei.render") / "templates"))
    return Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))


def report_html(
    *,
    org: str,
    system: Any,
    report: Any,
    views: list[Any],
    element_titles: dict[str, str],
    lang: Lang,
    zone: ZoneInfo,
) -> str:
    """The report as one self-contained HTML document; times in ``zone``, named."""
    template = _environment().get_template("report.html")
    return template.render(
        lang=lang,
        org=org,
        system=system,
        report=report,
        views=views,
        titles=element_titles,
        generated=shown(datetime.now(UTC), zone),
        t=lambda key: LABELS.get(key, {}).get(lang, key),
        pct=lambda value: f"{value:.0%}",
    )


def report_pdf(html: str) -> bytes:
    """The HTML report typeset as PDF (Japanese needs a CJK font such as Noto Sans CJK)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def report_xlsx(*, system: Any, report: Any, views: list[Any], lang: Lang) -> bytes:
    """The report as a workbook: answers on one sheet, each framework view on its own."""

    def t(key: str) -> str:
        return LABELS.get(key, {}).get(lang, key)

    answers = Table(
        title=t("requirements"),
        preamble=[
            [t("system"), system.name, t("tier"), t(system.tier)],
            [
                t("completeness"),
                round(report.overall.completeness, 4),
                t("conformity"),
                round(report.overall.conformity, 4) if report.overall.applicable else "—",
            ],
        ],
        header=[t("section"), t("requirement"), t("answer"), t("notes"), t("evidence")],
        rows=[
            [
                item.section,
                item.title_ja if lang == "ja" else item.title_en,
                t(item.state.value),
                " ".join(x for x in (item.notes, item.justification) if x),
                "; ".join(e.url or e.title for e in item.evidence),
            ]
            for item in report.items
        ],
    )
    framework_views = [
        Table(
            title=view.framework,
            header=[t("section"), t("requirement"), t("answer"), t("from")],
            rows=[
                [
                    item.section,
                    item.title_ja if lang == "ja" else item.title_en,
                    t(item.state.value) if item.state else t("direct"),
                    ", ".join(f"{s.section} ({s.relation})" for s in item.sources),
                ]
                for item in view.items
            ],
        )
        for view in views
    ]
    return xlsx_bytes([answers, *framework_views])
