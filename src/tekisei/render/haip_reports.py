"""A HAIP report out: DOCX (python-docx), HTML and PDF (WeasyPrint, Japanese fonts from
Noto Sans CJK) in Japanese or English, and the JSON file in both.

Every word tekisei writes comes from the message catalogs (``tekisei.i18n``); what people
wrote (narratives, risk and run names) is written as given, as text: a DOCX run holds
literal text (no field codes), characters XML cannot hold are dropped, and HTML escapes
everything. Nothing is fetched while a PDF is typeset.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tekisei.core.catalog_views import section_label
from tekisei.core.haip_documents import (
    DocSection,
    FileAction,
    FileBlock,
    FileColumn,
    FileLine,
    FileSection,
    FileTable,
    FileWords,
    HaipDocument,
    HaipReportFile,
)
from tekisei.core.haip_facts import ActionCoverage, Cell, FactBlock, FactColumn, FactKey
from tekisei.core.notes import AutoNote
from tekisei.core.times import shown
from tekisei.i18n import Lang, messages
from tekisei.render.report import _environment

__all__ = [
    "cell_text",
    "coverage_of",
    "haip_docx",
    "haip_file",
    "haip_html",
    "haip_json",
    "haip_pdf",
    "line_text",
    "more_text",
    "sources_text",
]

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """``text`` without the characters an XML document cannot hold."""
    return _NOT_XML.sub("", text)


def line_text(note: AutoNote, lang: Lang) -> str:
    """A summary line in ``lang`` (its key when the catalogs cannot word it)."""
    catalog = messages(lang)
    message = f"note:{note.key}"
    if catalog.gettext(message) == message:
        return note.key
    try:
        return catalog.format(message, **note.params)
    except (KeyError, TypeError, ValueError):
        return catalog.gettext(message)


def cell_text(column: FactColumn, value: Cell, lang: Lang) -> str:
    """A table cell as read: codes in words, shares as percentages, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if column.kind == "word":
        return messages(lang).words(column.words, value)
    if column.kind == "labels":
        names = [
            getattr(column.labels[code], lang) if code in column.labels else code
            for code in str(value).split(",")
        ]
        return ("、" if lang == "ja" else ", ").join(names)
    if column.kind == "percent" and isinstance(value, int | float):
        return f"{value:.0%}"
    return str(value)


def heading(key: str, lang: Lang) -> str:
    """A column heading or a fact source's heading (catalog ids ``haip-col:``,
    ``haip-source:``)."""
    return messages(lang).gettext(key)


def _title(section: DocSection, lang: Lang) -> str:
    return f"{section.section}. {section.title_ja if lang == 'ja' else section.title_en}"


def _meta(doc: HaipDocument, lang: Lang, zone: ZoneInfo) -> list[tuple[str, str]]:
    """The lines under the title: who, which period, where the report stands."""
    _ = messages(lang).gettext
    rows = [
        (_("Organisation"), doc.organisation),
        (_("Reporting period"), f"{doc.period_start:%Y-%m-%d} – {doc.period_end:%Y-%m-%d}"),
        (_("Status"), _(f"haip-status:{doc.status}")),
    ]
    if doc.number is not None:
        rows.append((_("Version"), str(doc.number)))
    elif doc.draft_version is not None:
        rows.append((_("Draft version"), str(doc.draft_version)))
    if doc.published_at is not None:
        rows.append((_("Published on"), shown(doc.published_at, zone)))
    if doc.approved:
        who = f" · {doc.approved_by}" if doc.approved_by else ""
        rows.append((_("Executive approval"), f"{shown(doc.approved_at, zone)}{who}"))
    else:
        rows.append((_("Executive approval"), _("Not approved yet")))
    if doc.number is None:  # a published version's facts are those the executive approved
        rows.append(
            (
                _("Facts taken"),
                shown(doc.facts_taken_at, zone) if doc.facts_taken_at else _("as they are now"),
            )
        )
    return rows


def _words(lang: Lang, key: str) -> str:
    return messages(lang).gettext(key)


def _both(key: str) -> FileWords:
    return FileWords(ja=_words("ja", key), en=_words("en", key))


def _file_block(block: FactBlock) -> FileBlock:
    table = None
    if block.table is not None:
        columns = []
        for index, column in enumerate(block.table.columns):
            codes: set[str] = set()
            if column.kind in ("word", "labels"):
                for row in block.table.rows:
                    if row[index] not in (None, ""):
                        codes.update(str(row[index]).split(",") if column.kind == "labels" else
                                     [str(row[index])])  # fmt: skip
            columns.append(
                FileColumn(
                    key=column.key,
                    heading=_both(f"haip-col:{column.key}"),
                    kind=column.kind,
                    words={
                        code: FileWords(
                            ja=cell_text(column, code, "ja"), en=cell_text(column, code, "en")
                        )
                        for code in sorted(codes)
                    },
                )
            )
        table = FileTable(columns=columns, rows=block.table.rows, total=block.table.total)
    return FileBlock(
        source=block.source,
        heading=_both(f"haip-source:{block.source}"),
        lines=[
            FileLine(
                key=note.key,
                params=dict(note.params),
                text=FileWords(ja=line_text(note, "ja"), en=line_text(note, "en")),
            )
            for note in block.lines
        ],
        table=table,
        covers=block.covers,
    )


def haip_file(doc: HaipDocument, generated_at: datetime) -> HaipReportFile:
    """The report as the JSON file model, words in both languages."""
    out: list[FileSection] = []
    for section in doc.sections:
        statuses = {a.action: a for a in section.coverage.actions} if section.coverage else {}
        out.append(
            FileSection(
                section=section.section,
                title=FileWords(ja=section.title_ja, en=section.title_en),
                prompt=_both(f"haip-prompt:{section.section}"),
                narrative=section.narrative,
                facts=[_file_block(b) for b in section.blocks],
                actions=[
                    FileAction(
                        ref=a.ref,
                        title=FileWords(ja=a.title_ja, en=a.title_en),
                        status=statuses[a.ref].status if a.ref in statuses else None,
                        sources=statuses[a.ref].sources if a.ref in statuses else [],
                        answered_items=statuses[a.ref].answered.items if a.ref in statuses else [],
                        answered_systems=(
                            statuses[a.ref].answered.systems if a.ref in statuses else 0
                        ),
                    )
                    for a in section.actions
                ],
                guideline_items=[
                    FileWords(ja=f"{i.section} {i.title_ja}", en=f"{i.section} {i.title_en}")
                    for i in section.items
                ],
            )
        )
    return HaipReportFile(
        organisation=doc.organisation,
        title=doc.title,
        period_start=doc.period_start,
        period_end=doc.period_end,
        status=doc.status,
        draft_version=doc.draft_version,
        number=doc.number,
        published_at=doc.published_at,
        approved=doc.approved,
        approved_by=doc.approved_by,
        approved_at=doc.approved_at,
        facts_taken_at=doc.facts_taken_at,
        generated_at=generated_at,
        sections=out,
    )


def haip_json(doc: HaipDocument, generated_at: datetime) -> bytes:
    """The JSON file, UTF-8."""
    return haip_file(doc, generated_at).model_dump_json(indent=2).encode("utf-8")


def _refuse(url: str) -> dict[str, object]:
    """WeasyPrint's fetcher for reports: nothing is fetched, whatever a text says."""
    raise ValueError(f"HAIP reports load no resources ({url[:80]})")


def haip_html(
    doc: HaipDocument,
    lang: Lang,
    zone: ZoneInfo,
    *,
    public: bool = False,
    generated_at: datetime | None = None,
    site: str = "",
) -> str:
    """The report as one self-contained HTML document in ``lang`` (the narratives of the
    other language are not shown; an unwritten section says so). ``public`` leaves out the
    coverage (the organisation's own working view) and who approved; ``generated_at`` is
    printed when given."""
    catalog = messages(lang)
    template = _environment().get_template("haip_report.html")
    html = template.render(
        lang=lang,
        doc=doc,
        meta=_meta(doc, lang, zone),
        public=public,
        _=catalog.gettext,
        title_of=lambda section: _title(section, lang),
        line=lambda note: line_text(note, lang),
        cell=lambda column, value: cell_text(column, value, lang),
        more=lambda count: more_text(count, lang),
        coverage_of=coverage_of,
        sources=lambda found: sources_text(found, lang),
        generated=shown(generated_at, zone) if generated_at else "",
        site=site,
    )
    return _clean(html)  # a control character would garble the PDF's text layer


def haip_pdf(html: str) -> bytes:
    """The HTML typeset as PDF (Japanese needs a CJK font such as Noto Sans CJK)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, url_fetcher=_refuse).write_pdf()
    return pdf


def haip_docx(doc: HaipDocument, lang: Lang, zone: ZoneInfo) -> bytes:
    """The report as a Word document in ``lang``: the seven sections as headings, each with
    its prompt (marked as tekisei's wording), the narrative, the facts with their tables
    and the Code of Conduct actions with how far they are covered."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml.ns import qn

    _ = messages(lang).gettext
    document = Document()
    normal = document.styles["Normal"]
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "Yu Gothic")
    document.core_properties.title = _clean(doc.title)[:200]
    document.core_properties.language = lang
    document.add_heading(_clean(doc.title), level=0)
    document.add_paragraph(_("HAIP report (Hiroshima AI Process reporting framework)"))
    facts = document.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    for label, value in _meta(doc, lang, zone):
        cells = facts.add_row().cells
        cells[0].text, cells[1].text = _clean(label), _clean(value)
    document.add_paragraph(
        _(
            "The section titles are the framework's. The prompts under them are tekisei's "
            "own wording: the framework's questions were not available to tekisei."
        )
    )
    for section in doc.sections:
        document.add_heading(_clean(_title(section, lang)), level=1)
        prompt = document.add_paragraph()
        label = _("Prompt (tekisei's wording, not the framework's question)")
        prompt.add_run(f"{label}: ").bold = True
        prompt.add_run(_(f"haip-prompt:{section.section}")).italic = True
        document.add_heading(_("Narrative"), level=2)
        text = section.narrative.text(lang)
        if text:
            for paragraph in _clean(text).split("\n"):
                document.add_paragraph(paragraph)
        else:
            document.add_paragraph(_("Not written in this language yet."))
        document.add_heading(_("Facts from the workspace"), level=2)
        if not section.blocks:
            document.add_paragraph(
                _("No workspace record feeds this section; write it in the narrative.")
            )
        for block in section.blocks:
            document.add_heading(_(f"haip-source:{block.source}"), level=3)
            for note in block.lines:
                document.add_paragraph(_clean(line_text(note, lang)), style="List Bullet")
            if block.table is not None and block.table.rows:
                table = document.add_table(rows=1, cols=len(block.table.columns))
                table.style = "Table Grid"
                table.alignment = WD_TABLE_ALIGNMENT.LEFT
                for cell, column in zip(table.rows[0].cells, block.table.columns, strict=True):
                    cell.text = _(f"haip-col:{column.key}")
                    for run in cell.paragraphs[0].runs:
                        run.bold = True
                for row in block.table.rows:
                    cells = table.add_row().cells
                    for cell, column, datum in zip(cells, block.table.columns, row, strict=True):
                        cell.text = _clean(cell_text(column, datum, lang))
                if block.table.total > len(block.table.rows):
                    document.add_paragraph(
                        more_text(block.table.total - len(block.table.rows), lang)
                    )
        if section.coverage is not None and section.actions:
            document.add_heading(_("Code of Conduct actions"), level=2)
            table = document.add_table(rows=1, cols=3)
            table.style = "Table Grid"
            for cell, label in zip(
                table.rows[0].cells,
                (_("Code of Conduct action"), _("Coverage"), _("From")),
                strict=True,
            ):
                cell.text = label
            for action in section.actions:
                found = coverage_of(section, action.ref)
                cells = table.add_row().cells
                title = action.title_ja if lang == "ja" else action.title_en
                cells[0].text = f"{action.ref}. {title}"
                cells[1].text = _(f"haip-coverage:{found.status}") if found else "—"
                cells[2].text = _clean(sources_text(found, lang)) if found else "—"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def more_text(count: int, lang: Lang) -> str:
    """The line under a table that left rows out."""
    return line_text(AutoNote(key=FactKey.MORE_ROWS.value, params={"more": count}), lang)


def coverage_of(section: DocSection, action: str) -> ActionCoverage | None:
    """How far ``action`` is covered in ``section`` (None without coverage)."""
    if section.coverage is None:
        return None
    return next((a for a in section.coverage.actions if a.action == action), None)


def sources_text(found: ActionCoverage, lang: Lang) -> str:
    """Where an action's coverage comes from: the fact sources, the answered guideline
    items, or (when missing) what would cover it."""
    _ = messages(lang).gettext
    if found.sources:
        return ("、" if lang == "ja" else ", ").join(_(f"haip-source:{s}") for s in found.sources)
    if found.answered.systems:
        return messages(lang).format(
            "haip-answered",
            items=("、" if lang == "ja" else ", ").join(
                section_label(i, lang) for i in found.answered.items
            ),
            systems=found.answered.systems,
        )
    return _(f"haip-hint:{found.action}")
