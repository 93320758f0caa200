"""Contact-point visits: logging days, corrections with history, confirmation, reminders.

Each county and township leader should work a quota of days a month (3 by default) at
their contact-point villages. A leader logs each visit; for 7 days they may correct or
withdraw it themselves, after that only staff may, and every change keeps the values
before it. The contact-point branch's secretary may confirm a visit. Twice a month (by
default) a leader still short of the month's quota is reminded how many days remain.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from bot.access import Actor
from bot.callbacks import pack
from bot.clock import Clock
from bot.delivery import Outgoing, renderer
from bot.i18n import N_
from bot.markup import esc
from bot.profile import InvalidInput
from bot.recipients import translator_of
from storage import audit
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage import visits as visit_repo
from storage.db import Database, Statement
from storage.models import OutboxRow, Unit, Visit, VisitActivity

ACTIVITIES: dict[VisitActivity, str] = {
    "research": N_("Research"),
    "problem": N_("Solving a problem"),
    "experience": N_("Summarising experience"),
    "other": N_("Other"),
}
CORRECTION_DAYS = 7
RECORD_MAX = 1000


@dataclass(frozen=True)
class VisitDraft:
    branch_id: int
    day: date
    days: float
    activity: VisitActivity
    record: str
    record_file_id: str | None
    problems: str
    solved: bool
    latitude: float | None = None
    longitude: float | None = None


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def half_year_bounds(day: date) -> tuple[date, date]:
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 7, 1)
    return date(day.year, 7, 1), date(day.year + 1, 1, 1)


def parse_days(text: str | None) -> float:
    """'1', '0.5', '1.5', '半天' → days; whole or half days only."""
    raw = (text or "").strip().replace("天", "").replace("半", ".5").replace("。", ".")
    raw = "0.5" if raw == ".5" else raw
    try:
        days = float(raw)
    except ValueError:
        raise InvalidInput(N_("Please type the number of days, for example 1 or 0.5.")) from None
    if days <= 0:
        raise InvalidInput(N_("The number of days must be more than zero."))
    if days * 2 != int(days * 2):
        raise InvalidInput(N_("Please count in whole or half days, for example 1 or 1.5."))
    return days


def parse_quota(text: str | None) -> float:
    """A monthly quota: days as for a visit, at most a month's worth."""
    days = parse_days(text)
    if days > 31:
        raise InvalidInput(N_("A month has at most 31 days."))
    return days


def parse_visit_day(text: str | None, today: date) -> date:
    """'今天', '昨天', '前天', '11-20', '2026-11-20' → a date not in the future."""
    raw = (text or "").strip().lower()
    relative = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}
    if raw in relative:
        return today - timedelta(days=relative[raw])
    parts = raw.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-")
    parts = parts.replace("日", "").replace("号", "").strip("-")
    try:
        numbers = [int(piece) for piece in parts.split("-")]
        if len(numbers) == 2:
            day = date(today.year, numbers[0], numbers[1])
            if (day - today).days > 180:  # "12-28" typed on 3 January: last year
                day = day.replace(year=today.year - 1)
        elif len(numbers) == 3:
            day = date(numbers[0], numbers[1], numbers[2])
        else:
            raise ValueError
    except ValueError:
        raise InvalidInput(N_("Please type the date as month-day, for example 11-20.")) from None
    if day > today:
        raise InvalidInput(N_("That date is in the future. Please try again."))
    if (today - day).days > 90:
        raise InvalidInput(N_("That is more than 90 days ago; please ask organisation staff."))
    return day


async def contact_points(db: Database, leader: int) -> list[Unit]:
    async with db.read() as c:
        points = await org_repo.contact_points_of(c, leader)
        units = [await org_repo.get_unit(c, p.branch_id) for p in points]
    return [u for u in units if u is not None]


async def check_month(db: Database, leader: int, day: date, days: float,
                       exclude: int | None = None) -> None:
    start, end = month_bounds(day)
    async with db.read() as c:
        logged = await visit_repo.days_between(c, leader, start, end, exclude)
    limit = calendar.monthrange(day.year, day.month)[1]
    if logged + days > limit:
        raise InvalidInput(N_("That would make {total:g} days in {month}, which has only "
                              "{limit} days."), total=logged + days,
                           month=day.strftime("%Y-%m"), limit=limit)


async def log(db: Database, clock: Clock, leader: int, draft: VisitDraft,
              ending: Statement | None = None) -> Visit:
    """Store a visit (refusing a future date or more days than the month has) and ask the
    contact-point branch's secretaries to confirm it."""
    if draft.day > clock.today():
        raise InvalidInput(N_("That date is in the future. Please try again."))
    await check_month(db, leader, draft.day, draft.days)
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        visit = await visit_repo.add_visit(c, {
            "leader_telegram_id": leader, "branch_id": draft.branch_id, "day": draft.day,
            "days": draft.days, "activity": draft.activity, "record": draft.record,
            "record_file_id": draft.record_file_id, "problems": draft.problems,
            "solved": draft.solved, "latitude": draft.latitude,
            "longitude": draft.longitude}, now)
        secretaries = [r.telegram_id for r in await org_repo.holders(c, "secretary",
                                                                     draft.branch_id)]
        await outbox_repo.enqueue(c, [
            outbox_repo.Envelope(f"visit:{visit.id}:{part}:{s}", s, f"visit_{part}", visit.id)
            for s in secretaries if s != leader for part in _confirm_parts(visit)], now)
        await audit.record(c, now, f"tg:{leader}", "visit.log", f"visit:{visit.id}",
                           f"{draft.day} {draft.days:g}d")
    return visit


def _confirm_parts(visit: Visit) -> list[str]:
    """What the secretary asked to confirm a visit receives, in order: the voice record
    and the shared location as messages of their own (Telegram's own player and map),
    then the request with the button, last in the chat, saying they are above."""
    parts = ["voice"] if visit.record_file_id else []
    if visit.latitude is not None and visit.longitude is not None:
        parts.append("location")
    return [*parts, "confirm"]


Change = Literal["ok", "not_yours", "too_late", "gone"]


def correctable(visit: Visit, now: datetime, *, staff: bool) -> bool:
    """A leader corrects their own visit for CORRECTION_DAYS; staff, any time after."""
    return staff or now - visit.created_at <= timedelta(days=CORRECTION_DAYS)


async def may_change(db: Database, clock: Clock, visit_id: int, by: Actor
                      ) -> tuple[Change, Visit | None]:
    async with db.read() as c:
        visit = await visit_repo.get_visit(c, visit_id)
    if visit is None or visit.state != "active":
        return "gone", visit
    if not by.may_change_visit(visit.leader_telegram_id, visit.branch_id):
        return "not_yours", visit
    if not correctable(visit, clock.now(), staff=by.staff):
        return "too_late", visit
    return "ok", visit


async def correct(db: Database, clock: Clock, visit_id: int, by: Actor, *,
                  days: float | None = None, record: str | None = None) -> Change:
    allowed, visit = await may_change(db, clock, visit_id, by)
    if allowed != "ok" or visit is None:
        return allowed
    if days is not None:
        await check_month(db, visit.leader_telegram_id, visit.day, days, exclude=visit.id)
    fields: dict[str, object] = {}
    if days is not None:
        fields["days"] = days
    if record is not None:
        fields["record"] = record
    async with db.tx() as c:
        await visit_repo.change(c, visit, fields, "days" if days is not None else "record",
                                by.telegram_id, clock.now())
    return "ok"


async def withdraw(db: Database, clock: Clock, visit_id: int, by: Actor) -> Change:
    allowed, visit = await may_change(db, clock, visit_id, by)
    if allowed != "ok" or visit is None:
        return allowed
    async with db.tx() as c:
        await visit_repo.change(c, visit, {"state": "withdrawn"}, "withdrawn", by.telegram_id,
                                clock.now())
    return "ok"


Confirmation = Literal["confirmed", "already", "not_yours", "gone"]


async def confirm(db: Database, clock: Clock, visit_id: int, by: Actor) -> Confirmation:
    async with db.read() as c:
        visit = await visit_repo.get_visit(c, visit_id)
    if visit is None or visit.state != "active":
        return "gone"
    if not by.confirms_visits_at(visit.branch_id):
        return "not_yours"
    if visit.confirmed_by is not None:
        return "already"
    now = clock.now()
    async with db.tx() as c:
        await visit_repo.change(c, visit, {"confirmed_by": by.telegram_id,
                                           "confirmed_at": now}, "confirmed", by.telegram_id, now)
    return "confirmed"


@dataclass(frozen=True)
class Standing:
    """A leader's month and half-year so far."""

    month_days: float
    quota: float
    half_year: list[tuple[str, float]]  # (YYYY-MM, days) for each month so far
    recent: list[Visit]

    @property
    def remaining(self) -> float:
        return max(0.0, self.quota - self.month_days)


async def standing(db: Database, clock: Clock, leader: int, default_quota: float) -> Standing:
    today = clock.today()
    start, end = month_bounds(today)
    half_start, _ = half_year_bounds(today)
    async with db.read() as c:
        month = await visit_repo.days_between(c, leader, start, end)
        quota = await visit_repo.quota(c, leader, default_quota)
        months = []
        cursor = half_start
        while cursor <= today:
            nxt = month_bounds(cursor)[1]
            months.append((cursor.strftime("%Y-%m"),
                           await visit_repo.days_between(c, leader, cursor, nxt)))
            cursor = nxt
        recent = await visit_repo.recent(c, leader)
    return Standing(month, quota, months, recent)


async def set_quota(db: Database, clock: Clock, leader: int | None, days: float, by: int
                    ) -> None:
    now = clock.now()
    async with db.tx() as c:
        await visit_repo.set_quota(c, leader, days, by, now)
        await audit.record(c, now, f"tg:{by}", "visit.quota",
                           f"leader:{leader}" if leader else "everyone", f"{days:g}")


# --- reminders ------------------------------------------------------------------------------


def due_today(schedule: list[tuple[int, time]], today: date) -> time | None:
    """The reminder time if today is a reminder day (negative days count from the end)."""
    last = calendar.monthrange(today.year, today.month)[1]
    for day, at in schedule:
        if (day > 0 and today.day == day) or (day < 0 and today.day == last + 1 + day):
            return at
    return None


async def queue_reminders(db: Database, clock: Clock, schedule: list[tuple[int, time]],
                          default_quota: float) -> int:
    now = clock.now()
    at = due_today(schedule, now.date())
    if at is None or now.time() < at:
        return 0
    start, end = month_bounds(now.date())
    envelopes = []
    async with db.read() as c:
        for role in await org_repo.holders(c, "leader"):
            leader = role.telegram_id
            if not await org_repo.contact_points_of(c, leader):
                continue
            logged = await visit_repo.days_between(c, leader, start, end)
            quota = await visit_repo.quota(c, leader, default_quota)
            if logged < quota:
                envelopes.append(outbox_repo.Envelope(
                    f"visit-reminder:{leader}:{now.date().isoformat()}", leader,
                    "visit_reminder", None, {"remaining": quota - logged, "quota": quota}))
    if not envelopes:
        return 0
    async with db.tx() as c:
        before = await outbox_repo.queued_count(c)
        await outbox_repo.enqueue(c, envelopes, now)
        return await outbox_repo.queued_count(c) - before


@renderer("visit_reminder")
async def _render_reminder(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    tr = await translator_of(db, row.chat_id)
    return Outgoing(tr("📍 This month you still have {days:g} of {quota:g} days to work at your "
                       "contact point. Send /visit after each visit.",
                       days=float(row.payload["remaining"]), quota=float(row.payload["quota"])))


async def _to_confirm(db: Database, row: OutboxRow) -> tuple[Visit, str] | None:
    """The visit a confirmation message is about and its leader's name; None once it
    needs no confirming (withdrawn, or confirmed meanwhile)."""
    async with db.read() as c:
        visit = await visit_repo.get_visit(c, row.ref_id or 0)
        leader = await member_repo.member_of_user(c, visit.leader_telegram_id) if visit else None
    if visit is None or visit.state != "active" or visit.confirmed_by is not None:
        return None
    return visit, leader.name if leader else str(visit.leader_telegram_id)


@renderer("visit_voice")
async def _render_confirm_voice(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    found = await _to_confirm(db, row)
    if found is None or found[0].record_file_id is None:
        return None
    visit, who = found
    tr = await translator_of(db, row.chat_id)
    return Outgoing(tr("🎤 Work record of {name}, {day}", name=esc(who),
                       day=visit.day.isoformat()), media_kind="voice",
                    file_id=visit.record_file_id)


@renderer("visit_location")
async def _render_confirm_location(db: Database, clock: Clock, row: OutboxRow
                                   ) -> Outgoing | None:
    found = await _to_confirm(db, row)
    if found is None:
        return None
    visit = found[0]
    if visit.latitude is None or visit.longitude is None:
        return None
    return Outgoing("", location=(visit.latitude, visit.longitude))


@renderer("visit_confirm")
async def _render_confirm(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    found = await _to_confirm(db, row)
    if found is None:
        return None
    visit, who = found
    async with db.read() as c:
        unit = await org_repo.get_unit(c, visit.branch_id)
    tr = await translator_of(db, row.chat_id)
    lines = [tr("📍 <b>{name}</b> logged {days:g} day(s) at {branch} on {day}: {activity}.",
                name=esc(who), days=visit.days, branch=esc(unit.name if unit else "—"),
                day=visit.day.isoformat(), activity=tr(ACTIVITIES[visit.activity]))]
    if visit.record:
        lines.append(esc(visit.record[:800]))
    elif visit.record_file_id:
        lines.append(tr("Work record: in the voice message above."))
    if visit.latitude is not None:
        lines.append(tr("Location: shared on the map above."))
    lines.append(tr("If this is right, please confirm."))
    return Outgoing("\n".join(lines), [[(tr("✅ Confirm"), pack("vst", "ok", visit.id))]])


async def leaders(db: Database) -> list[tuple[int, str]]:
    """(telegram id, name) of every leader, by name."""
    async with db.read() as c:
        found = []
        for role in await org_repo.holders(c, "leader"):
            member = await member_repo.member_of_user(c, role.telegram_id)
            found.append((role.telegram_id, member.name if member else str(role.telegram_id)))
    return sorted(set(found), key=lambda pair: pair[1])


async def get(db: Database, visit_id: int) -> Visit | None:
    async with db.read() as c:
        return await visit_repo.get_visit(c, visit_id)
