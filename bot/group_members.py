"""Who is in a branch's group chat, what the bot may do there, and its invite link.

Telegram gives a bot no list of a group's members, so the bot learns them one account
at a time:

* the join and leave notes Telegram posts in the group (``new_chat_members``,
  ``left_chat_member``), which every bot in the group receives, privacy mode or not;
* ``chat_member`` updates, which Telegram sends only to a bot that is an administrator
  of the group and asks for them in ``allowed_updates`` (bot/updates.py does);
* asking (``getChatMember``), at the scheduler's tick, for every member whose branch has
  a group and who was never learned there, or not for a week — and for an applicant at
  the moment they are approved.

What is not known counts as "not in the group": such a member gets the check-in buttons
privately too — twice at worst, never not at all.

An administrator bot with the right to invite users makes one invite link for the
group (named ``zhibu``, so the secretary recognises it among the group's links) and
gives it to newcomers when they are approved; without that right, newcomers are asked
to have the secretary add them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.access import Actor
from bot.clock import Clock
from storage import group_members as presence_repo
from storage import members as member_repo
from storage import org as org_repo
from storage.db import Database
from storage.group_members import How
from storage.models import GroupChat, Member

log = logging.getLogger(__name__)

#: What the bot learned of someone is asked again after this long (a leave it missed).
STALE = timedelta(days=7)
#: Accounts asked about at one tick, and at once (getChatMember is not a message, but a
#: county's first tick after an upgrade should not fire thirty thousand at Telegram).
ASK_PER_TICK = 200
ASK_AT_ONCE = 8
INVITE_LINK_NAME = "zhibu"
#: Telegram's member statuses (ChatMember.status) that are "in the chat".
IN_CHAT = ("creator", "administrator", "member")


def in_chat(status: str, is_member: bool | None = None) -> bool:
    """A restricted member is in the chat if Telegram says so (``is_member``)."""
    return status in IN_CHAT or (status == "restricted" and bool(is_member))


async def seen(
    db: Database, clock: Clock, chat_id: int, telegram_ids: Collection[int], present: bool, how: How
) -> bool:
    """Telegram told of people joining or leaving: kept for a branch's bound group only
    (a group the bot merely sits in is none of its business). False if not kept."""
    async with db.tx() as c:
        chat = await org_repo.group_chat(c, chat_id)
        if chat is None or chat.state != "bound":
            return False
        await presence_repo.record(c, chat_id, telegram_ids, present, how, clock.now())
    return True


async def bot_rights(db: Database, chat_id: int, *, admin: bool, can_invite: bool) -> bool:
    """What the bot may do in a bound group changed (promoted, demoted): a link is made
    at the next tick if it may invite now; True if anything changed."""
    async with db.tx() as c:
        return await org_repo.set_bot_rights(c, chat_id, admin, can_invite)


@dataclass(frozen=True)
class GroupStanding:
    """A branch's group and who of its members is not in it (as far as the bot knows)."""

    group: GroupChat
    missing: list[Member]


async def standing(db: Database, branch_id: int) -> GroupStanding | None:
    """None when the branch has no group chat tied to it."""
    async with db.read() as c:
        group = await org_repo.live_group_of_branch(c, branch_id)
        if group is None:
            return None
        return GroupStanding(group, await presence_repo.not_in_group(c, branch_id, group.chat_id))


async def check_applicant(
    bot: Bot, db: Database, clock: Clock, application_id: int, by: Actor
) -> None:
    """Just before ``by`` approves: is the applicant in the branch group already? Then the
    welcome does not send them there, nor tells the secretary they are missing. Asked
    only for someone who may decide, of a request still waiting."""
    async with db.read() as c:
        application = await member_repo.get_application(c, application_id)
        group = (
            await org_repo.live_group_of_branch(c, application.branch_id)
            if application is not None
            and application.state == "pending"
            and by.manages(application.branch_id)
            else None
        )
    if application is None or group is None:
        return
    found = await _ask(bot, group.chat_id, application.telegram_id)
    if found is not None:
        await seen(db, clock, group.chat_id, [application.telegram_id], found, "asked")


async def keep_up(db: Database, bot: Bot, clock: Clock) -> int:
    """At the tick: learn what the bot may do in groups it has not asked about, make the
    invite links it may, and ask about members not learned yet. Returns how many
    accounts were asked about. A failure waits for the next tick."""
    async with db.read() as c:
        unknown_rights = await org_repo.groups_to_ask(c)
    for group in unknown_rights:
        await _learn_rights(db, bot, group)
    async with db.read() as c:
        wanting = await org_repo.groups_wanting_link(c)
    for group in wanting:
        await _make_link(db, bot, group)
    async with db.read() as c:
        pairs = await presence_repo.to_ask(c, clock.now() - STALE, ASK_PER_TICK)
    if not pairs:
        return 0
    at_once = asyncio.Semaphore(ASK_AT_ONCE)

    async def one(chat_id: int, telegram_id: int) -> tuple[int, int, bool | None]:
        async with at_once:
            return chat_id, telegram_id, await _ask(bot, chat_id, telegram_id)

    answers = await asyncio.gather(*(one(chat, account) for chat, account in pairs))
    now = clock.now()
    async with db.tx() as c:
        for chat_id, telegram_id, present in answers:
            if present is not None:
                await presence_repo.record(c, chat_id, [telegram_id], present, "asked", now)
    return len(pairs)


async def _ask(bot: Bot, chat_id: int, telegram_id: int) -> bool | None:
    """In the chat or not; None when Telegram could not say (asked again later)."""
    try:
        member = await bot.get_chat_member(chat_id, telegram_id)
    except BadRequest as exc:  # no such user there (never was, or the account is gone)
        log.info("getChatMember %s in %s: %s", telegram_id, chat_id, exc.message)
        return False
    except TelegramError as exc:  # removed from the group, Telegram away: next tick
        log.info("could not ask about a member of %s: %s", chat_id, exc)
        return None
    return in_chat(member.status, getattr(member, "is_member", None))


async def _learn_rights(db: Database, bot: Bot, group: GroupChat) -> None:
    try:
        me = await bot.get_chat_member(group.chat_id, bot.id)
    except TelegramError as exc:
        log.info("could not ask what the bot may do in %s: %s", group.chat_id, exc)
        return
    admin = me.status in ("administrator", "creator")
    await bot_rights(
        db,
        group.chat_id,
        admin=admin,
        can_invite=admin and bool(getattr(me, "can_invite_users", False)),
    )


async def _make_link(db: Database, bot: Bot, group: GroupChat) -> None:
    try:
        link = await bot.create_chat_invite_link(group.chat_id, name=INVITE_LINK_NAME)
    except (BadRequest, Forbidden) as exc:  # the right was taken away meanwhile
        log.info("could not make an invite link for %s: %s", group.chat_id, exc)
        await bot_rights(db, group.chat_id, admin=bool(group.bot_admin), can_invite=False)
        return
    except TelegramError as exc:
        log.info("could not make an invite link for %s: %s", group.chat_id, exc)
        return
    async with db.tx() as c:
        await org_repo.set_invite_link(c, group.chat_id, link.invite_link)
