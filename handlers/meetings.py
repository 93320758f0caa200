"""/meeting, the check-in / remote / leave buttons, leave decisions and the effect.

A secretary may type /meeting in the branch group: the form continues in the private
chat (the group should not watch a form being filled in, and bots in groups only see
commands). Buttons under a meeting carry ``att:<in|remote|leave>:<meeting id>``; the
service checks who pressed and when, so a forged or late press changes nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Literal, get_args

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot import meetings, organisation, registry
from bot.app import ZContext
from bot.callbacks import pack, unpack
from bot.i18n import N_, Translator
from bot.meetings import KINDS, MeetingDraft
from bot.profile import InvalidInput, clean_body, clean_text
from bot.schedule import windows
from bot.when import offered_day, parse_when
from handlers import away, dialog, picker
from handlers.dialog import Answer
from handlers.notify import tell
from handlers.ui import button, esc, grid, inline
from storage.models import Dialog, Meeting, MeetingKind, Unit

log = logging.getLogger(__name__)

MEETING = "meeting"
LEAVE = "leave"
EFFECT = "effect"


# --- /meeting ---------------------------------------------------------------------------------


async def meeting_command(update: Update, context: ZContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    if chat.type == ChatType.PRIVATE:
        await picker.choose_branch(update, context, MEETING)
        return
    branch = await organisation.branch_of_chat(context.db, chat.id)
    if branch is None:
        await chat.send_message(tr("This group is not tied to a branch yet. The branch "
                                   "secretary can do it with /bind."))
        return
    if not context.actor.manages(branch.id):
        await chat.send_message(tr("Only this branch's secretary can schedule its sessions."))
        return
    if await _start(update, context, branch, in_private=True):
        await chat.send_message(tr("I have written to you privately to set up the session."))


@picker.on_branch(MEETING)
async def _chosen(update: Update, context: ZContext, branch: Unit) -> None:
    await _start(update, context, branch, in_private=False)


async def _start(update: Update, context: ZContext, branch: Unit, *, in_private: bool) -> bool:
    """Open the form privately; False (and said where they asked) past the day's limit."""
    tr = context.tr
    try:
        await meetings.may_schedule(context.db, context.clock, context.actor.telegram_id,
                                    context.settings.meetings_per_day)
    except InvalidInput as refused:
        chat = update.effective_chat
        assert chat is not None
        await chat.send_message(tr(refused.message, **refused.fields))
        return False
    await dialog.begin(update, context, MEETING, "kind",
                       {"branch": branch.id, "branch_name": branch.name}, in_private=in_private)
    kinds = [button(tr(label), dialog.choice(MEETING, "kind", kind))
             for kind, label in KINDS.items()]
    await context.bot.send_message(
        context.actor.telegram_id,
        tr("📅 <b>New session for {branch}</b>\nWhat kind of session?", branch=esc(branch.name)),
        reply_markup=inline(grid(kinds)))
    return True


async def _manages_branch(context: ZContext, current: Dialog) -> bool:
    return context.actor.manages(int(current.data["branch"]))


@dialog.dialog(MEETING, right=_manages_branch)
async def meeting_step(update: Update, context: ZContext, current: Dialog, answer: Answer
                       ) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    try:
        if current.step == "kind":
            if answer.action not in get_args(MeetingKind):
                await chat.send_message(tr("Please choose with the buttons."))
                return
            kind: MeetingKind = answer.action  # type: ignore[assignment]
            await away.acknowledge(answer, tr(KINDS[kind]))
            await dialog.advance(update, context, current, "when", kind=kind)
            today = context.clock.today()
            days = [button(_day_label(tr, today, today + timedelta(days=n)),
                           dialog.choice(MEETING, "when", (today + timedelta(days=n)).isoformat()))
                    for n in range(7)]
            await chat.send_message(tr(
                "When does it start? Pick the day, or type day and time, for example "
                "明天 19:30, 12-05 19:30 or 2026-12-05 19:30."), reply_markup=inline(grid(days, 4)))
        elif current.step == "when" and answer.action is not None:
            day = offered_day(answer.action, context.clock.today())
            await away.acknowledge(answer, day.isoformat())
            await dialog.advance(update, context, current, "time", day=day.isoformat())
            times = [button(hhmm, dialog.choice(MEETING, "time", hhmm.replace(":", "")))
                     for hhmm in TIME_CHOICES]
            await chat.send_message(tr("At what time? Pick one, or type it, for example 19:30."),
                                    reply_markup=inline(grid(times, 4)))
        elif current.step in ("when", "time"):
            text = answer.text
            picked = f"{answer.action[:2]}:{answer.action[2:]}" if answer.action else None
            if current.step == "time":
                text = f"{current.data['day']} {picked or answer.text or ''}"
            starts = parse_when(text, context.clock.now())  # a refusal keeps the buttons
            if picked:
                await away.acknowledge(answer, picked)
            await dialog.advance(update, context, current, "place",
                                 starts=starts.isoformat())
            await chat.send_message(tr("Starts {when}. Where? (for example 村委会二楼会议室)",
                                       when=starts.strftime("%Y-%m-%d %H:%M")))
        elif current.step == "place":
            place = _line(answer.text, meetings.PLACE_MAX)
            await dialog.advance(update, context, current, "topic", place=place)
            await chat.send_message(tr("What is the topic or content?"))
        elif current.step == "topic":
            topic = _line(answer.text, meetings.TOPIC_MAX)
            await dialog.advance(update, context, current, "lecturer", topic=topic)
            await chat.send_message(tr("Who gives the lecture or leads it?"), reply_markup=inline(
                [[button(tr("Skip"), dialog.choice(MEETING, "lecturer", "skip"))]]))
        elif current.step == "lecturer":
            lecturer = None
            if answer.action == "skip":
                await away.acknowledge(answer, tr("Skip"))
            else:
                lecturer = _line(answer.text, 40)
            await dialog.advance(update, context, current, "remote", lecturer=lecturer)
            await chat.send_message(
                tr("May members working away join remotely (远程参学), and count as attending?"),
                reply_markup=inline([[
                    button(tr("Yes"), dialog.choice(MEETING, "remote", "yes")),
                    button(tr("No"), dialog.choice(MEETING, "remote", "no"))]]))
        elif current.step == "remote":
            if answer.action not in ("yes", "no"):
                await chat.send_message(tr("Please choose with the buttons."))
                return
            await away.acknowledge(answer, tr("Yes") if answer.action == "yes" else tr("No"))
            current = await dialog.advance(update, context, current, "confirm",
                                           remote=answer.action == "yes")
            await _confirm_question(update, context, current)
        elif current.step == "confirm":
            await _confirm(update, context, current, answer)
    except InvalidInput as problem:
        await chat.send_message(tr(problem.message, **problem.fields))


TIME_CHOICES = ("08:30", "09:00", "10:00", "14:30", "15:00", "19:00", "19:30", "20:00")


def _day_label(tr: Translator, today: date, day: date) -> str:
    offset = (day - today).days
    if offset == 0:
        return tr("Today")
    if offset == 1:
        return tr("Tomorrow")
    return f"{day.month}-{day.day} {tr(WEEKDAYS[day.weekday()])}"


WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def _line(text: str | None, limit: int) -> str:
    value = clean_text(text)
    if not value or value.startswith("/"):
        raise InvalidInput(N_("Please type it in a few words."))
    if len(value) > limit:
        raise InvalidInput(N_("Please keep it under {limit} characters."), limit=limit)
    return value


def _draft(current: Dialog) -> MeetingDraft:
    data = current.data
    return MeetingDraft(branch_id=int(data["branch"]), kind=data["kind"],
                        starts_at=datetime.fromisoformat(data["starts"]), place=data["place"],
                        topic=data["topic"], lecturer=data.get("lecturer"),
                        remote_allowed=bool(data.get("remote")))


async def _confirm_question(update: Update, context: ZContext, current: Dialog) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    draft = _draft(current)
    preview = Meeting(id=0, branch_id=draft.branch_id, kind=draft.kind,
                      starts_at=draft.starts_at, place=draft.place, topic=draft.topic,
                      lecturer=draft.lecturer, remote_allowed=draft.remote_allowed,
                      state="scheduled", effect=None, reminded_day_at=None,
                      reminded_hour_at=None, opened_at=None, closed_at=None,
                      created_by=context.actor.telegram_id, created_at=context.clock.now())
    settings = context.settings
    lines = [tr("<b>Please check:</b>"),
             *meetings.describe(tr, preview, current.data["branch_name"], context.clock.tz),
             "", tr("Members are reminded the day before and {minutes} minutes before. "
                    "Check-in opens {before} minutes before the start and closes {after} "
                    "minutes after it.", minutes=settings.meeting_reminder_minutes,
                    before=settings.checkin_before_minutes,
                    after=settings.checkin_after_minutes)]
    if not await meetings.has_group(context.db, draft.branch_id):
        lines.append(tr("The branch has no group chat tied to it, so each member gets the "
                        "check-in buttons privately. /bind ties the group."))
    await dialog.ask_to_confirm(update, context, MEETING, "\n".join(lines), tr("✅ Schedule"))


async def _confirm(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if not await dialog.confirmed(update, context, answer, tr("✅ Schedule"),
                                  tr("Cancelled. Nothing was scheduled.")):
        return
    draft = _draft(current)
    if draft.starts_at <= context.clock.now():
        await dialog.advance(update, context, current, "when")  # typed: parse_when
        await chat.send_message(tr("That time has passed. Please type a later one."))
        return
    try:
        await meetings.schedule(context.db, context.clock, draft, context.actor.telegram_id,
                                ending=dialog.ending(update, context),
                                per_day=context.settings.meetings_per_day)
    except InvalidInput as refused:  # used up since the form opened (another form, a script)
        await dialog.finish(update, context)
        await chat.send_message(tr(refused.message, **refused.fields))
        return
    context.services.poke_outbox()
    told = await meetings.has_group(context.db, draft.branch_id)
    await chat.send_message(tr("Scheduled. The branch group has been told.") if told
                            else tr("Scheduled."))


# --- check-in buttons --------------------------------------------------------------------------

CHECK_IN_ANSWERS = {
    "present": N_("✅ Checked in. Welcome!"),
    "remote": N_("🌐 Recorded: joining remotely."),
    "already": N_("You are already checked in."),
    "not_invited": N_("This session is for members of another branch."),
    "not_open": N_("Check-in has not opened yet."),
    "closed": N_("Check-in has closed."),
    "no_remote": N_("This session cannot be joined remotely."),
    "not_flowing": N_("Joining remotely is for members working away; please check in here."),
    "gone": N_("This session no longer exists."),
}


async def attendance_button(update: Update, context: ZContext) -> None:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    parsed = unpack(query.data)
    meeting_id = parsed.int_arg() if parsed else None
    if parsed is None or meeting_id is None or parsed.action not in ("in", "remote", "leave"):
        await query.answer(tr("This button is no longer active."))
        return
    member = context.actor.active_member
    wins = windows(context.settings)
    if parsed.action == "leave":
        await _leave_pressed(update, context, meeting_id)
        return
    how: Literal["present", "remote"] = "present" if parsed.action == "in" else "remote"
    result = await meetings.check_in(context.db, context.clock, wins, meeting_id, member, how)
    if result in ("present", "remote"):
        context.services.poke_counts()  # the group post's count follows, spaced out
    await query.answer(tr(CHECK_IN_ANSWERS[result]),
                       show_alert=result not in ("present", "remote", "already"))


# --- leave ------------------------------------------------------------------------------------

LEAVE_REFUSALS = {
    "already_in": N_("You are already checked in."),
    "already_requested": N_("You have already asked for leave."),
    "not_invited": N_("This session is for members of another branch."),
    "closed": N_("Check-in has closed."),
    "gone": N_("This session no longer exists."),
}


async def _leave_pressed(update: Update, context: ZContext, meeting_id: int) -> None:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    refusal, meeting = await meetings.can_ask_leave(
        context.db, context.clock, windows(context.settings), meeting_id,
        context.actor.active_member)
    if refusal is not None or meeting is None:
        await query.answer(tr(LEAVE_REFUSALS[refusal or "gone"]), show_alert=True)
        return
    await dialog.begin(update, context, LEAVE, "reason", {"meeting": meeting_id},
                       in_private=True)
    await context.bot.send_message(context.actor.telegram_id, tr(
        "📝 Asking for leave from “{topic}”. Please give the reason: type it, or send a voice "
        "message.", topic=esc(meeting.topic)))
    chat = update.effective_chat
    await query.answer(tr("Please give the reason in your private chat with me.")
                       if chat is not None and chat.type != ChatType.PRIVATE else None)


@dialog.dialog(LEAVE, right=dialog.members)
async def leave_step(update: Update, context: ZContext, current: Dialog, answer: Answer
                     ) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    member = context.actor.active_member
    message = answer.message
    voice = message.voice if message is not None else None
    try:
        reason = None if voice else clean_body(answer.text, meetings.REASON_MAX)
    except InvalidInput as problem:
        await chat.send_message(tr(problem.message, **problem.fields))
        return
    if member is None:
        await dialog.finish(update, context)
        return
    if not reason and voice is None:
        await chat.send_message(tr("Please type the reason, or send a voice message."))
        return
    await dialog.finish(update, context)
    meeting_id = int(current.data["meeting"])
    result = await meetings.ask_leave(context.db, context.clock, windows(context.settings),
                                      meeting_id, member, reason,
                                      voice.file_id if voice else None)
    if result != "requested":
        await chat.send_message(tr(LEAVE_REFUSALS[result]))
        return
    context.services.poke_counts()
    await chat.send_message(tr("Your request has been sent to the branch secretary."))
    meeting = await meetings.get(context.db, meeting_id)
    assert meeting is not None
    for manager in await registry.managers_of(context.db, meeting.branch_id,
                                              context.settings.admins):
        await _tell_leave(context, manager, meeting, member.id, member.name, reason,
                          voice.file_id if voice else None)


async def _tell_leave(context: ZContext, manager: int, meeting: Meeting, member_id: int,
                      name: str, reason: str | None, voice_file_id: str | None) -> None:
    def text(t: Translator) -> str:
        lines = [t("📝 <b>{name}</b> asks for leave from “{topic}” ({when}).", name=esc(name),
                   topic=esc(meeting.topic),
                   when=meetings.when_text(meeting, context.clock.tz))]
        lines.append(t("Reason: {reason}", reason=esc(reason)) if reason
                     else t("Reason: in the voice message above."))
        return "\n".join(lines)

    def keys(t: Translator) -> InlineKeyboardMarkup:
        return inline([[button(t("✅ Approve"), pack("lv", "ok", meeting.id, member_id)),
                        button(t("❌ Refuse"), pack("lv", "no", meeting.id, member_id))]])

    if voice_file_id is not None:
        try:
            await context.bot.send_voice(manager, voice_file_id)
        except TelegramError as exc:  # the text below still says who asked
            log.info("could not pass on a voice reason to %s: %s", manager, exc)
    await tell(context, manager, text, keys)


async def leave_decision_button(update: Update, context: ZContext) -> None:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    parsed = unpack(query.data)
    meeting_id = parsed.int_arg(0) if parsed else None
    member_id = parsed.int_arg(1) if parsed else None
    if parsed is None or meeting_id is None or member_id is None:
        await query.answer(tr("This button is no longer active."))
        return
    meeting = await meetings.get(context.db, meeting_id)
    manages = meeting is not None and context.actor.manages(meeting.branch_id)
    decided = await meetings.decide_leave(context.db, context.clock, meeting_id, member_id,
                                          parsed.action == "ok", context.actor.telegram_id,
                                          manages)
    if not manages:
        await query.answer(tr("This is not yours to decide."), show_alert=True)
        return
    if decided is None:
        await query.answer(tr("Already decided."))
        return
    outcome = tr("✅ Approved") if parsed.action == "ok" else tr("❌ Refused")
    context.services.poke_counts()  # a refused leave leaves the count
    await query.answer(outcome)
    original = getattr(query.message, "text_html", "") or ""
    await query.edit_message_text(f"{original}\n<b>{esc(outcome)}</b>")
    assert meeting is not None
    member = await registry.member(context.db, member_id)
    if member is not None and member.telegram_id is not None:
        approved = parsed.action == "ok"
        topic = esc(meeting.topic)
        await tell(context, member.telegram_id, lambda t: t(
            "Your leave from “{topic}” was approved.", topic=topic) if approved else t(
            "Your leave from “{topic}” was not approved. Please attend, or talk to your "
            "branch secretary.", topic=topic))


# --- the effect, after closing -------------------------------------------------------------


async def meeting_button(update: Update, context: ZContext) -> None:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    parsed = unpack(query.data)
    meeting_id = parsed.int_arg() if parsed else None
    meeting = await meetings.get(context.db, meeting_id) if meeting_id else None
    if parsed is None or parsed.action != "effect" or meeting is None:
        await query.answer(tr("This button is no longer active."))
        return
    if not context.actor.manages(meeting.branch_id):
        await query.answer(tr("This is not yours to manage."), show_alert=True)
        return
    await query.answer()
    await dialog.begin(update, context, EFFECT, "text", {"meeting": meeting.id},
                       in_private=True)
    await context.bot.send_message(context.actor.telegram_id, tr(
        "What did “{topic}” achieve? Type a few sentences for the record.",
        topic=esc(meeting.topic)))


async def _manages_meeting(context: ZContext, current: Dialog) -> bool:
    meeting = await meetings.get(context.db, int(current.data["meeting"]))
    return meeting is not None and context.actor.manages(meeting.branch_id)


@dialog.dialog(EFFECT, right=_manages_meeting)
async def effect_step(update: Update, context: ZContext, current: Dialog, answer: Answer
                      ) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    meeting = await meetings.get(context.db, int(current.data["meeting"]))
    if meeting is None:
        await dialog.finish(update, context)
        return
    try:
        effect = clean_body(answer.text, meetings.EFFECT_MAX)
    except InvalidInput as problem:
        await chat.send_message(tr(problem.message, **problem.fields))
        return
    if not effect:
        await chat.send_message(tr("Please type a few sentences."))
        return
    await dialog.finish(update, context)
    await meetings.set_effect(context.db, meeting.id, effect)
    await chat.send_message(tr("Saved. The record of “{topic}” is complete.",
                               topic=esc(meeting.topic)))
