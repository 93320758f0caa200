"""The township leadership's study ledger (乡镇领导班子学习台账, #14).

The guidelines ask each township's leadership to study together at least 20 times a
year, everyone with notes, and to write research reports (调研文章). Here:

- the township (its staff, or county staff) schedules centralised study for its
  leadership: a session held by the township unit itself (``meetings.leadership``), which
  invites the township's leadership members as the roster marks them — read live like
  every session's invitation (storage/meetings.py INVITED) until it closes, when its
  attendance rows become the record. They are invited, reminded and given the check-in
  buttons privately (the township has no group chat);
- a leadership member files research reports (/research), kept with their date;
- the ledger — per member, in the roster's order: the township's sessions for its
  leadership attended, of the 20 (a branch's centralised study is not one of them), the
  pace expected by then (from the day they were marked, for someone marked during the
  year), notes about those sessions, research reports — is shown to the township on
  demand (/leadership, with its spreadsheet) and in the bulletins (bot/centralised.py).
  No ranking, no colours: plain counts;
- on the first working morning after a quarter ends (after the National Day holiday for
  the third), a member behind the pace expected at its end is told once (an outbox key
  per member and quarter), with their township's next sessions; those on pace hear
  nothing, nor does anyone marked during that quarter. After the fourth quarter — the
  year's end, nothing left to catch up — a member below 20 is told the year's total
  once, and the new year's first sessions if any are scheduled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot import centralised, rendered
from bot.callbacks import ResearchOpen
from bot.centralised import TARGET, StudyTable, expected_by, year_bounds
from bot.clock import Clock
from bot.delivery import Buttons, Outgoing
from bot.file_names import period_file_name
from bot.i18n import N_, Tr
from bot.markup import CAPTION_LIMIT, MESSAGE_LIMIT, esc, short, shorten
from bot.recipients import translator_of
from bot.spreadsheets import Sheet, title_row, workbook
from storage import audit
from storage import leadership as ledger_repo
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Database, Statement
from storage.models import (
    LedgerRow,
    Meeting,
    Member,
    NewResearchReport,
    OutboxKind,
    OutboxRow,
    ResearchMedia,
    ResearchReport,
    Unit,
)

TITLE_MAX = 100
BODY_MAX = 3000
COMING_SHOWN = 3  # a township's next sessions, named in a reminder and the ledger
REMINDER_DAYS = 7  # after the first working morning: a bot down that morning still tells
NOBODY_MARKED = N_(
    "Nobody of {township} is marked as leadership on the roster (column 乡镇领导班子)."
)


# --- the ledger ---------------------------------------------------------------------------


async def ledger(db: Database, clock: Clock, township: Unit) -> StudyTable:
    """One township's leadership, this year up to today."""
    async with db.read() as c:
        return await centralised.table(c, [(township.id, township.name)], clock.today(), clock.tz)


async def coming(db: Database, clock: Clock, township_id: int) -> list[Meeting]:
    async with db.read() as c:
        return await ledger_repo.coming_sessions(c, township_id, clock.now(), COMING_SHOWN)


def when(meeting: Meeting, clock: Clock) -> str:
    return meeting.starts_at.astimezone(clock.tz).strftime("%Y-%m-%d %H:%M")


def ledger_lines(
    tr: Tr, study: StudyTable, township: Unit, sessions: list[Meeting], clock: Clock
) -> list[str]:
    """The township's ledger as a message: a line per leadership member (roster order)."""
    found = [
        tr(
            "📚 <b>Study ledger of the leadership of {township}</b>, {year} up to {day}",
            township=esc(township.name),
            year=study.until.year,
            day=study.until.isoformat(),
        ),
        tr(
            "Centralised study: at least {target} a year; about {expected} expected by now.",
            target=TARGET,
            expected=study.expected,
        ),
        "",
    ]
    rows = [row for t in study.townships for row in t.members]
    if not rows:
        found.append(tr(NOBODY_MARKED, township=esc(township.name)))
    found += [
        tr(
            "{member} — {branch}",
            member=centralised.member_text(tr, row, study.until),
            branch=esc(row.branch),
        )
        for row in rows
    ]
    found.append("")
    if sessions:
        found.append(tr("Coming sessions:"))
        found += [f"· {when(m, clock)} {esc(m.topic)}" for m in sessions]
    else:
        found.append(tr("No centralised study is scheduled for them yet."))
    return found


def ledger_file(tr: Tr, study: StudyTable, township: Unit, clock: Clock) -> Outgoing:
    """The ledger as a spreadsheet: the bulletins' sheet of centralised study, for one
    township."""
    name, heading, rows = centralised.sheet(tr, study)
    start = date(study.until.year, 1, 1)
    data = workbook(
        [
            Sheet(
                name,
                heading,
                rows,
                title=title_row(
                    tr,
                    tr("Study ledger of the township leadership"),
                    scope=township.name,
                    start=start,
                    last=study.until,
                    made=clock.now(),
                ),
            )
        ]
    )
    file_name = period_file_name(
        tr("leadership study ledger"),
        start,
        study.until + timedelta(days=1),
        ".xlsx",
        township.name,
    )
    return Outgoing(
        shorten(
            tr(
                "📎 Study ledger of the leadership of {township}, {year}: a row per member.",
                township=esc(township.name),
                year=study.until.year,
            ),
            CAPTION_LIMIT,
        ),
        media_kind="document",
        upload=(file_name, data),
    )


async def ledger_spreadsheet(db: Database, clock: Clock, tr: Tr, township: Unit) -> Outgoing:
    study = await ledger(db, clock, township)
    return await rendered.off_loop(ledger_file, tr, study, township, clock)


# --- research reports -------------------------------------------------------------------


def files_reports(member: Member | None) -> bool:
    """A research report is the leadership's duty, and theirs to file."""
    return member is not None and member.state == "active" and member.township_leadership


async def file_report(
    db: Database,
    clock: Clock,
    member: Member,
    title: str,
    body: str,
    media: tuple[ResearchMedia, str, str | None] | None,
    by: int,
    ending: Statement | None = None,
) -> ResearchReport:
    """Store a report (the form's end in the same transaction)."""
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        report = await ledger_repo.add_report(
            c,
            NewResearchReport(
                member_id=member.id,
                title=title,
                body=body,
                media_kind=media[0] if media else None,
                file_id=media[1] if media else None,
                file_name=media[2] if media else None,
                created_by=by,
            ),
            now,
        )
        await audit.record(
            c, now, f"tg:{by}", "research.file", f"member:{member.id}", f"report:{report.id}"
        )
    return report


def _year(clock: Clock, year: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 1, 1), time(0), tzinfo=clock.tz)
    return start, start.replace(year=year + 1)


async def reports(
    db: Database, clock: Clock, member_ids: list[int], year: int
) -> list[ResearchReport]:
    """These members' reports filed in ``year``, newest first."""
    async with db.read() as c:
        return await ledger_repo.reports_of(c, member_ids, *_year(clock, year))


def report_line(tr: Tr, report: ResearchReport, clock: Clock, name: str | None = None) -> str:
    day = report.created_at.astimezone(clock.tz).date().isoformat()
    kind = {"document": "📎", "photo": "🖼"}.get(report.media_kind or "", "")
    line = f"· {day} {kind}{esc(report.title)}"
    return f"{line} — {esc(name)}" if name else line


SHOWN = 20  # reports listed, each with a button to open it: the newest
LABEL_MAX = 40  # a report's title on its button


def listed(
    tr: Tr, found: list[tuple[ResearchReport, str | None]], clock: Clock
) -> tuple[list[str], list[ResearchReport]]:
    """The newest :data:`SHOWN` of reports (newest first), as lines, and how many earlier
    ones are left out: the lines and the buttons (:func:`open_buttons`) name the same
    reports."""
    shown = found[:SHOWN]
    lines = [report_line(tr, report, clock, name) for report, name in shown]
    if len(found) > SHOWN:
        lines.append(tr("… and {n} earlier, not listed here.", n=len(found) - SHOWN))
    return lines, [report for report, _ in shown]


def open_buttons(shown: list[ResearchReport]) -> Buttons:
    """A button per report listed, to read it or get its file (a plain-text label)."""
    return [[(short(f"📖 {r.title}", LABEL_MAX), ResearchOpen(r.id).pack())] for r in shown]


@dataclass(frozen=True)
class Opened:
    report: ResearchReport
    author: Member
    township_id: int | None


async def opened(db: Database, report_id: int) -> Opened | None:
    """A report with its author and their township (whose staff may read it)."""
    async with db.read() as c:
        report = await ledger_repo.get_report(c, report_id)
        author = await member_repo.get_member(c, report.member_id) if report else None
        branch = await org_repo.get_unit(c, author.branch_id) if author else None
    if report is None or author is None:
        return None
    return Opened(report, author, branch.parent_id if branch else None)


def report_message(tr: Tr, found: Opened, clock: Clock) -> Outgoing:
    """The report itself: its file (the title and text as caption) or its text."""
    report = found.report
    head = tr(
        "📄 <b>{title}</b> — {name}, {day}",
        title=esc(report.title),
        name=esc(found.author.name),
        day=report.created_at.astimezone(clock.tz).date().isoformat(),
    )
    text = head + ("\n" + esc(report.body) if report.body else "")
    if report.file_id is not None:
        return Outgoing(
            shorten(text, CAPTION_LIMIT), media_kind=report.media_kind, file_id=report.file_id
        )
    return Outgoing(shorten(text, MESSAGE_LIMIT))


async def own_list(
    db: Database, clock: Clock, tr: Tr, member: Member
) -> tuple[list[str], list[ResearchReport]]:
    """A member's research reports this year, for /research: the newest listed."""
    found = await reports(db, clock, [member.id], clock.today().year)
    lines = [
        tr(
            "📄 <b>Your research reports (调研文章) in {year}</b>: {n}",
            year=clock.today().year,
            n=len(found),
        )
    ]
    shown, buttons = listed(tr, [(r, None) for r in found], clock)
    return lines + shown, buttons


async def township_list(
    db: Database, clock: Clock, tr: Tr, township: Unit
) -> tuple[list[str], list[ResearchReport]]:
    """The research reports filed this year by members of a township, for its staff —
    those of someone no longer on the leadership too: the newest listed."""
    async with db.read() as c:
        found = await ledger_repo.township_reports(
            c, township.id, *_year(clock, clock.today().year)
        )
    lines = [
        tr(
            "📄 <b>Research reports of the leadership of {township}, {year}</b>: {n}",
            township=esc(township.name),
            year=clock.today().year,
            n=len(found),
        )
    ]
    shown, buttons = listed(tr, [(r, name) for r, name in found], clock)
    return lines + shown, buttons


# --- behind pace at a quarter's end -------------------------------------------------------


#: Months whose first days are a public holiday: month → the holiday's last day.
HOLIDAYS = {1: 1, 10: 7}  # New Year's Day; the National Day holiday, 1–7 October


def first_working_day(year: int, month: int) -> date:
    """The first Monday to Friday of the month on which nobody is on holiday: after New
    Year's Day in January, and in October after the National Day holiday (1–7 October) —
    a reminder about the third quarter sent on 1 October would reach people on holiday,
    so the first working morning after 30 September is the first working day on or after
    8 October. (The days a holiday's weekends are worked in exchange, 调休, change every
    year and are not followed: a weekday is a working day here.)"""
    day = date(year, month, HOLIDAYS.get(month, 0) + 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def quarter_due(today: date) -> date | None:
    """The last day of the quarter whose reminders are due today: from the first working
    morning after it ends (:func:`first_working_day`: for the third quarter, after the
    National Day holiday), for :data:`REMINDER_DAYS` days (a bot that was down that
    morning still tells; the outbox keys tell each member once)."""
    if today.month not in (1, 4, 7, 10):
        return None
    first = first_working_day(today.year, today.month)
    if not first <= today < first + timedelta(days=REMINDER_DAYS):
        return None
    return date(today.year, today.month, 1) - timedelta(days=1)


@dataclass(frozen=True)
class Behind:
    member_id: int
    telegram_id: int
    township_id: int
    sessions: int
    expected: int
    since: date | None  # marked as leadership during the year, on this day


def quarter_start(ended: date) -> date:
    """The first day of the quarter ending on ``ended``."""
    return date(ended.year, ended.month - 2, 1)


def behind_at(rows: list[LedgerRow], ended: date) -> list[Behind]:
    """Who is told after the quarter ending on ``ended``: those behind the pace expected
    of them by then — from 1 January, or from the day they were marked as leadership —
    but nobody marked during that quarter (or since): they had no quarter to keep pace
    in."""
    found = []
    for row in rows:
        since = centralised.marked_during(row.since, ended.year)
        if row.telegram_id is None or (row.since is not None and row.since >= quarter_start(ended)):
            continue
        expected = expected_by(ended, since)
        if row.sessions < expected:
            found.append(
                Behind(
                    row.member_id, row.telegram_id, row.township_id, row.sessions, expected, since
                )
            )
    return found


async def queue_behind(db: Database, clock: Clock, at: time) -> int:
    """Tell each leadership member behind the pace expected at the quarter's end, once."""
    now = clock.now()
    ended = quarter_due(now.date())
    if ended is None or now.time() < at:
        return 0
    async with db.read() as c:
        behind = behind_at(await ledger_repo.ledger(c, *year_bounds(ended, clock.tz)), ended)
    if not behind:
        return 0
    async with db.tx() as c:
        return await outbox_repo.enqueue_new(
            c,
            [
                outbox_repo.Envelope(
                    f"study-behind:{ended.isoformat()}:member:{b.member_id}",
                    b.telegram_id,
                    OutboxKind.STUDY_BEHIND,
                    b.member_id,
                    {
                        "ended": ended.isoformat(),
                        "sessions": b.sessions,
                        "expected": b.expected,
                        "township": b.township_id,
                        "since": b.since.isoformat() if b.since else None,
                    },
                )
                for b in behind
            ],
            now,
        )


YEAR_BEHIND = N_(
    "📚 Centralised study in {year}: you attended {n} of the {target} sessions a year the "
    "township leadership is asked for."
)
QUARTER_BEHIND = N_(
    "📚 Centralised study: by the end of {day} you had attended {n} sessions this year; "
    "about {expected} were expected by then (at least {target} a year)."
)


async def render_behind(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """Dropped for someone no longer on the leadership (or gone) when it goes out."""
    async with db.read() as c:
        member = await member_repo.get_member(c, row.ref_id or 0)
    if member is None or member.state != "active" or not member.township_leadership:
        return None
    tr = await translator_of(db, row.chat_id)
    ended = date.fromisoformat(str(row.payload["ended"]))
    since = row.payload.get("since")
    lines = [
        tr(YEAR_BEHIND, year=ended.year, n=row.payload["sessions"], target=TARGET)
        if ended.month == 12 and not since
        else tr(
            QUARTER_BEHIND,
            day=ended.isoformat(),
            n=row.payload["sessions"],
            expected=row.payload["expected"],
            target=TARGET,
        )
    ]
    if since:  # marked during the year: what was expected ran from that day
        lines.append(
            tr("Counted from {since}, the day you were marked as township leadership.", since=since)
        )
    sessions = await coming(db, clock, int(row.payload["township"]))
    if sessions:
        lines.append(tr("Your township's next sessions:"))
        lines += [f"· {when(m, clock)} {esc(m.topic)}" for m in sessions]
    lines.append(tr("This is the only reminder for this quarter."))
    return Outgoing("\n".join(lines))
