"""Report tables and how they are shown: a message, a spreadsheet (XLSX), a chart (PNG).

The first is the half-year contact-point bulletin (每半年检查通报): one row per leader
— contact points, days per month, total against quota, months short, the confirmed
share and problems solved — with those short of quota first, and the gaps staff need to
see: leaders without a contact point and branches that are nobody's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from matplotlib.figure import Figure

from bot import charts
from bot.clock import Clock
from bot.delivery import Outgoing, renderer
from bot.file_names import period_file_name
from bot.i18n import Tr, translator
from bot.markup import chunks, esc
from bot.recipients import translator_of
from bot.spreadsheets import ColumnKind, Sheet, title_row, workbook
from bot.visits import month_bounds
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage import visits as visit_repo
from storage.db import Database
from storage.models import OutboxRow


@dataclass
class LeaderRow:
    name: str
    contact_points: list[str]
    per_month: dict[str, float]
    quota: float  # a month
    confirmed_days: float = 0.0
    with_problems: int = 0
    solved: int = 0

    @property
    def total(self) -> float:
        return sum(self.per_month.values())

    @property
    def expected(self) -> float:
        return self.quota * len(self.per_month)

    @property
    def months_short(self) -> int:
        return sum(1 for days in self.per_month.values() if days < self.quota)

    @property
    def confirmed_share(self) -> float:
        return self.confirmed_days / self.total if self.total else 0.0


@dataclass
class VisitBulletin:
    start: date
    end: date  # exclusive
    months: list[str]
    rows: list[LeaderRow] = field(default_factory=list)
    leaders_without_point: list[str] = field(default_factory=list)
    branches_without_leader: list[str] = field(default_factory=list)
    made: datetime | None = None


def months_between(start: date, end: date) -> list[str]:
    found = []
    cursor = start.replace(day=1)
    while cursor < end:
        found.append(cursor.strftime("%Y-%m"))
        cursor = month_bounds(cursor)[1]
    return found


async def visit_bulletin(db: Database, start: date, end: date, default_quota: float,
                         made: datetime | None = None) -> VisitBulletin:
    bulletin = VisitBulletin(start, end, months_between(start, end), made=made)
    async with db.read() as c:
        units = {u.id: u.name for u in await org_repo.units_of_kind(c, "branch")}
        covered: set[int] = set()
        leader_ids = sorted({r.telegram_id for r in await org_repo.holders(c, "leader")})
        visits = await visit_repo.visits_between(c, start, end)
        for leader in leader_ids:
            member = await member_repo.member_of_user(c, leader)
            name = member.name if member else str(leader)
            points = [p.branch_id for p in await org_repo.contact_points_of(c, leader)]
            covered.update(points)
            if not points:
                bulletin.leaders_without_point.append(name)
                continue
            row = LeaderRow(name, sorted(units.get(p, "—") for p in points),
                            dict.fromkeys(bulletin.months, 0.0),
                            await visit_repo.quota(c, leader, default_quota))
            for visit in visits:
                if visit.leader_telegram_id != leader:
                    continue
                month = visit.day.strftime("%Y-%m")
                row.per_month[month] = row.per_month.get(month, 0.0) + visit.days
                row.confirmed_days += visit.days if visit.confirmed_by else 0.0
                if visit.problems:
                    row.with_problems += 1
                    row.solved += int(visit.solved)
            bulletin.rows.append(row)
    bulletin.branches_without_leader = sorted(
        name for branch_id, name in units.items() if branch_id not in covered)
    bulletin.rows.sort(key=lambda r: (-r.months_short, r.total - r.expected, r.name))
    return bulletin


def visit_lines(tr: Tr, bulletin: VisitBulletin) -> list[str]:
    period = f"{bulletin.months[0]} – {bulletin.months[-1]}" if bulletin.months else ""
    lines = [tr("📊 <b>Contact-point bulletin, {period}</b>", period=period),
             tr("Leaders: {n}; short of quota in at least one month: {short}",
                n=len(bulletin.rows), short=sum(1 for r in bulletin.rows if r.months_short))]
    for number, row in enumerate(bulletin.rows, start=1):
        months = " ".join(f"{days:g}" for days in row.per_month.values())
        lines.append(tr(
            "{number}. {name} ({points}): {total:g}/{expected:g} days [{months}], "
            "{short} month(s) short, {confirmed:.0%} confirmed, problems solved {solved}/"
            "{problems}", number=number, name=esc(row.name),
            points="、".join(esc(point) for point in row.contact_points),
            total=row.total, expected=row.expected, months=months, short=row.months_short,
            confirmed=row.confirmed_share, solved=row.solved, problems=row.with_problems))
    if bulletin.leaders_without_point:
        lines.append(tr("Leaders without a contact point: {names}",
                        names="、".join(esc(n) for n in bulletin.leaders_without_point)))
    if bulletin.branches_without_leader:
        lines.append(tr("Branches that are nobody's contact point ({n}): {names}",
                        n=len(bulletin.branches_without_leader),
                        names="、".join(esc(n) for n in bulletin.branches_without_leader[:50])))
    return lines


def visit_xlsx(tr: Tr, bulletin: VisitBulletin) -> bytes:
    gaps: list[list[object]] = [[name] for name in bulletin.leaders_without_point]
    gaps += [[], [tr("Branches that are nobody's contact point")]]
    gaps += [[name] for name in bulletin.branches_without_leader]
    days: list[ColumnKind] = ["number"] * (len(bulletin.months) + 2)
    return workbook([
        Sheet(tr("Contact points"),
              [tr("No."), tr("Leader"), tr("Contact points"), *bulletin.months,
               tr("Total days"), tr("Expected days"), tr("Months short"),
               tr("Confirmed share"), tr("Problems found"), tr("Problems solved")],
              [[number, row.name, "、".join(row.contact_points), *row.per_month.values(),
                row.total, row.expected, row.months_short, round(row.confirmed_share, 3),
                row.with_problems, row.solved]
               for number, row in enumerate(bulletin.rows, start=1)],
              kinds=["integer", "text", "text", *days, "integer",
                     "percent", "integer", "integer"]),
        Sheet(tr("Gaps"), [tr("Leaders without a contact point")], gaps,
              title=_title(tr, bulletin, tr("Gaps"))),
    ], title=_title(tr, bulletin, tr("Contact points")))


def _title(tr: Tr, bulletin: VisitBulletin, sheet: str) -> str:
    return title_row(tr, tr("Contact-point bulletin: {sheet}", sheet=sheet),
                     start=bulletin.start, last=bulletin.end - timedelta(days=1),
                     made=bulletin.made)


def visit_chart(bulletin: VisitBulletin, tr: Tr | None = None) -> bytes:
    """The first (often the only) image of :func:`visit_chart_images`."""
    return charts.first(visit_chart_images(bulletin, tr))


def visit_chart_images(bulletin: VisitBulletin, tr: Tr | None = None) -> list[bytes]:
    return [charts.render(figure) for figure in visit_chart_figures(bulletin, tr)]


def visit_chart_figures(bulletin: VisitBulletin, tr: Tr | None = None) -> list[Figure]:
    """Days per leader, named, in the order of the message, against each one's expected
    days (a dashed mark); orange for a leader short in at least one month."""
    tr = tr or translator(None)
    title = tr("Contact-point days, {start} to {last}", start=bulletin.start.isoformat(),
               last=(bulletin.end - timedelta(days=1)).isoformat())
    return charts.bar_figures(title, [
        charts.Bar(row.name, row.total, f"{row.total:g}/{row.expected:g}",
                   charts.ORANGE if row.months_short else charts.BLUE, row.expected)
        for row in bulletin.rows],
        axis=tr("days at the contact point"),
        note=tr("Dashed: the expected days. Orange: short in at least one month."))


async def visit_bulletin_parts(db: Database, tr: Tr, start: date, end: date,
                               default_quota: float, made: datetime | None = None
                               ) -> list[Outgoing]:
    """The bulletin as a person receives it: the message (in pieces under Telegram's
    limit), the spreadsheet, and the chart (in several images for many leaders)."""
    bulletin = await visit_bulletin(db, start, end, default_quota, made)

    def name(suffix: str) -> str:
        return period_file_name(tr("contact-points"), start, end, suffix)

    parts = [Outgoing(text) for text in chunks(visit_lines(tr, bulletin))]
    parts.append(Outgoing(tr("📎 The bulletin as a spreadsheet"), media_kind="document",
                          upload=(name(".xlsx"), visit_xlsx(tr, bulletin))))
    images = visit_chart_images(bulletin, tr) if bulletin.rows else []
    for number, image in enumerate(images, start=1):
        caption = tr("📈 Days per leader; the dashed line is the quota. Orange: short in at "
                     "least one month.")
        if len(images) > 1:
            caption += f" ({number}/{len(images)})"
        parts.append(Outgoing(caption, media_kind="photo", upload=(
            name(f"-{number}.png" if len(images) > 1 else ".png"), image)))
    return parts


def last_half_year(today: date) -> tuple[date, date]:
    """The half-year that ended most recently before ``today``."""
    if today.month <= 6:
        return date(today.year - 1, 7, 1), date(today.year, 1, 1)
    return date(today.year, 1, 1), date(today.year, 7, 1)


async def queue_half_year_bulletin(db: Database, clock: Clock, staff: list[int],
                                   default_quota: float) -> int:
    """On 1 January and 1 July from 09:00, the bulletin of the half-year just ended goes
    to every staff member (once: the outbox keys see to it)."""
    now = clock.now()
    if (now.month, now.day) not in ((1, 1), (7, 1)) or now.time() < time(9, 0):
        return 0
    start, end = last_half_year(now.date())
    if not staff or await _queued_already(db, f"visit-bulletin:{start.isoformat()}:{staff[0]}:0"):
        return 0  # the tick runs every minute; the bulletin is made once
    parts = await visit_bulletin_parts(db, translator(None), start, end, default_quota, now)
    envelopes = [outbox_repo.Envelope(
        f"visit-bulletin:{start.isoformat()}:{person}:{index}", person, "visit_bulletin", None,
        {"start": start.isoformat(), "end": end.isoformat(), "part": index,
         "quota": default_quota}) for person in staff for index in range(len(parts))]
    async with db.tx() as c:
        before = await outbox_repo.queued_count(c)
        await outbox_repo.enqueue(c, envelopes, now)
        return await outbox_repo.queued_count(c) - before


async def _queued_already(db: Database, key: str) -> bool:
    async with db.read() as c:
        return await outbox_repo.by_key(c, key) is not None


@renderer("visit_bulletin")
async def _render_bulletin(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    tr = await translator_of(db, row.chat_id)
    parts = await visit_bulletin_parts(
        db, tr, date.fromisoformat(str(row.payload["start"])),
        date.fromisoformat(str(row.payload["end"])), float(row.payload["quota"]),
        clock.now())
    index = int(row.payload["part"])
    return parts[index] if index < len(parts) else None
