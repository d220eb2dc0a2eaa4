"""A HAIP report as a document: what every format (DOCX, PDF, JSON, the pages) is made
from, and the JSON file format itself.

:class:`HaipDocument` holds the report in neutral form: the narratives as people wrote
them, tekisei's facts as keys and codes, the sections as the catalog describes them.
:class:`HaipReportFile` is the exported JSON (``format: tekisei-haip-report/1``): the same
report with every word tekisei writes given in Japanese and English, so that one file
serves readers of both languages.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.haip_facts import Cell, ColumnKind, CoverageStatus, FactBlock, SectionCoverage
from tekisei.core.haip_reports import SectionId, SectionText, Status

FILE_FORMAT: Literal["tekisei-haip-report/1"] = "tekisei-haip-report/1"


class DocAction(BaseModel):
    """A Code of Conduct action as a section lists it."""

    ref: str
    title_ja: str
    title_en: str


class DocItem(BaseModel):
    """A guideline item a section serves."""

    section: str
    title_ja: str
    title_en: str


class DocSection(BaseModel):
    """One of the seven sections, with everything shown under it."""

    section: SectionId
    title_ja: str
    title_en: str
    actions: list[DocAction] = Field(default_factory=list)
    items: list[DocItem] = Field(default_factory=list)
    narrative: SectionText = Field(default_factory=SectionText)
    blocks: list[FactBlock] = Field(default_factory=list)
    coverage: SectionCoverage | None = None


class HaipDocument(BaseModel):
    """A report (a draft, or one published version) ready to be rendered."""

    organisation: str
    title: str
    period_start: date
    period_end: date
    status: Status
    draft_version: int | None = None
    """The draft's version (None for a published version read by the public)."""
    number: int | None = None
    """The published version's number, when this is one."""
    published_at: datetime | None = None
    approved: bool = False
    """An executive approved this text and these facts (True for every published version)."""
    approved_by: str | None = None
    approved_at: datetime | None = None
    facts_taken_at: datetime | None = None
    """When the facts were taken (approval requested); None: as they are now."""
    public_path: str | None = None
    sections: list[DocSection]


class FileWords(BaseModel):
    """A text tekisei words, in both languages."""

    ja: str
    en: str


class FileColumn(BaseModel):
    """A fact table's column; ``words`` gives each code of a ``word`` column in words."""

    key: str
    heading: FileWords
    kind: ColumnKind
    words: dict[str, FileWords] = Field(default_factory=dict)


class FileTable(BaseModel):
    """A fact table: codes and values as recorded (see the columns for their words)."""

    columns: list[FileColumn]
    rows: list[list[Cell]]
    total: int


class FileLine(BaseModel):
    """A summary line: its key and values, and the line in both languages."""

    key: str
    params: dict[str, str | int | float]
    text: FileWords


class FileBlock(BaseModel):
    """What one fact source found."""

    source: str
    heading: FileWords
    lines: list[FileLine]
    table: FileTable | None
    covers: list[str]


class FileAction(BaseModel):
    """A Code of Conduct action and how far the workspace covers it."""

    ref: str
    title: FileWords
    status: CoverageStatus | None
    sources: list[str] = Field(default_factory=list)
    answered_items: list[str] = Field(default_factory=list)
    answered_systems: int = 0


class FileSection(BaseModel):
    """One section of the report."""

    section: SectionId
    title: FileWords
    """The framework's own title (English official; Japanese a third-party rendering)."""
    prompt: FileWords
    prompt_source: Literal["tekisei"] = "tekisei"
    """The prompt is tekisei's wording: the framework's questions were not available."""
    narrative: SectionText
    facts: list[FileBlock]
    actions: list[FileAction]
    guideline_items: list[FileWords]


class HaipReportFile(BaseModel):
    """The exported JSON of a HAIP report."""

    model_config = ConfigDict(title="HaipReportFile")

    format: Literal["tekisei-haip-report/1"] = FILE_FORMAT
    version: Literal[1] = 1
    framework: str = "haip-reporting-v1"
    organisation: str
    title: str
    period_start: date
    period_end: date
    status: Status
    draft_version: int | None
    number: int | None
    published_at: datetime | None
    approved: bool
    approved_by: str | None
    approved_at: datetime | None
    facts_taken_at: datetime | None
    generated_at: datetime
    sections: list[FileSection]
