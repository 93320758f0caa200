"""Reading the staff's roster files: .xlsx workbooks and .csv exports, into plain rows.

Rosters are made by hand in Excel or WPS, so the reader is forgiving about form and
strict about meaning: the header row may sit under a title row, headers may carry a
``*`` or a note in brackets, CSVs may be UTF-8 (with or without BOM) or GB18030 (what
Excel on a Chinese Windows saves), and each sheet is recognised by its headers rather
than by its name. What a cell *means* is checked later, in :mod:`bot.roster`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from bot.i18n import N_
from bot.profile import clean_text

SheetKind = Literal["units", "members"]

#: Our column names and the headers people write for them (compared after normalising).
COLUMNS: dict[str, tuple[str, ...]] = {
    "county": ("县", "县市区", "县区", "county"),
    "township": ("乡镇", "乡镇街道", "乡镇党委", "township"),
    "branch": ("支部", "党支部", "村党支部", "所在支部", "所在党支部", "branch"),
    "group": ("党小组", "小组", "group", "partygroup"),
    "key": ("编号", "党员编号", "序号编号", "key", "id", "number"),
    "name": ("姓名", "name"),
    "birth_year": ("出生年份", "出生年", "出生年月", "出生日期", "birthyear", "born"),
    "status": ("身份", "党员身份", "类别", "党员类别", "status"),
    "phone": ("电话", "手机", "手机号", "联系电话", "phone", "mobile"),
    "flowing": ("流动", "流动党员", "是否流动", "是否流动党员", "flowing"),
    "flow_city": ("流入城市", "流入地", "外出城市", "city"),
    "flow_employer": ("工作单位", "务工单位", "employer"),
    "township_leadership": (
        "乡镇领导班子",
        "领导班子",
        "乡镇领导班子成员",
        "班子成员",
        "townshipleadership",
        "leadership",
    ),
    "committee": ("支委", "支部委员", "支委成员", "支委会成员", "committee"),
}

#: How each column is named in messages, in the language of the file's header row.
HEADER_NAMES: dict[str, str] = {column: aliases[0] for column, aliases in COLUMNS.items()}

HEADER_SCAN_ROWS = 10  # title rows above the header that we look past
MAX_ROWS = 100_000


def _normal(header: str) -> str:
    text = clean_text(header).lower()
    text = re.sub(r"[(（\[【].*?[)）\]】]", "", text)
    return re.sub(r"[\s*＊:：_\-]", "", text)


_ALIASES: dict[str, str] = {
    _normal(alias): column for column, aliases in COLUMNS.items() for alias in aliases
}


class RosterFileError(Exception):
    """A file that cannot be read at all; message id and fields for the report."""

    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


@dataclass
class Row:
    number: int  # as the person sees it: the Excel row, or the CSV line
    values: dict[str, Any]


@dataclass
class Sheet:
    """One table of a file, recognised by its header row."""

    file: str
    name: str  # sheet name in a workbook; empty for a CSV
    kind: SheetKind | None
    columns: dict[str, str] = field(default_factory=dict)  # our column → header as written
    rows: list[Row] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.file} [{self.name}]" if self.name else self.file


def cell_text(value: Any) -> str:
    """A cell as text: Excel numbers lose their ``.0``, dates become ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value))


def read_roster_file(path: Path) -> list[Sheet]:
    """Every recognisable table in one file; raises :class:`RosterFileError`."""
    if not path.exists():
        raise RosterFileError(N_("file not found"))
    if path.is_dir():
        raise RosterFileError(N_("this is a folder, not a file"))
    try:
        with path.open("rb"):
            pass
    except PermissionError:
        raise RosterFileError(N_("this user may not read the file")) from None
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return list(_read_workbook(path))
    if suffix == ".csv":
        return [_read_table(path.name, "", _csv_records(path))]
    if suffix in {".xls", ".et", ".wps"}:
        raise RosterFileError(
            N_("old Excel/WPS files cannot be read: open the file and save it as .xlsx")
        )
    raise RosterFileError(
        N_("unsupported file type {suffix}: use .xlsx or .csv"), suffix=suffix or "(none)"
    )


def _read_workbook(path: Path) -> Iterator[Sheet]:
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(path):
        raise RosterFileError(N_("not a readable .xlsx file (is it really an Excel workbook?)"))
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for damaged files
        raise RosterFileError(
            N_("not a readable .xlsx file (is it really an Excel workbook?)")
        ) from None
    try:
        for worksheet in workbook.worksheets:
            records = (
                (number, list(values))
                for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)
            )
            yield _read_table(path.name, worksheet.title, records)
    finally:
        workbook.close()


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(N_("the file's text encoding is neither UTF-8 nor GB18030"))


def _csv_records(path: Path) -> Iterator[tuple[int, list[Any]]]:
    text = _decode(path.read_bytes())
    if "\x00" in text:
        raise RosterFileError(N_("this does not look like a CSV text file"))
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t，")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    start = 1
    try:
        for values in reader:
            yield start, list(values)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RosterFileError(
            N_("the CSV cannot be read near line {line}: {reason}"),
            line=reader.line_num,
            reason=str(exc),
        ) from None


def _classify(columns: dict[str, str]) -> SheetKind | None:
    if "key" in columns or "name" in columns:
        return "members"
    if "township" in columns or "branch" in columns:
        return "units"
    return None


def _header(values: list[Any]) -> dict[int, str]:
    """Column index → our column, for the cells of one row that are known headers."""
    found: dict[int, str] = {}
    for index, value in enumerate(values):
        column = _ALIASES.get(_normal(cell_text(value)))
        if column is not None and column not in found.values():
            found[index] = column
    return found


def _read_table(file: str, name: str, records: Iterable[tuple[int, list[Any]]]) -> Sheet:
    sheet = Sheet(file=file, name=name, kind=None)
    header: dict[int, str] | None = None
    for number, values in records:
        if header is None:
            if number > HEADER_SCAN_ROWS:
                break
            found = _header(values)
            if len(found) >= 2 and _classify({column: "" for column in found.values()}):
                header = found
                sheet.columns = {
                    column: cell_text(values[index]) for index, column in found.items()
                }
                sheet.kind = _classify(sheet.columns)
            continue
        if not any(cell_text(value) for value in values):
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise RosterFileError(N_("more than {limit} rows: split the file"), limit=MAX_ROWS)
        sheet.rows.append(
            Row(
                number=number,
                values={
                    column: values[index] if index < len(values) else None
                    for index, column in header.items()
                },
            )
        )
    return sheet
