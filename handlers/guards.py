"""Checks that many commands start with, answered the same way everywhere."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.app import ZContext


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
