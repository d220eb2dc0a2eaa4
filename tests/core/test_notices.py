"""The pure rules of records and notices: what is disclosed, what a draft says, and what
keeps a notice from being published."""

from __future__ import annotations

import pytest

from tekisei.core.notice_drafts import NoticeFacts, ProvenanceFacts, draft
from tekisei.core.notices import (
    NoticeContent,
    NoticeLanguage,
    needs_approval,
    publishing_problems,
)
from tekisei.core.records import DatasetFields, ModelFields, disclose, web_address
from tekisei.core.systems import SystemFacts, Tier


def test_only_disclosed_fields_are_shown_and_an_undisclosed_name_is_replaced() -> None:
    dataset = DatasetFields(
        name="社内の名前",
        source="非公開の出所",
        personal_data=[],
        copyrighted="yes",
        disclosed=["copyrighted", "personal_data"],
    )
    shown = disclose("dataset", dataset, 2, "ja")
    assert shown is not None
    assert shown.heading == "データセット 2"
    assert [(f.label, f.value) for f in shown.facts] == [
        ("個人情報の種類", "なし"),
        ("著作物を含むか", "含む"),
    ]
    assert (
        "非公開の出所" not in shown.model_dump_json()
        and "社内の名前" not in shown.model_dump_json()
    )
    english = disclose("dataset", dataset, 2, "en")
    assert english is not None and english.heading == "Dataset 2"
    assert disclose("model", ModelFields(name="m"), 1, "ja") is None  # nothing disclosed


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("https://lab.example/card", True),
        ("http://lab.example", True),
        ("", True),
        ("javascript:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("vbscript:msgbox", False),
        ("https://lab.example/a b", False),
        ("mailto:x@example.com", False),
    ],
)
def test_web_addresses_are_http_or_https(address: str, ok: bool) -> None:
    if ok:
        assert web_address(address) == address
    else:
        with pytest.raises(ValueError):
            web_address(address)


def _facts(**system: object) -> NoticeFacts:
    base = {"name": "案内AI", "org_role": "provider", "purpose": "質問に答える。"}
    return NoticeFacts(
        system=SystemFacts.model_validate(base | system),
        org_name="市役所",
        org_responsible="CAIO 山田",
        models=[ModelFields(name="公開モデル", disclosed=["name"]), ModelFields(name="非公開")],
        provenance=ProvenanceFacts(text_watermark=True),
    )


def test_a_draft_says_what_the_facts_say_and_leaves_unknown_sections_empty() -> None:
    ja = draft(_facts(contact_window="窓口A", domain="employment"), "ja")
    assert ja.ai_use.startswith("「案内AI」は、AI（人工知能）を使っています。AIの出力")
    assert "公開モデル" in ja.what_it_does and "非公開" not in ja.what_it_does
    assert "雇用・人事" in ja.limits  # a high-impact field is named
    assert "電子透かし" in ja.provenance and ja.contact.endswith("窓口A")
    assert ja.responsible == "市役所 CAIO 山田"
    empty = draft(_facts(purpose=""), "en")
    assert empty.what_it_does == "" and empty.contact == ""
    content = NoticeContent(ja=None, en=empty)
    problems = publishing_problems(content)
    assert len(problems) == 1 and "What it does and how" in problems[0][0]
    assert "Questions and objections" in problems[0][0]


def test_a_blank_notice_cannot_be_published_and_high_tiers_need_approval() -> None:
    assert publishing_problems(NoticeContent())[0][0].startswith("the notice is blank")
    ready = NoticeLanguage(title="t", ai_use="a", what_it_does="w", contact="c")
    assert publishing_problems(NoticeContent(ja=ready)) == []
    assert [needs_approval(t) for t in Tier] == [False, False, True, True]
