"""Writing .xlsx files that people can read on screen and print: sheets of a title row, a
heading row and data rows.

XlsxWriter rather than openpyxl for writing: it streams a county's 30,000 member rows in
well under a second where openpyxl takes several (openpyxl stays for reading rosters).
Every string is written as text: XlsxWriter would otherwise store a name or a note that
begins with ``=`` as a formula and a link as a hyperlink, which Excel and WPS evaluate
when the file is opened (CSV/formula injection). Numbers stay numbers, so a sheet can
still be summed and sorted; how they look is the column's number format (a share of
0.4444 shows as 44 %, a date as a date), not text.

What makes a sheet printable: a title row saying what it is, for which period and scope
and when it was made (it stays on every printed page with the heading row, and both
stay in view when scrolling); columns as wide as their contents (a Chinese character
counts two), long text wrapped rather than cut; A4, landscape when the sheet is wide,
fitted to the page's width, with page numbers.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal

import xlsxwriter

from bot.i18n import Tr
from bot.text_layout import width

SHEET_NAME_MAX = 31

ColumnKind = Literal["text", "integer", "number", "percent", "date", "datetime"]
NUMBER_FORMATS: Final[dict[ColumnKind, str]] = {
    "text": "General",
    "integer": "0",
    "number": "General",
    "percent": "0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
KIND_WIDTHS: Final[dict[ColumnKind, int]] = {"percent": 5, "date": 10, "datetime": 16}
MIN_WIDTH: Final = 6
MAX_WIDTH: Final = 50  # wider than this, text wraps within the column
HEADING_WIDTH: Final = 20  # a longer heading wraps rather than widening a narrow column
LANDSCAPE_FROM: Final = 95  # total width (characters) past which A4 turns sideways
A4: Final = 9


@dataclass(frozen=True)
class Sheet:
    """A sheet: its tab's name, the heading row, the rows; optionally the title row over
    them (else the workbook's) and what each column holds, in the heading's order (an
    absent or None kind is guessed from the values: dates and times are found, numbers
    stay general — a share must be declared ``"percent"``)."""

    name: str
    heading: Sequence[str]
    rows: Sequence[Sequence[object]]
    title: str = ""
    kinds: Sequence[ColumnKind | None] = ()


SheetLike = Sheet | tuple[str, Sequence[str], Sequence[Sequence[object]]]


@dataclass(frozen=True)
class Link:
    """A cell that opens ``url``: only links the bot makes itself (typed text never is)."""

    url: str
    text: str


def sheet_name(title: str, taken: set[str]) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name, each once."""
    name = re.sub(r"[\[\]:*?/\\]", "-", title)[:SHEET_NAME_MAX] or "Sheet"
    candidate, number = name, 2
    while candidate in taken:
        suffix = f" ({number})"
        candidate = name[: SHEET_NAME_MAX - len(suffix)] + suffix
        number += 1
    taken.add(candidate)
    return candidate


def title_row(
    tr: Tr,
    what: str,
    *,
    scope: str = "",
    start: date | None = None,
    last: date | None = None,
    made: datetime | None = None,
) -> str:
    """What the sheet is, whose, for which days (both included) and when it was made."""
    parts = [what, *([scope] if scope else [])]
    if start is not None and last is not None:
        parts.append(tr("{start} to {last}", start=start.isoformat(), last=last.isoformat()))
    if made is not None:
        parts.append(tr("made {time}", time=made.strftime("%Y-%m-%d %H:%M")))
    return " · ".join(parts)


def workbook(sheets: Sequence[SheetLike], *, title: str = "") -> bytes:
    """The .xlsx file. ``title`` is the title row of every sheet that has none of its
    own; a sheet without either starts with its heading row, as before titles existed."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    styles = _Styles(book)
    taken: set[str] = set()
    for sheet in sheets:
        if not isinstance(sheet, Sheet):
            sheet = Sheet(*sheet)
        _write(
            book.add_worksheet(sheet_name(sheet.name, taken)), sheet, sheet.title or title, styles
        )
    book.close()
    return buffer.getvalue()


class _Styles:
    def __init__(self, book: Any) -> None:
        self.title = book.add_format(
            {"bold": True, "font_size": 14, "text_wrap": True, "valign": "vcenter"}
        )
        self.heading = book.add_format(
            {
                "bold": True,
                "text_wrap": True,
                "valign": "vcenter",
                "bottom": 1,
                "bg_color": "#EEF3F8",
            }
        )
        self._columns: dict[tuple[ColumnKind, bool], Any] = {}
        self._book = book

    def column(self, kind: ColumnKind, wrapped: bool) -> Any:
        key = (kind, wrapped)
        if key not in self._columns:
            spec: dict[str, object] = {"num_format": NUMBER_FORMATS[kind], "valign": "top"}
            if wrapped:
                spec["text_wrap"] = True
            self._columns[key] = self._book.add_format(spec)
        return self._columns[key]


def _write(worksheet: Any, sheet: Sheet, title: str, styles: _Styles) -> None:
    columns = max(len(sheet.heading), max((len(row) for row in sheet.rows), default=0), 1)
    kinds = _kinds(sheet, columns)
    widths = _widths(sheet, kinds, columns)
    total = sum(widths)
    for index, (kind, chars) in enumerate(zip(kinds, widths, strict=True)):
        worksheet.set_column(index, index, chars, styles.column(kind, chars >= MAX_WIDTH))
    top = 0
    if title:
        lines = max(1, math.ceil(width(title) * 1.3 / total))  # title letters are larger
        worksheet.set_row(0, 21 * lines)
        if columns > 1:
            worksheet.merge_range(0, 0, 0, columns - 1, title, styles.title)
        else:
            worksheet.write_string(0, 0, title, styles.title)
        top = 1
    worksheet.write_row(top, 0, list(sheet.heading), styles.heading)
    for index, row in enumerate(sheet.rows, start=top + 1):
        worksheet.write_row(index, 0, [None if isinstance(v, Link) else v for v in row])
        for column, value in enumerate(row):
            if isinstance(value, Link):
                worksheet.write_url(index, column, value.url, string=value.text)
    worksheet.freeze_panes(top + 1, 0)
    worksheet.repeat_rows(0, top)
    worksheet.set_paper(A4)
    if total > LANDSCAPE_FROM:
        worksheet.set_landscape()
    worksheet.fit_to_pages(1, 0)
    worksheet.set_footer("&C&P / &N")


def _kinds(sheet: Sheet, columns: int) -> list[ColumnKind]:
    found: list[ColumnKind] = []
    for index in range(columns):
        declared = sheet.kinds[index] if index < len(sheet.kinds) else None
        found.append(declared or _guess(sheet.rows, index))
    return found


def _guess(rows: Sequence[Sequence[object]], index: int) -> ColumnKind:
    for row in rows:
        value = row[index] if index < len(row) else None
        if value is None or value == "":
            continue
        if isinstance(value, datetime):
            return "datetime"
        if isinstance(value, date):
            return "date"
        return "text" if isinstance(value, str | Link) else "number"
    return "text"


def _widths(sheet: Sheet, kinds: list[ColumnKind], columns: int) -> list[int]:
    """Each column as wide as its widest cell (and its heading, up to a point)."""
    widest = [KIND_WIDTHS.get(kind, 0) for kind in kinds]
    for row in sheet.rows:
        for index, value in enumerate(row):
            if value is None or index >= columns or kinds[index] in KIND_WIDTHS:
                continue
            text = (
                value
                if isinstance(value, str)
                else value.text
                if isinstance(value, Link)
                else f"{value:g}"
                if isinstance(value, float)
                else str(value)
            )
            chars = max(map(width, text.split("\n"))) if "\n" in text else width(text)
            if chars > widest[index]:
                widest[index] = chars
    for index, heading in enumerate(sheet.heading):
        widest[index] = max(widest[index], min(width(heading), HEADING_WIDTH))
    return [min(MAX_WIDTH, max(MIN_WIDTH, chars + 2)) for chars in widest]
