"""Checks that many commands start with, answered the same way everywhere."""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.constants import ChatType

from bot.callbacks import Callback, unpack
from bot.context import ZContext


async def private_only(update: Update, context: ZContext) -> bool:
    """Personal things (profiles, forms) happen in the private chat, not in front of a
    group; in a group the person is asked to write privately."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type != ChatType.PRIVATE:
        await chat.send_message(context.tr("Please talk to me in a private chat."))
        return False
    return True


async def managers_only(update: Update, context: ZContext) -> bool:
    """Secretaries' and staff's commands: in private, and a polite no to anyone else."""
    if not await private_only(update, context):
        return False
    actor = context.actor
    if actor.manages_any:
        return True
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(context.tr("Only branch secretaries and organisation staff can do "
                                       "this."))
    return False


async def button_with_id(update: Update, context: ZContext
                         ) -> tuple[CallbackQuery, Callback, int] | None:
    """A pressed button of the form ``prefix:action:<id>…``; a stale or forged one is
    answered "no longer active" here and gives None."""
    query = update.callback_query
    assert query is not None
    parsed = unpack(query.data)
    target = parsed.int_arg() if parsed else None
    if parsed is None or target is None:
        await query.answer(context.tr("This button is no longer active."))
        return None
    return query, parsed, target


def not_a_member_text(context: ZContext) -> str:
    """What someone without an active membership is told: that their request is waiting,
    or how to join."""
    tr = context.tr
    if context.actor.application is not None:
        return tr("Your request to join is waiting for the branch secretary's approval. I "
                  "will tell you when it is decided.")
    return tr("You are not registered yet. To join your branch, open the invite link your "
              "branch secretary sent you.")


async def not_a_member_yet(update: Update, context: ZContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(not_a_member_text(context))
