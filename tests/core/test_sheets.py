"""The spreadsheet columns (core/sheets.py): headers in either language are recognised,
cells become field values, and what an export writes reads back as it was."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tekisei.core.sheets import (
    MISSING,
    RISK_COLUMNS,
    SYSTEM_COLUMNS,
    Column,
    cell_text,
    choice_key,
    column_letter,
    export_value,
    field_value,
    match_header,
    whole_number,
)

COLUMNS = {c.key: c for c in (*SYSTEM_COLUMNS, *RISK_COLUMNS)}


def test_headers_match_in_either_language_width_case_and_spacing_aside() -> None:
    header = match_header(
        ["ｉｄ", "名称", "our  ROLE", "利用規模(年間)", "Risk tier", ""], SYSTEM_COLUMNS, 1
    )
    assert header.problems == []
    assert {i: c.key for i, c in header.columns.items()} == {
        0: "id", 1: "name", 2: "org_role", 3: "scale", 4: "tier",
    }  # fmt: skip
    assert header.labels[5] == "F"


def test_older_risk_register_headers_are_still_recognised() -> None:
    header = match_header(["ID", "リスク", "分類", "対応"], RISK_COLUMNS, 1)
    assert [c.key for c in header.columns.values()] == ["id", "title", "taxonomy", "treatment"]


def test_unknown_and_repeated_headers_are_problems_of_the_header_row() -> None:
    header = match_header(["名称", "Name", "備考"], SYSTEM_COLUMNS, 3)
    assert [(p.row, p.column) for p in header.problems] == [(3, "Name"), (3, "備考")]
    assert "appears twice" in header.problems[0].message and "2回" in header.problems[0].message_ja
    assert "unknown column" in header.problems[1].message


@pytest.mark.parametrize(
    ("key", "cell", "value"),
    [
        ("purpose", "a\r\nb", "a\nb"),
        ("purpose", None, ""),
        ("models", "gpt-4o\n社内モデル, other ", ["gpt-4o", "社内モデル", "other"]),
        ("data_categories", "personal、Sensitive  public", ["personal", "sensitive", "public"]),
        ("taxonomy", "social.over-reliance social.bias", ["social.over-reliance", "social.bias"]),
        ("stage", "運用", "operate"),
        ("stage", "Operation", "operate"),
        ("domain", "雇用・人事", "employment"),
        ("autonomy", "Human in the loop", "human_in_the_loop"),
        ("stage", "", MISSING),
        ("treatment", "", None),
        ("likelihood", "３", 3),
        ("likelihood", 4.0, 4),
        ("likelihood", "", MISSING),
        ("likelihood", "high", "high"),
        ("residual_impact", " ", None),
        ("due", datetime(2026, 3, 31), date(2026, 3, 31)),
        ("due", "2026/3/31", date(2026, 3, 31)),
        ("due", "2026-02-30", "2026-02-30"),
        ("due", "", None),
    ],
)
def test_cells_become_field_values(key: str, cell: object, value: object) -> None:
    assert field_value(COLUMNS[key], cell) == value  # type: ignore[arg-type]


def test_ids_are_whole_numbers_or_empty() -> None:
    assert whole_number(None) is None and whole_number(" ") is None
    assert whole_number(12) == 12 and whole_number(12.0) == 12 and whole_number("１２") == 12
    for bad in ("abc", 0, -1, 2**31, 1.5, True):
        with pytest.raises(ValueError, match=r"."):
            whole_number(bad)  # type: ignore[arg-type]


def test_what_an_export_writes_reads_back_the_same() -> None:
    cases: list[tuple[Column, object]] = [
        (COLUMNS["models"], ["a b", "社内モデル"]),
        (COLUMNS["taxonomy"], ["social.bias", "social.privacy"]),
        (COLUMNS["due"], date(2026, 3, 31)),
        (COLUMNS["likelihood"], 4),
        (COLUMNS["residual_likelihood"], None),
        (COLUMNS["purpose"], "二行の\n説明"),
    ]
    for column, value in cases:
        assert field_value(column, export_value(column, value)) == (
            value if value is not None else None
        )


def test_cells_read_as_text_without_a_needless_decimal_point() -> None:
    assert [cell_text(v) for v in (3.0, 2.5, True, date(2026, 1, 2), None)] == [
        "3", "2.5", "TRUE", "2026-01-02", "",
    ]  # fmt: skip
    assert [column_letter(i) for i in (0, 25, 26, 701)] == ["A", "Z", "AA", "ZZ"]


TITLES = {
    choice_key("Bias and discrimination"): "social.bias",
    choice_key("偏見・差別の助長"): "social.bias",
    choice_key("Impersonation for blackmail, fraud or defamation"): "deepfake.impersonation",
}


def test_choices_are_read_by_their_words_a_line_whole_before_it_is_split() -> None:
    cell = "impersonation for blackmail, fraud or defamation\n偏見・差別の助長, social.privacy"
    assert field_value(COLUMNS["taxonomy"], cell, TITLES) == [
        "deepfake.impersonation", "social.bias", "social.privacy",
    ]  # fmt: skip
    treatment = {choice_key("低減"): "mitigate", choice_key("mitigate"): "mitigate"}
    assert field_value(COLUMNS["treatment"], "低減", treatment) == "mitigate"
    assert field_value(COLUMNS["treatment"], "軽減", treatment) == "軽減"  # for the model's message


def test_choices_are_written_as_the_words_given_and_read_back_by_them() -> None:
    words = {"social.bias": "偏見・差別の助長", "deepfake.impersonation": TITLES_EN}
    written = export_value(COLUMNS["taxonomy"], ["deepfake.impersonation", "social.bias"], words)
    assert written == f"{TITLES_EN}\n偏見・差別の助長"
    assert field_value(COLUMNS["taxonomy"], written, TITLES) == [
        "deepfake.impersonation", "social.bias",
    ]  # fmt: skip
    assert export_value(COLUMNS["stage"], "operate", {"operate": "運用"}) == "運用"
    assert export_value(COLUMNS["stage"], "operate") == "operate"  # no words: the code


TITLES_EN = "Impersonation for blackmail, fraud or defamation"
