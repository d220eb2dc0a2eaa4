"""Times in exported sheets: to the second, with the offset of the organisation's clock."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tekisei.render.sheets import Table, csv_text, xlsx_bytes


def test_a_time_is_written_to_the_second_with_its_offset() -> None:
    moment = datetime(2026, 12, 2, 15, 22, 54, 599029, tzinfo=UTC).astimezone(
        ZoneInfo("Asia/Tokyo")
    )
    table = Table(title="t", preamble=[], header=["更新日時"], rows=[[moment]])
    assert "2026-12-03T00:22:54+09:00" in csv_text(table)
    sheet = load_workbook(io.BytesIO(xlsx_bytes([table]))).active
    assert sheet is not None
    assert sheet.cell(row=2, column=1).value == "2026-12-03T00:22:54+09:00"
