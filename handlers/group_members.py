"""People joining and leaving a branch's group chat, and the bot's own rights there.

Telegram tells a bot in a group of joins and leaves by the notes it posts there
(``new_chat_members``, ``left_chat_member``) and, when the bot is an administrator, by
``chat_member`` updates; both may come for the same change, and either is enough. What
the bot keeps of it is in bot/group_members.py.
"""

from __future__ import annotations

from telegram import ChatMemberAdministrator, ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot import group_members
from bot.context import ZContext


async def member_changed(update: Update, context: ZContext) -> None:
    """A ``chat_member`` update: someone's status in a group changed."""
    change: ChatMemberUpdated | None = update.chat_member
    if change is None or change.chat.type == ChatType.PRIVATE:
        return
    member = change.new_chat_member
    if member.user.is_bot:
        return
    present = group_members.in_chat(member.status, getattr(member, "is_member", None))
    await group_members.seen(
        context.db,
        context.clock,
        change.chat.id,
        [member.user.id],
        present,
        "joined" if present else "left",
    )


async def joined_or_left(update: Update, context: ZContext) -> None:
    """Telegram's note in the group that people joined, or that someone left."""
    message = update.effective_message
    if message is None or message.chat.type == ChatType.PRIVATE:
        return
    joined = [user.id for user in message.new_chat_members or () if not user.is_bot]
    if joined:
        await group_members.seen(context.db, context.clock, message.chat_id, joined, True, "joined")
    left = message.left_chat_member
    if left is not None and not left.is_bot:
        await group_members.seen(
            context.db, context.clock, message.chat_id, [left.id], False, "left"
        )


async def bot_status_changed(context: ZContext, change: ChatMemberUpdated) -> None:
    """The bot made an administrator of a group, or no longer one: whether it may make
    the group's invite link (at the next tick) follows."""
    mine = change.new_chat_member
    admin = mine.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
    can_invite = isinstance(mine, ChatMemberAdministrator) and mine.can_invite_users
    await group_members.bot_rights(
        context.db, change.chat.id, admin=admin, can_invite=bool(can_invite)
    )
