"""Reading back the spreadsheets the bot writes, as a person would see them: a title row
(when there is one), the heading row kept in view, the data under it."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_from_string


def book(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def heading_row(sheet: Any) -> int:
    """The heading is the last row kept in view (the frozen panes), 1-based."""
    frozen = sheet.freeze_panes
    assert frozen, f"{sheet.title}: the heading row is not frozen"
    return int(coordinate_from_string(frozen)[1]) - 1


def title(sheet: Any) -> str:
    """The title line above the heading row ("" for a sheet without one)."""
    return str(sheet.cell(1, 1).value) if heading_row(sheet) > 1 else ""


def heading(sheet: Any) -> tuple[Any, ...]:
    row = heading_row(sheet)
    return next(sheet.iter_rows(min_row=row, max_row=row, values_only=True))


def rows(sheet: Any) -> list[tuple[Any, ...]]:
    """The data rows, under the heading."""
    return list(sheet.iter_rows(min_row=heading_row(sheet) + 1, values_only=True))
