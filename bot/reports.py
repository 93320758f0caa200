"""Report tables and how they are shown: a message, a spreadsheet (XLSX), a chart (PNG).

The first is the half-year contact-point bulletin (每半年检查通报): one row per leader,
listed by name (a list, not a ranking) — contact points, calendar days per month against
what each month asks from the appointment on (:mod:`bot.contact_days`), months short,
the confirmed share and problems solved; the problems still open, however old; and the
gaps staff need to see: leaders without a contact point and branches that are nobody's.
Its spreadsheet lists every visit with its dates, work record, problems and whether and
when they were solved, with a link that opens the voice record and location in the bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from matplotlib.figure import Figure

from bot import charts, contact_days, rendered
from bot.clock import Clock
from bot.contact_days import Month
from bot.delivery import Outgoing
from bot.file_names import period_file_name
from bot.i18n import N_, Tr, translator
from bot.markup import chunks, esc, shorten
from bot.profile import InvalidInput
from bot.recipients import translator_of
from bot.spreadsheets import ColumnKind, Link, Sheet, title_row, workbook
from bot.visits import ACTIVITIES, VISIT_LINK_PREFIX, appointed_on, month_bounds
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage import visits as visit_repo
from storage.db import Database
from storage.models import OutboxKind, OutboxRow, Visit

OPEN_PROBLEMS_SHOWN = 40  # in the message; the spreadsheet has them all
PROBLEM_SHOWN = 80  # characters of a problem in the message


#: The longest period one bulletin covers.
LONGEST_PERIOD_DAYS = 366 * 2


EARLIEST_YEAR = 2000  # no bulletin looks back before zhibu's records could begin


def check_period(start: date, last: date, today: date) -> tuple[date, date]:
    """A bulletin's first and last day, typed or pressed (a button's period is data the
    client sends), held to one rule: in order, at most two years, ending within a year
    from today (so the day after the last always exists). Gives the bounds the bulletins
    take: the first day and the day after the last."""
    if last < start:
        raise InvalidInput(N_("The last day comes before the first."))
    if start.year < EARLIEST_YEAR:  # also keeps a day before the first within the calendar
        raise InvalidInput(N_("Please choose days from {year} on."), year=EARLIEST_YEAR)
    if (last - start).days > LONGEST_PERIOD_DAYS:
        raise InvalidInput(N_("Please choose at most two years."))
    if (last - today).days > 366:
        raise InvalidInput(N_("That is too far ahead. Please type a date within a year."))
    return start, last + timedelta(days=1)


@dataclass
class LeaderRow:
    name: str
    contact_points: list[str]
    appointed: date | None
    months: list[Month]
    quota: float  # a whole month's
    confirmed_days: float = 0.0
    with_problems: int = 0
    solved: int = 0

    @property
    def total(self) -> float:
        return sum(month.days for month in self.months)

    @property
    def expected(self) -> float:
        return sum(month.quota or 0.0 for month in self.months)

    @property
    def months_short(self) -> int:
        return sum(1 for month in self.months if month.short)

    @property
    def confirmed_share(self) -> float:
        return self.confirmed_days / self.total if self.total else 0.0


@dataclass(frozen=True)
class VisitLine:
    """A visit as the bulletin lists it: whose, where, and the days it counts in the
    period once dates logged twice are counted once."""

    visit: Visit
    leader: str
    point: str
    counted: float


@dataclass
class VisitBulletin:
    start: date
    end: date  # exclusive
    today: date
    months: list[date]
    rows: list[LeaderRow] = field(default_factory=list)
    visits: list[VisitLine] = field(default_factory=list)
    open_problems: list[VisitLine] = field(default_factory=list)
    leaders_without_point: list[str] = field(default_factory=list)
    branches_without_leader: list[str] = field(default_factory=list)
    made: datetime | None = None

    @property
    def in_progress(self) -> str | None:
        """The month of the period still under way, if any (its days are so far)."""
        month = month_bounds(self.today)[0]
        return f"{month:%Y-%m}" if month in self.months and self.today < self.end else None


def months_between(start: date, end: date) -> list[date]:
    found = []
    cursor = start.replace(day=1)
    while cursor < end:
        found.append(cursor)
        cursor = month_bounds(cursor)[1]
    return found


def counted_days(visits: list[Visit], start: date, end: date) -> dict[int, float]:
    """Visit id → the days it counts in the period: each date counted once for its
    leader, going to the visits in the order they were logged (so the column adds up to
    the leader's total)."""
    used: dict[tuple[int, date], float] = {}
    found: dict[int, float] = {}
    for visit in sorted(visits, key=lambda v: v.id):
        counted = 0.0
        for day, share in contact_days.covered(visit.day, visit.days):
            if not start <= day < end:
                continue
            key = (visit.leader_telegram_id, day)
            part = min(share, 1.0 - used.get(key, 0.0))
            used[key] = used.get(key, 0.0) + part
            counted += part
        found[visit.id] = counted
    return found


async def visit_bulletin(
    db: Database, clock: Clock, start: date, end: date, default_quota: float
) -> VisitBulletin:
    today = clock.today()
    bulletin = VisitBulletin(start, end, today, months_between(start, end), made=clock.now())
    async with db.read() as c:
        units = {u.id: u.name for u in await org_repo.units_of_kind(c, "branch")}
        covered: set[int] = set()
        leader_ids = sorted({r.telegram_id for r in await org_repo.holders(c, "leader")})
        visits = [
            v
            for v in await visit_repo.reaching_into(c, start, end)
            if contact_days.last_day(v.day, v.days) >= start
        ]
        problems = await visit_repo.open_problems(c, min(end, today + timedelta(days=1)))
        names = await member_repo.names_of_users(
            c, sorted({*leader_ids, *(v.leader_telegram_id for v in [*visits, *problems])})
        )
        for leader in leader_ids:
            points = [p.branch_id for p in await org_repo.contact_points_of(c, leader)]
            covered.update(points)
            if not points:
                bulletin.leaders_without_point.append(names[leader])
                continue
            own = [v for v in visits if v.leader_telegram_id == leader]
            appointed = await appointed_on(c, clock, leader)
            quota = await visit_repo.quota(c, leader, default_quota)
            row = LeaderRow(
                names[leader],
                sorted(units.get(p, "—") for p in points),
                appointed,
                contact_days.months(
                    contact_days.shares((v.day, v.days) for v in own),
                    quota,
                    appointed or today,
                    start,
                    end,
                    today,
                ),
                quota,
            )
            confirmed = contact_days.shares((v.day, v.days) for v in own if v.confirmed_by)
            row.confirmed_days = contact_days.total(confirmed, start, end)
            for visit in own:
                if visit.problems and visit.day >= start:
                    row.with_problems += 1
                    row.solved += int(visit.solved_on is not None and visit.solved_on < end)
            bulletin.rows.append(row)
    counted = counted_days(visits, start, end)
    bulletin.visits = [
        VisitLine(v, names[v.leader_telegram_id], units.get(v.branch_id, "—"), counted[v.id])
        for v in sorted(visits, key=lambda v: (names[v.leader_telegram_id], v.day, v.id))
    ]
    bulletin.open_problems = [
        VisitLine(v, names[v.leader_telegram_id], units.get(v.branch_id, "—"), 0.0)
        for v in problems
    ]
    bulletin.branches_without_leader = sorted(
        name for branch_id, name in units.items() if branch_id not in covered
    )
    bulletin.rows.sort(key=lambda r: r.name)
    return bulletin


def _period(bulletin: VisitBulletin) -> str:
    if not bulletin.months:
        return ""
    return f"{bulletin.months[0]:%Y-%m} – {bulletin.months[-1]:%Y-%m}"


def _month_figure(tr: Tr, month: Month) -> str:
    if month.quota is None and not month.days:
        return "—"  # before the appointment
    if month.in_progress:
        return tr("{days:g} so far", days=month.days)
    return f"{month.days:g}"


def _solved_since(tr: Tr, visit: Visit) -> str:
    if visit.solved_on is None:
        return ""
    return tr(" (solved since, on {day})", day=visit.solved_on.isoformat())


def visit_lines(tr: Tr, bulletin: VisitBulletin) -> list[str]:
    lines = [
        tr("📊 <b>Contact-point bulletin, {period}</b>", period=_period(bulletin)),
        tr(
            "Days are calendar days at the contact point, each counted once; the quota "
            "starts with the leader's appointment (its month pro rata)."
        ),
    ]
    if bulletin.in_progress:
        lines.append(
            tr(
                "{month} is still under way: its days are so far, not short.",
                month=bulletin.in_progress,
            )
        )
    lines.append(
        tr(
            "Leaders: {n}; short of quota in at least one month: {short}",
            n=len(bulletin.rows),
            short=sum(1 for r in bulletin.rows if r.months_short),
        )
    )
    for number, row in enumerate(bulletin.rows, start=1):
        months = " ".join(_month_figure(tr, month) for month in row.months)
        lines.append(
            tr(
                "{number}. {name} ({points}): {total:g}/{expected:g} days [{months}], "
                "{short} month(s) short, {confirmed:.0%} confirmed, problems solved {solved}/"
                "{problems}",
                number=number,
                name=esc(row.name),
                points="、".join(esc(point) for point in row.contact_points),
                total=row.total,
                expected=row.expected,
                months=months,
                short=row.months_short,
                confirmed=row.confirmed_share,
                solved=row.solved,
                problems=row.with_problems,
            )
        )
    if bulletin.open_problems:
        lines.append(tr("⚠️ <b>Problems still open ({n})</b>", n=len(bulletin.open_problems)))
        for line in bulletin.open_problems[:OPEN_PROBLEMS_SHOWN]:
            lines.append(
                tr(
                    "• {name}, {branch}, found {day}: {problem}",
                    name=esc(line.leader),
                    branch=esc(line.point),
                    day=line.visit.day.isoformat(),
                    problem=shorten(esc(line.visit.problems), PROBLEM_SHOWN),
                )
                + _solved_since(tr, line.visit)
            )
        if len(bulletin.open_problems) > OPEN_PROBLEMS_SHOWN:
            lines.append(
                tr(
                    "… and {n} more in the spreadsheet.",
                    n=len(bulletin.open_problems) - OPEN_PROBLEMS_SHOWN,
                )
            )
    if bulletin.leaders_without_point:
        lines.append(
            tr(
                "Leaders without a contact point: {names}",
                names="、".join(esc(n) for n in bulletin.leaders_without_point),
            )
        )
    if bulletin.branches_without_leader:
        lines.append(
            tr(
                "Branches that are nobody's contact point ({n}): {names}",
                n=len(bulletin.branches_without_leader),
                names="、".join(esc(n) for n in bulletin.branches_without_leader[:50]),
            )
        )
    return lines


def record_cell(tr: Tr, visit: Visit, bot_username: str | None) -> object:
    """Where a staff member at a desk hears the voice record and sees the location: a link
    that opens the bot on this visit (Telegram Desktop or the phone), or — if the bot's
    name is not known — the command to send it."""
    parts = []
    if visit.record_file_id:
        parts.append(tr("🎤 voice record"))
    if visit.latitude is not None and visit.longitude is not None:
        parts.append(tr("📍 location"))
    if not parts:
        return None
    payload = f"{VISIT_LINK_PREFIX}{visit.id}"
    if bot_username:
        return Link(
            f"https://t.me/{bot_username}?start={payload}",
            tr("{what}: open in the bot", what=", ".join(parts)),
        )
    return tr("{what}: send the bot /start {payload}", what=", ".join(parts), payload=payload)


def _local_day(moment: datetime, bulletin: VisitBulletin) -> date:
    """The county's date of a stored moment (kept in UTC: a confirmation at 07:00 in
    Beijing is the day before in UTC)."""
    return moment.astimezone(bulletin.made.tzinfo if bulletin.made else None).date()


def visit_xlsx(tr: Tr, bulletin: VisitBulletin, bot_username: str | None = None) -> bytes:
    month_heads = [
        f"{m:%Y-%m}" + (tr(" (so far)") if f"{m:%Y-%m}" == bulletin.in_progress else "")
        for m in bulletin.months
    ]

    def month_cells(row: LeaderRow) -> list[object]:
        by_month = {m.start: m for m in row.months}
        cells: list[object] = []
        for start in bulletin.months:
            month = by_month.get(start)
            cells.append(
                None if month is None or (month.quota is None and not month.days) else month.days
            )
        return cells

    def yes_no(value: bool) -> str:
        return tr("yes") if value else tr("no")

    leaders = [
        [
            number,
            row.name,
            "、".join(row.contact_points),
            row.appointed,
            *month_cells(row),
            row.total,
            row.expected,
            row.months_short,
            row.confirmed_days,
            round(row.confirmed_share, 3),
            row.with_problems,
            row.solved,
        ]
        for number, row in enumerate(bulletin.rows, start=1)
    ]
    visits = []
    for line in bulletin.visits:
        visit = line.visit
        visits.append(
            [
                line.leader,
                line.point,
                visit.day,
                contact_days.last_day(visit.day, visit.days),
                visit.days,
                line.counted,
                tr(ACTIVITIES[visit.activity]),
                visit.record or (tr("(voice record)") if visit.record_file_id else ""),
                visit.problems,
                yes_no(visit.solved) if visit.problems else "",
                visit.solved_on if visit.problems else None,
                visit.solved_note,
                _local_day(visit.confirmed_at, bulletin) if visit.confirmed_at else None,
                record_cell(tr, visit, bot_username),
                f"{visit.latitude:.6f}, {visit.longitude:.6f}"
                if visit.latitude is not None and visit.longitude is not None
                else "",
            ]
        )
    problems = [
        [
            line.leader,
            line.point,
            line.visit.day,
            line.visit.problems,
            line.visit.solved_on,
            line.visit.solved_note,
            record_cell(tr, line.visit, bot_username),
        ]
        for line in bulletin.open_problems
    ]
    gaps: list[list[object]] = [[name] for name in bulletin.leaders_without_point]
    gaps += [[], [tr("Branches that are nobody's contact point")]]
    gaps += [[name] for name in bulletin.branches_without_leader]
    months: list[ColumnKind] = ["number"] * len(bulletin.months)
    return workbook(
        [
            Sheet(
                tr("Contact points"),
                [
                    tr("No."),
                    tr("Leader"),
                    tr("Contact points"),
                    tr("Appointed"),
                    *month_heads,
                    tr("Total days"),
                    tr("Expected days"),
                    tr("Months short"),
                    tr("Confirmed days"),
                    tr("Confirmed share"),
                    tr("Problems found"),
                    tr("Problems solved"),
                ],
                leaders,
                kinds=[
                    "integer",
                    "text",
                    "text",
                    "date",
                    *months,
                    "number",
                    "number",
                    "integer",
                    "number",
                    "percent",
                    "integer",
                    "integer",
                ],
            ),
            Sheet(
                tr("Visits"),
                [
                    tr("Leader"),
                    tr("Contact point"),
                    tr("First day"),
                    tr("Last day"),
                    tr("Days logged"),
                    tr("Days counted in the period"),
                    tr("Work"),
                    tr("Work record"),
                    tr("Problems"),
                    tr("Solved"),
                    tr("Solved on"),
                    tr("What was done"),
                    tr("Confirmed by the secretary"),
                    tr("Voice record / location"),
                    tr("Location (latitude, longitude)"),
                ],
                visits,
                title=_title(tr, bulletin, tr("Visits")),
                kinds=[
                    "text",
                    "text",
                    "date",
                    "date",
                    "number",
                    "number",
                    "text",
                    "text",
                    "text",
                    "text",
                    "date",
                    "text",
                    "date",
                    "text",
                    "text",
                ],
            ),
            Sheet(
                tr("Open problems"),
                [
                    tr("Leader"),
                    tr("Contact point"),
                    tr("Found on"),
                    tr("Problem"),
                    tr("Solved since, on"),
                    tr("What was done"),
                    tr("Voice record / location"),
                ],
                problems,
                title=_title(tr, bulletin, tr("Open problems")),
                kinds=["text", "text", "date", "text", "date", "text", "text"],
            ),
            Sheet(
                tr("Gaps"),
                [tr("Leaders without a contact point")],
                gaps,
                title=_title(tr, bulletin, tr("Gaps")),
            ),
        ],
        title=_title(tr, bulletin, tr("Contact points")),
    )


def _title(tr: Tr, bulletin: VisitBulletin, sheet: str) -> str:
    return title_row(
        tr,
        tr("Contact-point bulletin: {sheet}", sheet=sheet),
        start=bulletin.start,
        last=bulletin.end - timedelta(days=1),
        made=bulletin.made,
    )


def visit_chart_images(bulletin: VisitBulletin, tr: Tr | None = None) -> list[bytes]:
    return [charts.render(figure) for figure in visit_chart_figures(bulletin, tr)]


def visit_chart_figures(bulletin: VisitBulletin, tr: Tr | None = None) -> list[Figure]:
    """Days per leader, named, in the order of the message, against each one's expected
    days (a dashed mark); orange for a leader short in at least one month."""
    tr = tr or translator(None)
    title = tr(
        "Contact-point days, {start} to {last}",
        start=bulletin.start.isoformat(),
        last=(bulletin.end - timedelta(days=1)).isoformat(),
    )
    return charts.bar_figures(
        title,
        [
            charts.Bar(
                row.name,
                row.total,
                f"{row.total:g}/{row.expected:g}",
                charts.ORANGE if row.months_short else charts.BLUE,
                row.expected,
            )
            for row in bulletin.rows
        ],
        axis=tr("days at the contact point"),
        note=tr("Dashed: the expected days. Orange: short in at least one month."),
    )


def bulletin_parts(
    tr: Tr, bulletin: VisitBulletin, bot_username: str | None = None
) -> list[Outgoing]:
    """The bulletin as a person receives it: the message (in pieces under Telegram's
    limit), the spreadsheet, and the chart (in several images for many leaders); files
    named by the period's first and last day."""

    def name(suffix: str) -> str:
        return period_file_name(tr("contact-points"), bulletin.start, bulletin.end, suffix)

    parts = [Outgoing(text) for text in chunks(visit_lines(tr, bulletin))]
    parts.append(
        Outgoing(
            tr("📎 The bulletin as a spreadsheet, with every visit"),
            media_kind="document",
            upload=(name(".xlsx"), visit_xlsx(tr, bulletin, bot_username)),
        )
    )
    images = visit_chart_images(bulletin, tr) if bulletin.rows else []
    for number, image in enumerate(images, start=1):
        caption = tr(
            "📈 Days per leader; the dashed line is the quota. Orange: short in at least one month."
        )
        if len(images) > 1:
            caption += f" ({number}/{len(images)})"
        parts.append(
            Outgoing(
                caption,
                media_kind="photo",
                upload=(name(f"-{number}.png" if len(images) > 1 else ".png"), image),
            )
        )
    return parts


async def visit_bulletin_parts(
    db: Database,
    clock: Clock,
    tr: Tr,
    start: date,
    end: date,
    default_quota: float,
    bot_username: str | None = None,
) -> list[Outgoing]:
    """Built on the loop (its reads), drawn and written in a worker thread."""
    bulletin = await visit_bulletin(db, clock, start, end, default_quota)
    return await rendered.off_loop(bulletin_parts, tr, bulletin, bot_username)


def last_half_year(today: date) -> tuple[date, date]:
    """The half-year that ended most recently before ``today``."""
    if today.month <= 6:
        return date(today.year - 1, 7, 1), date(today.year, 1, 1)
    return date(today.year, 1, 1), date(today.year, 7, 1)


async def queue_half_year_bulletin(
    db: Database,
    clock: Clock,
    staff: list[int],
    default_quota: float,
    bot_username: str | None = None,
) -> int:
    """On 1 January and 1 July from 09:00, the bulletin of the half-year just ended goes
    to every staff member (once: the outbox keys see to it), in as many parts as it has in
    their language. ``bot_username`` makes the spreadsheet's links to voice records."""
    now = clock.now()
    if (now.month, now.day) not in ((1, 1), (7, 1)) or now.time() < time(9, 0):
        return 0
    start, end = last_half_year(now.date())
    if not staff or await _queued_already(db, f"visit-bulletin:{start.isoformat()}:{staff[0]}:0"):
        return 0  # the tick runs every minute; the bulletin is made once
    bulletin = await visit_bulletin(db, clock, start, end, default_quota)
    readers = await rendered.translators(db, staff)
    texts = await rendered.render_languages(
        lambda tr, made: bulletin_parts(tr, made, bot_username), bulletin, readers
    )
    return await rendered.queue(
        db,
        now,
        f"visit-bulletin:{start.isoformat()}:{end.isoformat()}",
        OutboxKind.VISIT_BULLETIN,
        None,
        readers,
        texts,
        f"visit-bulletin:{start.isoformat()}:",
        {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "quota": default_quota,
            "bot": bot_username,
        },
    )


async def _queued_already(db: Database, key: str) -> bool:
    async with db.read() as c:
        return await outbox_repo.by_key(c, key) is not None


async def render_bulletin(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    if rendered.refers(row):
        return await rendered.part(db, row)
    # A row queued before parts were stored: built and drawn for it alone, off the loop.
    tr = await translator_of(db, row.chat_id)
    bot_username = row.payload.get("bot")
    parts = await visit_bulletin_parts(
        db,
        clock,
        tr,
        date.fromisoformat(str(row.payload["start"])),
        date.fromisoformat(str(row.payload["end"])),
        float(row.payload["quota"]),
        str(bot_username) if bot_username else None,
    )
    index = int(row.payload["part"])
    return parts[index] if index < len(parts) else None
