"""Centralised study (集中学习) of the township leadership: at least 20 times a year.

The twenty are the township leadership studying together — the township committee's
centralised study — and the duty of the leadership (乡镇领导班子, marked on the roster),
not of every member: only they see their count against 20 in their study record, with
the pace for the date — "6 of 20" reads as behind in November and as on the way in
March — and staff see each township's leadership in the county and township bulletins.
A session counts when the township held it for its leadership (``meetings.leadership``,
bot/leadership.py) and the member was there, in person or remotely, each session once. A
village branch's centralised study is the branch's, not the leadership's together, and
does not count toward the twenty, though a leadership member attends it.

Someone marked as leadership during the year (``members.township_leadership_since``) is
not judged from 1 January: the pace expected of them runs from the day they were marked
(:func:`expected_by`). The ledger beside the count: notes written about those sessions
and research reports (调研文章) filed, in the roster's order, never ranked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from bot.i18n import Tr
from bot.markup import esc
from bot.notes import CENTRALISED_STUDY_TARGET as TARGET
from storage import leadership as ledger_repo
from storage.db import Conn
from storage.models import LedgerRow, Member

__all__ = [
    "TARGET",
    "StudyTable",
    "expected_by",
    "lines",
    "marked_during",
    "member_text",
    "record_line",
    "sheet",
    "table",
    "year_bounds",
]


def expected_by(day: date, since: date | None = None) -> int:
    """Sessions an even pace reaches by the end of ``day``: the year's target spread over
    its days, to the nearest whole session.

    For someone marked as leadership on ``since`` (a day of ``day``'s year after 1
    January) the year's target is prorated by the share of the year left from that day,
    target × (days from ``since`` to 31 December) / (days of the year), and spread evenly
    over those days; so by ``day`` they are expected target × (days from ``since``
    through ``day``) / (days of the year), rounded the same way — nothing before they
    were marked. ``since`` None or in an earlier year: the whole year."""
    first = date(day.year, 1, 1)
    start = first if since is None or since <= first else since
    if day < start:
        return 0
    days = (date(day.year + 1, 1, 1) - first).days
    return min(TARGET, math.floor(TARGET * ((day - start).days + 1) / days + 0.5))


def marked_during(since: date | None, year: int) -> date | None:
    """The day someone was marked as leadership, if it was in ``year`` after 1 January
    (what they are expected is prorated from it); None when they owe the whole year."""
    if since is None or since.year != year or since == date(year, 1, 1):
        return None
    return since


def record_line(
    tr: Tr, member: Member, attended: int, today: date, year: int | None = None
) -> str | None:
    """The study record's line for a member of the township leadership; nothing for
    anyone else (the twenty are not their duty). A past ``year`` is judged whole (or from
    the day they were marked, if that was in it)."""
    if not member.township_leadership:
        return None
    since = member.township_leadership_since
    if year is not None and year < today.year:
        marked = marked_during(since, year)
        if marked is not None:
            return tr(
                "Centralised study (township leadership) in {year}: {n} of {target}; "
                "marked on {since}, about {expected} expected by the year's end",
                year=year,
                n=attended,
                target=TARGET,
                since=marked.isoformat(),
                expected=expected_by(date(year, 12, 31), marked),
            )
        return tr(
            "Centralised study (township leadership) in {year}: {n} of {target}",
            year=year,
            n=attended,
            target=TARGET,
        )
    if attended >= TARGET:
        return tr(
            "Centralised study (township leadership): {n} of {target} this year — "
            "the year's {target} are done",
            n=attended,
            target=TARGET,
        )
    marked = marked_during(since, today.year)
    if marked is not None:
        return tr(
            "Centralised study (township leadership): {n} of {target} this year; marked on "
            "{since}, so by now about {expected} expected",
            n=attended,
            target=TARGET,
            since=marked.isoformat(),
            expected=expected_by(today, marked),
        )
    return tr(
        "Centralised study (township leadership): {n} of {target} this year; by now "
        "about {expected} expected",
        n=attended,
        target=TARGET,
        expected=expected_by(today),
    )


@dataclass
class TownshipStudy:
    id: int
    name: str
    members: list[LedgerRow] = field(default_factory=list)  # in the roster's order


@dataclass
class StudyTable:
    """The leadership of each township in a bulletin's scope (or one township's ledger),
    for the year up to its end: sessions attended, notes about them, research reports."""

    until: date  # the last day counted
    townships: list[TownshipStudy]
    unmarked: list[str]  # townships with nobody marked as leadership on the roster

    @property
    def expected(self) -> int:
        return expected_by(self.until)


def year_bounds(until: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """From 1 January of ``until``'s year to the end of ``until``."""
    return (
        datetime.combine(date(until.year, 1, 1), time(0), tzinfo=tz),
        datetime.combine(until + timedelta(days=1), time(0), tzinfo=tz),
    )


async def table(c: Conn, townships: list[tuple[int, str]], until: date, tz: tzinfo) -> StudyTable:
    """From 1 January of ``until``'s year to the end of ``until``."""
    wanted = dict(townships)
    found: dict[int, TownshipStudy] = {}
    for row in await ledger_repo.ledger(c, *year_bounds(until, tz)):
        if row.township_id in wanted:
            found.setdefault(row.township_id, TownshipStudy(row.township_id, row.township))
            found[row.township_id].members.append(row)
    return StudyTable(
        until,
        [found[t] for t, _ in townships if t in found],
        [name for t, name in townships if t not in found],
    )


def member_text(tr: Tr, row: LedgerRow, until: date) -> str:
    """One member's figures, as listed (no ranking: the roster's order, plain counts);
    for someone marked during the year, since when and the pace expected of them."""
    marked = marked_during(row.since, until.year)
    if marked is not None:
        return tr(
            "{name} {n}/{target} (marked on {since}, about {expected} expected; notes "
            "{notes}, research reports {reports})",
            name=esc(row.name),
            n=row.sessions,
            target=TARGET,
            since=marked.isoformat(),
            expected=expected_by(until, marked),
            notes=row.notes,
            reports=row.reports,
        )
    return tr(
        "{name} {n}/{target} (notes {notes}, research reports {reports})",
        name=esc(row.name),
        n=row.sessions,
        target=TARGET,
        notes=row.notes,
        reports=row.reports,
    )


def lines(tr: Tr, study: StudyTable) -> list[str]:
    found = [
        tr(
            "<b>Centralised study of the township leadership</b>, {year} up to {day} "
            "(target {target} a year; about {expected} expected by then)",
            year=study.until.year,
            day=study.until.isoformat(),
            target=TARGET,
            expected=study.expected,
        )
    ]
    for township in study.townships:
        found.append(
            tr(
                "{township}: {members}",
                township=esc(township.name),
                members=" · ".join(member_text(tr, row, study.until) for row in township.members),
            )
        )
    if study.unmarked:
        found.append(
            tr(
                "Townships with no leadership marked on the roster (column 乡镇领导班子): {names}",
                names="、".join(esc(name) for name in study.unmarked),
            )
        )
    return found


def sheet(tr: Tr, study: StudyTable) -> tuple[str, list[str], list[list[object]]]:
    return (
        tr("Centralised study"),
        [
            tr("Township"),
            tr("Branch"),
            tr("Member"),
            tr("Sessions this year"),
            tr("Target"),
            tr("Expected by {day}", day=study.until.isoformat()),
            tr("Notes on these sessions"),
            tr("Research reports"),
            tr("Marked as leadership on"),
        ],
        [
            [
                township.name,
                row.branch,
                row.name,
                row.sessions,
                TARGET,
                expected_by(study.until, row.since),
                row.notes,
                row.reports,
                marked_during(row.since, study.until.year),
            ]
            for township in study.townships
            for row in township.members
        ],
    )
