"""Tables in: a CSV or XLSX file someone uploads, read within declared limits into rows of
cells, never evaluating a formula. The mirror of ``tekisei.render.sheets``.

What the file is comes from its bytes, not its name: a zip archive is read as XLSX, text
as CSV. CSV text may be UTF-8 (with or without a BOM) or Shift_JIS (CP932, what Japanese
Excel writes); anything else is refused rather than guessed. An XLSX archive is checked
before openpyxl opens it: the members' count, their inflated sizes (by inflating them,
not by believing the sizes the archive declares), the number of sheets, and that no
part carries a DTD (XLSX never needs one; entity expansion is a classic XML bomb).

Formulas: an XLSX formula cell is refused (openpyxl is opened with ``data_only=False``
to see it: with ``data_only=True`` it would give the result Excel last cached, or
nothing for a file never opened in Excel, and the cell would pass as data). A text cell
that starts with ``=`` is text and is taken as it is. In CSV, where nothing tells a
formula from text, a cell that starts with a character spreadsheet software reads as a
formula (``= + - @``, full-width forms, tab, carriage return) is refused, unless it is
preceded by the apostrophe that tekisei's own export writes before such text (removed
on import) or it is a plain number such as -1.

Each refusal of the file as a whole raises :class:`~tekisei.errors.FileLimitError` or
:class:`~tekisei.errors.InvalidInputError` naming the problem in both languages; a
problem in one cell is returned with its row and column, so that every such problem is
reported at once.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tekisei.core.sheets import Cell, SheetProblem, column_letter
from tekisei.core.text import visible
from tekisei.errors import FileLimitError, InvalidInputError
from tekisei.render.sheets import FORMULA_START
from tekisei.untrusted import BoundedZip

Format = Literal["csv", "xlsx"]


class SheetLimits(BaseModel):
    """The most an imported file may hold; a file over any of them is refused before its
    rows are looked at."""

    model_config = ConfigDict(frozen=True)

    max_bytes: int = 10 * 1024 * 1024
    """The file's size (10 MB)."""
    max_rows: int = 5000
    """Rows of data, the header and blank rows aside."""
    max_columns: int = 50
    max_cell_chars: int = 12_000
    """Characters in one cell (the longest valid cell, 50 model names, is about 10,000)."""
    max_line_chars: int = 100_000
    """Characters in one line of a CSV file."""
    max_sheets: int = 50
    """Sheets in an XLSX workbook (only the first is read)."""
    max_members: int = 500
    """Parts of an XLSX archive."""
    max_inflated_bytes: int = 50 * 1024 * 1024
    """All parts of an XLSX archive once inflated (zip bombs)."""
    max_scanned_rows: int = 50_000
    """Rows of an XLSX sheet looked at, blank ones included."""


LIMITS = SheetLimits()
"""The limits every import uses (shown in the API's description and on the import page)."""

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected workbook
_BINARY = {
    b"%PDF": "PDF",
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"\x1f\x8b": "gzip",
}
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)*|\.\d+)([eE][+-]?\d+)?")
_FULLWIDTH_NUMBER = re.compile(r"[＋－]?[０-９]+")
_DASHES = {"-", "－", "--"}
"""A lone dash is what people write for "none", not a formula."""


@dataclass(frozen=True)
class SheetRow:
    """One row of data: its number as spreadsheet software shows it, and its cells."""

    number: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class SheetData:
    """A file's table: the header row's cells, the rows of data (blank rows left out), and
    the problems found in single cells (those cells read as empty)."""

    format: Format
    header: tuple[str, ...]
    header_row: int
    rows: list[SheetRow]
    problems: list[SheetProblem]


def _refuse(en: str, ja: str) -> InvalidInputError:
    return InvalidInputError(en, ja=ja)


def read_sheet(data: bytes, filename: str, limits: SheetLimits = LIMITS) -> SheetData:
    """The table in ``data`` (CSV or XLSX, told apart by the bytes).

    Raises:
        FileLimitError: the file is over a limit (size, rows, columns, sheets, inflated
            size).
        InvalidInputError: the file is empty, is not CSV or XLSX, is not text in a known
            encoding, is damaged, or has no header row.
    """
    name = filename or "file"
    if len(data) > limits.max_bytes:
        raise FileLimitError(
            f"{name} is larger than {limits.max_bytes // (1024 * 1024)} MB; split it into "
            "several files",
            ja=f"{name} は {limits.max_bytes // (1024 * 1024)} MB を超えています。"
            "ファイルを分けてください。",
        )
    if not data.strip():
        raise _refuse(
            f"{name} is empty; use a file with the columns (an export of the list, or the "
            "template)",
            ja=f"{name} は空です。列のそろったファイル（一覧を書き出したもの、"
            "またはテンプレート）を使ってください。",
        )
    if data.startswith(_ZIP):
        return _read_xlsx(data, name, limits)
    if data.startswith(_OLE2):
        raise _refuse(
            f"{name} is an old Excel workbook (.xls) or a password-protected one; save it "
            "as an Excel workbook (.xlsx) without a password, or as CSV",
            ja=f"{name} は古い形式（.xls）か、パスワード付きのブックです。"
            "パスワードなしの Excel ブック（.xlsx）か CSV で保存し直してください。",
        )
    for magic, kind in _BINARY.items():
        if data.startswith(magic):
            raise _refuse(
                f"{name} is a {kind} file, not CSV or XLSX",
                ja=f"{name} は {kind} ファイルです。CSV か XLSX のファイルを選んでください。",
            )
    return _read_csv(_decode(data, name), name, limits)


# ----------------------------------------------------------------------------- CSV


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(
            f"{name} is UTF-16 text (Excel's 'Unicode text'); save it as 'CSV UTF-8'",
            ja=f"{name} は UTF-16 のテキスト（Excel の「Unicode テキスト」）です。"
            "「CSV UTF-8」で保存し直してください。",
        )
    if b"\x00" in data:
        raise _refuse(
            f"{name} contains NUL bytes, so it is not CSV text; choose a CSV or XLSX file",
            ja=f"{name} には NUL 文字が含まれており、CSV のテキストではありません。"
            "CSV か XLSX のファイルを選んでください。",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp932")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(
        f"{name} is neither UTF-8 nor Shift_JIS text; save it as 'CSV UTF-8'",
        ja=f"{name} は UTF-8 でも Shift_JIS でもありません。「CSV UTF-8」で保存し直してください。",
    )


def _lines(text: str, name: str, limits: SheetLimits) -> Iterator[str]:
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        if end - start > limits.max_line_chars:
            line = text.count("\n", 0, start) + 1
            raise FileLimitError(
                f"{name}: line {line} is longer than {limits.max_line_chars:,} characters; "
                "no valid row is that long",
                ja=f"{name}: {line}行目が {limits.max_line_chars:,} 文字を超えています。",
            )
        yield text[start:end]
        start = end


def csv_cell(text: str) -> tuple[Cell, tuple[str, str] | None]:
    """A CSV cell's value (without bidirectional controls, and without invisible
    characters at its ends: see :func:`tekisei.core.text.visible`), and why it is refused
    (English, Japanese) when it reads as a formula, as it stands or once what cannot be
    seen before it is gone: the apostrophe tekisei's export writes before such text is
    removed."""
    refused = _formula(text)
    if refused is not None:
        return None, refused
    cleaned = visible(text)
    if cleaned.startswith("'") and cleaned[1:].startswith(FORMULA_START):
        return cleaned[1:], None
    refused = _formula(cleaned)
    return (None, refused) if refused is not None else (cleaned, None)


_FIRST_WORDS = {"\t": ("a tab", "タブ文字"), "\r": ("a carriage return", "改行文字（CR）")}


def _formula(text: str) -> tuple[str, str] | None:
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return None
    if not text.startswith(FORMULA_START) or (
        text.strip() in _DASHES or _NUMBER.fullmatch(text) or _FULLWIDTH_NUMBER.fullmatch(text)
    ):
        return None
    en, ja = _FIRST_WORDS.get(text[0], (f"'{text[0]}'", f"「{text[0]}」"))
    return (
        f"starts with {en}, which spreadsheet software reads as a formula; tekisei "
        "does not evaluate formulas: write the value itself, or put an apostrophe (') "
        "before the text",
        f"{ja}で始まるため、表計算ソフトでは数式として扱われます。tekisei は数式を"
        "計算しません。値そのものを書くか、文字列として先頭にアポストロフィ（'）を付けてください。",
    )


def _read_csv(text: str, name: str, limits: SheetLimits) -> SheetData:
    reader = csv.reader(_lines(text, name, limits), strict=False)
    header: tuple[str, ...] | None = None
    header_row = 0
    rows: list[SheetRow] = []
    problems: list[SheetProblem] = []
    number = 0
    try:
        for record in reader:
            number += 1
            while record and not record[-1].strip():
                record.pop()
            if not record:
                continue
            _check_width(len(record), number, name, limits)
            if header is None:
                header, header_row = tuple(record), number
                continue
            if len(rows) >= limits.max_rows:
                raise _too_many_rows(name, limits)
            cells: list[Cell] = []
            for index, raw in enumerate(record):
                value, refusal = csv_cell(raw)
                refusal = refusal or _cell_refusal(raw, limits)
                if refusal:
                    problems.append(_cell_problem(number, header, index, refusal))
                    value = None
                cells.append(value)
            rows.append(SheetRow(number, tuple(cells)))
    except csv.Error as exc:
        raise _refuse(
            f"{name} is not valid CSV near row {number + 1} ({exc}); save it again as CSV",
            ja=f"{name} の {number + 1} 行目付近が CSV として読めません。"
            "CSV で保存し直してください。",
        ) from None
    return _finished("csv", header, header_row, rows, problems, name)


# ----------------------------------------------------------------------------- XLSX


def _checked_archive(data: bytes, name: str, limits: SheetLimits) -> None:
    """Refuse an archive over the limits, or one that is not a workbook, before openpyxl
    reads it."""
    try:
        archive = BoundedZip(
            io.BytesIO(data),
            name,
            max_members=limits.max_members,
            max_member=limits.max_inflated_bytes,
            max_total=limits.max_inflated_bytes,
        )
        members = archive.names()
        if "xl/workbook.xml" not in members:
            raise _refuse(
                f"{name} is a zip archive but not an Excel workbook (.xlsx)",
                ja=f"{name} は zip 形式ですが、Excel ブック（.xlsx）ではありません。",
            )
        sheets = [m for m in members if m.startswith("xl/worksheets/") and m.endswith(".xml")]
        if len(sheets) > limits.max_sheets:
            raise FileLimitError(
                f"{name} has {len(sheets):,} sheets; tekisei reads workbooks of at most "
                f"{limits.max_sheets} (only the first sheet is imported)",
                ja=f"{name} のシート数（{len(sheets):,}）が上限 {limits.max_sheets} を超えています"
                "（取り込むのは最初のシートだけです）。",
            )
        for member in members:
            part = archive.read(member)
            if member.endswith("sharedStrings.xml") and part.count(b"<si") > _most_texts(limits):
                raise FileLimitError(
                    f"{name} holds more texts than {limits.max_rows:,} rows of "
                    f"{limits.max_columns} columns can; it is not read",
                    ja=f"{name} には {limits.max_rows:,} 行 × {limits.max_columns} 列に"
                    "収まらない数の文字列があります。読み込みません。",
                )
            if _DTD.search(part):
                raise _refuse(
                    f"{name}: its part {member} declares a DTD or entities, which no Excel "
                    "workbook needs; it is not read",
                    ja=f"{name}: {member} に DTD またはエンティティの宣言があります。"
                    "Excel ブックには不要なもので、読み込みません。",
                )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError):
        raise _damaged(name) from None


def _most_texts(limits: SheetLimits) -> int:
    """The most distinct texts a workbook within the limits can hold (plus its header)."""
    return (limits.max_rows + 1) * limits.max_columns


def _damaged(name: str) -> InvalidInputError:
    return _refuse(
        f"{name} is damaged or is not an Excel workbook; save it again as .xlsx or CSV",
        ja=f"{name} は壊れているか、Excel ブックではありません。"
        ".xlsx か CSV で保存し直してください。",
    )


def _read_xlsx(data: bytes, name: str, limits: SheetLimits) -> SheetData:
    _checked_archive(data, name, limits)
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # What openpyxl raises on a damaged part of an archive that passed the checks above;
    # SyntaxError is the base of the XML parsers' errors (ElementTree's ParseError, and
    # lxml's XMLSyntaxError when lxml is installed and openpyxl uses it).
    damaged = (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        IndexError,
        SyntaxError,
        EOFError,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of features it drops
            book = load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
    except damaged:
        raise _damaged(name) from None
    try:
        if not book.worksheets:
            raise _damaged(name)
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the sheet's own claim to its size is not believed
        # One column past the limit is read, to see a value there; never more, so that a
        # cell at column XFD does not make every row 16,384 cells wide.
        rows = sheet.iter_rows(max_col=limits.max_columns + 1)
        return _sheet_rows(rows, name, limits)
    except damaged:
        raise _damaged(name) from None
    finally:
        book.close()


def _sheet_rows(source: Iterator[tuple[object, ...]], name: str, limits: SheetLimits) -> SheetData:
    header: tuple[str, ...] | None = None
    header_row = 0
    rows: list[SheetRow] = []
    problems: list[SheetProblem] = []
    for number, row in enumerate(source, start=1):
        if number > limits.max_scanned_rows:
            raise FileLimitError(
                f"{name}: its first sheet goes on past row {limits.max_scanned_rows:,}; delete "
                "the rows below the data, or copy the data into a new workbook",
                ja=f"{name}: 最初のシートが {limits.max_scanned_rows:,} 行目を超えて続いています。"
                "データより下の行を削除するか、新しいブックにデータだけを写してください。",
            )
        values: list[Cell] = []
        refusals: list[tuple[int, tuple[str, str]]] = []
        for index, cell in enumerate(row):
            value, refusal = _xlsx_cell(cell, limits)
            values.append(value)
            if refusal:
                refusals.append((index, refusal))
        while values and (values[-1] is None or values[-1] == ""):
            values.pop()
        if not values and not refusals:
            continue
        _check_width(len(values), number, name, limits)
        if header is None:
            header, header_row = tuple(_header_text(v) for v in values), number
            problems += [_cell_problem(number, header, i, r) for i, r in refusals]
            continue
        if len(rows) >= limits.max_rows:
            raise _too_many_rows(name, limits)
        problems += [_cell_problem(number, header, i, r) for i, r in refusals]
        rows.append(SheetRow(number, tuple(values)))
    return _finished("xlsx", header, header_row, rows, problems, name)


def _header_text(value: Cell) -> str:
    return "" if value is None else str(value)


def _xlsx_cell(cell: object, limits: SheetLimits) -> tuple[Cell, tuple[str, str] | None]:
    kind = getattr(cell, "data_type", "n")
    value = getattr(cell, "value", None)
    if value is None:
        return None, None
    if kind == "f":
        return None, (
            "is a formula; tekisei does not evaluate formulas: replace it with its value "
            "(copy, then paste as values)",
            "数式です。tekisei は数式を計算しません。値に置き換えてください"
            "（コピーして「値として貼り付け」）。",
        )
    if kind == "e":
        return None, (
            f"holds the spreadsheet error {value}; enter a value",
            f"表計算ソフトのエラー（{value}）です。値を入力してください。",
        )
    if isinstance(value, str):
        return (None, refusal) if (refusal := _cell_refusal(value, limits)) else (value, None)
    if isinstance(value, int | float | bool):
        return value, None
    if isinstance(value, datetime | date):
        return value, None
    if isinstance(value, time | timedelta):
        return str(value), None
    return None, ("cannot be read; enter a value", "読み取れません。値を入力してください。")


# ----------------------------------------------------------------------------- shared


def _cell_refusal(text: str, limits: SheetLimits) -> tuple[str, str] | None:
    if len(text) > limits.max_cell_chars:
        return (
            f"longer than {limits.max_cell_chars:,} characters",
            f"{limits.max_cell_chars:,} 文字を超えています。",
        )
    if _CONTROL.search(text):
        return (
            "contains control characters; remove them",
            "制御文字が含まれています。削除してください。",
        )
    return None


def _cell_problem(
    number: int, header: tuple[str, ...] | None, index: int, refusal: tuple[str, str]
) -> SheetProblem:
    label = header[index].strip() if header and index < len(header) else ""
    return SheetProblem(
        row=number,
        column=label or column_letter(index),
        message=f"the cell {refusal[0]}",
        message_ja=f"このセルは{refusal[1]}",
    )


def _check_width(width: int, number: int, name: str, limits: SheetLimits) -> None:
    if width > limits.max_columns:
        raise FileLimitError(
            f"{name}: row {number} has values in {width} columns; tekisei reads at most "
            f"{limits.max_columns}",
            ja=f"{name}: {number}行目の列数（{width}）が上限 {limits.max_columns} を超えています。",
        )


def _too_many_rows(name: str, limits: SheetLimits) -> FileLimitError:
    return FileLimitError(
        f"{name} has more than {limits.max_rows:,} rows; split it into several files",
        ja=f"{name} の行数が上限 {limits.max_rows:,} を超えています。ファイルを分けてください。",
    )


def _finished(
    fmt: Format,
    header: tuple[str, ...] | None,
    header_row: int,
    rows: list[SheetRow],
    problems: list[SheetProblem],
    name: str,
) -> SheetData:
    if header is None:
        raise _refuse(
            f"{name} has no header row; export the list to get a file with the columns",
            ja=f"{name} に見出しの行がありません。"
            "一覧を書き出して、列のそろったファイルを使ってください。",
        )
    if not rows:
        raise _refuse(
            f"{name} has a header but no rows to import",
            ja=f"{name} には見出しだけで、取り込む行がありません。",
        )
    return SheetData(fmt, header, header_row, rows, problems)
