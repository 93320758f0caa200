"""/visit, /visits, /quota, the buttons under visits (confirm, correct, withdraw, mark a
problem solved), and a visit's link (``/start visit_<id>``, from the half-year sheet).

Buttons: ``vst:ok:<id>`` (a secretary confirms), ``vst:days:<id>`` / ``vst:rec:<id>``
(correct), ``vst:del:<id>`` then ``vst:gone:<id>`` (withdraw, after a second press),
``vst:solve:<id>`` (the problem found was solved: when, and what was done).
"""

from __future__ import annotations

from datetime import date

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    KeyboardButton,
    ReplyKeyboardRemove,
    Update,
)

from bot import contact_days, rectification, visits
from bot.callbacks import QuotaFor, RectifyFromVisit, VisitLeader, VisitPress, whole
from bot.contact_days import Month
from bot.context import ZContext
from bot.delivery import Outgoing, send
from bot.i18n import N_, Translator
from bot.markup import shorten
from bot.profile import InvalidInput, clean_body
from bot.visits import ACTIVITIES, RECORD_MAX, VISIT_LINK_PREFIX
from bot.when import offset_day
from handlers import dialog
from handlers.dialog import Answer
from handlers.guards import ONLY_STAFF, Refused, Stale, on_press, private_only
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, esc, grid, inline, reply_keyboard, take_buttons_away
from storage.models import Dialog, NewVisit, Rectification, Visit

VISIT = "visit"
FIX = "vfix"
SOLVE = "vsolve"
QUOTA = "quota"
DAY_CHOICES = (0.5, 1, 1.5, 2)
VISIT_LINK_PATTERN = rf"{VISIT_LINK_PREFIX}\d{{1,18}}"
PROBLEMS_SHOWN = 10  # open problems listed (each with its button) in /visits
PROBLEM_SHOWN = 60  # characters of a problem in a list

CHANGE_ANSWERS = {
    "ok": N_("Saved."),
    "not_yours": N_("This is not yours to manage."),
    "too_late": N_(
        "Visits can be corrected for {days} days; please ask organisation staff."
    ),  # visits.CORRECTION_DAYS
    "gone": N_("This visit no longer exists."),
}


def _change_answer(tr: Translator, result: visits.Change) -> str:
    return tr(CHANGE_ANSWERS[result], days=visits.CORRECTION_DAYS)


SOLVE_ANSWERS = {
    "not_yours": N_("This is not yours to manage."),
    "gone": N_("This visit no longer exists."),
    "no_problem": N_("No problem was found on this visit."),
    "already": N_("This problem is already marked solved."),
    "on_ledger": N_(
        "This problem is on the rectification ledger: it is marked solved when the item "
        "is crossed off there (/rectify)."
    ),
}


async def visit_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    points = [
        p
        for p in await visits.contact_points(context.db, context.actor.telegram_id)
        if context.actor.visits_at(p.id)
    ]
    if not points:
        await chat.send_message(
            tr(
                "Only leaders with a contact point can log visits. "
                "Organisation staff assign them with /appoint."
            )
        )
        return
    if len(points) == 1:
        await dialog.begin(
            update, context, VISIT, "day", {"branch": points[0].id, "branch_name": points[0].name}
        )
        await _ask_day(update, context, points[0].name)
        return
    await dialog.begin(update, context, VISIT, "point")
    await chat.send_message(
        tr("📍 Which contact point did you visit?"),
        reply_markup=inline(
            grid([button(p.name, dialog.choice(VISIT, "point", p.id)) for p in points])
        ),
    )


async def _ask_day(update: Update, context: ZContext, branch: str) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        tr(
            "📍 Visit to <b>{branch}</b>. On which day did it begin? Press a button or type "
            "it (11-20).",
            branch=esc(branch),
        ),
        reply_markup=inline(
            [
                [
                    button(tr("Today"), dialog.choice(VISIT, "day", 0)),
                    button(tr("Yesterday"), dialog.choice(VISIT, "day", 1)),
                    button(tr("The day before"), dialog.choice(VISIT, "day", 2)),
                ]
            ]
        ),
    )


async def visits_there(context: ZContext, current: Dialog) -> bool:
    """The chosen branch is still one of the leader's contact points (before choosing:
    they still have one)."""
    actor = context.actor
    if "branch" not in current.data:
        return actor.leader and bool(actor.contact_points)
    return actor.visits_at(int(current.data["branch"]))


async def visit_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await VISIT_STEPS.answer(update, context, current, answer)


async def _read_point(turn: Turn) -> None:
    points = {
        p.id: p
        for p in await visits.contact_points(turn.context.db, turn.context.actor.telegram_id)
    }
    chosen = whole(turn.action)
    point = points.get(chosen) if chosen is not None else None
    if point is None:
        raise InvalidInput(N_("Please choose with the buttons."))
    await turn.acknowledge(point.name)
    await turn.go("day", branch=point.id, branch_name=point.name)


async def _read_day(turn: Turn) -> None:
    today = turn.today
    if turn.action is not None:  # a button's day meets the typed day's rule
        day = visits.check_visit_day(offset_day(today, turn.action, back=True), today)
        await turn.acknowledge(day.isoformat())
    else:
        day = visits.parse_visit_day(turn.text, today)
    await turn.go("days", day=day.isoformat())


async def _ask_days(turn: Turn) -> None:
    # Only as many days as have passed since: a visit is logged once it is over.
    day, today = date.fromisoformat(turn.data["day"]), turn.today
    await turn.say(
        turn.tr("How many days? Half days count too."),
        reply_markup=inline(
            [
                [
                    button(f"{n:g}", dialog.choice(VISIT, "days", f"{n:g}"))
                    for n in DAY_CHOICES
                    if contact_days.last_day(day, n) <= today
                ]
            ]
        ),
    )


async def _read_days(turn: Turn) -> None:
    days = visits.parse_days(turn.action or turn.text)
    visits.check_span(date.fromisoformat(turn.data["day"]), days, turn.today)
    if turn.action:
        await turn.acknowledge(turn.action)
    await turn.go("activity", days=days)


async def _ask_activity(turn: Turn) -> None:
    await turn.say(
        turn.tr("What did you do there?"),
        reply_markup=inline(
            grid(
                [
                    button(turn.tr(label), dialog.choice(VISIT, "activity", key))
                    for key, label in ACTIVITIES.items()
                ]
            )
        ),
    )


async def _read_activity(turn: Turn) -> None:
    if turn.action not in ACTIVITIES:
        raise InvalidInput(N_("Please choose with the buttons."))
    await turn.acknowledge(turn.tr(ACTIVITIES[turn.action]))
    await turn.go("record", activity=turn.action)


async def _ask_record(turn: Turn) -> None:
    await turn.say(turn.tr("A short work record: type it, or send a voice message."))


async def _read_record(turn: Turn) -> None:
    message = turn.answer.message
    voice = message.voice if message is not None else None
    record = "" if voice else clean_body(turn.text, RECORD_MAX)
    if not record and voice is None:
        raise InvalidInput(N_("Please type a few sentences."))
    await turn.go("problems", record=record, voice=voice.file_id if voice else None)


async def _ask_problems(turn: Turn) -> None:
    await turn.say(
        turn.tr("Problems found? Type them, or press “None”."),
        reply_markup=inline([[button(turn.tr("None"), dialog.choice(VISIT, "problems", "none"))]]),
    )


async def _read_problems(turn: Turn) -> None:
    if turn.action == "none":
        await turn.acknowledge(turn.tr("None"))
        await turn.go("location", problems="", solved=False)
        return
    problems = clean_body(turn.text, RECORD_MAX)
    if not problems:
        raise InvalidInput(N_("Please type a few sentences."))
    await turn.go("solved", problems=problems)


async def _ask_solved(turn: Turn) -> None:
    tr = turn.tr
    await turn.say(tr("Were they solved?"), reply_markup=turn.yes_no())


async def _read_solved(turn: Turn) -> None:
    await turn.go("location", solved=await turn.yes_or_no())


async def _ask_location(turn: Turn) -> None:
    tr = turn.tr
    await turn.say(
        tr("To show you were there, you may share your location (optional)."),
        reply_markup=reply_keyboard(
            [
                [KeyboardButton(tr("📍 Share my location"), request_location=True)],
                [KeyboardButton(tr("Skip"))],
            ]
        ),
    )


async def _read_location(turn: Turn) -> None:
    location = turn.answer.location
    if location is None and (turn.text or "").strip() != turn.tr("Skip"):
        raise InvalidInput(N_("Please press a button below."))
    await turn.go(
        "confirm",
        lat=visits.coarse(location.latitude) if location else None,
        lon=visits.coarse(location.longitude) if location else None,
    )


def _draft(current: Dialog, leader: int) -> NewVisit:
    """The visit the form collected (bot/visits.log settles when its problem was solved)."""
    data = current.data
    return NewVisit(
        leader_telegram_id=leader,
        branch_id=int(data["branch"]),
        day=date.fromisoformat(data["day"]),
        days=float(data["days"]),
        activity=data["activity"],
        record=data.get("record", ""),
        record_file_id=data.get("voice"),
        problems=data.get("problems", ""),
        solved=bool(data.get("solved")),
        latitude=data.get("lat"),
        longitude=data.get("lon"),
    )


def visit_lines(tr: Translator, branch: str, draft: NewVisit) -> list[str]:
    """A visit's facts, of one in the form or one stored (a Visit is a NewVisit too)."""
    lines = [
        tr("Contact point: {branch}", branch=esc(branch)),
        tr("Day: {day}, {days:g} day(s)", day=visits.dates(draft.day, draft.days), days=draft.days),
        tr("Work: {activity}", activity=tr(ACTIVITIES[draft.activity])),
    ]
    lines.append(
        tr("Record: {record}", record=esc(draft.record))
        if draft.record
        else tr("Record: a voice message")
    )
    if draft.problems:
        lines.append(
            tr(
                "Problems: {problems} ({solved})",
                problems=esc(draft.problems),
                solved=tr("solved") if draft.solved else tr("not solved yet"),
            )
        )
    if draft.latitude is not None:
        lines.append(tr("Location shared."))
    return lines


async def _ask_confirm(turn: Turn) -> None:
    tr = turn.tr
    await turn.say(tr("Thank you."), reply_markup=ReplyKeyboardRemove())
    lines = [
        tr("<b>Please check:</b>"),
        *visit_lines(
            tr, turn.data["branch_name"], _draft(turn.current, turn.context.actor.telegram_id)
        ),
    ]
    await dialog.ask_to_confirm(turn.update, turn.context, VISIT, "\n".join(lines), tr("✅ Save"))


async def _confirm(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    if not await dialog.confirmed(
        turn.update, context, turn.answer, tr("✅ Save"), tr("Cancelled. Nothing was saved.")
    ):
        return
    try:
        visit = await visits.log(
            context.db,
            context.clock,
            _draft(turn.current, context.actor.telegram_id),
            ending=turn.ending(),
        )
    except InvalidInput:
        await turn.finish()
        raise
    context.services.poke_outbox()
    found = await visits.standing(
        context.db, context.clock, context.actor.telegram_id, context.settings.visit_quota_days
    )
    lines = [
        tr(
            "Saved. This month so far: {days:g} of {quota:g} days.",
            days=found.month_days,
            quota=found.month_quota,
        )
    ]
    twice = await visits.counted_before(context.db, visit)
    if twice:
        lines.append(
            tr(
                "You had already logged {days}: a day counts once.",
                days="、".join(f"{day:%m-%d}" for day in twice),
            )
        )
    await turn.say("\n".join(lines))


VISIT_STEPS = StepTable(
    VISIT,
    {
        "point": Step(_read_point, next=("day",)),
        "day": Step(
            _read_day,
            next=("days",),
            ask=lambda turn: _ask_day(turn.update, turn.context, turn.data["branch_name"]),
        ),
        "days": Step(_read_days, next=("activity",), ask=_ask_days),
        "activity": Step(_read_activity, next=("record",), ask=_ask_activity),
        "record": Step(_read_record, next=("problems",), ask=_ask_record),
        "problems": Step(_read_problems, next=("solved", "location"), ask=_ask_problems),
        "solved": Step(_read_solved, next=("location",), ask=_ask_solved),
        "location": Step(_read_location, next=("confirm",), ask=_ask_location),
        "confirm": Step(_confirm, ask=_ask_confirm),
    },
    first=("point", "day"),
)


# --- /visits ---------------------------------------------------------------------------------


async def visits_command(update: Update, context: ZContext) -> None:
    """A leader sees their own month, recent visits and open problems; a branch's
    secretary the visits to their branch and its open problems; staff choose a leader
    first — the corrections a leader may no longer make after 7 days are theirs to make."""
    if not await private_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    actor = context.actor
    if actor.staff:
        people = await visits.leaders(context.db)
        if not people:
            await chat.send_message(
                tr("No leaders have contact points yet. Assign them with /appoint.")
            )
            return
        await chat.send_message(
            tr("Whose visits?"),
            reply_markup=inline(
                grid(
                    [button(name, VisitLeader(telegram_id).pack()) for telegram_id, name in people],
                    3,
                )
            ),
        )
        return
    if not actor.leader and not actor.secretary_of and not actor.townships:
        await chat.send_message(
            tr(
                "Contact-point visits are for leaders with a contact "
                "point, the secretaries of the branches they visit and "
                "organisation staff."
            )
        )
        return
    if actor.leader:
        await _show_standing(update, context, actor.telegram_id, name=None)
    if actor.secretary_of or actor.townships:  # township staff: their township's branches
        await _show_branch_visits(update, context)


def _month_line(tr: Translator, month: Month) -> str:
    asked = "—" if month.quota is None else f"{month.quota:g}"
    if month.in_progress:
        return tr(
            "{month} {days:g}/{quota} so far", month=month.label, days=month.days, quota=asked
        )
    if month.short:
        return tr("{month} {days:g}/{quota} short", month=month.label, days=month.days, quota=asked)
    return f"{month.label} {month.days:g}/{asked}"


def _problem_lines(
    tr: Translator,
    problems: list[Visit],
    names: dict[int, str],
    leaders: dict[int, str] | None = None,
    items: dict[int, Rectification] | None = None,
    today: date | None = None,
) -> list[str]:
    lines = [tr("⚠️ <b>Problems still open ({n})</b>", n=len(problems))] if problems else []
    for visit in problems[:PROBLEMS_SHOWN]:
        fields = {
            "branch": esc(names.get(visit.branch_id, "—")),
            "day": f"{visit.day:%m-%d}",
            "problem": shorten(esc(visit.problems), PROBLEM_SHOWN),
        }
        if leaders is None:
            lines.append(tr("• {branch} {day}: {problem}", **fields))
        else:
            lines.append(
                tr(
                    "• {name}, {branch} {day}: {problem}",
                    **fields,
                    name=esc(leaders.get(visit.leader_telegram_id, "")),
                )
            )
        item = (items or {}).get(visit.id)
        if item is not None and today is not None:  # put right on the ledger, not here
            lines.append(
                tr(
                    "  📌 On the rectification ledger: {state}, deadline {day} ({left})",
                    state=tr(rectification.STATES[item.state]),
                    day=item.deadline.isoformat(),
                    left=rectification.days_word(tr, item, today),
                )
            )
    return lines


def _solve_buttons(
    context: ZContext, problems: list[Visit], items: dict[int, Rectification]
) -> list[list[InlineKeyboardButton]]:
    """Under each open problem: ✔️ solved, and 📌 onto the rectification ledger (整改台账)
    — unless it is on the ledger already: it is solved when crossed off there, and its
    line says how it stands."""
    tr = context.tr
    actor = context.actor
    rows = []
    for v in problems[:PROBLEMS_SHOWN]:
        if v.id in items:
            continue
        day = f"{v.day:%m-%d}"
        row = []
        if actor.may_mark_solved(v.leader_telegram_id, v.branch_id):
            row.append(button(tr("✔️ Solved: {day}", day=day), VisitPress("solve", v.id).pack()))
        if rectification.may_raise_from_visit(actor, v.leader_telegram_id, v.branch_id):
            row.append(button(tr("📌 Rectify: {day}", day=day), RectifyFromVisit(v.id).pack()))
        if row:
            rows.append(row)
    return rows


async def _show_standing(update: Update, context: ZContext, leader: int, name: str | None) -> None:
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    found = await visits.standing(
        context.db, context.clock, leader, context.settings.visit_quota_days
    )
    lines = [f"<b>{esc(name)}</b>"] if name else []
    lines.append(
        tr(
            "📍 <b>This month so far: {days:g} of {quota:g} days</b>",
            days=found.month_days,
            quota=found.month_quota,
        )
    )
    if found.remaining:
        lines.append(tr("{days:g} days still to go.", days=found.remaining))
    if (
        found.appointed is not None
        and found.month_quota != found.quota
        and (found.appointed >= found.this_month.start)
    ):
        lines.append(
            tr(
                "Appointed on {day}: this month asks {asked:g} of the {quota:g} days "
                "(the days left in it).",
                day=found.appointed.isoformat(),
                asked=found.month_quota,
                quota=found.quota,
            )
        )
    lines.append(
        tr(
            "Half-year: {months}",
            months="; ".join(_month_line(tr, month) for month in found.months),
        )
    )
    rows = []
    now = context.clock.now()
    names = {p.id: p.name for p in await visits.contact_points(context.db, leader)}
    for visit in found.recent:
        mark = " ✅" if visit.confirmed_by else ""
        lines.append(
            tr(
                "• {day}: {days:g} day(s), {activity}",
                day=visits.dates(visit.day, visit.days, short=True),
                days=visit.days,
                activity=tr(ACTIVITIES[visit.activity]),
            )
            + mark
        )
        if context.actor.may_change_visit(
            visit.leader_telegram_id, visit.branch_id
        ) and visits.correctable(visit, now, staff=context.actor.oversees(visit.branch_id)):
            label = f"{visit.day:%m-%d}"
            rows.append(
                [
                    button(tr("✏️ Days {day}", day=label), VisitPress("days", visit.id).pack()),
                    button(tr("✏️ Record {day}", day=label), VisitPress("rec", visit.id).pack()),
                    button(tr("🗑 Withdraw {day}", day=label), VisitPress("del", visit.id).pack()),
                ]
            )
    names.update(await visits.branch_names(context.db, {v.branch_id for v in found.open_problems}))
    items = await rectification.from_visits(context.db, [v.id for v in found.open_problems])
    lines += _problem_lines(
        tr, found.open_problems, names, items=items, today=context.clock.today()
    )
    rows += _solve_buttons(context, found.open_problems, items)
    await chat.send_message("\n".join(lines), reply_markup=inline(rows) if rows else None)


async def _show_branch_visits(update: Update, context: ZContext) -> None:
    """The secretary's view (and township staff's, of their township's branches): the
    latest visits to their branches and the problems found there that are still open,
    each with a button to mark it solved."""
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    found = await visits.at_branches(context.db, context.clock, context.actor.managed_branch_ids)
    lines = [
        tr(
            "📍 <b>Visits to {branches}</b>",
            branches="、".join(esc(name) for name in found.names.values()),
        )
    ]
    if not found.recent:
        lines.append(tr("No visits logged yet."))
    for visit in found.recent:
        mark = " ✅" if visit.confirmed_by else ""
        lines.append(
            tr(
                "• {day}: {name}, {days:g} day(s), {activity}",
                day=visits.dates(visit.day, visit.days, short=True),
                name=esc(found.leaders.get(visit.leader_telegram_id, "")),
                days=visit.days,
                activity=tr(ACTIVITIES[visit.activity]),
            )
            + mark
        )
    items = await rectification.from_visits(context.db, [v.id for v in found.open_problems])
    lines += _problem_lines(
        tr, found.open_problems, found.names, found.leaders, items, context.clock.today()
    )
    rows = _solve_buttons(context, found.open_problems, items)
    await chat.send_message("\n".join(lines), reply_markup=inline(rows) if rows else None)


# --- buttons -----------------------------------------------------------------------------------


@on_press()
async def visit_button(
    update: Update, context: ZContext, query: CallbackQuery, data: VisitLeader | VisitPress
) -> None:
    tr = context.tr
    actor = context.actor
    if isinstance(data, VisitLeader):  # staff choosing a leader
        if not actor.staff:
            raise Refused(ONLY_STAFF)
        name = dict(await visits.leaders(context.db)).get(data.leader)
        if name is None:
            raise Stale
        await query.answer()
        await _show_standing(update, context, data.leader, name)
        return
    visit_id, action = data.visit, data.action
    if action == "ok":
        result = await visits.confirm(context.db, context.clock, visit_id, actor)
        answers = {
            "confirmed": N_("✅ Confirmed. Thank you."),
            "already": N_("Already confirmed."),
            "not_yours": N_("Only the secretary of that branch can confirm it."),
            "gone": N_("This visit no longer exists."),
        }
        await query.answer(tr(answers[result]), show_alert=result == "not_yours")
        if result == "confirmed":
            original = getattr(query.message, "text_html", "") or ""
            confirmed = esc(tr("✅ Confirmed"))
            await query.edit_message_text(f"{original}\n<b>{confirmed}</b>")
        return
    if action == "gone":
        withdrawn = await visits.withdraw(context.db, context.clock, visit_id, actor)
        await query.answer(
            _change_answer(tr, withdrawn)
            if withdrawn != "ok"
            else tr("Withdrawn. The history keeps it."),
            show_alert=withdrawn != "ok",
        )
        if withdrawn == "ok":
            await take_buttons_away(query)
        return
    if action == "solve":
        await _solve_pressed(update, context, query, visit_id)
        return
    await _change_pressed(update, context, query, data)  # days, rec, del, keep


async def _change_pressed(
    update: Update, context: ZContext, query: CallbackQuery, data: VisitPress
) -> None:
    """Correcting a visit (its days, its record), withdrawing it (asked once) or keeping
    it: for whoever may change it, while it may be changed."""
    tr = context.tr
    visit_id, action = data.visit, data.action
    allowed, _ = await visits.may_change(context.db, context.clock, visit_id, context.actor)
    if allowed != "ok":
        await query.answer(_change_answer(tr, allowed), show_alert=True)
        return
    if action == "keep":
        await query.answer(tr("Kept."))
        await take_buttons_away(query)
        return
    await query.answer()
    if action == "del":
        await query.edit_message_reply_markup(
            inline(
                [
                    [
                        button(tr("🗑 Yes, withdraw it"), VisitPress("gone", visit_id).pack()),
                        button(tr("Keep it"), VisitPress("keep", visit_id).pack()),
                    ]
                ]
            )
        )
        return
    await dialog.begin(update, context, FIX, action, {"visit": visit_id}, in_private=True)
    await context.bot.send_message(
        context.actor.telegram_id,
        tr("How many days should it be?")
        if action == "days"
        else tr("Type the corrected work record."),
    )


async def _solve_pressed(
    update: Update, context: ZContext, query: CallbackQuery, visit_id: int
) -> None:
    """✔️ Solved: whoever may mark it is asked when (a form of its own)."""
    tr = context.tr
    solving, visit = await visits.may_solve(context.db, visit_id, context.actor)
    if solving != "ok" or visit is None:
        await query.answer(tr(SOLVE_ANSWERS[solving]), show_alert=solving == "not_yours")
        return
    await query.answer()
    await dialog.begin(update, context, SOLVE, "day", {"visit": visit_id}, in_private=True)
    await context.bot.send_message(
        context.actor.telegram_id,
        tr(
            "Problem found on {day}: {problem}\nWhen was it solved? Press a button or type "
            "the date (11-20).",
            day=visit.day.isoformat(),
            problem=shorten(esc(visit.problems), PROBLEM_SHOWN * 4),
        ),
        reply_markup=inline(
            [
                [
                    button(tr("Today"), dialog.choice(SOLVE, "day", 0)),
                    button(tr("Yesterday"), dialog.choice(SOLVE, "day", 1)),
                ]
            ]
        ),
    )


async def changes_visit(context: ZContext, current: Dialog) -> bool:
    """Staff, or the visit's leader while its branch is still their contact point (a
    visit gone since is answered by the step)."""
    visit = await visits.get(context.db, int(current.data["visit"]))
    return visit is None or context.actor.may_change_visit(
        visit.leader_telegram_id, visit.branch_id
    )


async def fix_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await FIX_STEPS.answer(update, context, current, answer)


async def _fix_days(turn: Turn) -> None:
    await _corrected(turn, days=visits.parse_days(turn.text))


async def _fix_record(turn: Turn) -> None:
    record = clean_body(turn.text, RECORD_MAX)
    if not record:
        raise InvalidInput(N_("Please type a few sentences."))
    await _corrected(turn, record=record)


async def _corrected(turn: Turn, *, days: float | None = None, record: str | None = None) -> None:
    context = turn.context
    result = await visits.correct(
        context.db,
        context.clock,
        int(turn.data["visit"]),
        context.actor,
        days=days,
        record=record,
        ending=turn.ending(),
    )
    await turn.say(_change_answer(turn.tr, result))


# Begun by the visit's buttons (``vst:days`` / ``vst:rec``), which ask the question.
FIX_STEPS = StepTable(
    FIX, {"days": Step(_fix_days), "rec": Step(_fix_record)}, first=("days", "rec")
)


# --- a problem solved later -------------------------------------------------------------------


async def solves_problem(context: ZContext, current: Dialog) -> bool:
    """Staff, the branch's secretary, or the visit's leader while the branch is still their
    contact point (a visit gone since is answered by the step)."""
    visit = await visits.get(context.db, int(current.data["visit"]))
    return visit is None or context.actor.may_mark_solved(visit.leader_telegram_id, visit.branch_id)


async def solve_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await SOLVE_STEPS.answer(update, context, current, answer)


async def _solving(turn: Turn) -> Visit | None:
    """The visit whose problem is being marked solved; gone (withdrawn or deleted since),
    the form ends and says so."""
    visit = await visits.get(turn.context.db, int(turn.data["visit"]))
    if visit is None or visit.state != "active":
        await turn.finish()
        await turn.say(turn.tr(SOLVE_ANSWERS["gone"]))
        return None
    return visit


async def _read_solved_on(turn: Turn) -> None:
    visit = await _solving(turn)
    if visit is None:
        return
    today = turn.today
    if turn.action is not None:  # a button's day meets the typed day's rule
        day = visits.check_visit_day(offset_day(today, turn.action, back=True), today, oldest=None)
    else:
        day = visits.parse_visit_day(turn.text, today, oldest=None)
    visits.check_solved_on(visit, day)
    await turn.acknowledge(day.isoformat())
    await turn.go("note", on=day.isoformat())


async def _ask_solved_note(turn: Turn) -> None:
    await turn.say(turn.tr("What was done? One or two sentences for the record."))


async def _read_solved_note(turn: Turn) -> None:
    visit = await _solving(turn)
    if visit is None:
        return
    note = clean_body(turn.text, visits.SOLVED_NOTE_MAX)
    if not note:
        raise InvalidInput(N_("Please type a few sentences."))
    await turn.go("confirm", ask=False, note=note)
    tr = turn.tr
    await dialog.ask_to_confirm(
        turn.update,
        turn.context,
        SOLVE,
        "\n".join(
            [
                tr("<b>Please check:</b>"),
                tr("Problem: {problem}", problem=shorten(esc(visit.problems), PROBLEM_SHOWN * 4)),
                tr("Solved on {day}: {note}", day=turn.data["on"], note=esc(note)),
            ]
        ),
        tr("✅ Save"),
    )


async def _save_solved(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    if await _solving(turn) is None:
        return
    if not await dialog.confirmed(
        turn.update, context, turn.answer, tr("✅ Save"), tr("Cancelled. Nothing was saved.")
    ):
        return
    try:
        result = await visits.mark_solved(
            context.db,
            context.clock,
            int(turn.data["visit"]),
            context.actor,
            date.fromisoformat(turn.data["on"]),
            turn.data["note"],
            ending=turn.ending(),
        )
    except InvalidInput:
        await turn.finish()
        raise
    if result != "ok":
        await turn.finish()
        await turn.say(tr(SOLVE_ANSWERS[result]))
        return
    await turn.say(tr("Saved: the problem is marked solved. It is no longer listed as open."))


SOLVE_STEPS = StepTable(
    SOLVE,
    {
        "day": Step(_read_solved_on, next=("note",)),  # asked by the button under the problem
        "note": Step(_read_solved_note, next=("confirm",), ask=_ask_solved_note),
        "confirm": Step(_save_solved),  # asked by the note's step: the problem is at hand there
    },
    first=("day",),
)


# --- a visit's link, from the half-year spreadsheet ---------------------------------------------


async def visit_link(update: Update, context: ZContext) -> None:
    """``/start visit_<id>``: the visit in full — with its voice record and location, which
    a spreadsheet cannot hold — for those who may see it."""
    if not await private_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    payload = context.args[0] if context.args else ""
    visit_id = int(payload.removeprefix(VISIT_LINK_PREFIX))
    visit = await visits.get(context.db, visit_id)
    if visit is None or visit.state != "active":
        await chat.send_message(tr(CHANGE_ANSWERS["gone"]))
        return
    if not context.actor.sees_visit(visit.leader_telegram_id, visit.branch_id):
        await chat.send_message(tr(CHANGE_ANSWERS["not_yours"]))
        return
    leader = await visits.leader_name(context.db, visit.leader_telegram_id)
    branch = (await visits.branch_names(context.db, {visit.branch_id}))[visit.branch_id]
    lines = [f"<b>{esc(leader)}</b>", *visit_lines(tr, branch, visit)]
    if visit.solved_on is not None and visit.problems:
        lines.append(
            tr(
                "Solved on {day}: {note}",
                day=visit.solved_on.isoformat(),
                note=esc(visit.solved_note) or "—",
            )
        )
    await chat.send_message("\n".join(lines))
    if visit.record_file_id:
        await send(
            context.bot,
            chat.id,
            Outgoing(
                tr("🎤 Work record of {name}, {day}", name=esc(leader), day=visit.day.isoformat()),
                media_kind="voice",
                file_id=visit.record_file_id,
            ),
        )
    if visit.latitude is not None and visit.longitude is not None:
        await send(context.bot, chat.id, Outgoing("", location=(visit.latitude, visit.longitude)))


# --- /quota ------------------------------------------------------------------------------------


async def quota_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    if not context.actor.staff:
        await chat.send_message(tr("Only organisation staff can do this."))
        return
    people = await visits.leaders(context.db)
    lines = [tr("📍 <b>Monthly contact-point quota</b>")]
    for telegram_id, name in people:
        found = await visits.standing(
            context.db, context.clock, telegram_id, context.settings.visit_quota_days
        )
        lines.append(
            tr(
                "{name}: {quota:g} days (this month so far {days:g})",
                name=esc(name),
                quota=found.quota,
                days=found.month_days,
            )
        )
    buttons = [button(tr("Everyone"), QuotaFor(0).pack())]
    buttons += [button(name, QuotaFor(telegram_id).pack()) for telegram_id, name in people]
    lines.append(tr("Whose quota do you want to change?"))
    await chat.send_message("\n".join(lines), reply_markup=inline(grid(buttons, 3)))


@on_press(role=lambda actor: actor.staff, refusal=ONLY_STAFF)
async def quota_button(
    update: Update, context: ZContext, query: CallbackQuery, data: QuotaFor
) -> None:
    tr = context.tr
    who = data.leader
    if not await visits.has_quota(context.db, who):
        raise Stale
    await query.answer()
    await dialog.begin(update, context, QUOTA, "days", {"leader": who}, in_private=True)
    await context.bot.send_message(
        context.actor.telegram_id, tr("How many days a month? (for example 3 or 2.5)")
    )


async def quota_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await QUOTA_STEPS.answer(update, context, current, answer)


async def _read_quota(turn: Turn) -> None:
    context = turn.context
    days = visits.parse_quota(turn.text)
    leader = int(turn.data["leader"]) or None
    await visits.set_quota(
        context.db, context.clock, leader, days, context.actor.telegram_id, ending=turn.ending()
    )
    await turn.say(turn.tr("Saved: {days:g} days a month.", days=days))


# Begun by a leader's button under /quota, which asks the question.
QUOTA_STEPS = StepTable(QUOTA, {"days": Step(_read_quota)}, first=("days",))
