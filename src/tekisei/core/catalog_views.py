"""What the catalog looks like to readers: the shapes the CLI, API and pages show."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from tekisei.core.catalog import Lang


class FrameworkSummary(BaseModel):
    """One loaded framework with its node counts."""

    id: str
    version: str
    title_ja: str
    title_en: str
    publisher_ja: str
    publisher_en: str
    published: date
    source: str
    status: str
    note_ja: str | None
    note_en: str | None
    nodes: int
    assessable: int

    def title(self, lang: Lang) -> str:
        """The title in ``lang``."""
        return self.title_ja if lang == "ja" else self.title_en


class CrosswalkEntry(BaseModel):
    """A counterpart of a node in another framework, seen from that node."""

    urn: str
    framework: str
    section: str
    title_ja: str
    title_en: str
    relation: str
    rationale_ja: str
    rationale_en: str


class NoCounterpart(BaseModel):
    """An explicit statement that a framework has no counterpart for a node."""

    framework: str
    rationale_ja: str
    rationale_en: str


class NodeSummary(BaseModel):
    """A node as shown in lists, trees and search results."""

    urn: str
    framework: str
    ref: str
    section: str
    parent: str | None
    depth: int
    assessable: bool
    title_ja: str
    title_en: str

    def title(self, lang: Lang) -> str:
        """The title in ``lang``."""
        return self.title_ja if lang == "ja" else self.title_en


class NodeDetail(BaseModel):
    """A node with its text, children and crosswalk."""

    urn: str
    framework: str
    ref: str
    section: str
    parent: str | None
    title_ja: str
    title_en: str
    text_ja: str
    text_en: str
    evidence_ja: str | None
    evidence_en: str | None
    actors: list[str]
    system_roles: list[str]
    assessable: bool
    children: list[NodeSummary]
    ancestors: list[NodeSummary]
    crosswalk: list[CrosswalkEntry]
    no_counterpart: list[NoCounterpart]

    def as_document(self, lang: Lang) -> NodeDocument:
        """The document of ``catalog show`` and ``/api/catalog/nodes/{urn}``.

        Titles and rationales of linked nodes are given in ``lang``.
        """
        return NodeDocument(
            urn=self.urn,
            framework=self.framework,
            ref=self.ref,
            section=self.section,
            parent=self.parent,
            title_ja=self.title_ja,
            title_en=self.title_en,
            text_ja=self.text_ja,
            text_en=self.text_en,
            evidence_ja=self.evidence_ja,
            evidence_en=self.evidence_en,
            actors=self.actors,
            system_roles=self.system_roles,
            assessable=self.assessable,
            children=[child.urn for child in self.children],
            crosswalk=[
                CrosswalkLink(
                    urn=entry.urn,
                    framework=entry.framework,
                    section=entry.section,
                    title=entry.title_ja if lang == "ja" else entry.title_en,
                    relation=entry.relation,
                    rationale=entry.rationale_ja if lang == "ja" else entry.rationale_en,
                )
                for entry in self.crosswalk
            ],
            no_counterpart=[
                NoCounterpartNote(
                    framework=item.framework,
                    rationale=item.rationale_ja if lang == "ja" else item.rationale_en,
                )
                for item in self.no_counterpart
            ],
        )


class CrosswalkLink(BaseModel):
    """A counterpart of a node in another framework, in one language."""

    urn: str
    framework: str
    section: str
    title: str
    relation: str
    rationale: str


class NoCounterpartNote(BaseModel):
    """A framework stated to have no counterpart, and why, in one language."""

    framework: str
    rationale: str


class CrosswalkDocument(BaseModel):
    """The crosswalk of one node (``catalog crosswalk``, ``/api/catalog/crosswalk/{urn}``)."""

    urn: str
    section: str
    crosswalk: list[CrosswalkLink]
    no_counterpart: list[NoCounterpartNote]


class NodeDocument(BaseModel):
    """A node with its text, children (URNs) and crosswalk, in one language for links."""

    urn: str
    framework: str
    ref: str
    section: str
    parent: str | None
    title_ja: str
    title_en: str
    text_ja: str
    text_en: str
    evidence_ja: str | None
    evidence_en: str | None
    actors: list[str]
    system_roles: list[str]
    assessable: bool
    children: list[str]
    crosswalk: list[CrosswalkLink]
    no_counterpart: list[NoCounterpartNote]

    def crosswalk_only(self, framework: str | None = None) -> CrosswalkDocument:
        """The crosswalk part, limited to ``framework`` when given."""
        return CrosswalkDocument(
            urn=self.urn,
            section=self.section,
            crosswalk=[e for e in self.crosswalk if framework in (None, e.framework)],
            no_counterpart=[e for e in self.no_counterpart if framework in (None, e.framework)],
        )


class LoadReport(BaseModel):
    """What ``catalog load`` did."""

    loaded: list[str]
    unchanged: list[str]

    @property
    def changed(self) -> bool:
        """Whether anything was written."""
        return bool(self.loaded)


# The Japanese words in the sources' own section numbering, in English (longest first
# when applied, so that 技術的リスク is not read as リスク).
_SECTION_WORDS: dict[str, str] = {
    "安全保障上のリスク": "security risks",
    "プライバシー・個人情報": "privacy and personal information",
    "技術的リスク": "technical risks",
    "社会的リスク": "social risks",
    "リスクの変化": "changing risks",
    "セキュリティ確保": "security",
    "プライバシー保護": "privacy protection",
    "アカウンタビリティ": "accountability",
    "AIリテラシー": "AI literacy",
    "イノベーション": "innovation",
    "セキュリティ": "security",
    "高リスク判定": "high-risk judgement",
    "評価観点": "evaluation perspective",
    "重要要素": "key elements",
    "人間中心": "human-centric",
    "公正競争": "fair competition",
    "公平性": "fairness",
    "安全性": "safety",
    "透明性": "transparency",
    "リスク": "risks",
    "観点": "perspective ",
    "脚注": "fn",
    "第2部": "Part 2 ",
}


def section_label(section: str, lang: str) -> str:
    """A section number as printed, for a reader of ``lang``: as it is in Japanese; in
    English with its Japanese words put into English ("1(2) 人間中心 ◇1" → "1(2)
    human-centric ◇1", "脚注16" → "fn16")."""
    if lang == "ja":
        return section
    out = section
    for word in sorted(_SECTION_WORDS, key=len, reverse=True):
        out = out.replace(word, _SECTION_WORDS[word])
    return " ".join(out.split())
