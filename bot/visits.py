"""Contact-point visits: logging days, corrections with history, confirmation, problems
solved later, reminders.

Each county and township leader should work a quota of days a month (3 by default) at
their contact-point villages; how days are counted and when the quota starts is
:mod:`bot.contact_days`. A leader logs each visit; for 7 days they may correct or
withdraw it themselves, after that only staff may, and every change keeps the values
before it (the visit's history) and is in the audit trail with before and after. The
contact-point branch's secretary may confirm a visit. A problem found on a visit can be
marked solved later — when, and what was done — by the leader, the branch's secretary or
staff. Twice a month (by default) a leader behind the month's quota so far is reminded.
"""

from __future__ import annotations

import calendar
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from bot import contact_days
from bot.access import Actor
from bot.callbacks import VisitPress
from bot.chunked import in_chunks
from bot.clock import Clock
from bot.contact_days import Month
from bot.contact_days import month_bounds as month_bounds  # bulletins and handlers use it
from bot.delivery import Outgoing
from bot.i18n import N_
from bot.markup import esc
from bot.profile import InvalidInput
from bot.recipients import translator_of
from storage import audit
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage import rectifications as rectification_repo
from storage import visits as visit_repo
from storage.db import Conn, Database, Statement
from storage.models import NewVisit, OutboxKind, OutboxRow, Unit, Visit, VisitActivity

ACTIVITIES: dict[VisitActivity, str] = {
    "research": N_("Research"),
    "problem": N_("Solving a problem"),
    "experience": N_("Summarising experience"),
    "other": N_("Other"),
}
CORRECTION_DAYS = 7
RECORD_MAX = 1000
#: A visit's link opens the bot on it: ``https://t.me/<bot>?start=visit_<id>``.
VISIT_LINK_PREFIX = "visit_"


#: Decimal places kept of a shared location: 0.01° is about a kilometre — enough to show
#: a leader was at the village, not which house they stood in (README "Privacy").
COORDINATE_DECIMALS = 2


def coarse(degrees: float | None) -> float | None:
    """A latitude or longitude to about a kilometre, as it is stored (also in a form in
    progress): the exact point is never written down."""
    return None if degrees is None else round(float(degrees), COORDINATE_DECIMALS)


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
        days = math.nan
    if not math.isfinite(days):  # "nan" and "inf" are floats too
        raise InvalidInput(N_("Please type the number of days, for example 1 or 0.5."))
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


#: How many days back a visit's day may be typed (by a leader; staff, any).
OLDEST_VISIT_DAYS = 90


def parse_visit_day(text: str | None, today: date, oldest: int | None = OLDEST_VISIT_DAYS) -> date:
    """'今天', '昨天', '前天', '11-20', '2026-11-20' → a date not in the future (nor more
    than ``oldest`` days ago, if given)."""
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
    return check_visit_day(day, today, oldest)


def check_visit_day(day: date, today: date, oldest: int | None = OLDEST_VISIT_DAYS) -> date:
    """The rule for a visit's (or a solving's) day, typed or pressed: a button's day is
    data the client sends, so a forged "400 days back" meets the answer a typed one does."""
    if day > today:
        raise InvalidInput(N_("That date is in the future. Please try again."))
    if oldest is not None and (today - day).days > oldest:
        raise InvalidInput(
            N_("That is more than {days} days ago; please ask organisation staff."), days=oldest
        )
    return day


async def contact_points(db: Database, leader: int) -> list[Unit]:
    async with db.read() as c:
        points = await org_repo.contact_points_of(c, leader)
        units = [await org_repo.get_unit(c, p.branch_id) for p in points]
    return [u for u in units if u is not None]


def dates(first: date, days: float, short: bool = False) -> str:
    """The days a visit covers, as people read them: "2026-11-30 – 2026-12-02" (``short``:
    "11-30 – 12-02"), or the one day."""
    last = contact_days.last_day(first, days)
    shown = "%m-%d" if short else "%Y-%m-%d"
    if last == first:
        return first.strftime(shown)
    return f"{first.strftime(shown)} – {last.strftime(shown)}"


def check_span(day: date, days: float, today: date) -> None:
    """A visit is logged once it is over: its last day is not still to come, and it lasts
    at most :data:`storage.visits.LONGEST_VISIT` days (a longer stay is several visits)."""
    if days > visit_repo.LONGEST_VISIT:
        raise InvalidInput(
            N_(
                "One visit can last at most {days} days; please log a longer "
                "stay as several visits."
            ),
            days=visit_repo.LONGEST_VISIT,
        )
    last = contact_days.last_day(day, days)
    if last > today:
        raise InvalidInput(
            N_(
                "{days:g} days from {day} would end on {last}, which is still "
                "to come. Please log a visit once it is over."
            ),
            days=days,
            day=day.isoformat(),
            last=last.isoformat(),
        )


# --- the audit trail: every change to a visit, before and after -------------------------------

#: What the audit keeps of a visit (the voice record's file id is Telegram's, not a fact).
AUDITED = (
    "branch_id",
    "day",
    "days",
    "activity",
    "record",
    "problems",
    "solved",
    "solved_on",
    "solved_note",
    "state",
    "confirmed_by",
)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def audit_detail(before: Visit | None, after: Visit) -> str:
    """JSON of the fields that changed, as they were and as they are (a visit just logged:
    ``before`` is null and ``after`` has what was logged)."""
    fields = [
        name for name in AUDITED if before is None or getattr(before, name) != getattr(after, name)
    ]
    if before is None:
        fields = [name for name in fields if getattr(after, name) not in (None, "", False)]
    return json.dumps(
        {
            "before": None if before is None else {f: _plain(getattr(before, f)) for f in fields},
            "after": {f: _plain(getattr(after, f)) for f in fields},
        },
        ensure_ascii=False,
    )


async def _audit(
    c: Conn, now: datetime, by: int, action: str, before: Visit | None, after: Visit
) -> None:
    await audit.record(c, now, f"tg:{by}", action, f"visit:{after.id}", audit_detail(before, after))


# --- logging and changing a visit --------------------------------------------------------------


async def log(
    db: Database, clock: Clock, draft: NewVisit, ending: Statement | None = None
) -> Visit:
    """Store a visit (refusing one not over yet) and ask the contact-point branch's
    secretaries to confirm it. As stored: a problem solved on the visit is solved on its
    day (``solved_on``; with no problem nothing is solved), and a location is coarse."""
    if draft.day > clock.today():
        raise InvalidInput(N_("That date is in the future. Please try again."))
    check_span(draft.day, draft.days, clock.today())
    leader = draft.leader_telegram_id
    solved = draft.solved and bool(draft.problems)
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        visit = await visit_repo.add_visit(
            c,
            draft.model_copy(
                update={
                    "solved": solved,
                    "solved_on": draft.day if solved else None,
                    "latitude": coarse(draft.latitude),
                    "longitude": coarse(draft.longitude),
                }
            ),
            now,
        )
        secretaries = [
            r.telegram_id for r in await org_repo.holders(c, "secretary", draft.branch_id)
        ]
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope(f"visit:{visit.id}:{part}:{s}", s, kind, visit.id)
                for s in secretaries
                if s != leader
                for part, kind in _confirm_parts(visit)
            ],
            now,
        )
        await _audit(c, now, leader, "visit.log", None, visit)
    return visit


async def counted_before(db: Database, visit: Visit) -> list[date]:
    """The days of this visit its leader had already logged in other visits: they count
    once, and the leader is told so."""
    last = contact_days.last_day(visit.day, visit.days)
    async with db.read() as c:
        others = await visit_repo.reaching_into(
            c, visit.day, last + timedelta(days=1), [visit.leader_telegram_id], exclude=visit.id
        )
    earlier = contact_days.shares((v.day, v.days) for v in others)
    return [day for day, _ in contact_days.covered(visit.day, visit.days) if day in earlier]


def _confirm_parts(visit: Visit) -> list[tuple[str, OutboxKind]]:
    """What the secretary asked to confirm a visit receives, in order (each part's name in
    its key, and its kind): the voice record and the shared location as messages of their
    own (Telegram's own player and map), then the request with the button, last in the
    chat, saying they are above."""
    parts = [("voice", OutboxKind.VISIT_VOICE)] if visit.record_file_id else []
    if visit.latitude is not None and visit.longitude is not None:
        parts.append(("location", OutboxKind.VISIT_LOCATION))
    return [*parts, ("confirm", OutboxKind.VISIT_CONFIRM)]


Change = Literal["ok", "not_yours", "too_late", "gone"]


def correctable(visit: Visit, now: datetime, *, staff: bool) -> bool:
    """A leader corrects their own visit for CORRECTION_DAYS; staff, any time after."""
    return staff or now - visit.created_at <= timedelta(days=CORRECTION_DAYS)


async def may_change(
    db: Database, clock: Clock, visit_id: int, by: Actor
) -> tuple[Change, Visit | None]:
    visit = await get(db, visit_id)
    if visit is None or visit.state != "active":
        return "gone", visit
    if not by.may_change_visit(visit.leader_telegram_id, visit.branch_id):
        return "not_yours", visit
    if not correctable(visit, clock.now(), staff=by.oversees(visit.branch_id)):
        return "too_late", visit
    return "ok", visit


async def _change(
    c: Conn,
    now: datetime,
    visit: Visit,
    fields: Mapping[str, object],
    what: str,
    by: int,
    action: str,
) -> Visit:
    """The change, its line in the visit's history and its audit entry: one transaction."""
    changed = await visit_repo.change(c, visit, fields, what, by, now)
    await _audit(c, now, by, action, visit, changed)
    return changed


async def correct(
    db: Database,
    clock: Clock,
    visit_id: int,
    by: Actor,
    *,
    days: float | None = None,
    record: str | None = None,
    ending: Statement | None = None,
) -> Change:
    """The correction and the end of the form that asked for it (``ending``) in one
    transaction; a refusal ends the form too. A span that does not fit raises
    InvalidInput before anything is written: the form stays at its question."""
    allowed, visit = await may_change(db, clock, visit_id, by)
    if allowed == "ok" and visit is not None and days is not None:
        check_span(visit.day, days, clock.today())
    fields: dict[str, object] = {}
    if days is not None:
        fields["days"] = days
    if record is not None:
        fields["record"] = record
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        if allowed != "ok" or visit is None:
            return allowed
        await _change(
            c,
            clock.now(),
            visit,
            fields,
            "days" if days is not None else "record",
            by.telegram_id,
            "visit.correct",
        )
    return "ok"


async def withdraw(db: Database, clock: Clock, visit_id: int, by: Actor) -> Change:
    allowed, visit = await may_change(db, clock, visit_id, by)
    if allowed != "ok" or visit is None:
        return allowed
    async with db.tx() as c:
        await _change(
            c,
            clock.now(),
            visit,
            {"state": "withdrawn"},
            "withdrawn",
            by.telegram_id,
            "visit.withdraw",
        )
    return "ok"


Confirmation = Literal["confirmed", "already", "not_yours", "gone"]


async def confirm(db: Database, clock: Clock, visit_id: int, by: Actor) -> Confirmation:
    visit = await get(db, visit_id)
    if visit is None or visit.state != "active":
        return "gone"
    if not by.confirms_visits_at(visit.branch_id):
        return "not_yours"
    if visit.confirmed_by is not None:
        return "already"
    now = clock.now()
    async with db.tx() as c:
        await _change(
            c,
            now,
            visit,
            {"confirmed_by": by.telegram_id, "confirmed_at": now},
            "confirmed",
            by.telegram_id,
            "visit.confirm",
        )
    return "confirmed"


# --- problems solved later ---------------------------------------------------------------------

SOLVED_NOTE_MAX = 300
Solving = Literal["ok", "not_yours", "gone", "no_problem", "already", "on_ledger"]


async def may_solve(db: Database, visit_id: int, by: Actor) -> tuple[Solving, Visit | None]:
    """Whether ``by`` may mark the problem found on this visit solved (now)."""
    visit = await get(db, visit_id)
    if visit is None or visit.state != "active":
        return "gone", visit
    if not by.may_mark_solved(visit.leader_telegram_id, visit.branch_id):
        return "not_yours", visit
    if not visit.problems:
        return "no_problem", visit
    if visit.solved:
        return "already", visit
    async with db.read() as c:  # solved there when crossed off (bot/rectification.py)
        if await rectification_repo.open_from_visits(c, [visit.id]):
            return "on_ledger", visit
    return "ok", visit


def check_solved_on(visit: Visit, day: date) -> None:
    if day < visit.day:
        raise InvalidInput(
            N_("The problem was found on {day}; it cannot have been solved before that."),
            day=visit.day.isoformat(),
        )


async def mark_solved(
    db: Database,
    clock: Clock,
    visit_id: int,
    by: Actor,
    on: date,
    note: str,
    ending: Statement | None = None,
) -> Solving:
    """The problem found on the visit was solved ``on`` that day, ``note`` says how; the
    right is checked again here, where the change is made."""
    allowed, visit = await may_solve(db, visit_id, by)
    if allowed != "ok" or visit is None:
        return allowed
    check_solved_on(visit, on)
    if on > clock.today():
        raise InvalidInput(N_("That date is in the future. Please try again."))
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        await _change(
            c,
            clock.now(),
            visit,
            {"solved": True, "solved_on": on, "solved_note": note, "solved_by": by.telegram_id},
            "solved",
            by.telegram_id,
            "visit.solve",
        )
    return "ok"


async def solve_in(
    c: Conn, now: datetime, visit_id: int, by: int, on: date, note: str
) -> Visit | None:
    """Inside another change's transaction (an item of the rectification ledger crossed
    off): the visit's problem marked solved, if it still stands open; its history and
    audit entry as when marked by hand."""
    visit = await visit_repo.get_visit(c, visit_id)
    if visit is None or visit.state != "active" or not visit.problems or visit.solved:
        return None
    return await _change(
        c,
        now,
        visit,
        {"solved": True, "solved_on": max(on, visit.day), "solved_note": note, "solved_by": by},
        "solved",
        by,
        "visit.solve",
    )


# --- where a leader stands ---------------------------------------------------------------------


async def days_at_points(
    c: Conn, clock: Clock, start: date, end: date, default_quota: float
) -> dict[int, tuple[float, float]]:
    """Branch → (contact-point days leaders spent there in [start, end), what the quota of
    the leaders whose point it is now asks of them in it), counted as
    :mod:`bot.contact_days` counts: each calendar date once per leader and place, in its
    own month, the quota from the appointment on (the month under way asks its whole
    quota, by its end). Days follow the visits, so a past period keeps the days of a
    leader since relieved or moved to another point; the quota is each current leader's,
    whatever their points: a leader with two points is counted at both."""
    today = clock.today()
    visits = await visit_repo.reaching_into(c, start, end)
    found: dict[int, tuple[float, float]] = {}
    for leader, branch_id in sorted({(v.leader_telegram_id, v.branch_id) for v in visits}):
        days = contact_days.total(
            contact_days.shares(
                (v.day, v.days)
                for v in visits
                if v.leader_telegram_id == leader and v.branch_id == branch_id
            ),
            start,
            end,
        )
        if days:
            found[branch_id] = (found.get(branch_id, (0.0, 0.0))[0] + days, 0.0)
    for role in await org_repo.holders(c, "leader"):
        leader = role.telegram_id
        points = {p.branch_id for p in await org_repo.contact_points_of(c, leader)}
        if not points:
            continue
        quota = await visit_repo.quota(c, leader, default_quota)
        appointed = role.granted_at.astimezone(clock.tz).date()
        expected = sum(
            month.quota or 0.0
            for month in contact_days.months({}, quota, appointed, start, end, today)
        )
        for branch_id in points:
            days, had_quota = found.get(branch_id, (0.0, 0.0))
            found[branch_id] = (days, had_quota + expected)
    return found


async def appointed_on(c: Conn, clock: Clock, leader: int) -> date | None:
    """The day the leader was appointed (their leader role began); None if they hold none."""
    for role in await org_repo.roles_of(c, leader):
        if role.role == "leader":
            return role.granted_at.astimezone(clock.tz).date()
    return None


async def _shares(
    c: Conn, leaders: list[int], start: date, end: date
) -> dict[int, dict[date, float]]:
    found: dict[int, list[Visit]] = {leader: [] for leader in leaders}
    for visit in await visit_repo.reaching_into(c, start, end, leaders):
        found[visit.leader_telegram_id].append(visit)
    return {
        leader: contact_days.shares((v.day, v.days) for v in visits)
        for leader, visits in found.items()
    }


@dataclass(frozen=True)
class Standing:
    """A leader's month and half-year so far, and what is still open."""

    appointed: date | None
    quota: float  # a whole month's
    months: list[Month]  # the half-year so far, from the appointment; this month last
    recent: list[Visit]
    open_problems: list[Visit]

    @property
    def this_month(self) -> Month:
        return self.months[-1]

    @property
    def month_days(self) -> float:
        return self.this_month.days

    @property
    def month_quota(self) -> float:
        """What this month asks (less than the quota in the month of the appointment)."""
        return self.this_month.quota if self.this_month.quota is not None else 0.0

    @property
    def remaining(self) -> float:
        return max(0.0, self.month_quota - self.month_days)


async def standing(db: Database, clock: Clock, leader: int, default_quota: float) -> Standing:
    today = clock.today()
    half_start, _ = half_year_bounds(today)
    _, month_end = month_bounds(today)
    async with db.read() as c:
        appointed = await appointed_on(c, clock, leader)
        days = (await _shares(c, [leader], half_start, month_end))[leader]
        quota = await visit_repo.quota(c, leader, default_quota)
        recent = await visit_repo.recent(c, leader)
        problems = await visit_repo.open_problems(c, today + timedelta(days=1), leader=leader)
    months = contact_days.months(days, quota, appointed or today, half_start, month_end, today)
    shown = [m for m in months if m.quota is not None or m.days or m.in_progress]
    return Standing(appointed, quota, shown, recent, problems)


@dataclass(frozen=True)
class BranchVisits:
    """What the secretary of contact-point branches sees: recent visits there and the
    problems still open."""

    names: dict[int, str]  # branch id → name
    leaders: dict[int, str]  # telegram id → name, of the leaders in the visits below
    recent: list[Visit]
    open_problems: list[Visit]


async def at_branches(db: Database, clock: Clock, branches: frozenset[int]) -> BranchVisits:
    names = await branch_names(db, set(branches))
    async with db.read() as c:
        recent = await visit_repo.recent_at(c, branches)
        problems = await visit_repo.open_problems(
            c, clock.today() + timedelta(days=1), branches=branches
        )
        leaders = await member_repo.names_of_users(
            c, sorted({v.leader_telegram_id for v in [*recent, *problems]})
        )
    return BranchVisits(names, leaders, recent, problems)


async def set_quota(
    db: Database,
    clock: Clock,
    leader: int | None,
    days: float,
    by: int,
    ending: Statement | None = None,
) -> None:
    """The quota, with the end of the form that set it (``ending``), in one transaction."""
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        await visit_repo.set_quota(c, leader, days, by, now)
        await audit.record(
            c,
            now,
            f"tg:{by}",
            "visit.quota",
            f"leader:{leader}" if leader else "everyone",
            f"{days:g}",
        )


# --- reminders ------------------------------------------------------------------------------


def due_today(schedule: list[tuple[int, time]], today: date) -> time | None:
    """The reminder time if today is a reminder day (negative days count from the end)."""
    last = calendar.monthrange(today.year, today.month)[1]
    for day, at in schedule:
        if (day > 0 and today.day == day) or (day < 0 and today.day == last + 1 + day):
            return at
    return None


async def queue_reminders(
    db: Database, clock: Clock, schedule: list[tuple[int, time]], default_quota: float
) -> int:
    """On the schedule's days (twice a month by default: at most that many reminders), a
    leader whose days so far this month are fewer than the month asks of them is told
    where they stand — "so far", the month is not over."""
    now = clock.now()
    today = now.date()
    at = due_today(schedule, today)
    if at is None or now.time() < at:
        return 0
    start, end = month_bounds(today)
    envelopes = []
    async with db.read() as c:
        leaders = sorted({r.telegram_id for r in await org_repo.holders(c, "leader")})
        days = await _shares(c, leaders, start, end)
        for leader in leaders:
            if not await org_repo.contact_points_of(c, leader):
                continue
            appointed = await appointed_on(c, clock, leader) or today
            quota = await visit_repo.quota(c, leader, default_quota)
            asked = contact_days.month_quota(quota, appointed, today) or 0.0
            done = contact_days.total(days[leader], start, end)
            if done < asked:
                envelopes.append(
                    outbox_repo.Envelope(
                        f"visit-reminder:{leader}:{today.isoformat()}",
                        leader,
                        OutboxKind.VISIT_REMINDER,
                        None,
                        {"remaining": asked - done, "quota": asked, "done": done},
                    )
                )
    return await in_chunks(db, envelopes, lambda c, some: outbox_repo.enqueue_new(c, some, now))


async def render_reminder(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    tr = await translator_of(db, row.chat_id)
    quota = float(row.payload["quota"])
    remaining = float(row.payload["remaining"])
    done = float(row.payload.get("done", quota - remaining))
    return Outgoing(
        tr(
            "📍 This month so far: {done:g} of {quota:g} days at your contact "
            "point; {days:g} still to go. Send /visit after each visit.",
            done=done,
            days=remaining,
            quota=quota,
        )
    )


async def _to_confirm(db: Database, row: OutboxRow) -> tuple[Visit, str] | None:
    """The visit a confirmation message is about and its leader's name; None once it
    needs no confirming (withdrawn, or confirmed meanwhile)."""
    async with db.read() as c:
        visit = await visit_repo.get_visit(c, row.ref_id or 0)
        leader = await member_repo.member_of_user(c, visit.leader_telegram_id) if visit else None
    if visit is None or visit.state != "active" or visit.confirmed_by is not None:
        return None
    return visit, leader.name if leader else str(visit.leader_telegram_id)


async def render_confirm_voice(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    found = await _to_confirm(db, row)
    if found is None or found[0].record_file_id is None:
        return None
    visit, who = found
    tr = await translator_of(db, row.chat_id)
    return Outgoing(
        tr("🎤 Work record of {name}, {day}", name=esc(who), day=visit.day.isoformat()),
        media_kind="voice",
        file_id=visit.record_file_id,
    )


async def render_confirm_location(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    found = await _to_confirm(db, row)
    if found is None:
        return None
    visit = found[0]
    if visit.latitude is None or visit.longitude is None:
        return None
    return Outgoing("", location=(visit.latitude, visit.longitude))


async def render_confirm(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    found = await _to_confirm(db, row)
    if found is None:
        return None
    visit, who = found
    async with db.read() as c:
        unit = await org_repo.get_unit(c, visit.branch_id)
    tr = await translator_of(db, row.chat_id)
    lines = [
        tr(
            "📍 <b>{name}</b> logged {days:g} day(s) at {branch} on {day}: {activity}.",
            name=esc(who),
            days=visit.days,
            branch=esc(unit.name if unit else "—"),
            day=dates(visit.day, visit.days),
            activity=tr(ACTIVITIES[visit.activity]),
        )
    ]
    if visit.record:
        lines.append(esc(visit.record[:800]))
    elif visit.record_file_id:
        lines.append(tr("Work record: in the voice message above."))
    if visit.latitude is not None:
        lines.append(tr("Location: shared on the map above."))
    lines.append(tr("If this is right, please confirm."))
    return Outgoing("\n".join(lines), [[(tr("✅ Confirm"), VisitPress("ok", visit.id).pack())]])


async def leaders(db: Database) -> list[tuple[int, str]]:
    """(telegram id, name) of every leader, by name."""
    async with db.read() as c:
        found = []
        for role in await org_repo.holders(c, "leader"):
            member = await member_repo.member_of_user(c, role.telegram_id)
            found.append((role.telegram_id, member.name if member else str(role.telegram_id)))
    return sorted(set(found), key=lambda pair: pair[1])


async def has_quota(db: Database, who: int) -> bool:
    """Whether a quota can be set for ``who``: everyone's (0) or a leader's, as /quota
    offers; a forged button naming anyone else is refused before the form opens."""
    return who == 0 or who in {telegram_id for telegram_id, _ in await leaders(db)}


async def leader_name(db: Database, telegram_id: int) -> str:
    async with db.read() as c:
        return (await member_repo.names_of_users(c, [telegram_id]))[telegram_id]


async def branch_names(db: Database, branch_ids: set[int]) -> dict[int, str]:
    async with db.read() as c:
        return {b: (u.name if (u := await org_repo.get_unit(c, b)) else "—") for b in branch_ids}


async def get(db: Database, visit_id: int) -> Visit | None:
    async with db.read() as c:
        return await visit_repo.get_visit(c, visit_id)
