"""Loading the organisation tree and its members from the staff's roster files.

An import is all or nothing: every file is read and every row checked first, then the
whole change runs in one transaction that is rolled back if any row is wrong (or if it
is a dry run), so the report of a dry run is exactly what a real run would do. Members
are matched by their roster number (编号, ``members.roster_key``), never by name: names
repeat in a village and get corrected. Nothing is ever deleted — a member missing from
the file is only counted — and what the bot learned itself (the Telegram account, the
state, who is exempt from writing) is never overwritten.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.utils.datetime import from_excel

from bot import roles
from bot.clock import Clock
from bot.i18n import N_, Tr
from bot.makeup import queue_make_up
from bot.profile import NAME_MAX, OLDEST_BIRTH_YEAR, YOUNGEST_AGE, InvalidInput, clean_text
from bot.roster_files import HEADER_NAMES, RosterFileError, Row, Sheet, cell_text, read_roster_file
from storage import audit
from storage import members as member_repo
from storage import org as org_repo
from storage.db import Conn, Database
from storage.models import Member, MemberStatus, NewMember, UnitKind

KEY_MAX = 32
UNIT_NAME_MAX = 60
MAX_REPORTED = 200  # errors and changes listed one by one; the rest are counted

STATUS_WORDS: dict[str, MemberStatus] = {
    "正式党员": "full",
    "正式": "full",
    "党员": "full",
    "full": "full",
    "预备党员": "probationary",
    "预备": "probationary",
    "probationary": "probationary",
    "入党积极分子": "activist",
    "积极分子": "activist",
    "activist": "activist",
}
YES = {"是", "y", "yes", "true", "1", "√", "✓", "流动"}
NO = {"否", "n", "no", "false", "0", "×", "", "不流动"}


@dataclass(frozen=True)
class Problem:
    """Something wrong (or worth saying) about a place in a file."""

    where: str
    row: int | None
    column: str | None
    message: str
    fields: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class MemberChange:
    key: str
    name: str
    columns: tuple[str, ...]  # headers of the columns whose values changed


@dataclass
class ImportReport:
    files: list[str]
    dry_run: bool
    errors: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    units_created: Counter[str] = field(default_factory=Counter)
    added: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)
    updated: list[MemberChange] = field(default_factory=list)
    unchanged: int = 0
    not_in_files: list[tuple[str, str]] = field(default_factory=list)
    had_members: bool = False
    made_up: int = 0  # materials queued for members the files mark as newly working away

    @property
    def written(self) -> bool:
        return not self.errors and not self.dry_run


class _Rollback(Exception):
    """Leave the transaction without writing: a dry run, or a file with errors."""


# --- reading cells ---------------------------------------------------------------------


def _required_text(value: Any, empty: str, limit: int, too_long: str) -> str:
    text = cell_text(value)
    if not text:
        raise InvalidInput(empty)
    if len(text) > limit:
        raise InvalidInput(too_long, limit=limit)
    return text


def _unit_name(value: Any) -> str | None:
    text = cell_text(value)
    if len(text) > UNIT_NAME_MAX:
        raise InvalidInput(N_("a name can be at most {limit} characters"), limit=UNIT_NAME_MAX)
    return text or None


# A year of birth, or the year and month (出生年月) and even the day, as rosters write
# them: 1975, 1975年, 1975-03, 1975/3, 1975.03, 197503, 1975年3月, 1975-03-15, 1975年3月15日.
_BIRTH = re.compile(
    r"(\d{4})\s*年?\s*(?:[-/.]?\s*(\d{1,2})\s*月?\s*"
    r"(?:[-/.]?\s*(\d{1,2})\s*日?)?)?"
)
# A date cell that lost its date format shows Excel's day number: 10000 is 1927-05-18,
# 99999 is 2173-10-14, so a five-digit number there is a date, not a year.
_EXCEL_DAYS = range(10_000, 100_000)


def _real_month(match: re.Match[str]) -> bool:
    month, day = (int(part or 1) for part in match.group(2, 3))
    return 1 <= month <= 12 and 1 <= day <= 31


def _birth_year(value: Any, today: date) -> int | None:
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (int(value) in _EXCEL_DAYS)
    ):
        value = from_excel(value)
    if isinstance(value, datetime | date):
        year = value.year
    else:
        text = cell_text(value)
        if not text:
            return None
        match = _BIRTH.fullmatch(text)
        if match is None or not _real_month(match):
            raise InvalidInput(
                N_("“{value}” is not a year or month of birth: write 1975, 1975-03 or 1975年3月"),
                value=text,
            )
        year = int(match.group(1))
    last = today.year - YOUNGEST_AGE
    if not OLDEST_BIRTH_YEAR <= year <= last:
        raise InvalidInput(
            N_("{value} is not a year of birth between {first} and {last}"),
            value=year,
            first=OLDEST_BIRTH_YEAR,
            last=last,
        )
    return year


def _status(value: Any) -> MemberStatus:
    text = cell_text(value).lower()
    if not text:
        raise InvalidInput(N_("empty: write 正式党员, 预备党员 or 入党积极分子"))
    status = STATUS_WORDS.get(text.replace(" ", ""))
    if status is None:
        raise InvalidInput(
            N_("“{value}” is not a status: write 正式党员, 预备党员 or 入党积极分子"),
            value=cell_text(value),
        )
    return status


def _phone(value: Any) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    digits = "".join(ch for ch in text if ch not in " -()（）")
    body = digits.removeprefix("+")
    if not body.isdigit() or not 5 <= len(body) <= 15:
        raise InvalidInput(N_("“{value}” does not look like a phone number"), value=text)
    return digits


def _flowing(value: Any) -> bool:
    text = cell_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise InvalidInput(N_("“{value}”: write 是 (working away) or 否"), value=cell_text(value))


def _yes_no(value: Any, explained: str) -> bool:
    text = cell_text(value).lower()
    if text in YES - {"流动"}:
        return True
    if text in NO - {"不流动"}:
        return False
    raise InvalidInput(explained, value=cell_text(value))


def _leadership(value: Any) -> bool:
    return _yes_no(value, N_("“{value}”: write 是 (a member of the township leadership) or 否"))


def _committee(value: Any) -> bool:
    return _yes_no(value, N_("“{value}”: write 是 (a member of the branch committee) or 否"))


def _place(value: Any) -> str | None:
    text = clean_text(cell_text(value))
    if len(text) > UNIT_NAME_MAX:
        raise InvalidInput(N_("a name can be at most {limit} characters"), limit=UNIT_NAME_MAX)
    return text or None


# --- rows as checked values ------------------------------------------------------------


@dataclass
class UnitRow:
    sheet: Sheet
    row: Row
    county: str | None
    township: str
    branch: str | None
    group: str | None


@dataclass
class MemberRow:
    sheet: Sheet
    row: Row
    key: str
    name: str
    county: str | None
    township: str | None
    branch: str
    group: str | None
    #: Columns this row sets, as ``members`` fields; a column the file lacks is left alone.
    values: dict[str, Any]
    #: False when a cell is wrong (already reported): the row is still placed in the
    #: organisation, so that a wrong branch shows in the same report, but never written.
    complete: bool = True


class _Checker:
    """Collects problems against a sheet and row, so each check stays one line."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report

    def fail(
        self, sheet: Sheet, row: int | None, column: str | None, message: str, **fields: object
    ) -> None:
        label = sheet.columns.get(column, HEADER_NAMES.get(column, column)) if column else None
        self.report.errors.append(Problem(sheet.label, row, label, message, fields))

    def cell(self, sheet: Sheet, row: Row, column: str, parse: Any, *args: Any) -> Any:
        """``parse(cell, *args)``, or ``_BAD`` after recording why the cell is wrong."""
        try:
            return parse(row.values.get(column), *args)
        except InvalidInput as exc:
            self.fail(sheet, row.number, column, exc.message, **exc.fields)
            return _BAD


_BAD: Any = object()  # a cell that failed its check; the row is dropped


REQUIRED: dict[str, tuple[str, ...]] = {
    "units": ("township",),
    "members": ("key", "name", "branch", "status"),
}


def _check_unit_row(check: _Checker, sheet: Sheet, row: Row) -> UnitRow | None:
    county = check.cell(sheet, row, "county", _unit_name)
    township = check.cell(sheet, row, "township", _unit_name)
    branch = check.cell(sheet, row, "branch", _unit_name)
    group = check.cell(sheet, row, "group", _unit_name)
    if _BAD in (county, township, branch, group):
        return None
    if township is None:
        check.fail(sheet, row.number, "township", N_("empty: every row needs its township"))
        return None
    if group is not None and branch is None:
        check.fail(sheet, row.number, "branch", N_("a party group needs the branch it is in"))
        return None
    return UnitRow(sheet, row, county, township, branch, group)


def _check_member_row(check: _Checker, sheet: Sheet, row: Row, today: date) -> MemberRow | None:
    """Every cell of the row checked; None if the row cannot even be placed in a branch.
    A required column the sheet lacks was reported once for the sheet, not per row."""

    def required(column: str, parse: Any, *args: Any) -> Any:
        return check.cell(sheet, row, column, parse, *args) if column in sheet.columns else _BAD

    key = required(
        "key",
        _required_text,
        N_("empty: every member needs a number that stays the same between imports"),
        KEY_MAX,
        N_("at most {limit} characters"),
    )
    name = required(
        "name",
        _required_text,
        N_("empty: write the member's name"),
        NAME_MAX,
        N_("a name can be at most {limit} characters"),
    )
    county = check.cell(sheet, row, "county", _unit_name)
    township = check.cell(sheet, row, "township", _unit_name)
    branch = required(
        "branch",
        _required_text,
        N_("empty: write the member's branch"),
        UNIT_NAME_MAX,
        N_("a name can be at most {limit} characters"),
    )
    group = check.cell(sheet, row, "group", _unit_name)
    values: dict[str, Any] = {"status": required("status", _status)}
    if "birth_year" in sheet.columns:
        values["birth_year"] = check.cell(sheet, row, "birth_year", _birth_year, today)
    if "phone" in sheet.columns:
        values["phone"] = check.cell(sheet, row, "phone", _phone)
    if "township_leadership" in sheet.columns:
        values["township_leadership"] = check.cell(sheet, row, "township_leadership", _leadership)
    if "committee" in sheet.columns:
        values["committee"] = check.cell(sheet, row, "committee", _committee)
    if "flowing" in sheet.columns:
        values["flowing"] = flowing = check.cell(sheet, row, "flowing", _flowing)
        city = check.cell(sheet, row, "flow_city", _place)
        employer = check.cell(sheet, row, "flow_employer", _place)
        if flowing is True:
            if city is None:
                check.fail(
                    sheet,
                    row.number,
                    "flow_city",
                    N_("empty: a member working away needs the city they work in"),
                )
                city = _BAD
            values["flow_city"] = city
            if "flow_employer" in sheet.columns:
                values["flow_employer"] = employer
        elif flowing is False:  # home: the stay closes (storage/stays.py), the host goes
            values.update(
                flow_city=None,
                flow_employer=None,
                flow_since=None,
                host_branch_id=None,
                host_name=None,
            )
    if any(value is _BAD for value in (county, township, branch, group)):
        return None
    complete = not any(value is _BAD for value in (key, name, *values.values()))
    return MemberRow(
        sheet,
        row,
        "" if key is _BAD else key,
        "" if name is _BAD else name,
        county,
        township,
        branch,
        group,
        {field: value for field, value in values.items() if value is not _BAD},
        complete,
    )


def _read_all(
    paths: list[Path], today: date, report: ImportReport
) -> tuple[list[UnitRow], list[MemberRow]]:
    check = _Checker(report)
    units: list[UnitRow] = []
    members: list[MemberRow] = []
    first_row_of_key: dict[str, tuple[str, int]] = {}
    for path in paths:
        try:
            sheets = read_roster_file(path)
        except RosterFileError as exc:
            report.errors.append(Problem(path.name, None, None, exc.message, exc.fields))
            continue
        if not any(sheet.kind for sheet in sheets):
            report.errors.append(
                Problem(
                    path.name,
                    None,
                    None,
                    N_(
                        "no roster table found: the header row needs columns such as 编号, 姓名, "
                        "乡镇, 支部"
                    ),
                )
            )
            continue
        for sheet in sheets:
            if sheet.kind is None:
                report.notes.append(
                    Problem(
                        sheet.label,
                        None,
                        None,
                        N_("no header row recognised in the first rows: sheet skipped"),
                    )
                )
                continue
            missing = [column for column in REQUIRED[sheet.kind] if column not in sheet.columns]
            for column in missing:
                check.fail(sheet, None, column, N_("this column is missing"))
            if missing and sheet.kind == "units":
                continue  # without townships its rows cannot be placed; members' can
            if "flowing" not in sheet.columns and {"flow_city", "flow_employer"} & set(
                sheet.columns
            ):
                report.notes.append(
                    Problem(
                        sheet.label,
                        None,
                        None,
                        N_("city and work unit are read only together with a 流动 column: ignored"),
                    )
                )
            for row in sheet.rows:
                if sheet.kind == "units":
                    unit_row = _check_unit_row(check, sheet, row)
                    if unit_row:
                        units.append(unit_row)
                    continue
                report.had_members = True
                member_row = _check_member_row(check, sheet, row, today)
                if member_row is None:
                    continue
                first = first_row_of_key.setdefault(member_row.key, (sheet.label, row.number))
                if member_row.key and first != (sheet.label, row.number):
                    check.fail(
                        sheet,
                        row.number,
                        "key",
                        N_("number {key} is already used in {where}, row {first_row}"),
                        key=member_row.key,
                        where=first[0],
                        first_row=first[1],
                    )
                    member_row.complete = False
                members.append(member_row)
    return units, members


# --- writing ----------------------------------------------------------------------------


class _Tree:
    """The units in the database, found or added by (kind, parent, name)."""

    def __init__(self, c: Conn, now: datetime, report: ImportReport) -> None:
        self.c, self.now, self.report = c, now, report
        self.ids: dict[tuple[UnitKind, int | None, str], int] = {}
        self.county_id: int | None = None
        self.county_name: str | None = None

    async def load(self) -> None:
        kinds: tuple[UnitKind, ...] = ("county", "township", "branch", "group")
        for kind in kinds:
            for unit in await org_repo.units_of_kind(self.c, kind):
                self.ids[(unit.kind, unit.parent_id, unit.name)] = unit.id
                if unit.kind == "county":
                    self.county_id, self.county_name = unit.id, unit.name

    async def ensure(self, kind: UnitKind, name: str, parent_id: int | None) -> int:
        found = self.ids.get((kind, parent_id, name))
        if found is not None:
            return found
        unit = await org_repo.add_unit(self.c, kind, name, parent_id, self.now)
        self.ids[(kind, parent_id, name)] = unit.id
        self.report.units_created[kind] += 1
        return unit.id

    def find(self, kind: UnitKind, name: str, parent_id: int | None) -> int | None:
        return self.ids.get((kind, parent_id, name))

    def named(self, kind: UnitKind, name: str) -> list[tuple[int | None, int]]:
        return [
            (parent, unit_id)
            for (k, parent, n), unit_id in self.ids.items()
            if k == kind and n == name
        ]


async def _write_units(tree: _Tree, rows: list[UnitRow], check: _Checker) -> None:
    if tree.county_name is None and rows:
        named = [row.county for row in rows if row.county]
        if not named:
            check.fail(
                rows[0].sheet,
                rows[0].row.number,
                "county",
                N_("the first import must name the county: add a 县 column"),
            )
            # A stand-in (rolled back with the rest) lets the townships, branches and
            # members below be checked in the same run.
            named = ["?"]
        tree.county_id = await tree.ensure("county", named[0], None)
        tree.county_name = named[0]
    for row in rows:
        if row.county and row.county != tree.county_name:
            check.fail(
                row.sheet,
                row.row.number,
                "county",
                N_("this database is for {county}, not {name}"),
                county=tree.county_name,
                name=row.county,
            )
            continue
        township = await tree.ensure("township", row.township, tree.county_id)
        if row.branch:
            branch = await tree.ensure("branch", row.branch, township)
            if row.group:
                await tree.ensure("group", row.group, branch)


def _branch_of(tree: _Tree, row: MemberRow, check: _Checker) -> int | None:
    if row.county and row.county != tree.county_name:
        check.fail(
            row.sheet,
            row.row.number,
            "county",
            N_("this database is for {county}, not {name}"),
            county=tree.county_name or "—",
            name=row.county,
        )
        return None
    if row.township:
        township = tree.find("township", row.township, tree.county_id)
        if township is None:
            check.fail(
                row.sheet,
                row.row.number,
                "township",
                N_("unknown township “{name}”: add it to the organisation sheet first"),
                name=row.township,
            )
            return None
        branch = tree.find("branch", row.branch, township)
        if branch is None:
            check.fail(
                row.sheet,
                row.row.number,
                "branch",
                N_("unknown branch “{name}” in {township}"),
                name=row.branch,
                township=row.township,
            )
        return branch
    matches = tree.named("branch", row.branch)
    if len(matches) == 1:
        return matches[0][1]
    if not matches:
        check.fail(
            row.sheet,
            row.row.number,
            "branch",
            N_("unknown branch “{name}”: add it to the organisation sheet first"),
            name=row.branch,
        )
    else:
        check.fail(
            row.sheet,
            row.row.number,
            "branch",
            N_("several townships have a branch “{name}”: fill in the township"),
            name=row.branch,
        )
    return None


async def _write_members(
    c: Conn, tree: _Tree, rows: list[MemberRow], check: _Checker, now: datetime, makeup_days: int
) -> None:
    report = check.report
    by_key = {member.roster_key: member for member in await member_repo.keyed_members(c)}
    for row in rows:
        branch_id = _branch_of(tree, row, check)
        if branch_id is None:
            continue
        values: dict[str, Any] = {"branch_id": branch_id, "name": row.name, **row.values}
        if "group" in row.sheet.columns:
            group_id = None
            if row.group:
                group_id = tree.find("group", row.group, branch_id)
                if group_id is None:
                    check.fail(
                        row.sheet,
                        row.row.number,
                        "group",
                        N_("unknown party group “{name}” in {branch}"),
                        name=row.group,
                        branch=row.branch,
                    )
                    continue
            values["group_id"] = group_id
        if not row.complete:
            continue
        existing = by_key.get(row.key)
        if existing is not None:
            if existing.branch_id != branch_id and "group_id" not in values:
                values["group_id"] = None  # the old branch's party group does not follow
            changed = _changes(existing, values)
            if changed:
                await member_repo.update_member(c, existing.id, changed, now)
                if "branch_id" in changed and existing.telegram_id is not None:
                    # Moved to another branch: secretary of the old one no more.
                    await roles.end_secretary_in(
                        c, now, "cli", existing.telegram_id, existing.branch_id
                    )
                await _make_up_if_left(c, existing, makeup_days, now, report)
                report.updated.append(
                    MemberChange(row.key, row.name, _headers_of(row.sheet, changed))
                )
            else:
                report.unchanged += 1
            continue
        joined = await member_repo.unkeyed_by_name(c, branch_id, row.name)
        if len(joined) == 1:
            await member_repo.update_member(c, joined[0].id, {"roster_key": row.key, **values}, now)
            await _make_up_if_left(c, joined[0], makeup_days, now, report)
            report.linked.append(row.key)
        else:
            await member_repo.insert_member(
                c, NewMember(roster_key=row.key, state="active", **values), now
            )
            report.added.append(row.key)
    if report.had_members:
        in_files = {row.key for row in rows}
        report.not_in_files = [
            (member.roster_key or "", member.name)
            for member in by_key.values()
            if member.roster_key not in in_files and member.state == "active"
        ]


async def _make_up_if_left(
    c: Conn, before: Member, makeup_days: int, now: datetime, report: ImportReport
) -> None:
    """A member the files mark as working away, who was not: they get what their branch's
    flowing members were sent lately, as if they had said so in the bot."""
    if before.flowing or before.telegram_id is None:
        return
    after = await member_repo.get_member(c, before.id)
    if after is not None and after.flowing:
        report.made_up += await queue_make_up(c, after, makeup_days, now)


_FIELD_COLUMN = {
    "branch_id": "branch",
    "group_id": "group",
    "flow_since": "flowing",
    "host_branch_id": "flowing",
    "host_name": "flowing",
}


def _headers_of(sheet: Sheet, fields: dict[str, Any]) -> tuple[str, ...]:
    """The changed columns as the file names them, in the file's order."""
    columns = {_FIELD_COLUMN.get(name, name) for name in fields}
    return tuple(header for column, header in sheet.columns.items() if column in columns)


def _changes(member: Member, values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if getattr(member, name) != value}


async def import_roster(
    db: Database, paths: list[Path], clock: Clock, *, dry_run: bool = False, makeup_days: int = 0
) -> ImportReport:
    """Check every file, then write all of it in one transaction, or nothing."""
    report = ImportReport(files=[path.name for path in paths], dry_run=dry_run)
    now = clock.now()
    # Rows with a wrong cell are still placed in the organisation (never written), and
    # the database's answers (unknown branch, another county) come in the same report:
    # one pass shows every problem of every file.
    unit_rows, member_rows = _read_all(paths, now.date(), report)
    check = _Checker(report)
    try:
        async with db.tx() as c:
            tree = _Tree(c, now, report)
            await tree.load()
            await _write_units(tree, unit_rows, check)
            if member_rows and tree.county_id is None:
                report.errors.append(
                    Problem(
                        member_rows[0].sheet.label,
                        None,
                        None,
                        N_(
                            "the database has no organisation yet: import the organisation sheet "
                            "(县, 乡镇, 支部) first or together"
                        ),
                    )
                )
            else:
                await _write_members(c, tree, member_rows, check, now, makeup_days)
            if report.errors or dry_run:
                raise _Rollback
            await audit.record(
                c, now, "cli", "roster.import", ", ".join(report.files), _summary(report)
            )
    except _Rollback:
        pass
    _in_file_order(report.errors)
    return report


def _in_file_order(problems: list[Problem]) -> None:
    """Each file's and sheet's problems together, by row: reading and the database
    check found them in two rounds."""
    order: dict[str, int] = {}
    for problem in problems:
        order.setdefault(problem.where, len(order))
    problems.sort(key=lambda p: (order[p.where], p.row or 0))


def _summary(report: ImportReport) -> str:
    units = ",".join(f"{kind}+{n}" for kind, n in sorted(report.units_created.items()))
    return (
        f"units {units or 0}; members +{len(report.added)} ~{len(report.updated)} "
        f"linked {len(report.linked)} same {report.unchanged} "
        f"absent {len(report.not_in_files)}"
    )


# --- the report --------------------------------------------------------------------------


def _place_of(problem: Problem, tr: Tr) -> str:
    parts = [problem.where]
    if problem.row is not None:
        parts.append(tr("row {row}", row=problem.row))
    if problem.column:
        parts.append(problem.column)
    return ", ".join(parts)


def _line(problem: Problem, tr: Tr) -> str:
    return f"  {_place_of(problem, tr)}: {tr(problem.message, **problem.fields)}"


def format_report(report: ImportReport, tr: Tr) -> str:
    """What the person at the desk reads: every error with its place, or what changed."""
    lines: list[str] = []
    for note in report.notes:
        lines.append(tr("Note") + " — " + _line(note, tr).strip())
    if report.errors:
        lines.append(
            tr(
                "{n} problems found; nothing was written. Correct the files and import them again:",
                n=len(report.errors),
            )
        )
        lines += [_line(problem, tr) for problem in report.errors[:MAX_REPORTED]]
        if len(report.errors) > MAX_REPORTED:
            lines.append(tr("  … and {n} more", n=len(report.errors) - MAX_REPORTED))
        return "\n".join(lines)
    created = report.units_created
    lines.append(
        tr(
            "Organisation: {townships} townships, {branches} branches and {groups} "
            "party groups added",
            townships=created["township"],
            branches=created["branch"],
            groups=created["group"],
        )
    )
    if created["county"]:
        lines.append(tr("County created."))
    lines.append(
        tr(
            "Members: {added} added, {updated} updated, {linked} matched to people "
            "who joined in the bot, {same} unchanged",
            added=len(report.added),
            updated=len(report.updated),
            linked=len(report.linked),
            same=report.unchanged,
        )
    )
    for change in report.updated[:MAX_REPORTED]:
        lines.append(
            tr(
                "  {key} {name}: {columns}",
                key=change.key,
                name=change.name,
                columns=", ".join(change.columns),
            )
        )
    if len(report.updated) > MAX_REPORTED:
        lines.append(tr("  … and {n} more", n=len(report.updated) - MAX_REPORTED))
    if report.made_up:
        lines.append(
            tr(
                "{n} study materials queued for members now marked as working away "
                "(what their branch's flowing members were sent lately).",
                n=report.made_up,
            )
        )
    if report.not_in_files:
        shown = ", ".join(f"{key} {name}" for key, name in report.not_in_files[:20])
        more = "…" if len(report.not_in_files) > 20 else ""
        lines.append(
            tr(
                "{n} members in the database are not in these files ({names}{more}); "
                "they were left as they are.",
                n=len(report.not_in_files),
                names=shown,
                more=more,
            )
        )
    lines.append(tr("Dry run: nothing was written.") if report.dry_run else tr("Imported."))
    return "\n".join(lines)
