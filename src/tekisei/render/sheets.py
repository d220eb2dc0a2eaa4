"""Tables out as spreadsheets (XLSX) and CSV, never as formulas.

Every export that produces a spreadsheet or CSV builds :class:`Table` values and calls
:func:`xlsx_bytes` or :func:`csv_text`; nothing else in tekisei writes those formats
(a test keeps it so). A user's text that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return would otherwise be read as a formula by spreadsheet software
(CSV/formula injection, OWASP): in XLSX every string is written with the string data
type, and in CSV such a cell is prefixed with an apostrophe, as OWASP advises.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

Value = str | int | float | bool | date | datetime | None

# Characters that make spreadsheet software read a cell as a formula or command (OWASP
# CSV injection), with their full-width forms, which Japanese input methods produce and
# some spreadsheet software also accepts.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Characters XML 1.0 (and so XLSX) cannot hold; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31


@dataclass(frozen=True)
class Table:
    """One sheet: a title, a header row, data rows and optional lines above the header."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Value]]
    preamble: Sequence[Sequence[Value]] = field(default_factory=tuple)
    """Rows written before the header (e.g. the system's name and scores)."""


def csv_cell(value: Value) -> str:
    """``value`` as CSV cell text that no spreadsheet software reads as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
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


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """The tables as one workbook, one sheet each, header rows in bold.

    Strings are always written as text (never formulas); characters XML cannot hold are
    dropped, so no user input can make the export fail.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(sheet_title(table.title, taken))
        rows = [
            *(("preamble", r) for r in table.preamble),
            *([("blank", ())] if table.preamble else []),
            ("header", table.header),
            *(("data", r) for r in table.rows),
        ]
        for number, (kind, row) in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(row=number, column=column)
                if isinstance(value, str):
                    cell.value = _ILLEGAL_XML.sub("", value)
                    cell.data_type = "s"  # text even when it starts with "="
                elif isinstance(value, datetime):
                    cell.value = value.isoformat()  # keeps the offset, which Excel cannot
                    cell.data_type = "s"
                else:
                    cell.value = value
                if kind == "header":
                    cell.font = bold
    if not tables:
        book.create_sheet("sheet")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
