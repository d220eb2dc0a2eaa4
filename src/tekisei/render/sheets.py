"""Tables out as spreadsheets (XLSX) and CSV, never as formulas.

Every export that produces a spreadsheet or CSV builds :class:`Table` values and calls
:func:`xlsx_bytes` or :func:`csv_text`; nothing else in tekisei writes those formats
(a test keeps it so). A user's text that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return would otherwise be read as a formula by spreadsheet software
(CSV/formula injection, OWASP): in XLSX every string is written with the string data
type, and in CSV such a cell is prefixed with an apostrophe, as OWASP advises.

Sheets are laid out for reading: each column is as wide as its widest cell (a full-width
Japanese character counts two, and no column grows past :data:`WIDTH_MAX`; longer text
wraps), the header row is bold, shaded, frozen and carries an auto-filter. A share is a
:class:`Percent`: in XLSX a real number with a percent format (``83.3%`` on screen,
0.8333 to a formula), in CSV the text ``83.3%``, which spreadsheet software reads back as
a percentage and a person reads without a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


@dataclass(frozen=True)
class Percent:
    """A share between 0 and 1 shown as a percentage (``Percent(0.8333)`` is 83.3 %)."""

    share: float

    def __str__(self) -> str:
        return f"{self.share:.1%}"


Value = str | int | float | bool | date | datetime | Percent | None

# Characters that make spreadsheet software read a cell as a formula or command (OWASP
# CSV injection), with their full-width forms, which Japanese input methods produce and
# some spreadsheet software also accepts.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Characters XML 1.0 (and so XLSX) cannot hold; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31
PERCENT_FORMAT = "0.0%"
WIDTH_MIN = 6
"""The narrowest column, in character widths (room for the filter button)."""
WIDTH_MAX = 60
"""The widest column; text longer than this wraps."""
_FILTER_BUTTON = 2  # the auto-filter's drop-down covers the end of a header cell
_HEADER_FILL = "EEF1F4"  # the shade of the HTML report's table headers


@dataclass(frozen=True)
class Table:
    """One sheet: a title, a header row, data rows and optional lines above the header."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Value]]
    preamble: Sequence[Sequence[Value]] = field(default_factory=tuple)
    """Rows written before the header (e.g. the system's name and scores)."""


def moment_text(value: datetime) -> str:
    """A time as a cell holds it: ISO 8601 to the second, with the offset of the clock it
    is read on (``2026-12-03T00:22:54+09:00``); the zone's name is in the sheet's heading."""
    return value.isoformat(timespec="seconds")


def csv_cell(value: Value) -> str:
    """``value`` as CSV cell text that no spreadsheet software reads as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Percent):
        return str(value)
    if isinstance(value, datetime):
        return moment_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(table: Table) -> str:
    """The table as CSV (RFC 4180, every field quoted), preamble and header included."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in (*table.preamble, table.header, *table.rows):
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def sheet_title(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of ``[]:*?/\\``), unique in ``taken``."""
    base = _ILLEGAL_XML.sub("", _SHEET_TITLE_FORBIDDEN.sub("-", title)).strip("'") or "sheet"
    base = base[:SHEET_TITLE_MAX]
    name, counter = base, 2
    while name.lower() in taken:
        suffix = f" ({counter})"
        name = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
        counter += 1
    taken.add(name.lower())
    return name


def display_width(value: Value) -> int:
    """How many character widths ``value`` takes in a cell: its longest line, with each
    full-width (East Asian wide) character counted as two."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        text = moment_text(value)
    elif isinstance(value, bool):
        text = str(value).upper()  # spreadsheet software shows TRUE / FALSE
    else:
        text = str(value)
    return max(
        sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
        for line in text.splitlines() or [""]
    )


def column_widths(table: Table) -> list[int]:
    """The width of each column of ``table``'s sheet: its widest cell (preamble, header
    with its filter button, or data) with a little room, between WIDTH_MIN and WIDTH_MAX."""
    rows = (*table.preamble, table.header, *table.rows)
    widths = [0] * max((len(row) for row in rows), default=0)
    for row in rows:
        button = _FILTER_BUTTON if row is table.header else 0
        for column, value in enumerate(row):
            widths[column] = max(widths[column], display_width(value) + button)
    return [min(max(width + 2, WIDTH_MIN), WIDTH_MAX) for width in widths]


def _write(sheet: Worksheet, number: int, row: Sequence[Value]) -> None:
    from openpyxl.styles import Alignment

    wrap = Alignment(wrap_text=True, vertical="top")
    for column, value in enumerate(row, start=1):
        cell = sheet.cell(row=number, column=column)
        if isinstance(value, str):
            cell.value = _ILLEGAL_XML.sub("", value)
            cell.data_type = "s"  # text even when it starts with "="
            if display_width(value) > WIDTH_MAX - 2 or "\n" in value:
                cell.alignment = wrap
        elif isinstance(value, datetime):
            cell.value = moment_text(value)  # keeps the offset, which Excel cannot
            cell.data_type = "s"
        elif isinstance(value, Percent):
            cell.value = value.share
            cell.number_format = PERCENT_FORMAT
        else:
            cell.value = value


def _sheet(sheet: Worksheet, table: Table) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    number = 1
    for row in table.preamble:
        _write(sheet, number, row)
        number += 1
    if table.preamble:
        number += 1  # a blank line between the preamble and the table
    header_row = number
    _write(sheet, header_row, table.header)
    bold, shade = Font(bold=True), PatternFill("solid", fgColor=_HEADER_FILL)
    for column in range(1, len(table.header) + 1):
        cell = sheet.cell(row=header_row, column=column)
        cell.font, cell.fill = bold, shade
    for offset, row in enumerate(table.rows, start=1):
        _write(sheet, header_row + offset, row)
    for column, width in enumerate(column_widths(table), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    if table.header:
        last = get_column_letter(len(table.header))
        sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + len(table.rows)}"
        sheet.freeze_panes = f"A{header_row + 1}"


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """The tables as one workbook, one sheet each, laid out for reading (see the module).

    Strings are always written as text (never formulas); characters XML cannot hold are
    dropped, so no user input can make the export fail.
    """
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    taken: set[str] = set()
    for table in tables:
        _sheet(book.create_sheet(sheet_title(table.title, taken)), table)
    if not tables:
        book.create_sheet("sheet")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
