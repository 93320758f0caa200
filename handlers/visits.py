"""/visit, /visits, /quota and the buttons under visits (confirm, correct, withdraw).

Buttons: ``vst:ok:<id>`` (a secretary confirms), ``vst:days:<id>`` / ``vst:rec:<id>``
(correct), ``vst:del:<id>`` then ``vst:gone:<id>`` (withdraw, after a second press).
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import KeyboardButton, ReplyKeyboardRemove, Update

from bot import visits
from bot.app import ZContext
from bot.callbacks import pack, unpack
from bot.i18n import N_, Translator
from bot.profile import InvalidInput, clean_body
from bot.visits import ACTIVITIES, RECORD_MAX, VisitDraft
from handlers import away, dialog
from handlers.dialog import Answer
from handlers.guards import button_with_id, private_only
from handlers.ui import button, esc, grid, inline, reply_keyboard, take_buttons_away
from storage.models import Dialog, Visit

VISIT = "visit"
FIX = "vfix"
QUOTA = "quota"
DAY_CHOICES = (0.5, 1, 1.5, 2)

CHANGE_ANSWERS = {
    "ok": N_("Saved."),
    "not_yours": N_("This is not yours to manage."),
    "too_late": N_("Visits can be corrected for 7 days; please ask organisation staff."),
    "gone": N_("This visit no longer exists."),
}


async def visit_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    points = [p for p in await visits.contact_points(context.db, context.actor.telegram_id)
              if context.actor.visits_at(p.id)]
    if not points:
        await chat.send_message(tr("Only leaders with a contact point can log visits. "
                                   "Organisation staff assign them with /appoint."))
        return
    if len(points) == 1:
        await dialog.begin(update, context, VISIT, "day",
                           {"branch": points[0].id, "branch_name": points[0].name})
        await _ask_day(update, context, points[0].name)
        return
    await dialog.begin(update, context, VISIT, "point")
    await chat.send_message(tr("📍 Which contact point did you visit?"), reply_markup=inline(
        grid([button(p.name, dialog.choice(VISIT, "point", p.id)) for p in points])))


async def _ask_day(update: Update, context: ZContext, branch: str) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        tr("📍 Visit to <b>{branch}</b>. Which day? Press a button or type it (11-20).",
           branch=esc(branch)),
        reply_markup=inline([[button(tr("Today"), dialog.choice(VISIT, "day", 0)),
                              button(tr("Yesterday"), dialog.choice(VISIT, "day", 1)),
                              button(tr("The day before"), dialog.choice(VISIT, "day", 2))]]))


async def _visits_there(context: ZContext, current: Dialog) -> bool:
    """The chosen branch is still one of the leader's contact points (before choosing:
    they still have one)."""
    actor = context.actor
    if "branch" not in current.data:
        return actor.leader and bool(actor.contact_points)
    return actor.visits_at(int(current.data["branch"]))


@dialog.dialog(VISIT, right=_visits_there)
async def visit_step(update: Update, context: ZContext, current: Dialog, answer: Answer
                     ) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    today = context.clock.today()
    try:
        if current.step == "point":
            points = {p.id: p for p in await visits.contact_points(
                context.db, context.actor.telegram_id)}
            choice = answer.action or ""
            point = points.get(int(choice)) if choice.isdigit() else None
            if point is None:
                await chat.send_message(tr("Please choose with the buttons."))
                return
            await away.acknowledge(answer, point.name)
            await dialog.advance(update, context, current, "day", branch=point.id,
                                 branch_name=point.name)
            await _ask_day(update, context, point.name)
        elif current.step == "day":
            if answer.action is not None:
                day = today - timedelta(days=int(answer.action))
                await away.acknowledge(answer, day.isoformat())
            else:
                day = visits.parse_visit_day(answer.text, today)
            await dialog.advance(update, context, current, "days", day=day.isoformat())
            await chat.send_message(tr("How many days? Half days count too."), reply_markup=inline(
                [[button(f"{n:g}", dialog.choice(VISIT, "days", f"{n:g}"))
                  for n in DAY_CHOICES]]))
        elif current.step == "days":
            days = visits.parse_days(answer.action or answer.text)
            await visits.check_month(context.db, context.actor.telegram_id,
                                     date.fromisoformat(current.data["day"]), days)
            if answer.action:
                await away.acknowledge(answer, answer.action)
            await dialog.advance(update, context, current, "activity", days=days)
            await chat.send_message(tr("What did you do there?"), reply_markup=inline(grid(
                [button(tr(label), dialog.choice(VISIT, "activity", key))
                 for key, label in ACTIVITIES.items()])))
        elif current.step == "activity":
            if answer.action not in ACTIVITIES:
                await chat.send_message(tr("Please choose with the buttons."))
                return
            await away.acknowledge(answer, tr(ACTIVITIES[answer.action]))
            await dialog.advance(update, context, current, "record", activity=answer.action)
            await chat.send_message(tr("A short work record: type it, or send a voice message."))
        elif current.step == "record":
            voice = answer.message.voice if answer.message is not None else None
            record = "" if voice else clean_body(answer.text, RECORD_MAX)
            if not record and voice is None:
                raise InvalidInput(N_("Please type a few sentences."))
            await dialog.advance(update, context, current, "problems", record=record,
                                 voice=voice.file_id if voice else None)
            await chat.send_message(tr("Problems found? Type them, or press “None”."),
                                    reply_markup=inline([[button(
                                        tr("None"), dialog.choice(VISIT, "problems", "none"))]]))
        elif current.step == "problems":
            if answer.action == "none":
                await away.acknowledge(answer, tr("None"))
                current = await dialog.advance(update, context, current, "location",
                                               problems="", solved=False)
                await _ask_location(update, context)
                return
            problems = clean_body(answer.text, RECORD_MAX)
            if not problems:
                raise InvalidInput(N_("Please type a few sentences."))
            await dialog.advance(update, context, current, "solved", problems=problems)
            await chat.send_message(tr("Were they solved?"), reply_markup=inline([[
                button(tr("Yes"), dialog.choice(VISIT, "solved", "yes")),
                button(tr("No"), dialog.choice(VISIT, "solved", "no"))]]))
        elif current.step == "solved":
            if answer.action not in ("yes", "no"):
                await chat.send_message(tr("Please choose with the buttons."))
                return
            await away.acknowledge(answer, tr("Yes") if answer.action == "yes" else tr("No"))
            await dialog.advance(update, context, current, "location",
                                 solved=answer.action == "yes")
            await _ask_location(update, context)
        elif current.step == "location":
            location = answer.location
            if location is None and (answer.text or "").strip() != tr("Skip"):
                await chat.send_message(tr("Please press a button below."))
                return
            current = await dialog.advance(
                update, context, current, "confirm",
                lat=location.latitude if location else None,
                lon=location.longitude if location else None)
            await chat.send_message(tr("Thank you."), reply_markup=ReplyKeyboardRemove())
            await _ask_confirm(update, context, current)
        elif current.step == "confirm":
            await _confirm(update, context, current, answer)
    except InvalidInput as problem:
        await chat.send_message(tr(problem.message, **problem.fields))


async def _ask_location(update: Update, context: ZContext) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        tr("To show you were there, you may share your location (optional)."),
        reply_markup=reply_keyboard([
            [KeyboardButton(tr("📍 Share my location"), request_location=True)],
            [KeyboardButton(tr("Skip"))]]))


def _draft(current: Dialog) -> VisitDraft:
    data = current.data
    return VisitDraft(branch_id=int(data["branch"]), day=date.fromisoformat(data["day"]),
                      days=float(data["days"]), activity=data["activity"],
                      record=data.get("record", ""), record_file_id=data.get("voice"),
                      problems=data.get("problems", ""), solved=bool(data.get("solved")),
                      latitude=data.get("lat"), longitude=data.get("lon"))


def visit_lines(tr: Translator, branch: str, draft: VisitDraft | Visit) -> list[str]:
    lines = [tr("Contact point: {branch}", branch=esc(branch)),
             tr("Day: {day}, {days:g} day(s)", day=draft.day.isoformat(), days=draft.days),
             tr("Work: {activity}", activity=tr(ACTIVITIES[draft.activity]))]
    lines.append(tr("Record: {record}", record=esc(draft.record)) if draft.record
                 else tr("Record: a voice message"))
    if draft.problems:
        lines.append(tr("Problems: {problems} ({solved})", problems=esc(draft.problems),
                        solved=tr("solved") if draft.solved else tr("not solved yet")))
    if draft.latitude is not None:
        lines.append(tr("Location shared."))
    return lines


async def _ask_confirm(update: Update, context: ZContext, current: Dialog) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    lines = [tr("<b>Please check:</b>"),
             *visit_lines(tr, current.data["branch_name"], _draft(current))]
    await dialog.ask_to_confirm(update, context, VISIT, "\n".join(lines), tr("✅ Save"))


async def _confirm(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if not await dialog.confirmed(update, context, answer, tr("✅ Save"),
                                  tr("Cancelled. Nothing was saved.")):
        return
    try:
        await visits.log(context.db, context.clock, context.actor.telegram_id, _draft(current),
                         ending=dialog.ending(update, context))
    except InvalidInput as problem:
        await dialog.finish(update, context)
        await chat.send_message(tr(problem.message, **problem.fields))
        return
    context.services.poke_outbox()
    found = await visits.standing(context.db, context.clock, context.actor.telegram_id,
                                  context.settings.visit_quota_days)
    await chat.send_message(tr("Saved. This month: {days:g} of {quota:g} days.",
                               days=found.month_days, quota=found.quota))


# --- /visits ---------------------------------------------------------------------------------


async def visits_command(update: Update, context: ZContext) -> None:
    """A leader sees their own month and recent visits; staff choose a leader first — the
    corrections a leader may no longer make after 7 days are theirs to make."""
    if not await private_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    actor = context.actor
    if actor.staff:
        people = await visits.leaders(context.db)
        if not people:
            await chat.send_message(tr("No leaders have contact points yet. Assign them with "
                                       "/appoint."))
            return
        await chat.send_message(tr("Whose visits?"), reply_markup=inline(grid(
            [button(name, pack("vst", "who", telegram_id)) for telegram_id, name in people],
            3)))
        return
    if not actor.leader:
        await chat.send_message(tr("Only leaders with a contact point can log visits. "
                                   "Organisation staff assign them with /appoint."))
        return
    await _show_standing(update, context, actor.telegram_id, name=None)


async def _show_standing(update: Update, context: ZContext, leader: int,
                         name: str | None) -> None:
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    found = await visits.standing(context.db, context.clock, leader,
                                  context.settings.visit_quota_days)
    lines = [f"<b>{esc(name)}</b>"] if name else []
    lines.append(tr("📍 <b>This month: {days:g} of {quota:g} days</b>", days=found.month_days,
                    quota=found.quota))
    if found.remaining:
        lines.append(tr("{days:g} days still to go.", days=found.remaining))
    lines.append(tr("Half-year so far: {months}", months="; ".join(
        f"{month} {days:g}" for month, days in found.half_year)))
    rows = []
    now = context.clock.now()
    for visit in found.recent:
        mark = " ✅" if visit.confirmed_by else ""
        lines.append(tr("• {day}: {days:g} day(s), {activity}", day=f"{visit.day:%m-%d}",
                        days=visit.days, activity=tr(ACTIVITIES[visit.activity])) + mark)
        if (context.actor.may_change_visit(visit.leader_telegram_id, visit.branch_id)
                and visits.correctable(visit, now, staff=context.actor.staff)):
            label = f"{visit.day:%m-%d}"
            rows.append([button(tr("✏️ Days {day}", day=label), pack("vst", "days", visit.id)),
                         button(tr("✏️ Record {day}", day=label), pack("vst", "rec", visit.id)),
                         button(tr("🗑 Withdraw {day}", day=label),
                                pack("vst", "del", visit.id))])
    await chat.send_message("\n".join(lines), reply_markup=inline(rows) if rows else None)


# --- buttons -----------------------------------------------------------------------------------


async def visit_button(update: Update, context: ZContext) -> None:
    pressed = await button_with_id(update, context)
    if pressed is None:
        return
    query, parsed, visit_id = pressed
    tr = context.tr
    actor = context.actor
    if parsed.action == "who":  # staff choosing a leader; the id is the leader's
        if not actor.staff:
            await query.answer(tr("Only organisation staff can do this."), show_alert=True)
            return
        name = dict(await visits.leaders(context.db)).get(visit_id)
        if name is None:
            await query.answer(tr("This button is no longer active."))
            return
        await query.answer()
        await _show_standing(update, context, visit_id, name)
        return
    if parsed.action == "ok":
        result = await visits.confirm(context.db, context.clock, visit_id, actor)
        answers = {"confirmed": N_("✅ Confirmed. Thank you."),
                   "already": N_("Already confirmed."),
                   "not_yours": N_("Only the secretary of that branch can confirm it."),
                   "gone": N_("This visit no longer exists.")}
        await query.answer(tr(answers[result]), show_alert=result == "not_yours")
        if result == "confirmed":
            original = getattr(query.message, "text_html", "") or ""
            confirmed = esc(tr("✅ Confirmed"))
            await query.edit_message_text(f"{original}\n<b>{confirmed}</b>")
        return
    if parsed.action == "gone":
        withdrawn = await visits.withdraw(context.db, context.clock, visit_id, actor)
        await query.answer(tr(CHANGE_ANSWERS[withdrawn]) if withdrawn != "ok"
                           else tr("Withdrawn. The history keeps it."),
                           show_alert=withdrawn != "ok")
        if withdrawn == "ok":
            await take_buttons_away(query)
        return
    if parsed.action in ("days", "rec", "del", "keep"):
        allowed, _ = await visits.may_change(context.db, context.clock, visit_id, actor)
        if allowed != "ok":
            await query.answer(tr(CHANGE_ANSWERS[allowed]), show_alert=True)
            return
        if parsed.action == "keep":
            await query.answer(tr("Kept."))
            await take_buttons_away(query)
            return
        await query.answer()
        if parsed.action == "del":
            await query.edit_message_reply_markup(inline([[
                button(tr("🗑 Yes, withdraw it"), pack("vst", "gone", visit_id)),
                button(tr("Keep it"), pack("vst", "keep", visit_id))]]))
            return
        await dialog.begin(update, context, FIX, parsed.action, {"visit": visit_id},
                           in_private=True)
        await context.bot.send_message(actor.telegram_id, tr(
            "How many days should it be?") if parsed.action == "days" else tr(
            "Type the corrected work record."))
        return
    await query.answer(tr("This button is no longer active."))


async def _changes_visit(context: ZContext, current: Dialog) -> bool:
    """Staff, or the visit's leader while its branch is still their contact point (a
    visit gone since is answered by the step)."""
    visit = await visits.get(context.db, int(current.data["visit"]))
    return visit is None or context.actor.may_change_visit(visit.leader_telegram_id,
                                                           visit.branch_id)


@dialog.dialog(FIX, right=_changes_visit)
async def fix_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    actor = context.actor
    try:
        if current.step == "days":
            result = await visits.correct(context.db, context.clock, int(current.data["visit"]),
                                          actor, days=visits.parse_days(answer.text))
        else:
            record = clean_body(answer.text, RECORD_MAX)
            if not record:
                raise InvalidInput(N_("Please type a few sentences."))
            result = await visits.correct(context.db, context.clock, int(current.data["visit"]),
                                          actor, record=record)
    except InvalidInput as problem:
        await chat.send_message(tr(problem.message, **problem.fields))
        return
    await dialog.finish(update, context)
    await chat.send_message(tr(CHANGE_ANSWERS[result]))


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
        found = await visits.standing(context.db, context.clock, telegram_id,
                                      context.settings.visit_quota_days)
        lines.append(tr("{name}: {quota:g} days (this month {days:g})", name=esc(name),
                        quota=found.quota, days=found.month_days))
    buttons = [button(tr("Everyone"), pack("quota", "set", 0))]
    buttons += [button(name, pack("quota", "set", telegram_id)) for telegram_id, name in people]
    lines.append(tr("Whose quota do you want to change?"))
    await chat.send_message("\n".join(lines), reply_markup=inline(grid(buttons, 3)))


async def quota_button(update: Update, context: ZContext) -> None:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    parsed = unpack(query.data)
    who = parsed.int_arg() if parsed else None
    if parsed is None or who is None or not context.actor.staff:
        await query.answer(tr("Only organisation staff can do this."), show_alert=True)
        return
    await query.answer()
    await dialog.begin(update, context, QUOTA, "days", {"leader": who}, in_private=True)
    await context.bot.send_message(context.actor.telegram_id,
                                   tr("How many days a month? (for example 3 or 2.5)"))


@dialog.dialog(QUOTA, right=dialog.staff)
async def quota_step(update: Update, context: ZContext, current: Dialog, answer: Answer
                     ) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    try:
        days = visits.parse_quota(answer.text)
    except InvalidInput as problem:
        await chat.send_message(tr(problem.message, **problem.fields))
        return
    await dialog.finish(update, context)
    leader = int(current.data["leader"]) or None
    await visits.set_quota(context.db, context.clock, leader, days, context.actor.telegram_id)
    await chat.send_message(tr("Saved: {days:g} days a month.", days=days))
