"""Disclosure notices (guideline 2(2), fn 18): what a system's users are told, per
language, and the rules for publishing it.

A notice is written per language. Its sections follow what 2(2) and fn 18 ask a
provider to give its users: that AI is used, what it does and how, its limits and
cautions on reliability, prohibited and inappropriate uses, the data collected and how it
is used, the provenance marks put on its outputs, how to ask questions or object (the
contact window) and the responsible person. The date and the version are added when it is
published. A language whose fields are all blank is not published in that language.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tekisei.core.records import DisclosedRecord
from tekisei.core.systems import Tier

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")
MAX_SECTION = 4000
Section = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_SECTION)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]

SECTIONS: tuple[str, ...] = (
    "ai_use",
    "what_it_does",
    "limits",
    "prohibited_uses",
    "data",
    "provenance",
    "contact",
    "responsible",
)
"""The sections of a notice, in the order they are shown."""

REQUIRED: tuple[str, ...] = ("title", "ai_use", "what_it_does", "contact")
"""What a published language must say at least: what the notice is about, that AI is used,
what it does, and where to ask (fn 18)."""

APPROVAL_TIERS = frozenset({Tier.HIGH, Tier.CRITICAL})
"""Tiers whose notices an executive approves before they are published."""

SECTION_NAMES: dict[str, tuple[str, str]] = {
    "title": ("表題", "Title"),
    "ai_use": ("AIを使っていること", "That AI is used"),
    "what_it_does": ("何をするか、どのように動くか", "What it does and how"),
    "limits": ("限界と出力の信頼性についての注意", "Limits and cautions on reliability"),
    "prohibited_uses": ("禁止事項と不適切な利用", "Prohibited and inappropriate uses"),
    "data": ("収集するデータとその使い方", "Data collected and how it is used"),
    "provenance": ("出力に付ける来歴の印", "Provenance marks on outputs"),
    "contact": ("質問・異議の申し出先（窓口）", "Questions and objections (contact window)"),
    "responsible": ("責任者", "Responsible person"),
}
"""Each section's heading (Japanese, English)."""


class NoticeText(BaseModel):
    """A notice in one language, as a person writes it."""

    model_config = ConfigDict(extra="forbid")

    title: Title = ""
    ai_use: Section = ""
    what_it_does: Section = ""
    limits: Section = ""
    prohibited_uses: Section = ""
    data: Section = ""
    provenance: Section = ""
    contact: Section = ""
    responsible: Section = ""

    @property
    def blank(self) -> bool:
        """Every field is empty: the notice is not given in this language."""
        return not any(getattr(self, name) for name in ("title", *SECTIONS))

    def missing(self) -> list[str]:
        """The required fields still empty."""
        return [name for name in REQUIRED if not getattr(self, name)]


class NoticeLanguage(NoticeText):
    """A notice in one language with the disclosed fields of the system's records, in the
    words of that language (taken when the draft is saved)."""

    model_config = ConfigDict(extra="forbid")

    records: list[DisclosedRecord] = Field(default_factory=list)


class NoticeContent(BaseModel):
    """A notice in both languages; a language is None when it is not given."""

    model_config = ConfigDict(extra="forbid")

    ja: NoticeLanguage | None = None
    en: NoticeLanguage | None = None

    def languages(self) -> list[Lang]:
        """The languages the notice is given in."""
        return [lang for lang in LANGS if self.text(lang) is not None]

    def text(self, lang: Lang) -> NoticeLanguage | None:
        """The notice in ``lang``."""
        return self.ja if lang == "ja" else self.en


def needs_approval(tier: Tier) -> bool:
    """Whether publishing a notice of a system of ``tier`` needs an executive's approval."""
    return tier in APPROVAL_TIERS


def publishing_problems(content: NoticeContent) -> list[tuple[str, str]]:
    """What keeps ``content`` from being published, each as (English, Japanese); empty when
    it can be published."""
    present = content.languages()
    if not present:
        return [
            (
                "the notice is blank in both languages; write it (or generate it again)",
                "お知らせが日本語・英語とも空です。本文を書くか、もう一度作成してください。",
            )
        ]
    problems: list[tuple[str, str]] = []
    for lang in present:
        text = content.text(lang)
        assert text is not None
        missing = text.missing()
        if missing:
            en_names = ", ".join(SECTION_NAMES[m][1] for m in missing)
            ja_names = "、".join(SECTION_NAMES[m][0] for m in missing)
            language = ("日本語", "Japanese") if lang == "ja" else ("英語", "English")
            problems.append(
                (
                    f"the {language[1]} notice lacks: {en_names}",
                    f"{language[0]}のお知らせに次の項目がありません: {ja_names}",
                )
            )
    return problems
