"""The columns of the inventory and risk-register spreadsheets (XLSX and CSV), which export
and import share, so that a file tekisei writes reads back as it was written.

Each column has a header in Japanese and in English; an import recognises either (and
the field's own name, and a few older headers), whatever the language of the others.
Columns that tekisei computes (risk tier, scores, status, time of the last change) are
written for the reader and ignored on import; the version, when given, must be the
record's current one.

A choice column's codes (``plan``, ``employment``, ``mitigate``, …) are written as words
in the reader's language and read back from the code or from its words in either
language. The words themselves come from the message catalogs and the risk taxonomy,
which this module does not read: the caller passes them to :func:`export_value` and
:func:`field_value` (``tekisei.services.sheet_words`` builds them). A risk's owner is
written as a member's email; the importing service finds the member.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel

from tekisei.core.catalog import SystemRole
from tekisei.core.risks import Treatment
from tekisei.core.systems import (
    DOMAIN_NAMES,
    STAGE_NAMES,
    AffectedGroup,
    Autonomy,
    DataCategory,
    Deployment,
    Scale,
    Stage,
    UseDomain,
)

Lang = Literal["ja", "en"]
Cell = str | int | float | bool | date | datetime | None
"""A cell as a reader gives it (XLSX cells may be numbers, dates or booleans)."""


class Kind(StrEnum):
    """How a column's cells become a field's value."""

    ID = "id"
    """The record's id: a row without one adds a record, a row with one changes it."""
    VERSION = "version"
    """The version the row was read at, checked when given."""
    REFERENCE = "reference"
    """The id of the record this one belongs to (a risk's AI system)."""
    TEXT = "text"
    LIST = "list"
    """Several texts, one per line (commas also separate them)."""
    CHOICE = "choice"
    """One code (or its words); an empty cell leaves the value as it is."""
    OPTIONAL_CHOICE = "optional_choice"
    """One code (or its words), or nothing (an empty cell)."""
    CHOICES = "choices"
    """Several codes (or their words), one per line; commas also separate them, and
    spaces separate codes."""
    OWNER = "owner"
    """A member of the organisation by email (or the owner written as text before owners
    were members, as it was exported); turned into the owner's fields by the importing
    service, which alone can find members."""
    SCORE = "score"
    """A whole number; an empty cell leaves the value as it is."""
    OPTIONAL_SCORE = "optional_score"
    """A whole number, or nothing (an empty cell)."""
    DATE = "date"
    COMPUTED = "computed"
    """Written by tekisei for the reader, ignored on import."""


@dataclass(frozen=True)
class Column:
    """One column: the field it holds, its headers, and how its cells are read."""

    key: str
    ja: str
    en: str
    kind: Kind
    required: bool = False
    """A row that adds a record needs it."""
    aliases: tuple[str, ...] = ()
    """Other headers recognised on import (older exports, the form's labels)."""
    codes: type[StrEnum] | None = None
    """A choice column's codes (the risk taxonomy's come from its catalog instead)."""
    words: str = ""
    """The message-catalog prefix of the codes' words (``treatment`` → ``treatment:mitigate``)."""

    def label(self, lang: Lang) -> str:
        """The header in ``lang``."""
        return self.ja if lang == "ja" else self.en

    @property
    def editable(self) -> bool:
        """Whether an import writes the column's value to the record's field."""
        return self.kind not in (Kind.ID, Kind.VERSION, Kind.REFERENCE, Kind.COMPUTED)


SYSTEM_COLUMNS: tuple[Column, ...] = (
    Column("id", "ID", "ID", Kind.ID),
    Column("name", "名称", "Name", Kind.TEXT, required=True, aliases=("システム名", "System name")),
    Column("purpose", "利用目的", "Purpose", Kind.TEXT),
    Column(
        "org_role",
        "自組織の立場",
        "Our role",
        Kind.CHOICE,
        required=True,
        codes=SystemRole,
        words="role",
    ),
    Column("domain", "利用分野", "Field of use", Kind.CHOICE, codes=UseDomain, words="domain"),
    Column(
        "stage", "ライフサイクル段階", "Lifecycle stage", Kind.CHOICE, codes=Stage, words="stage"
    ),
    Column("models", "利用するモデル", "Models", Kind.LIST),
    Column("vendors", "ベンダー", "Vendors", Kind.LIST),
    Column(
        "data_categories",
        "扱うデータ",
        "Data categories",
        Kind.CHOICES,
        aliases=("Data",),
        codes=DataCategory,
        words="data_categories",
    ),
    Column(
        "affected",
        "影響を受ける人",
        "Affected people",
        Kind.CHOICES,
        codes=AffectedGroup,
        words="affected",
    ),
    Column(
        "autonomy",
        "自律の度合い",
        "Degree of autonomy",
        Kind.CHOICE,
        aliases=("Autonomy",),
        codes=Autonomy,
        words="autonomy",
    ),
    Column(
        "scale",
        "利用規模（年間）",
        "Scale (per year)",
        Kind.CHOICE,
        aliases=("利用規模", "Scale"),
        codes=Scale,
        words="scale",
    ),
    Column(
        "deployment",
        "提供範囲",
        "Deployment",
        Kind.CHOICE,
        aliases=("Who can use it",),
        codes=Deployment,
        words="deployment",
    ),
    Column("responsible_person", "責任者", "Responsible person", Kind.TEXT),
    Column("contact_window", "問い合わせ窓口", "Contact window", Kind.TEXT),
    Column("tier", "リスク区分", "Risk tier", Kind.COMPUTED),
    Column("updated", "更新日時", "Updated", Kind.COMPUTED),
    Column("version", "バージョン", "Version", Kind.VERSION),
)
"""The inventory's columns, in the order an export writes them."""

RISK_COLUMNS: tuple[Column, ...] = (
    Column("id", "ID", "ID", Kind.ID),
    Column("system", "AIシステム", "AI system", Kind.COMPUTED),
    Column("title", "リスク名", "Risk name", Kind.TEXT, required=True, aliases=("リスク", "Risk")),
    Column("taxonomy", "リスクの分類", "Taxonomy", Kind.CHOICES, required=True, aliases=("分類",)),
    Column("description", "説明", "Description", Kind.TEXT),
    Column("likelihood", "発生可能性", "Likelihood", Kind.SCORE, required=True),
    Column("impact", "影響度", "Impact", Kind.SCORE, required=True),
    Column("residual_likelihood", "対策後の発生可能性", "Residual likelihood", Kind.OPTIONAL_SCORE),
    Column("residual_impact", "対策後の影響度", "Residual impact", Kind.OPTIONAL_SCORE),
    Column("inherent", "固有リスク", "Inherent", Kind.COMPUTED),
    Column("residual", "残存リスク", "Residual", Kind.COMPUTED),
    Column(
        "treatment",
        "対応方針",
        "Treatment",
        Kind.OPTIONAL_CHOICE,
        aliases=("対応",),
        codes=Treatment,
        words="treatment",
    ),
    Column("treatment_plan", "対応計画", "Treatment plan", Kind.TEXT),
    Column(
        "owner",
        "担当者",
        "Owner",
        Kind.OWNER,
        aliases=("担当者のメールアドレス", "Owner email", "Owner (email)"),
    ),
    Column("due", "期限", "Due", Kind.DATE),
    Column("status", "状態", "Status", Kind.COMPUTED),
    Column("acceptance", "受容の理由", "Acceptance note", Kind.COMPUTED),
    Column("updated", "更新日時", "Updated", Kind.COMPUTED),
    Column("system_id", "AIシステムID", "AI system ID", Kind.REFERENCE, required=True),
    Column("version", "バージョン", "Version", Kind.VERSION),
)
"""The risk register's columns, in the order an export writes them."""


def choice_key(text: str) -> str:
    """A code or a word as compared on import: full-width forms folded (NFKC), spaces
    collapsed, case ignored."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


CHOICE_NAMES: dict[str, dict[str, str]] = {
    "stage": {
        choice_key(name): stage.value for stage, names in STAGE_NAMES.items() for name in names
    },
    "domain": {
        choice_key(name): domain.value for domain, names in DOMAIN_NAMES.items() for name in names
    },
}
"""Names recognised for codes on import whatever words the caller passes (stages and
fields of use by the names this package's messages use), keyed by :func:`choice_key`."""
LIST_SEPARATORS = re.compile(r"[\n,，、]")
ITEM_SEPARATORS = re.compile(r"[,，、;；]+")
"""What separates several choices on one line (besides line breaks)."""
DATE_TEXT = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


class Missing:
    """An empty cell of a column whose field has no empty value (a code, a score): a new
    record takes the field's default, a changed one keeps its value."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


class SheetProblem(BaseModel):
    """Why a row (or the file) cannot be imported: where, and what to do, in both languages."""

    row: int
    """The row number as spreadsheet software shows it (the header is usually row 1); 0
    for the file as a whole."""
    column: str = ""
    """The column's header as written in the file ('' for the whole row or file)."""
    message: str
    message_ja: str

    def localized(self, lang: str) -> str:
        """The message in ``lang``."""
        return self.message_ja if lang == "ja" else self.message


def header_key(text: str) -> str:
    """A header as compared: full-width letters and brackets folded (NFKC), spaces
    collapsed, case ignored."""
    return choice_key(text)


def column_names(column: Column) -> set[str]:
    """Every header recognised for ``column``."""
    return {header_key(name) for name in (column.key, column.ja, column.en, *column.aliases)}


@dataclass(frozen=True)
class Header:
    """The header row matched to columns: column index → column, and the problems."""

    columns: dict[int, Column]
    labels: dict[int, str]
    """Each index's header as written (or its column letter when it has none)."""
    problems: list[SheetProblem]


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def match_header(cells: Sequence[str], columns: Sequence[Column], row: int) -> Header:
    """Match the header row's cells to ``columns``.

    A header that names no column, or names one a second time, is a problem: an unknown
    header is usually a misspelt one, whose values would otherwise be dropped without a
    word. Empty header cells are left out (a value under one is the row's problem).
    """
    names = {name: column for column in columns for name in column_names(column)}
    found: dict[int, Column] = {}
    labels: dict[int, str] = {}
    seen: dict[str, int] = {}
    problems: list[SheetProblem] = []
    for index, text in enumerate(cells):
        label = text.strip()
        labels[index] = label or column_letter(index)
        if not label:
            continue
        column = names.get(header_key(label))
        if column is None:
            known = "、".join(c.ja for c in columns)
            problems.append(
                SheetProblem(
                    row=row,
                    column=label,
                    message=f"unknown column '{label}'; rename it to one of "
                    f"{', '.join(c.en for c in columns)}, or delete the column",
                    message_ja=f"不明な列「{label}」です。{known} のいずれかに直すか、"
                    "列を削除してください。",
                )
            )
            continue
        if column.key in seen:
            first = labels[seen[column.key]]
            problems.append(
                SheetProblem(
                    row=row,
                    column=label,
                    message=f"the column '{label}' appears twice (also as '{first}' in column "
                    f"{column_letter(seen[column.key])}); keep one of them",
                    message_ja=f"列「{label}」が2回あります（{column_letter(seen[column.key])}列の"
                    f"「{first}」）。どちらか一方を削除してください。",
                )
            )
            continue
        seen[column.key] = index
        found[index] = column
    return Header(found, labels, problems)


# ----------------------------------------------------------------------------- cells


def cell_text(value: Cell) -> str:
    """A cell as text: numbers without a needless '.0', dates as YYYY-MM-DD, line breaks
    as line feeds (XLSX reads carriage returns back as line feeds, so a text compares the
    same whichever way it travelled)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _code(column: Column, text: str, names: Mapping[str, str]) -> str:
    """The code ``text`` names: itself, or one of its words (``names``: word → code, keyed
    by :func:`choice_key`). An unknown text is passed on for the model's message, spaces
    and hyphens as underscores for an enum's codes (``Human in the loop``)."""
    key = choice_key(text)
    found = names.get(key) or CHOICE_NAMES.get(column.key, {}).get(key)
    if found is not None:
        return found
    return re.sub(r"[\s-]+", "_", key) if column.codes is not None else key


def _codes(column: Column, text: str, names: Mapping[str, str]) -> list[str]:
    """Several choices: one per line, a line read whole when it is a known word (the
    words of a risk's categories may hold commas and spaces), else split at commas, then
    a part that is no known word at spaces."""

    def known(part: str) -> bool:
        key = choice_key(part)
        return key in names or key in CHOICE_NAMES.get(column.key, {})

    found: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if known(line):
            found.append(_code(column, line, names))
            continue
        for part in ITEM_SEPARATORS.split(line):
            if known(part):
                found.append(_code(column, part, names))
            else:
                found += [_code(column, word, names) for word in part.split()]
    return found


def _whole_number(value: Cell) -> Any:
    if isinstance(value, bool):
        return value  # refused by the field as "not a number"
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
    return int(text) if re.fullmatch(r"[+-]?\d{1,10}", text) else text


def _date(value: Cell) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
    found = DATE_TEXT.match(text)
    if found:
        try:
            return date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            return text  # refused by the field, with its message
    return text


def field_value(column: Column, value: Cell, names: Mapping[str, str] | None = None) -> Any:
    """The value a cell gives ``column``'s field, to be validated by the record's model
    (a value that cannot be converted is passed on as text, for the model's message), or
    :data:`MISSING` for an empty cell of a field that has no empty value.

    ``names`` are the words a choice column's codes may be written as (word → code, keyed
    by :func:`choice_key`); the codes themselves are always read. An owner cell is given
    as its text, stripped, for the importing service to find the member.
    """
    text = cell_text(value)
    empty = not text.strip()
    names = names or {}
    if column.kind is Kind.TEXT:
        return text
    if column.kind is Kind.OWNER:
        return text.strip()
    if column.kind is Kind.LIST:
        return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()]
    if column.kind is Kind.CHOICES:
        return _codes(column, text, names)
    if column.kind is Kind.CHOICE:
        return MISSING if empty else _code(column, text, names)
    if column.kind is Kind.OPTIONAL_CHOICE:
        return None if empty else _code(column, text, names)
    if column.kind is Kind.SCORE:
        return MISSING if empty else _whole_number(value)
    if column.kind is Kind.OPTIONAL_SCORE:
        return None if empty else _whole_number(value)
    if column.kind is Kind.DATE:
        return None if empty else _date(value)
    raise ValueError(f"the column {column.key} holds no field")


def whole_number(value: Cell) -> int | None:
    """An id or version cell: None when empty; ValueError when not a whole number ≥ 1."""
    if not cell_text(value).strip():
        return None
    number = _whole_number(value)
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number < 2**31:
        raise ValueError(cell_text(value))
    return number


def export_value(column: Column, value: Any, words: Mapping[str, str] | None = None) -> Cell:
    """A field's value as an export writes it: lists one item per line, a choice
    column's codes as their ``words`` (code → word, in the reader's language; a code
    without a word as itself)."""
    if value is None:
        return None
    words = words or {}
    if column.kind in (Kind.LIST, Kind.CHOICES) and isinstance(value, list | tuple):
        return "\n".join(_word(item, words) for item in value)
    if column.kind in (Kind.CHOICE, Kind.OPTIONAL_CHOICE):
        return _word(value, words)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, str | int | float | bool | date | datetime):
        return value
    return str(value)


def _word(code: Any, words: Mapping[str, str]) -> str:
    text = code.value if isinstance(code, StrEnum) else str(code)
    return words.get(text, text)


# ----------------------------------------------------------------------------- messages


_RULES_JA = {
    "give both residual_likelihood and residual_impact, or neither": (
        "対策後の発生可能性と影響度は、両方を書くか、両方とも空にしてください。"
    ),
}


def problem_text(
    error: Mapping[str, Any], words: tuple[Sequence[str], Sequence[str]] = ((), ())
) -> tuple[str, str]:
    """A validation error as a person editing a spreadsheet understands it (English,
    Japanese); ``words`` are the field's choices in words (English, Japanese), listed
    when a cell names none of them."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if (
        kind == "missing"
        or kind == "string_too_short"
        or (kind == "too_short" and not ctx.get("actual_length"))
    ):
        return "fill this in", "値を入力してください。"
    if kind == "string_too_long":
        limit = ctx.get("max_length", "")
        return (
            f"too long: at most {limit} characters",
            f"長すぎます。{limit}文字以内にしてください。",
        )
    if kind == "too_long":
        limit = ctx.get("max_length", "")
        return f"too many: at most {limit} items", f"多すぎます。{limit}件以内にしてください。"
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "bool_type"):
        return "write a whole number", "整数で入力してください。"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bounds = {"greater_than_equal": "≥", "less_than_equal": "≤", "greater_than": ">"}
        bound = next((str(v) for k, v in ctx.items() if k in ("ge", "le", "gt", "lt")), "")
        shown = f"{bounds.get(kind, '<')} {bound}"
        return f"out of range ({shown})", f"範囲外の値です（{shown}）。"
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        english, japanese = words
        if english and japanese:
            return (
                f"'{error.get('input')}' is not one of: {' / '.join(english)} (or the codes "
                f"{expected})",
                f"「{error.get('input')}」は使えません。次のいずれかを書いてください: "
                f"{'、'.join(japanese)}（コード {expected} も使えます）",
            )
        return (
            f"'{error.get('input')}' is not one of the codes: {expected}",
            f"「{error.get('input')}」は使えません。次のいずれかを書いてください: {expected}",
        )
    if kind.startswith("date"):
        return "write the date as YYYY-MM-DD", "日付は YYYY-MM-DD の形で書いてください。"
    if kind == "string_pattern_mismatch":
        return (
            f"'{error.get('input')}' is neither the name of a risk category of "
            "tekisei-risks-1 (as exported, one per line) nor an id such as social.bias",
            f"「{error.get('input')}」は tekisei-risks-1 のリスクの分類名（書き出したとおりに"
            "1行に1つ）でも、social.bias のようなIDでもありません。",
        )
    text = str(error["msg"]).removeprefix("Value error, ")
    return text, _RULES_JA.get(text, text)
