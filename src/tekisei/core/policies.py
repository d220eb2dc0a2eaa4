"""AI policies (guideline 2(1)): an organisation's own policy documents, their kinds, what
a version must say before an executive approves it, and which version is in force.

A policy is written per language (a title and a body in tekisei's plain-text markup,
``core/policy_text.py``). A draft is edited freely; an executive approves the draft as a
new version, which is kept exactly as approved. An approved version is published for the
public or for the organisation only, and is in force from its effective date (on the
organisation's clock) until a later published version takes effect or the policy is
withdrawn. Each version names the guideline items it addresses, and while it is in force
it is evidence for them in the organisation's assessments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")
MAX_TITLE = 200
MAX_BODY = 20_000
"""Characters of a policy's body in one language (a long policy runs to about 10,000)."""
MAX_ITEMS = 60
MAX_REASON = 2000
ITEM_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,39}$"

Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TITLE)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_BODY)]
ItemRef = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=ITEM_PATTERN)
]
"""A guideline item's reference as the catalog gives it: ``2.1``, ``fn15``, ``1.3.3``."""


class PolicyKind(StrEnum):
    """The kinds of AI policy tekisei has templates for."""

    BASIC = "basic"
    ACCEPTABLE_USE = "acceptable_use"
    PROCUREMENT = "procurement"
    DATA = "data"
    INCIDENT_RESPONSE = "incident_response"


KIND_NAMES: dict[PolicyKind, tuple[str, str]] = {
    PolicyKind.BASIC: ("AI基本方針", "Basic AI policy"),
    PolicyKind.ACCEPTABLE_USE: ("AI利用規程", "AI acceptable use policy"),
    PolicyKind.PROCUREMENT: ("AI調達方針", "AI procurement policy"),
    PolicyKind.DATA: ("データ取扱方針", "Data handling policy"),
    PolicyKind.INCIDENT_RESPONSE: ("インシデント対応方針", "AI incident response policy"),
}
"""Each kind's name (Japanese, English)."""

DEFAULT_ITEMS: dict[PolicyKind, tuple[str, ...]] = {
    PolicyKind.BASIC: ("2.1", "1.3.1", "1.3.3", "fn20"),
    PolicyKind.ACCEPTABLE_USE: ("2.1", "1.2.human-centric.3", "1.2.ai-literacy.1", "3.2"),
    PolicyKind.PROCUREMENT: ("2.1", "fn15", "3.1"),
    PolicyKind.DATA: ("2.2", "2.5", "fn17", "1.2.privacy.1"),
    PolicyKind.INCIDENT_RESPONSE: ("2.1", "2.4", "1.3.4", "fn16"),
}
"""The guideline items a new policy of each kind addresses until its editor changes them
(those that do not apply to a system are left out of that system's assessment)."""


class Audience(StrEnum):
    """Who a published version is for."""

    PUBLIC = "public"
    """Anyone: it appears on the organisation's public governance statement."""
    INTERNAL = "internal"
    """The organisation's members only."""


class PolicyText(BaseModel):
    """A policy in one language, as a person writes it."""

    model_config = ConfigDict(extra="forbid")

    title: Title = ""
    body: Body = ""

    @property
    def blank(self) -> bool:
        """Both fields are empty: the policy is not given in this language."""
        return not self.title and not self.body


class PolicyContent(BaseModel):
    """A policy in both languages; a language is None when it is not given."""

    model_config = ConfigDict(extra="forbid")

    ja: PolicyText | None = None
    en: PolicyText | None = None

    def languages(self) -> list[Lang]:
        """The languages the policy is given in."""
        return [lang for lang in LANGS if self.text(lang) is not None]

    def text(self, lang: Lang) -> PolicyText | None:
        """The policy in ``lang``."""
        return self.ja if lang == "ja" else self.en

    def title(self, lang: Lang) -> str:
        """The title in ``lang``, else in the other language, else empty."""
        for code in (lang, "en" if lang == "ja" else "ja"):
            text = self.text(code)
            if text is not None and text.title:
                return text.title
        return ""


class PolicyTerms(BaseModel):
    """What a version says besides its text: the guideline items it addresses, who it is
    published for and the day it takes effect."""

    model_config = ConfigDict(extra="forbid")

    items: list[ItemRef] = Field(default_factory=list, max_length=MAX_ITEMS)
    audience: Audience = Audience.INTERNAL
    effective_on: date | None = None


def kind_name(kind: PolicyKind, lang: Lang) -> str:
    """The kind's name in ``lang``."""
    return KIND_NAMES[kind][0 if lang == "ja" else 1]


def approval_problems(content: PolicyContent, terms: PolicyTerms) -> list[tuple[str, str]]:
    """What keeps a draft from being approved, each as (English, Japanese); empty when an
    executive may approve it."""
    problems: list[tuple[str, str]] = []
    present = content.languages()
    if not present:
        problems.append(
            (
                "the policy is blank in both languages; write it",
                "方針が日本語・英語とも空です。本文を書いてください。",
            )
        )
    for lang in present:
        text = content.text(lang)
        assert text is not None
        language = ("日本語", "Japanese") if lang == "ja" else ("英語", "English")
        if not text.title or not text.body:
            missing = [
                names for names, value in ((("表題", "title"), text.title),
                                           (("本文", "body"), text.body)) if not value
            ]  # fmt: skip
            problems.append(
                (
                    f"the {language[1]} policy lacks its {' and '.join(m[1] for m in missing)}",
                    f"{language[0]}の方針に{'と'.join(m[0] for m in missing)}がありません",
                )
            )
    if terms.effective_on is None:
        problems.append(("the effective date is not set", "施行日が決まっていません"))
    return problems


@dataclass(frozen=True)
class Published:
    """A published version, as far as deciding which one is in force needs."""

    number: int
    effective_on: date
    published_at: datetime


def in_force(published: list[Published], today: date, *, withdrawn: bool) -> int | None:
    """The number of the version in force on ``today``: the newest published version whose
    effective date has come (None when there is none, or the policy is withdrawn)."""
    if withdrawn:
        return None
    due = [p.number for p in published if p.effective_on <= today]
    return max(due) if due else None


def scheduled(published: list[Published], today: date, *, withdrawn: bool) -> int | None:
    """The number of a published version newer than the one in force that takes effect
    later (None when there is none)."""
    if withdrawn:
        return None
    current = in_force(published, today, withdrawn=False) or 0
    later = [p.number for p in published if p.number > current and p.effective_on > today]
    return max(later) if later else None
