"""HAIP reports (guideline fn 16): an organisation's report under the reporting framework of
the G7 Hiroshima AI Process (OECD), with the management's approval (2(1)).

The framework's seven sections and their titles are verified (``catalogs/frameworks/
haip-reporting-v1.yaml``); its question ids and texts were not available, so tekisei asks
one prompt per section in its own words and says so wherever the prompt is shown. Each
section holds a narrative per language, written by people; the facts tekisei takes from the
workspace (risks, evaluation runs, provenance mechanisms, records, notices, assessments)
sit next to it and are never mixed into it.

A report moves from draft to an executive's approval of one version, then, if the
organisation chooses, to publication as immutable numbered versions; taking it down
leaves a record of when and why.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from tekisei.errors import InvalidInputError

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")
SectionId = Literal["1", "2", "3", "4", "5", "6", "7"]
SECTIONS: tuple[SectionId, ...] = ("1", "2", "3", "4", "5", "6", "7")
"""The seven sections of the HAIP reporting framework, in order."""
FRAMEWORK = "haip-reporting-v1"
"""The catalog id of the reporting framework."""
CODE_OF_CONDUCT = "hiroshima-coc-2023"
"""The catalog id of the Hiroshima Process International Code of Conduct."""

MAX_TITLE = 200
MAX_NARRATIVE = 12_000
"""Characters of one section's narrative in one language."""
MAX_REASON = 2000
MAX_SPAN_DAYS = 3 * 366
"""The longest reporting period."""
FIRST_YEAR, LAST_YEAR = 2000, 2100

# Text people write may hold line breaks and tabs, never other control characters (which
# no XML document, and so no DOCX, can hold, and which PostgreSQL refuses as NUL).
_PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Narrative = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_NARRATIVE, pattern=_PRINTABLE),
]
Title = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_TITLE, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]

Status = Literal["draft", "published", "withdrawn"]
ApprovalStatus = Literal["", "pending", "approved", "rejected"]


class SectionText(BaseModel):
    """One section's narrative, per language (empty: not written in that language)."""

    model_config = ConfigDict(extra="forbid")

    ja: Narrative = ""
    en: Narrative = ""

    def text(self, lang: Lang) -> str:
        """The narrative in ``lang``."""
        return self.ja if lang == "ja" else self.en


class HaipContent(BaseModel):
    """The narratives of all seven sections (a missing section is blank)."""

    model_config = ConfigDict(extra="forbid")

    sections: dict[SectionId, SectionText] = Field(default_factory=dict)

    @field_validator("sections")
    @classmethod
    def _every_section(cls, value: dict[SectionId, SectionText]) -> dict[SectionId, SectionText]:
        return {s: value.get(s, SectionText()) for s in SECTIONS}

    def section(self, section: SectionId) -> SectionText:
        """The narrative of ``section``."""
        return self.sections.get(section, SectionText())

    def languages(self) -> list[Lang]:
        """The languages some section is written in."""
        return [lang for lang in LANGS if any(t.text(lang) for t in self.sections.values())]

    def merged(self, changes: dict[SectionId, SectionText]) -> HaipContent:
        """This content with the sections in ``changes`` replaced."""
        return HaipContent(sections={**self.sections, **changes})


class HaipReportFields(BaseModel):
    """What a person sets on a report besides its narratives."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    period_start: date
    period_end: date
    details_public: bool = False
    """Whether a published version shows the fact tables (risk names, run names, systems)
    as well as the summary lines; off by default, since those names are often internal."""


def check_period(start: date, end: date) -> None:
    """Refuse a reporting period that ends before it starts, spans more than three years,
    or lies outside 2000-2100.

    Raises:
        InvalidInputError: naming the field at fault.
    """
    for value, field in ((start, "period_start"), (end, "period_end")):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise InvalidInputError(
                f"the reporting period lies between {FIRST_YEAR} and {LAST_YEAR}",
                ja=f"報告期間は{FIRST_YEAR}年から{LAST_YEAR}年の間で指定してください。",
                field=field,
            )
    if end < start:
        raise InvalidInputError(
            "the reporting period ends before it starts",
            ja="報告期間の終わりが始まりより前になっています。",
            field="period_end",
        )
    if (end - start).days > MAX_SPAN_DAYS:
        raise InvalidInputError(
            "a reporting period spans at most three years",
            ja="報告期間は3年以内にしてください。",
            field="period_end",
        )


def publishing_problems(content: HaipContent, title: str) -> list[tuple[str, str]]:
    """What keeps a report from approval and publication, each as (English, Japanese):
    a title, and at least one narrative in some language. Empty when none."""
    problems: list[tuple[str, str]] = []
    if not title.strip():
        problems.append(("the report has no title", "報告書の表題がありません"))
    if not content.languages():
        problems.append(
            (
                "no section has a narrative yet; write at least one",
                "どの節にも本文がありません。少なくとも一つの節を書いてください",
            )
        )
    return problems


def unwritten(content: HaipContent, lang: Lang) -> list[SectionId]:
    """The sections with no narrative in ``lang``."""
    return [s for s in SECTIONS if not content.section(s).text(lang)]
