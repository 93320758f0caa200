"""Conversations as Telegram sees them, and the one handler that routes answers to them.

The state machine itself — a row per person and chat, written before the bot asks the
next question, read when the answer arrives, so a restart mid-form loses nothing — is
bot/dialogs.py; the functions here take an update and say which person and chat it is.
Buttons that belong to a dialog carry ``dlg:<kind>:…`` so a button left over from an old
dialog is recognised and answered politely instead of acting on the wrong form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from telegram import (
    CallbackQuery,
    Contact,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Location,
    Message,
    Update,
)

from bot import dialogs
from bot.callbacks import STALE, Callback, FormChoice
from bot.context import ZContext
from bot.dialogs import DialogEnded as DialogEnded  # forms may name it from here
from bot.markup import esc
from bot.tables import one_each
from storage.models import Dialog


@dataclass(frozen=True)
class Answer:
    """What the person did: typed, shared, or pressed."""

    text: str | None = None
    contact: Contact | None = None
    location: Location | None = None
    choice: Callback | None = None
    message: Message | None = None
    query: CallbackQuery | None = None

    @property
    def action(self) -> str | None:
        """The value of the pressed button (after kind and step)."""
        return self.choice.args[0] if self.choice and self.choice.args else None

    def arg(self, index: int) -> str | None:
        if self.choice is None or len(self.choice.args) <= index:
            return None
        return self.choice.args[index]


Step = Callable[[Update, ZContext, Dialog, Answer], Awaitable[None]]
# Whether the person may still fill in this form, asked before every answer: a form may
# have been begun while they held a role (secretary, leader, staff) that has ended since.
Right = Callable[[ZContext, Dialog], Awaitable[bool]]


@dataclass(frozen=True)
class Form:
    """A kind of dialog: the function that receives every answer to it, and the right the
    person must hold at each answer (see the rights below). Every form is listed once, in
    handlers/tables.py."""

    kind: str
    step: Step
    right: Right


# Filled by install() as the handlers are registered, from that one list.
DIALOGS: dict[str, Step] = {}
RIGHTS: dict[str, Right] = {}


def install(forms: Iterable[Form]) -> None:
    """Route answers to these forms (and no others); a kind listed twice is refused."""
    listed = list(forms)
    steps = one_each(((form.kind, form.step) for form in listed), "dialogs")
    DIALOGS.clear()
    DIALOGS.update(steps)
    RIGHTS.clear()
    RIGHTS.update({form.kind: form.right for form in listed})


async def anyone(context: ZContext, current: Dialog) -> bool:
    """A form about oneself that needs no role (joining)."""
    return True


async def members(context: ZContext, current: Dialog) -> bool:
    return context.actor.active_member is not None


async def managers(context: ZContext, current: Dialog) -> bool:
    """Before a branch is chosen: a secretary of some branch, or staff."""
    return context.actor.manages_any


async def staff(context: ZContext, current: Dialog) -> bool:
    return context.actor.staff


async def _still_allowed(update: Update, context: ZContext, active: Dialog) -> bool:
    """Check the form's right now; if it is gone, end the form and say so politely."""
    if await RIGHTS[active.kind](context, active):
        return True
    await finish(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        context.tr("This is no longer yours to do, so I stopped this form. Nothing was saved.")
    )
    return False


def choice(kind: str, step: str, value: object, more: object | None = None) -> str:
    """Callback data for a button of one step of a form (:class:`bot.callbacks.FormChoice`):
    its value, and for a few a tagged id (``"r", 42``)."""
    return FormChoice(kind, step, str(value), None if more is None else str(more)).pack()


def _ids(update: Update) -> tuple[int, int]:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return user.id, chat.id


async def begin(
    update: Update,
    context: ZContext,
    kind: str,
    step: str,
    data: dict[str, Any] | None = None,
    *,
    in_private: bool = False,
) -> None:
    """Open a dialog in this chat, or (``in_private``) in the person's private chat — for a
    form started from a group, which is answered where the group cannot read along."""
    user_id, chat_id = _ids(update)
    if in_private:
        chat_id = user_id
    await dialogs.begin(
        context.db, context.clock, user_id, chat_id, kind, step, data or {}, update.update_id
    )


async def advance(
    update: Update, context: ZContext, dialog_: Dialog, step: str, **data: Any
) -> Dialog:
    return await dialogs.advance(context.db, context.clock, dialog_, step, data, update.update_id)


def ending(update: Update, context: ZContext) -> dialogs.Ending:
    """The end of this chat's dialog, as a write for the transaction that stores what the
    form made: both commit or neither does, so a crash cannot leave a finished form
    without its result, nor a result whose form would create it again."""
    user_id, chat_id = _ids(update)
    return dialogs.ending(context.clock, user_id, chat_id, update.update_id)


async def finish(update: Update, context: ZContext) -> bool:
    user_id, chat_id = _ids(update)
    return await dialogs.finish(context.db, user_id, chat_id)


async def current(update: Update, context: ZContext) -> Dialog | None:
    user_id, chat_id = _ids(update)
    return await dialogs.current(context.db, user_id, chat_id)


async def _as_found(update: Update, context: ZContext) -> Dialog | None:
    """The dialog as this answer should see it (bot.dialogs.as_found: where it was before
    a crash cut off the answer's first handling)."""
    user_id, chat_id = _ids(update)
    return await dialogs.as_found(
        context.db,
        user_id,
        chat_id,
        update.update_id,
        replay=context.services.journal.is_replay(update),
    )


async def _finished_before_crash(update: Update, context: ZContext) -> bool:
    """This update, handled again, had already finished its form (the result is stored);
    the confirmation it sent may have been cut off, so it is given again, plainly."""
    if not context.services.journal.is_replay(update):
        return False
    user_id, chat_id = _ids(update)
    if not await dialogs.ended_by(context.db, user_id, chat_id, update.update_id):
        return False
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        context.tr(
            "✅ Done and saved. (I restarted just after, so here is the confirmation again.)"
        )
    )
    return True


async def on_message(update: Update, context: ZContext) -> None:
    """A message that is not a command: an answer to the open dialog, if there is one."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    active = await _as_found(update, context)
    if active is None and await _finished_before_crash(update, context):
        return
    if active is None or active.kind not in DIALOGS:
        if (
            update.effective_chat
            and update.effective_chat.type == "private"
            and not context.services.journal.is_replay(update)
        ):
            await message.reply_text(
                context.tr("I did not understand that. Send /help to see what I can do.")
            )
        return
    if not await _still_allowed(update, context, active):
        return
    answer = Answer(
        text=message.text or message.caption,
        contact=message.contact,
        location=message.location,
        message=message,
    )
    await DIALOGS[active.kind](update, context, active, answer)


async def on_button(update: Update, context: ZContext) -> None:
    """A ``dlg:`` button: routed to the open dialog if it is the dialog that made it."""
    query = update.callback_query
    assert query is not None
    parsed = FormChoice.unpack(query.data)
    active = await _as_found(update, context)
    if active is None and await _finished_before_crash(update, context):
        return
    if parsed is None or active is None or active.kind != parsed.form or parsed.step != active.step:
        await query.answer(context.tr(STALE))
        return
    if not await _still_allowed(update, context, active):
        return
    values = (parsed.value,) if parsed.more is None else (parsed.value, parsed.more)
    step_choice = Callback(parsed.form, parsed.step, values)
    await DIALOGS[active.kind](
        update, context, active, Answer(choice=step_choice, query=query, message=None)
    )


async def ask_to_confirm(
    update: Update, context: ZContext, kind: str, text: str, yes: str, *, no: str | None = None
) -> None:
    """The last question of a form: ``yes`` (e.g. "✅ Send to 12") or ``no`` ("❌ Cancel"
    unless said: a form that cancels something says "↩️ Keep it")."""
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    await chat.send_message(
        text,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(yes, callback_data=choice(kind, "confirm", "yes")),
                    InlineKeyboardButton(
                        no or tr("❌ Cancel"), callback_data=choice(kind, "confirm", "no")
                    ),
                ]
            ]
        ),
    )


async def confirmed(
    update: Update,
    context: ZContext,
    answer: Answer,
    yes: str,
    cancelled: str,
    *,
    no: str | None = None,
) -> bool:
    """True if the person pressed yes; the caller then stores the result together with
    :func:`ending`, so a second press (or the same press handled again) finds no dialog
    and does nothing. On ``no`` (as :func:`ask_to_confirm` labelled it) the person is
    told ``cancelled`` (already translated); anything typed or sent instead is answered
    that the question waits for a button (the form stays at it)."""
    chat = update.effective_chat
    assert chat is not None
    if answer.action == "no":
        await acknowledge(answer, no or context.tr("❌ Cancel"))
        await finish(update, context)
        await chat.send_message(cancelled)
        return False
    if answer.action != "yes":
        if answer.query is None:  # not a press: a person who typed is told, not ignored
            await chat.send_message(context.tr("Please choose with the buttons."))
        return False
    await acknowledge(answer, yes)
    return True


async def acknowledge(answer: Answer, shown: str) -> None:
    """Keep the question in the chat with the chosen answer, and take its buttons away."""
    if answer.query is None:
        return
    await answer.query.answer()
    old = answer.query.message
    text = getattr(old, "text_html", None) or ""
    await answer.query.edit_message_text(f"{text}\n<b>→ {esc(shown)}</b>")
