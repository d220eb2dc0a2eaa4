"""Write the web interface's .po catalogs from the table below.

The Japanese is written by the project; English entries that differ from
their message id are listed too. Run: python tools/messages.py
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

LOCALES = Path(__file__).resolve().parent.parent / "src" / "tekisei" / "web" / "locales"

STAMP = datetime(2026, 11, 26, tzinfo=UTC)

# message id: (Japanese, English when it differs from the id)
MESSAGES: dict[str, tuple[str, str | None]] = {
    "Skip to content": ("本文へ移動", None),
    "Main": ("メインメニュー", None),
    "Catalog": ("指針カタログ", None),
    "Search": ("検索", None),
    "Breadcrumb": ("現在位置", None),
    "tekisei puts Japan's AI appropriateness guideline into practice. Texts in the catalog are "
    "tekisei's own summaries; the published documents are authoritative.": (
        "tekisei は「人工知能関連技術の研究開発及び活用の適正性確保に関する指針」の実践を支える"
        "ソフトウェアです。カタログの文章は tekisei による要約であり、"
        "正式な内容は各公表文書によります。",
        None,
    ),
    "Not found": ("見つかりません", None),
    "Something went wrong": ("処理できませんでした", None),
    "Back to the catalog": ("指針カタログへ戻る", None),
    "Guideline and linked frameworks": ("指針と関連する枠組み", None),
    "The AI appropriateness guideline and the frameworks it points to, linked requirement by "
    "requirement. An answer given once counts for every linked framework.": (
        "適正性確保に関する指針と、指針が参照する国内外の枠組みを、項目ごとに対応付けています。"
        "一度記録した回答は、対応する全ての枠組みに反映されます。",
        None,
    ),
    "Loaded frameworks": ("読み込み済みの枠組み", None),
    "Framework": ("枠組み", None),
    "Version": ("版", None),
    "Publisher": ("策定主体", None),
    "Published": ("公表日", None),
    "Source": ("出典", None),
    "Status": ("確認状況", None),
    "Nodes": ("項目数", None),
    "Assessable": ("評価対象", None),
    "assessable": ("評価対象", None),
    "status:verified": ("確認済み", "Verified"),
    "status:secondary": ("二次情報", "Secondary sources"),
    "status:project": ("tekisei 独自", "tekisei's own"),
    "No framework is loaded yet. Run: tekisei catalog load": (
        "枠組みがまだ読み込まれていません。tekisei catalog load を実行してください。",
        None,
    ),
    "Text": ("本文", None),
    "Show in the other language": ("英語で表示", "Show in Japanese"),
    "Applies to": ("対象となる主体", None),
    "System roles": ("システムに対する立場", None),
    "Evidence that shows it is met": ("取組を示す根拠資料の例", None),
    "Items under this one": ("下位の項目", None),
    "Crosswalk": ("他の枠組みとの対応", None),
    "Counterpart": ("対応する項目", None),
    "Relation": ("関係", None),
    "Rationale": ("対応付けの理由", None),
    "No counterpart": ("対応なし", None),
    "Frameworks with no counterpart": ("対応する項目がない枠組み", None),
    "No crosswalk links this item.": ("この項目に対応付けはありません。", None),
    "Relations read from this item: 'subset' means this item asks for part of the counterpart, "
    "'superset' that it asks for more.": (
        "関係はこの項目から見た向きです。「部分」はこの項目が相手の一部に当たること、"
        "「包含」はこの項目の方が広いことを表します。",
        None,
    ),
    "Search the catalog": ("カタログを検索", None),
    "Words (Japanese or English)": ("キーワード（日本語・英語）", None),
    "All frameworks": ("全ての枠組み", None),
    "Results": ("検索結果", None),
    "No matching items.": ("該当する項目はありません。", None),
    "actor:research": ("研究開発機関", "R&D institutions"),
    "actor:business": ("活用事業者", "Business operators"),
    "actor:national": ("国", "National government"),
    "actor:local": ("地方公共団体", "Local governments"),
    "actor:citizen": ("国民", "Citizens"),
    "role:developer": ("開発者", "Developer"),
    "role:provider": ("提供者", "Provider"),
    "role:user": ("利用者", "User"),
    "relation:equal": ("同等", "equal"),
    "relation:subset": ("部分", "subset"),
    "relation:superset": ("包含", "superset"),
    "relation:intersect": ("重なり", "intersect"),
    "relation:related": ("関連", "related"),
    "relation-help:equal": ("両者は同じことを求める", "Both ask for the same thing"),
    "relation-help:subset": (
        "この項目は相手の一部に当たる",
        "This item asks for part of the counterpart",
    ),
    "relation-help:superset": (
        "この項目は相手より広い",
        "This item asks for more than the counterpart",
    ),
    "relation-help:intersect": ("一部が重なる", "The two overlap in part"),
    "relation-help:related": (
        "主題は関連するが、求める内容は異なる",
        "Related subject; different requirements",
    ),
}


def main() -> None:
    """Write ja and en catalogs."""
    for lang, index in (("ja", 0), ("en", 1)):
        catalog = Catalog(
            locale=lang,
            project="tekisei",
            version="1",
            copyright_holder="the tekisei developers",
            msgid_bugs_address="",
            last_translator="the tekisei developers",
            language_team="tekisei",
            creation_date=STAMP,
            revision_date=STAMP,
            fuzzy=False,
        )
        for message_id, translations in MESSAGES.items():
            text = translations[index]
            catalog.add(message_id, text or "")
        path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)


if __name__ == "__main__":
    main()
