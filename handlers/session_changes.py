"""Changing a coming session: the branch's list, a session's card, moving and cancelling.

Reached with buttons: "✏️ Change a coming session" under /meeting's first question
(``mtg:list:<branch>``), a session in that list (``mtg:show:<id>``), and "🗓 Reschedule" /
"🚫 Cancel the session" (``mtg:move:<id>``, ``mtg:cancel:<id>``) on the card, on the
message confirming a session was scheduled, and on the secretary's own reminders. Each
press is asked again whether the person runs the session's branch now, and whether the
session can still change (not closed or cancelled). Moving asks the new day and time
with /meeting's own steps; cancelling asks why (a button for the common reasons, or
typed); each then asks once to confirm, and the change is made by
:mod:`bot.session_changes` in one transaction with the end of the form.
"""

from __future__ import annotations

from datetime import datetime
from typing import get_args

from telegram import CallbackQuery, Update
from telegram.constants import ChatType

from bot import meetings, organisation, session_changes
from bot.callbacks import SessionChange, SessionList
from bot.context import ZContext
from bot.i18n import N_
from bot.meetings import KINDS
from bot.profile import InvalidInput
from bot.schedule import windows
from bot.session_changes import CAUSES, REASON_MAX, Change
from handlers import dialog
from handlers.dialog import Answer
from handlers.guards import Refused, Stale, on_press
from handlers.meetings import ask_when, few_words, read_when
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, esc, inline
from storage.models import CancelCause, Dialog, Meeting, Unit

MOVE = "move"
CALL_OFF = "calloff"

#: Why a session cannot be changed any more.
REFUSALS: dict[Change, str] = {
    "closed": N_("This session has closed already: it can no longer be changed."),
    "cancelled": N_("This session was cancelled."),
    "gone": N_("This session no longer exists."),
    "passed": N_("That time has passed. Please type a later one."),
    "same": N_("That is the time it has already. Please choose another."),
}


@on_press()
async def change_button(
    update: Update, context: ZContext, query: CallbackQuery, data: SessionList | SessionChange
) -> None:
    tr = context.tr
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:  # these buttons are only shown privately
        await query.answer(tr("Please talk to me in a private chat."), show_alert=True)
        return
    if isinstance(data, SessionList):
        branch = await organisation.get_unit(context.db, data.branch)
        if branch is None or branch.kind not in ("branch", "township"):  # or its leadership
            raise Stale
        if not context.actor.manages(branch.id):
            raise Refused
        await query.answer()
        await _list(update, context, branch)
        return
    meeting = await meetings.get(context.db, data.meeting)
    if meeting is None:
        raise Stale
    if not context.actor.manages(meeting.branch_id):
        raise Refused
    if meeting.state not in ("scheduled", "open"):
        await query.answer(
            tr(REFUSALS["closed" if meeting.state == "closed" else "cancelled"]), show_alert=True
        )
        return
    await query.answer()
    if data.action == "show":
        await _card(update, context, meeting)
    elif data.action == "move":
        await dialog.begin(update, context, MOVE, "when", {"meeting": meeting.id}, in_private=True)
        await context.bot.send_message(
            context.actor.telegram_id,
            tr(
                "🗓 <b>Moving “{topic}”</b>, now {when}.",
                topic=esc(meeting.topic),
                when=meetings.when_text(meeting, context.clock.tz),
            ),
        )
        await ask_when(update, context, MOVE)
    else:
        await dialog.begin(
            update, context, CALL_OFF, "reason", {"meeting": meeting.id}, in_private=True
        )
        reasons = [
            [button(tr(label), dialog.choice(CALL_OFF, "reason", cause))]
            for cause, label in CAUSES.items()
        ]
        await context.bot.send_message(
            context.actor.telegram_id,
            tr(
                "🚫 <b>Cancelling “{topic}”</b> ({when}). Why? Choose, or type the reason — "
                "the invited members are told it.",
                topic=esc(meeting.topic),
                when=meetings.when_text(meeting, context.clock.tz),
            ),
            reply_markup=inline(reasons),
        )


async def _list(update: Update, context: ZContext, branch: Unit) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    found = await session_changes.coming(context.db, branch.id)
    if not found:
        await chat.send_message(tr("{branch} has no coming sessions.", branch=esc(branch.name)))
        return
    tz = context.clock.tz
    rows = [
        [
            button(
                f"{m.starts_at.astimezone(tz):%m-%d %H:%M} {tr(KINDS[m.kind])} {m.topic}",
                SessionChange("show", m.id).pack(),
            )
        ]
        for m in found
    ]
    await chat.send_message(
        tr(
            "✏️ <b>Coming sessions of {branch}</b>\nChoose one to move or cancel.",
            branch=esc(branch.name),
        ),
        reply_markup=inline(rows),
    )


async def _card(update: Update, context: ZContext, meeting: Meeting) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    branch = await organisation.get_unit(context.db, meeting.branch_id)
    told, pressed = await session_changes.reach(context.db, meeting.id, context.actor.telegram_id)
    lines = [
        *meetings.describe(tr, meeting, branch.name if branch else "—", context.clock.tz),
        tr("Invited members who will be told of a change: {n}.", n=told),
    ]
    if meeting.state == "open":
        lines.append(tr("Check-in is open now ({n} checked in or asked for leave).", n=pressed))
    await chat.send_message(
        "\n".join(lines),
        reply_markup=inline(
            [[button(label, data) for label, data in meetings.change_buttons(tr, meeting)]]
        ),
    )


# --- moving -----------------------------------------------------------------------------------


async def move_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await MOVE_STEPS.answer(update, context, current, answer)


async def _read_new_time(turn: Turn) -> None:
    """Steps ``when`` and ``time`` (which :func:`read_when` moves to itself)."""
    meeting = await _still_open(turn.update, turn.context, turn.current)
    if meeting is None:
        return
    starts = await read_when(turn.update, turn.context, turn.current, turn.answer, MOVE)
    if starts is None:
        return
    if starts == meeting.starts_at:  # the day's buttons again, for another choice
        await turn.go("when", ask=False)
        await turn.say(turn.tr(REFUSALS["same"]))
        await turn.ask()
        return
    await turn.go("confirm", ask=False, starts=starts.isoformat())
    await _confirm_move_question(turn.update, turn.context, meeting, starts)


async def _confirm_move_question(
    update: Update, context: ZContext, meeting: Meeting, starts: datetime
) -> None:
    tr = context.tr
    tz = context.clock.tz
    told, pressed = await session_changes.reach(context.db, meeting.id, context.actor.telegram_id)
    lines = [
        tr(
            "<b>Please check:</b> move “{topic}” from {was} to {when}.",
            topic=esc(meeting.topic),
            was=meetings.when_text(meeting, tz),
            when=starts.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        ),
        tr(
            "The {n} invited members with Telegram are told; reminders, check-in and "
            "closing follow the new time.",
            n=told,
        ),
    ]
    if pressed:
        lines.append(
            tr(
                "The {n} check-ins and leave requests made for the old time are "
                "cleared; those members are asked to check in, or ask again, at the "
                "new time.",
                n=pressed,
            )
        )
    await dialog.ask_to_confirm(update, context, MOVE, "\n".join(lines), tr("✅ Move it"))


async def _confirm_move(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    if await _still_open(turn.update, context, turn.current) is None:
        return
    if not await dialog.confirmed(
        turn.update, context, turn.answer, tr("✅ Move it"), tr("Nothing was changed.")
    ):
        return
    starts = datetime.fromisoformat(turn.data["starts"])
    meeting_id = int(turn.data["meeting"])
    result, told = await session_changes.move(
        context.db,
        context.clock,
        windows(context.settings),
        meeting_id,
        starts,
        context.actor.telegram_id,
        ending=turn.ending(),
    )
    if result == "passed":  # the time went by while the question waited: ask it again
        await turn.go("when", ask=False)
        await turn.say(tr(REFUSALS["passed"]))
        return
    if result != "done":
        await _stop(turn.update, context, meeting_id, result)
        return
    context.services.poke_outbox()
    await turn.say(
        tr(
            "Moved to {when}. {n} invited members are being told.",
            when=starts.astimezone(context.clock.tz).strftime("%Y-%m-%d %H:%M"),
            n=told,
        )
    )


# Begun by the session's "🗓 Reschedule" button, which asks the first question.
MOVE_STEPS = StepTable(
    MOVE,
    {
        "when": Step(
            _read_new_time,
            next=("time", "when", "confirm"),
            ask=lambda turn: ask_when(turn.update, turn.context, MOVE),
        ),
        "time": Step(_read_new_time, next=("when", "confirm")),  # asked by read_when
        "confirm": Step(_confirm_move, next=("when",)),  # asked by _read_new_time
    },
    first=("when",),
)


# --- cancelling -------------------------------------------------------------------------------


async def call_off_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await CALL_OFF_STEPS.answer(update, context, current, answer)


async def _read_reason(turn: Turn) -> None:
    """A common reason pressed, or one typed."""
    tr = turn.tr
    context = turn.context
    meeting = await _still_open(turn.update, context, turn.current)
    if meeting is None:
        return
    if turn.action is not None:
        if turn.action not in CAUSES:
            raise InvalidInput(N_("Please choose with the buttons."))
        cause: CancelCause = turn.action
        reason = None
        await turn.acknowledge(tr(CAUSES[cause]))
    else:
        cause, reason = "other", few_words(turn.text, REASON_MAX)
    await turn.go("confirm", ask=False, cause=cause, reason=reason)
    told, _ = await session_changes.reach(context.db, meeting.id, context.actor.telegram_id)
    shown = esc(reason) if reason else tr(CAUSES[cause])
    lines = [
        tr(
            "<b>Please check:</b> cancel “{topic}” ({when})?",
            topic=esc(meeting.topic),
            when=meetings.when_text(meeting, context.clock.tz),
        ),
        tr("Reason: {reason}", reason=shown),
        tr(
            "The {n} invited members with Telegram are told, and nobody is "
            "recorded absent. A session the branch is due to hold (三会一课, the "
            "party day) stays due: if none is held in its month or quarter, the "
            "bulletin shows it cancelled, with this reason. To keep it, "
            "🗓 reschedule instead.",
            n=told,
        ),
    ]
    await dialog.ask_to_confirm(
        turn.update,
        context,
        CALL_OFF,
        "\n".join(lines),
        tr("🚫 Yes, cancel the session"),
        no=tr("↩️ Keep it"),
    )


async def _confirm_call_off(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    if await _still_open(turn.update, context, turn.current) is None:
        return
    if not await dialog.confirmed(
        turn.update,
        context,
        turn.answer,
        tr("🚫 Yes, cancel the session"),
        tr("Kept: the session takes place as planned."),
        no=tr("↩️ Keep it"),
    ):
        return
    cause = turn.data["cause"]
    if cause not in get_args(CancelCause):
        raise InvalidInput(N_("Please choose with the buttons."))
    meeting_id = int(turn.data["meeting"])
    result, told = await session_changes.cancel(
        context.db,
        context.clock,
        meeting_id,
        context.actor.telegram_id,
        cause,
        turn.data.get("reason"),
        ending=turn.ending(),
    )
    if result != "done":
        await _stop(turn.update, context, meeting_id, result)
        return
    context.services.poke_outbox()
    await turn.say(
        tr("Cancelled. {n} invited members are being told; nobody is recorded absent.", n=told)
    )


# Begun by the session's "🚫 Cancel the session" button, which asks why.
CALL_OFF_STEPS = StepTable(
    CALL_OFF,
    {
        "reason": Step(_read_reason, next=("confirm",)),
        "confirm": Step(_confirm_call_off),  # asked by _read_reason: the session is at hand
    },
    first=("reason",),
)


async def _still_open(update: Update, context: ZContext, current: Dialog) -> Meeting | None:
    """The form's session, if it can still change; else the form ends and says why."""
    meeting = await session_changes.still_open(context.db, int(current.data["meeting"]))
    if meeting is None:
        await _stop(update, context, int(current.data["meeting"]))
    return meeting


async def _stop(
    update: Update, context: ZContext, meeting_id: int, result: Change | None = None
) -> None:
    """The session changed under the form (closed, cancelled by someone else): the form
    ends and says why."""
    await dialog.finish(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    if result is None:
        meeting = await meetings.get(context.db, meeting_id)
        result = (
            "gone" if meeting is None else "closed" if meeting.state == "closed" else "cancelled"
        )
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(context.tr(REFUSALS[result]))
