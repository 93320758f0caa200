"""Writing .xlsx files: sheets of a heading row and data rows.

XlsxWriter rather than openpyxl for writing: it streams a county's 30,000 member rows in
well under a second where openpyxl takes several (openpyxl stays for reading rosters).
Every string is written as text: XlsxWriter would otherwise store a name or a note that
begins with ``=`` as a formula and a link as a hyperlink, which Excel and WPS evaluate
when the file is opened (CSV/formula injection). Numbers stay numbers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import xlsxwriter

SHEET_NAME_MAX = 31


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


def workbook(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False,
                                        "default_date_format": "yyyy-mm-dd"})
    bold = book.add_format({"bold": True})
    taken: set[str] = set()
    for title, heading, rows in sheets:
        sheet = book.add_worksheet(sheet_name(title, taken))
        sheet.write_row(0, 0, list(heading), bold)
        for index, row in enumerate(rows, start=1):
            sheet.write_row(index, 0, [None if isinstance(v, Link) else v for v in row])
            for column, value in enumerate(row):
                if isinstance(value, Link):
                    sheet.write_url(index, column, value.url, string=value.text)
    book.close()
    return buffer.getvalue()
