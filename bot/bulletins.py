"""The monthly and quarterly bulletin (每月一调度，每季一通报): each branch's measures.

For each branch and period: sessions held of those expected (the rhythm of 三会一课 and
the party activity day, :mod:`bot.rhythm`); attendance (present or remote over invited
minus approved leave); materials studied of received; heartfelt notes written of asked;
notices acknowledged of those delivered or to be told in person (members without
Telegram); and the contact-point days of the leaders whose point
the village is. The bulletin reports measures — no score, no ranking, no label: naming
backward villages (后进) is a yearly human judgement that :mod:`bot.review` prepares.
Branches are grouped by township, in the order of their names; a branch with nothing
recorded in the period comes first under a heading of its own, so doing nothing is
seen, never hidden. Acknowledgements and notes written count clicks and words: shown,
never weighed. Contact-point days are the leaders' work, not the village's: shown beside
its measures, for information. County and township bulletins end with the township
leadership's centralised study (:mod:`bot.centralised`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from matplotlib.figure import Figure

from bot import centralised, charts, rectification, rendered, rhythm, session_changes
from bot.clock import Clock
from bot.delivery import Outgoing
from bot.file_names import period_file_name
from bot.i18n import Tr, translator
from bot.markup import chunks, esc
from bot.meetings import KINDS
from bot.recipients import translator_of
from bot.spreadsheets import ColumnKind, Sheet, title_row, workbook
from bot.visits import days_at_points, month_bounds
from storage import bulletins as figures_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database
from storage.models import MeetingKind, MemberFigures, OutboxKind, OutboxRow, Unit

MEASURES = ("sessions", "attendance", "study", "notes", "notices", "visits")
#: What a branch did or was sent in the period; the expected sessions and the leaders'
#: quota are what was asked of it, not records.
RECORDS = ("attendance", "study", "notes", "notices")
CHART_BRANCHES = 4 * charts.ROWS_PER_IMAGE  # more, and the chart shows the spread instead


@dataclass(frozen=True)
class CalledOff:
    """A session that would have filled a slot left unheld, cancelled, and why."""

    kind: MeetingKind
    cause: str | None  # one of bot.session_changes.CAUSES, or 'other' with the words typed
    reason: str | None


@dataclass
class BranchLine:
    branch_id: int
    name: str
    township: str
    figures: dict[str, tuple[float, float]] = field(default_factory=dict)
    scheduled: int = 0  # sessions of any kind scheduled in the period
    held: int = 0  # of them, held (someone present or remote)
    called_off: list[CalledOff] = field(default_factory=list)  # why due slots went unheld

    def rate(self, measure: str) -> float | None:
        done, possible = self.figures.get(measure, (0.0, 0.0))
        return min(1.0, done / possible) if possible else None

    @property
    def records(self) -> bool:
        """Anything recorded of the branch in the period (see :data:`RECORDS`)."""
        return bool(
            self.scheduled
            or self.figures.get("sessions", (0.0, 0.0))[0]
            or any(self.figures.get(m, (0.0, 0.0))[1] for m in RECORDS)
            or self.figures.get("visits", (0.0, 0.0))[0]
        )


@dataclass
class Bulletin:
    scope: str
    start: date
    end: date  # exclusive
    today: date
    lines: list[BranchLine]  # no records first, then by township and name
    members: list[MemberFigures]
    study: centralised.StudyTable | None = None  # county and township bulletins
    made: datetime | None = None
    ledger: rectification.Standing | None = None  # the rectification ledger (整改台账)

    @property
    def idle(self) -> list[BranchLine]:
        return [line for line in self.lines if not line.records]

    @property
    def active(self) -> list[BranchLine]:
        return [line for line in self.lines if line.records]

    @property
    def studied(self) -> bool:
        """The township leadership has something in its study ledger this year: shown
        even when no branch has anything recorded in the period (their sessions are the
        township's, no branch's)."""
        return self.study is not None and any(
            row.sessions or row.notes or row.reports
            for township in self.study.townships
            for row in township.members
        )

    @property
    def running(self) -> bool:
        return self.end > self.today


def quarter_bounds(day: date) -> tuple[date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
    return start, end


async def measure(
    c: Conn,
    clock: Clock,
    branches: list[tuple[int, str, str]],
    start: date,
    end: date,
    quota: float,
) -> list[BranchLine]:
    """Each branch's measures for [start, end), in the order given."""
    begin = datetime.combine(start, time(0), tzinfo=clock.tz)
    finish = datetime.combine(end, time(0), tzinfo=clock.tz)
    due = rhythm.slots(start, end, clock.today())
    reach = rhythm.span(due)
    held = (
        rhythm.held_slots(
            await figures_repo.held_sessions(
                c,
                datetime.combine(reach[0], time(0), tzinfo=clock.tz),
                datetime.combine(reach[1], time(0), tzinfo=clock.tz),
            ),
            clock.tz,
        )
        if reach
        else {}
    )
    called_off: dict[int, list[tuple[rhythm.Slot, CalledOff]]] = {}
    if reach:
        for branch_id, kind, starts_at, cause, reason in await figures_repo.cancelled_sessions(
            c,
            datetime.combine(reach[0], time(0), tzinfo=clock.tz),
            datetime.combine(reach[1], time(0), tzinfo=clock.tz),
        ):
            slot = rhythm.slot_of(kind, starts_at, clock.tz)
            if slot is not None:
                called_off.setdefault(branch_id, []).append(
                    (slot, CalledOff(slot.kind, cause, reason))
                )
    grouped = await figures_repo.branches_with_groups(c)
    measures = {
        "attendance": await figures_repo.attendance(c, begin, finish),
        "study": await figures_repo.study(c, begin, finish),
        "notes": await figures_repo.notes(c, begin, finish),
        "notices": await figures_repo.notices(c, begin, finish),
    }
    sessions = await figures_repo.meetings(c, begin, finish)
    visits = await days_at_points(c, clock, start, end, quota)
    lines = []
    for branch_id, name, township in branches:
        line = BranchLine(branch_id, name, township)
        expected = rhythm.expected(due, branch_id in grouped)
        filled = held.get(branch_id, set())
        line.figures["sessions"] = (
            float(sum(slot in filled for slot in expected)),
            float(len(expected)),
        )
        unheld = {slot for slot in expected if slot not in filled}
        for slot, why in called_off.get(branch_id, []):
            if slot in unheld and why not in line.called_off:
                line.called_off.append(why)
        held_any, scheduled = sessions.get(branch_id, (0.0, 0.0))
        line.held, line.scheduled = int(held_any), int(scheduled)
        for measure_name, found in measures.items():
            if branch_id in found:
                line.figures[measure_name] = found[branch_id]
        if branch_id in visits:
            line.figures["visits"] = visits[branch_id]
        lines.append(line)
    return lines


async def build(
    db: Database, clock: Clock, scope_unit_id: int, start: date, end: date, quota: float
) -> Bulletin:
    """The bulletin of the branches under a unit for [start, end)."""
    begin = datetime.combine(start, time(0), tzinfo=clock.tz)
    finish = datetime.combine(end, time(0), tzinfo=clock.tz)
    today = clock.today()
    async with db.read() as c:
        scope = await org_repo.get_unit(c, scope_unit_id)
        branches = await branches_under(c, scope_unit_id)
        lines = await measure(c, clock, branches, start, end, quota)
        members = await figures_repo.members_figures(c, [b for b, _, _ in branches], begin, finish)
        study = None
        if scope is not None and scope.kind in ("county", "township"):
            townships = await _townships_of(c, scope)
            study = await centralised.table(
                c,
                [(t.id, t.name) for t in townships],
                min(end - timedelta(days=1), today),
                clock.tz,
            )
        ledger = await rectification.standing(c, clock, [b for b, _, _ in branches], start, end)
    lines.sort(key=lambda line: line.records)  # stable: township and name order kept
    return Bulletin(
        scope.name if scope else "—", start, end, today, lines, members, study, clock.now(), ledger
    )


async def _townships_of(c: Conn, scope: Unit) -> list[Unit]:
    if scope.kind == "township":
        return [scope]
    return await org_repo.children(c, scope.id, "township")


async def branches_under(c: Conn, unit_id: int) -> list[tuple[int, str, str]]:
    """(branch, name, township name) under a unit, by township and name."""
    unit = await org_repo.get_unit(c, unit_id)
    if unit is None:
        return []
    if unit.kind == "branch":
        parent = await org_repo.get_unit(c, unit.parent_id or 0)
        return [(unit.id, unit.name, parent.name if parent else "")]
    townships = (
        [unit] if unit.kind == "township" else await org_repo.children(c, unit.id, "township")
    )
    found = []
    for township in townships:
        for branch in await org_repo.children(c, township.id, "branch"):
            found.append((branch.id, branch.name, township.name))
    return found


# --- rendering ----------------------------------------------------------------------------------


def period_text(start: date, end: date) -> str:
    return f"{start.isoformat()} – {(end - timedelta(days=1)).isoformat()}"


def _fraction(line: BranchLine, measure: str) -> str:
    done, possible = line.figures.get(measure, (0.0, 0.0))
    return f"{done:g}/{possible:g}" if possible else "—"


def _percent(line: BranchLine, measure: str) -> str:
    rate = line.rate(measure)
    return "—" if rate is None else f"{rate:.0%}"


def branch_figures(tr: Tr, line: BranchLine) -> str:
    """A branch's measures on one line, each traceable to its records."""
    parts = [
        tr("sessions {held}", held=_fraction(line, "sessions")),
        tr("attendance {rate}", rate=_percent(line, "attendance")),
        tr("study {rate}", rate=_percent(line, "study")),
        tr("notes {written}", written=_fraction(line, "notes")),
        tr("notices acknowledged {count}", count=_fraction(line, "notices")),
    ]
    if "visits" in line.figures:
        days, quota = line.figures["visits"]
        parts.append(
            tr("contact-point days {days:g} (the leaders' quota {quota:g})", days=days, quota=quota)
        )
    parts += [esc(why) for why in called_off(tr, line)]
    return " · ".join(parts)


def called_off(tr: Tr, line: BranchLine) -> list[str]:
    """Why due sessions went unheld, where one was cancelled: "Party activity day
    cancelled: 暴雨" (plain text: escape it for a message)."""
    return [
        tr(
            "{kind} cancelled: {reason}",
            kind=tr(KINDS[why.kind]),
            reason=session_changes.reason_words(tr, why.cause, why.reason),
        )
        for why in line.called_off
    ]


def _idle_name(tr: Tr, line: BranchLine) -> str:
    """A branch with nothing recorded, with its township, and why a session it had
    scheduled did not take place."""
    about = "；".join(esc(part) for part in [line.township, *called_off(tr, line)])
    return f"{esc(line.name)}（{about}）"


def lines(tr: Tr, bulletin: Bulletin) -> list[str]:
    found = [
        tr(
            "📊 <b>Bulletin: {scope}, {period}</b>",
            scope=esc(bulletin.scope),
            period=period_text(bulletin.start, bulletin.end),
        )
    ]
    if not bulletin.active and bulletin.studied:
        found.append(
            tr(
                "No branch has anything recorded in this period; below, the township "
                "leadership's centralised study this year."
            )
        )
    elif not bulletin.active:
        found.append(
            tr(
                "No activity in this period: no sessions, materials, notes, visits "
                "or notices to count."
            )
        )
    else:
        found.append(
            tr(
                "Each branch's measures, by township — not a ranking. Sessions: held "
                "of those due (三会一课 and the party activity day). Acknowledgements "
                "and notes are shown, not weighed; contact-point days are the "
                "leaders', for information."
            )
        )
        if bulletin.running:
            found.append(
                tr(
                    "The period is still running: sessions due by the end of this "
                    "month or quarter count as expected."
                )
            )
    idle = bulletin.idle
    if idle:
        found += [
            "",
            tr("<b>No records this period ({n})</b>", n=len(idle)),
            "、".join(_idle_name(tr, line) for line in idle),
        ]
    township = None
    for number, line in enumerate(bulletin.active, start=1):
        if line.township != township:
            township = line.township
            found += ["", f"<b>{esc(township)}</b>"]
        found.append(f"{number}. {esc(line.name)} — {branch_figures(tr, line)}")
    if bulletin.study is not None and (bulletin.active or bulletin.studied):
        found += ["", *centralised.lines(tr, bulletin.study)]
    found += rectification.bulletin_lines(tr, bulletin.ledger)
    return found


def spreadsheet(tr: Tr, bulletin: Bulletin) -> bytes:
    """A row per branch (no records first, as in the message), a row per member, and the
    township leadership's centralised study."""
    names = {line.branch_id: line.name for line in bulletin.lines}
    rows: list[list[Any]] = []
    kinds: list[ColumnKind | None] = ["text", "text", "text", "integer"]
    for line in bulletin.lines:
        row: list[Any] = [
            line.township,
            line.name,
            tr("yes") if line.records else tr("no"),
            line.scheduled,
        ]
        for measure in MEASURES:
            done, possible = line.figures.get(measure, (0.0, 0.0))
            row += [done, possible]
            if measure in ("attendance", "study"):
                rate = line.rate(measure)
                row.append(None if rate is None else round(rate, 4))
        rows.append([*row, tr("; ").join(called_off(tr, line))])
    for measure in MEASURES:
        kinds += ["number", "number"]
        if measure in ("attendance", "study"):
            kinds.append("percent")
    kinds.append("text")
    sheets: list[Sheet] = [
        Sheet(
            tr("Branches"),
            [
                tr("Township"),
                tr("Branch"),
                tr("Records in the period"),
                tr("Sessions scheduled"),
                tr("Sessions held (of those due)"),
                tr("Sessions due"),
                tr("Attended"),
                tr("Invited (less leave)"),
                tr("Attendance"),
                tr("Materials studied"),
                tr("Materials received"),
                tr("Study rate"),
                tr("Notes written"),
                tr("Notes asked"),
                tr("Notices acknowledged"),
                tr("Notices delivered or to tell in person"),
                tr("Contact-point days"),
                tr("The leaders' quota"),
                tr("Due sessions not held: cancelled, and why"),
            ],
            rows,
            kinds=kinds,
        )
    ]
    sheets.append(
        Sheet(
            tr("Members"),
            [
                tr("Branch"),
                tr("Member"),
                tr("Sessions attended"),
                tr("Sessions invited"),
                tr("Materials studied"),
                tr("Materials received"),
                tr("Notes written"),
                tr("Notes asked"),
                tr("Sessions attended, recorded by hand"),
                tr("Materials studied, recorded by hand"),
                tr("Recorded by hand by"),
            ],
            [
                [
                    names.get(p.branch_id, ""),
                    p.name,
                    p.attended,
                    p.invited,
                    p.studied,
                    p.received,
                    p.notes_written,
                    p.notes_asked,
                    p.attended_by_hand,
                    p.studied_by_hand,
                    p.recorded_by,
                ]
                for p in bulletin.members
            ],
            title=_sheet_title(tr, bulletin, tr("Members")),
        )
    )
    if bulletin.study is not None:
        name, heading, study_rows = centralised.sheet(tr, bulletin.study)
        sheets.append(Sheet(name, heading, study_rows, title=_sheet_title(tr, bulletin, name)))
    return workbook(sheets, title=_sheet_title(tr, bulletin, tr("Branches")))


def _sheet_title(tr: Tr, bulletin: Bulletin, sheet: str) -> str:
    return title_row(
        tr,
        tr("Bulletin: {sheet}", sheet=sheet),
        scope=bulletin.scope,
        start=bulletin.start,
        last=bulletin.end - timedelta(days=1),
        made=bulletin.made,
    )


def chart_data(bulletin: Bulletin) -> list[tuple[float | None, float | None]]:
    """What the chart plots, per branch with records (in the order of the message): the
    share of due sessions held and attendance, in percent."""

    def percent(rate: float | None) -> float | None:
        return None if rate is None else round(rate * 100, 1)

    return [
        (percent(line.rate("sessions")), percent(line.rate("attendance")))
        for line in bulletin.active
    ]


def chart_images(bulletin: Bulletin, tr: Tr | None = None) -> list[bytes]:
    return [charts.render(figure) for figure in chart_figures(bulletin, tr)]


def chart_figures(bulletin: Bulletin, tr: Tr | None = None) -> list[Figure]:
    """Each branch with records, named, in the order of the message: a bar for the share
    of due sessions held, and at its end that share and the attendance. With more
    branches than a few images hold, how many branches reach each tenth instead. One
    colour for every branch: the chart shows figures, it marks no one."""
    tr = tr or translator(None)
    data = chart_data(bulletin)
    title = tr(
        "Sessions held of those due: {scope}, {start} to {last}",
        scope=bulletin.scope,
        start=bulletin.start.isoformat(),
        last=(bulletin.end - timedelta(days=1)).isoformat(),
    )
    if len(data) > CHART_BRANCHES:
        return [
            charts.histogram_figure(
                tr("{title} ({count} branches)", title=title, count=len(data)),
                [sessions or 0.0 for sessions, _ in data],
                axis=tr("sessions held of those due (%)"),
                count_axis=tr("branches"),
                bins=range(0, 101, 10),
            )
        ]

    def shown(value: float | None) -> str:
        return "—" if value is None else f"{value:.0f}%"

    return charts.bar_figures(
        title,
        [
            charts.Bar(
                line.name,
                sessions or 0.0,
                tr(
                    "{sessions} · attendance {attendance}",
                    sessions=shown(sessions),
                    attendance=shown(attendance),
                ),
            )
            for line, (sessions, attendance) in zip(bulletin.active, data, strict=True)
        ],
        axis=tr("sessions held of those due (%)"),
        limit=100,
    )


def parts(tr: Tr, bulletin: Bulletin) -> list[Outgoing]:
    found = [Outgoing(text) for text in chunks(lines(tr, bulletin))]
    if not bulletin.active and not bulletin.studied:
        return found

    def name(suffix: str) -> str:
        return period_file_name(
            tr("bulletin"), bulletin.start, bulletin.end, suffix, bulletin.scope
        )

    found.append(
        Outgoing(
            tr("📎 The bulletin as a spreadsheet: a row per branch, a row per member"),
            media_kind="document",
            upload=(name(".xlsx"), spreadsheet(tr, bulletin)),
        )
    )
    images = chart_images(bulletin, tr) if bulletin.active else []
    for number, image in enumerate(images, start=1):
        caption = tr(
            "📈 Sessions held of those due per branch, in the order of the "
            "bulletin; after each bar, attendance too."
        )
        if len(images) > 1:
            caption += f" ({number}/{len(images)})"
        found.append(
            Outgoing(
                caption,
                media_kind="photo",
                upload=(name(f"-{number}.png" if len(images) > 1 else ".png"), image),
            )
        )
    return found


# --- by itself: monthly and quarterly ---------------------------------------------------------


def due_periods(today: date) -> list[tuple[str, date, date]]:
    """On the 1st: last month; on the 1st of a quarter: last quarter too."""
    if today.day != 1:
        return []
    last_month = month_bounds(today - timedelta(days=1))
    periods = [("month", *last_month)]
    if today.month in (1, 4, 7, 10):
        periods.append(("quarter", *quarter_bounds(today - timedelta(days=1))))
    return periods


async def queue_scheduled(
    db: Database, clock: Clock, staff: list[int], at: time, quota: float
) -> int:
    """Each due period's county bulletin to every staff member: built once, rendered once
    per language among them, off the loop, and stored with its rows (:mod:`bot.rendered`)."""
    now = clock.now()
    periods = due_periods(now.date())
    if not periods or now.time() < at:
        return 0
    async with db.read() as c:
        county = await org_repo.county(c)
    if county is None:
        return 0
    queued = await _queue_townships(db, clock, set(staff), periods, quota)
    for kind, start, end in periods if staff else []:
        async with db.read() as c:  # the tick runs every minute; each bulletin is made once
            if await outbox_repo.by_key(c, f"bulletin:{kind}:{start.isoformat()}:{staff[0]}:0"):
                continue
        bulletin = await build(db, clock, county.id, start, end, quota)
        readers = await rendered.translators(db, staff)
        texts = await rendered.render_languages(parts, bulletin, readers)
        queued += await rendered.queue(
            db,
            now,
            f"bulletin:{kind}:{start.isoformat()}:{end.isoformat()}:{county.id}",
            OutboxKind.BULLETIN,
            county.id,
            readers,
            texts,
            f"bulletin:{kind}:{start.isoformat()}:",
            {"start": start.isoformat(), "end": end.isoformat(), "quota": quota},
        )
    return queued


async def _queue_townships(
    db: Database, clock: Clock, staff: set[int], periods: list[tuple[str, date, date]], quota: float
) -> int:
    """Each township's bulletin to its township staff (those who are not county staff:
    theirs is the county's), as the county's to staff."""
    now = clock.now()
    async with db.read() as c:
        holders: dict[int, list[int]] = {}
        for role in await org_repo.holders(c, "township"):
            if role.unit_id is not None and role.telegram_id not in staff:
                holders.setdefault(role.unit_id, []).append(role.telegram_id)
    queued = 0
    for township_id, people in sorted(holders.items()):
        for kind, start, end in periods:
            async with db.read() as c:
                if await outbox_repo.by_key(
                    c, f"township-bulletin:{kind}:{start.isoformat()}:{township_id}:{people[0]}:0"
                ):
                    continue
            bulletin = await build(db, clock, township_id, start, end, quota)
            readers = await rendered.translators(db, people)
            if not readers:
                continue
            texts = await rendered.render_languages(parts, bulletin, readers)
            queued += await rendered.queue(
                db,
                now,
                f"bulletin:{kind}:{start.isoformat()}:{end.isoformat()}:{township_id}",
                OutboxKind.TOWNSHIP_BULLETIN,
                township_id,
                readers,
                texts,
                f"township-bulletin:{kind}:{start.isoformat()}:{township_id}:",
                {"start": start.isoformat(), "end": end.isoformat(), "quota": quota},
            )
    return queued


async def render_bulletin(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    if rendered.refers(row):
        return await rendered.part(db, row)
    # A row queued before parts were stored: built and drawn for it alone, off the loop.
    tr = await translator_of(db, row.chat_id)
    bulletin = await build(
        db,
        clock,
        row.ref_id or 0,
        date.fromisoformat(str(row.payload["start"])),
        date.fromisoformat(str(row.payload["end"])),
        float(row.payload["quota"]),
    )
    found = await rendered.off_loop(parts, tr, bulletin)
    index = int(row.payload["part"])
    return found[index] if index < len(found) else None
