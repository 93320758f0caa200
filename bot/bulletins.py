"""The monthly, quarterly and yearly bulletin (每月一调度，每季一通报): branches ranked.

Six measures per branch over a period, each a count against what it could have been:
sessions held against sessions scheduled; attendance (present or remote over invited
minus approved leave); materials studied over received; notes written over asked;
contact-point days logged against the quota of the leaders concerned; notices
acknowledged over delivered. A branch's score is the mean of the measures it has
figures for; the bottom 10% of ranked branches are marked 后进, as the guidelines do. A
measure with nothing to count is left out rather than counted as zero — and a period
with no activity at all says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from matplotlib.figure import Figure

from bot import charts
from bot.clock import Clock
from bot.delivery import Outgoing, renderer
from bot.file_names import period_file_name
from bot.i18n import N_, Tr, translator
from bot.markup import chunks, esc
from bot.recipients import translator_of
from bot.spreadsheets import Sheet, title_row, workbook
from bot.visits import month_bounds
from storage import bulletins as figures_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database
from storage.models import MemberFigures, OutboxRow

MEASURES: dict[str, str] = {
    "meetings": N_("Sessions held / scheduled"),
    "attendance": N_("Attendance"),
    "study": N_("Materials studied"),
    "notes": N_("Notes written / asked"),
    "visits": N_("Contact-point days / quota"),
    "notices": N_("Notices acknowledged"),
}
BACKWARD_SHARE = 0.10
CHART_BRANCHES = 4 * charts.ROWS_PER_IMAGE  # more, and the chart shows the spread instead


@dataclass
class BranchLine:
    branch_id: int
    name: str
    township: str
    figures: dict[str, tuple[float, float]] = field(default_factory=dict)
    backward: bool = False

    def rate(self, measure: str) -> float | None:
        done, possible = self.figures.get(measure, (0.0, 0.0))
        return min(1.0, done / possible) if possible else None

    @property
    def score(self) -> float | None:
        rates = [r for r in (self.rate(m) for m in MEASURES) if r is not None]
        return sum(rates) / len(rates) if rates else None


@dataclass
class Bulletin:
    scope: str
    start: date
    end: date  # exclusive
    lines: list[BranchLine]
    members: list[MemberFigures]
    made: datetime | None = None

    @property
    def ranked(self) -> list[BranchLine]:
        return [line for line in self.lines if line.score is not None]

    @property
    def idle(self) -> list[BranchLine]:
        return [line for line in self.lines if line.score is None]


def quarter_bounds(day: date) -> tuple[date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
    return start, end


async def build(db: Database, clock: Clock, scope_unit_id: int, start: date, end: date,
                quota: float) -> Bulletin:
    """The bulletin of the branches under a unit for [start, end)."""
    begin = datetime.combine(start, time(0), tzinfo=clock.tz)
    finish = datetime.combine(end, time(0), tzinfo=clock.tz)
    months = max(1, (end.year - start.year) * 12 + end.month - start.month
                 + (1 if end.day > 1 else 0))
    async with db.read() as c:
        scope = await org_repo.get_unit(c, scope_unit_id)
        branches = await _branches_under(c, scope_unit_id)
        measures = {
            "meetings": await figures_repo.meetings(c, begin, finish),
            "attendance": await figures_repo.attendance(c, begin, finish),
            "study": await figures_repo.study(c, begin, finish),
            "notes": await figures_repo.notes(c, begin, finish),
            "notices": await figures_repo.notices(c, begin, finish),
        }
        visits = await figures_repo.visit_days(c, start, end)
        members = await figures_repo.members_figures(c, [b for b, _, _ in branches], begin,
                                                     finish)
    lines = []
    for branch_id, name, township in branches:
        line = BranchLine(branch_id, name, township)
        for measure, found in measures.items():
            if branch_id in found:
                line.figures[measure] = found[branch_id]
        if branch_id in visits:
            days, leaders = visits[branch_id]
            line.figures["visits"] = (days, leaders * quota * months)
        lines.append(line)
    lines.sort(key=lambda line: (line.score is None, -(line.score or 0), line.name))
    ranked = [line for line in lines if line.score is not None]
    for line in ranked[len(ranked) - math.ceil(len(ranked) * BACKWARD_SHARE):]:
        line.backward = True
    return Bulletin(scope.name if scope else "—", start, end, lines, members, clock.now())


async def _branches_under(c: Conn, unit_id: int) -> list[tuple[int, str, str]]:
    unit = await org_repo.get_unit(c, unit_id)
    if unit is None:
        return []
    if unit.kind == "branch":
        parent = await org_repo.get_unit(c, unit.parent_id or 0)
        return [(unit.id, unit.name, parent.name if parent else "")]
    townships = [unit] if unit.kind == "township" else await org_repo.children(
        c, unit.id, "township")
    found = []
    for township in townships:
        for branch in await org_repo.children(c, township.id, "branch"):
            found.append((branch.id, branch.name, township.name))
    return found


# --- rendering ----------------------------------------------------------------------------------


def _period(bulletin: Bulletin) -> str:
    last = bulletin.end - timedelta(days=1)
    return f"{bulletin.start.isoformat()} – {last.isoformat()}"


def _cell(tr: Tr, line: BranchLine, measure: str) -> str:
    done, possible = line.figures.get(measure, (0.0, 0.0))
    if not possible:
        return "—"
    if measure in ("meetings", "notes", "visits"):
        return f"{done:g}/{possible:g}"
    return f"{done / possible:.0%}"


def lines(tr: Tr, bulletin: Bulletin) -> list[str]:
    head = tr("📊 <b>Bulletin: {scope}, {period}</b>", scope=esc(bulletin.scope),
              period=_period(bulletin))
    if not bulletin.ranked:
        return [head, tr("No activity in this period: no sessions, materials, notes, visits "
                         "or notices to count.")]
    backward = [esc(line.name) for line in bulletin.ranked if line.backward]
    found = [head, tr("Branches ranked: {n}. Bottom 10% (后进): {names}",
                      n=len(bulletin.ranked), names="、".join(backward)), ""]
    short = {"meetings": tr("sessions"), "attendance": tr("attendance"),
             "study": tr("study"), "notes": tr("notes"), "visits": tr("visit days"),
             "notices": tr("notices")}
    for rank, line in enumerate(bulletin.ranked, start=1):
        parts = " · ".join(f"{short[m]} {_cell(tr, line, m)}" for m in MEASURES
                           if m in line.figures and line.figures[m][1])
        mark = " ⚠️" if line.backward else ""
        found.append(f"{rank}. {esc(line.name)} {line.score or 0:.0%}{mark} ({parts})")
    if bulletin.idle:
        found += ["", tr("No activity: {names}", names="、".join(
            esc(line.name) for line in bulletin.idle[:100]))]
    return found


def spreadsheet(tr: Tr, bulletin: Bulletin) -> bytes:
    """Ranking, a sheet per measure (a row per branch) and a sheet of members."""
    names = {line.branch_id: line.name for line in bulletin.lines}
    sheets: list[Sheet] = [Sheet(
        tr("Ranking"),
        [tr("Rank"), tr("Branch"), tr("Township"), tr("Score"), tr("Bottom 10%")],
        [[rank, line.name, line.township, round(line.score or 0, 4),
          "后进" if line.backward else ""]
         for rank, line in enumerate(bulletin.ranked, start=1)]
        + [[None, line.name, line.township, None, ""] for line in bulletin.idle],
        kinds=["integer", "text", "text", "percent", "text"])]
    for measure, title in MEASURES.items():
        rows: list[list[Any]] = []
        for line in bulletin.lines:
            done, possible = line.figures.get(measure, (0.0, 0.0))
            rate = line.rate(measure)
            rows.append([line.name, line.township, done, possible,
                         None if rate is None else round(rate, 4)])
        sheets.append(Sheet(tr(title), [tr("Branch"), tr("Township"), tr("Done"),
                                        tr("Possible"), tr("Rate")], rows,
                            title=_sheet_title(tr, bulletin, tr(title)),
                            kinds=["text", "text", "number", "number", "percent"]))
    sheets.append(Sheet(tr("Members"),
                   [tr("Branch"), tr("Member"), tr("Sessions attended"),
                    tr("Sessions invited"), tr("Materials studied"), tr("Materials received"),
                    tr("Notes written"), tr("Notes asked")],
                   [[names.get(p.branch_id, ""), p.name, p.attended, p.invited, p.studied,
                     p.received, p.notes_written, p.notes_asked] for p in bulletin.members],
                        title=_sheet_title(tr, bulletin, tr("Members"))))
    return workbook(sheets, title=_sheet_title(tr, bulletin, tr("Ranking")))


def _sheet_title(tr: Tr, bulletin: Bulletin, sheet: str) -> str:
    return title_row(tr, tr("Bulletin: {sheet}", sheet=sheet), scope=bulletin.scope,
                     start=bulletin.start, last=bulletin.end - timedelta(days=1),
                     made=bulletin.made)


def chart_data(bulletin: Bulletin) -> list[float]:
    """What the chart plots: the scores of the ranked branches, best first."""
    return [round((line.score or 0) * 100, 1) for line in bulletin.ranked]


def chart(bulletin: Bulletin, tr: Tr | None = None) -> bytes:
    """The first (often the only) image of :func:`chart_images`."""
    return charts.first(chart_images(bulletin, tr))


def chart_images(bulletin: Bulletin, tr: Tr | None = None) -> list[bytes]:
    return [charts.render(figure) for figure in chart_figures(bulletin, tr)]


def chart_figures(bulletin: Bulletin, tr: Tr | None = None) -> list[Figure]:
    """Scores by branch, named, in the order of the message, in the reader's language;
    with more branches than a few images hold, the spread of scores instead. One colour
    for every branch: the chart shows figures, it marks no one."""
    tr = tr or translator(None)
    scores = chart_data(bulletin)
    title = tr("Branch scores: {scope}, {start} to {last}", scope=bulletin.scope,
               start=bulletin.start.isoformat(),
               last=(bulletin.end - timedelta(days=1)).isoformat())
    if len(scores) > CHART_BRANCHES:
        return [charts.histogram_figure(
            tr("{title} ({count} branches)", title=title, count=len(scores)), scores,
            axis=tr("score (%)"), count_axis=tr("branches"), bins=range(0, 101, 10))]
    return charts.bar_figures(title, [
        charts.Bar(line.name, score, f"{score:.0f}%")
        for line, score in zip(bulletin.ranked, scores, strict=True)],
        axis=tr("score (%)"), limit=100)


def parts(tr: Tr, bulletin: Bulletin) -> list[Outgoing]:
    found = [Outgoing(text) for text in chunks(lines(tr, bulletin))]
    if not bulletin.ranked:
        return found
    def name(suffix: str) -> str:
        return period_file_name(tr("bulletin"), bulletin.start, bulletin.end, suffix,
                                bulletin.scope)

    found.append(Outgoing(tr("📎 The bulletin as a spreadsheet: one sheet per measure"),
                          media_kind="document",
                          upload=(name(".xlsx"), spreadsheet(tr, bulletin))))
    images = chart_images(bulletin, tr)
    for number, image in enumerate(images, start=1):
        caption = tr("📈 Branch scores, in the order of the message")
        if len(images) > 1:
            caption += f" ({number}/{len(images)})"
        found.append(Outgoing(caption, media_kind="photo",
                              upload=(name(f"-{number}.png" if len(images) > 1 else ".png"),
                                      image)))
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


async def queue_scheduled(db: Database, clock: Clock, staff: list[int], at: time,
                          quota: float) -> int:
    now = clock.now()
    periods = due_periods(now.date())
    if not periods or now.time() < at or not staff:
        return 0
    async with db.read() as c:
        county = await org_repo.county(c)
    if county is None:
        return 0
    envelopes = []
    for kind, start, end in periods:
        async with db.read() as c:  # the tick runs every minute; each bulletin is made once
            if await outbox_repo.by_key(c, f"bulletin:{kind}:{start.isoformat()}:{staff[0]}:0"):
                continue
        bulletin = await build(db, clock, county.id, start, end, quota)
        count = len(parts(translator(None), bulletin))
        envelopes += [outbox_repo.Envelope(
            f"bulletin:{kind}:{start.isoformat()}:{person}:{index}", person, "bulletin",
            county.id, {"start": start.isoformat(), "end": end.isoformat(), "part": index,
                        "quota": quota}) for person in staff for index in range(count)]
    async with db.tx() as c:
        before = await outbox_repo.queued_count(c)
        await outbox_repo.enqueue(c, envelopes, now)
        return await outbox_repo.queued_count(c) - before


@renderer("bulletin")
async def _render(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    tr = await translator_of(db, row.chat_id)
    bulletin = await build(db, clock, row.ref_id or 0,
                           date.fromisoformat(str(row.payload["start"])),
                           date.fromisoformat(str(row.payload["end"])),
                           float(row.payload["quota"]))
    found = parts(tr, bulletin)
    index = int(row.payload["part"])
    return found[index] if index < len(found) else None
