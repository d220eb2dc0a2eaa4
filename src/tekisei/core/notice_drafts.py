"""The first draft of a disclosure notice, written from what the workspace knows: the
system's facts, the disclosed fields of its records and its provenance mechanisms.

The draft says only what those facts say; a section the facts cannot fill stays empty for
a person to write (publishing refuses a notice whose required sections are empty, so a
gap is never published as if it were an answer). Only disclosed record fields are used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tekisei.core.notices import MAX_SECTION, Lang, NoticeLanguage
from tekisei.core.records import DatasetFields, DisclosedRecord, ModelFields, disclose
from tekisei.core.systems import (
    DOMAIN_NAMES,
    HIGH_IMPACT_DOMAINS,
    Autonomy,
    DataCategory,
    SystemFacts,
    UseDomain,
)


@dataclass(frozen=True)
class ProvenanceFacts:
    """The marks a system puts on its outputs (its provenance register, 2(3))."""

    text_watermark: bool = False
    c2pa: bool = False
    other: str = ""


@dataclass(frozen=True)
class NoticeFacts:
    """Everything a draft is written from."""

    system: SystemFacts
    org_name: str
    org_responsible: str = ""
    models: list[ModelFields] = field(default_factory=list)
    datasets: list[DatasetFields] = field(default_factory=list)
    provenance: ProvenanceFacts = ProvenanceFacts()


def disclosed_records(facts: NoticeFacts, lang: Lang) -> list[DisclosedRecord]:
    """The disclosed fields of the system's models, then of its datasets, in ``lang``."""
    out: list[DisclosedRecord] = []
    for n, model in enumerate(facts.models, start=1):
        if (shown := disclose("model", model, n, lang)) is not None:
            out.append(shown)
    for n, dataset in enumerate(facts.datasets, start=1):
        if (shown := disclose("dataset", dataset, n, lang)) is not None:
            out.append(shown)
    return out


_AUTONOMY: dict[Autonomy, tuple[str, str]] = {
    Autonomy.ASSISTIVE: (
        "AIの出力は提案や参考情報であり、最終的な判断は人が行います。",
        "What the AI produces is a suggestion; a person makes the final decision.",
    ),
    Autonomy.HUMAN_IN_THE_LOOP: (
        "AIの出力は、担当者が一件ずつ確認してから使われます。",
        "A member of staff checks each output before it is used.",
    ),
    Autonomy.HUMAN_ON_THE_LOOP: (
        "AIの出力はそのまま使われ、担当者が動作を見守り、必要なときに介入します。",
        "Outputs are used as they are; staff monitor the system and step in when needed.",
    ),
    Autonomy.AUTONOMOUS: (
        "AIの出力は、人の確認を経ずにそのまま使われます。",
        "Outputs take effect without being checked by a person.",
    ),
}


def _pick(lang: Lang, ja: str, en: str) -> str:
    return ja if lang == "ja" else en


def _title(facts: NoticeFacts, lang: Lang) -> str:
    name = facts.system.name
    return _pick(lang, f"「{name}」でのAIの利用について", f"How {name} uses AI")[:200]


def _ai_use(facts: NoticeFacts, lang: Lang) -> str:
    name = facts.system.name
    first = _pick(
        lang,
        f"「{name}」は、AI（人工知能）を使っています。",
        f"{name} uses artificial intelligence (AI).",
    )
    return ("" if lang == "ja" else " ").join(
        (first, _pick(lang, *_AUTONOMY[facts.system.autonomy]))
    )


def _what_it_does(facts: NoticeFacts, lang: Lang) -> str:
    purpose = facts.system.purpose
    if not purpose:
        return ""
    lines = [purpose]
    if facts.system.domain is not UseDomain.GENERAL:
        words = DOMAIN_NAMES[facts.system.domain]
        lines.append(_pick(lang, f"利用分野: {words[0]}", f"Field of use: {words[1]}"))
    names = [
        m.name for m in facts.models if "name" in m.disclosed
    ]  # only names the owner disclosed
    if names:
        joined = _pick(lang, "、".join(names), ", ".join(names))
        lines.append(_pick(lang, f"使用しているAIモデル: {joined}", f"AI models used: {joined}"))
    return "\n".join(lines)


def _limits(facts: NoticeFacts, lang: Lang) -> str:
    lines = [
        _pick(
            lang,
            "AIの出力には誤りが含まれることがあり、事実と異なる内容をもっともらしく示す"
            "こともあります。重要な判断に使う前に、内容を確かめてください。",
            "AI output can be wrong, and can state untrue things convincingly. Check it "
            "before you rely on it for anything important.",
        )
    ]
    if facts.system.domain in HIGH_IMPACT_DOMAINS:
        words = DOMAIN_NAMES[facts.system.domain]
        lines.append(
            _pick(
                lang,
                f"{words[0]}の分野で使われるため、出力が人の権利や生活に影響することがあります。"
                "結果に疑問があるときは、下記の窓口にお問い合わせください。",
                f"It is used in {words[1]}, where its output can affect people's rights or "
                "lives. If you doubt a result, contact the window below.",
            )
        )
    return "\n".join(lines)


def _prohibited(facts: NoticeFacts, lang: Lang) -> str:
    lines = [
        _pick(
            lang,
            "雇用や人事評価などで、人を不当に差別する目的に出力を使わないでください。",
            "Do not use its output to treat people unfairly, in hiring or staff evaluation "
            "for instance.",
        ),
        _pick(
            lang,
            "出力を確かめずに広めたり、偽・誤情報の作成や拡散に使ったりしないでください。",
            "Do not spread its output unchecked, or use it to create or spread false information.",
        ),
    ]
    if facts.system.domain is UseDomain.CONTENT_GENERATION:
        lines.append(
            _pick(
                lang,
                "生成物を、実在の人物や出来事と誤認させる形で使わないでください。",
                "Do not use generated content in a way that passes it off as real people "
                "or events.",
            )
        )
    return "\n".join(lines)


def _data(facts: NoticeFacts, lang: Lang) -> str:
    lines: list[str] = []
    categories = set(facts.system.data_categories)
    if categories & {DataCategory.PERSONAL, DataCategory.SENSITIVE}:
        lines.append(
            _pick(
                lang,
                "このシステムは個人情報を扱います。",
                "The system handles personal information.",
            )
        )
    if DataCategory.SENSITIVE in categories:
        lines.append(
            _pick(
                lang,
                "要配慮個人情報（病歴など、特に配慮が必要な情報）を含みます。",
                "This includes special-care personal information (such as medical history).",
            )
        )
    if DataCategory.COPYRIGHTED in categories:
        lines.append(
            _pick(
                lang,
                "学習や入力に著作物を使っています。",
                "Copyrighted works are used for training or as input.",
            )
        )
    if disclosed_records(facts, lang):
        lines.append(
            _pick(
                lang,
                "使用しているモデルとデータの詳細は、このお知らせの「モデルとデータ」に"
                "記載しています。",
                "Details of the models and data it uses are listed under "
                "“Models and data” in this notice.",
            )
        )
    return "\n".join(lines)


def _provenance(facts: NoticeFacts, lang: Lang) -> str:
    marks = facts.provenance
    lines: list[str] = []
    if marks.text_watermark:
        lines.append(
            _pick(
                lang,
                "このシステムが生成する文章には、AIが生成したことを確かめられる電子透かしを"
                "入れています。",
                "Text it generates carries a watermark that shows it was generated by AI.",
            )
        )
    if marks.c2pa:
        lines.append(
            _pick(
                lang,
                "生成する画像には、AIで生成したことを示すコンテンツクレデンシャル（C2PA）を"
                "付けています。",
                "Images it generates carry content credentials (C2PA) stating that they "
                "were generated by AI.",
            )
        )
    if marks.other:
        lines.append(marks.other)
    if not lines:
        lines.append(
            _pick(
                lang,
                "出力には、AIによる生成物であることを示す印（電子透かし・来歴情報）を"
                "付けていません。",
                "Its outputs carry no mark (watermark or provenance information) showing "
                "that they were generated by AI.",
            )
        )
    return "\n".join(lines)


def _contact(facts: NoticeFacts, lang: Lang) -> str:
    window = facts.system.contact_window
    if not window:
        return ""
    return _pick(
        lang,
        f"このシステムについての質問や、出力・判断への異議は、次の窓口で受け付けています。\n"
        f"{window}",
        f"Send questions about this system, or objections to its output or decisions, to:\n"
        f"{window}",
    )


def _responsible(facts: NoticeFacts) -> str:
    person = facts.system.responsible_person or facts.org_responsible
    return " ".join(part for part in (facts.org_name, person) if part)


def draft(facts: NoticeFacts, lang: Lang) -> NoticeLanguage:
    """The first draft of the notice in ``lang``, with the disclosed record fields (each
    section within its 4,000 characters)."""
    sections = {
        "ai_use": _ai_use(facts, lang),
        "what_it_does": _what_it_does(facts, lang),
        "limits": _limits(facts, lang),
        "prohibited_uses": _prohibited(facts, lang),
        "data": _data(facts, lang),
        "provenance": _provenance(facts, lang),
        "contact": _contact(facts, lang),
        "responsible": _responsible(facts),
    }
    return NoticeLanguage(
        title=_title(facts, lang),
        records=disclosed_records(facts, lang),
        **{name: text[:MAX_SECTION] for name, text in sections.items()},
    )
