"""The people Telegram shows the bot: who they are, whether the bot may write to them.

Every update passes through handlers/common.py's ``know_user``, which asks :func:`seen`
to keep the ``users`` row in step with what Telegram says of its sender; a private chat
blocked or unblocked, or a message refused with "bot was blocked by the user", goes
through :func:`blocked` / :func:`unblocked`. They live here, in bot/, so that the handler
layer only turns updates into these calls and never writes rows itself.
"""

from __future__ import annotations

from bot.access import Actor, load_actor
from bot.clock import Clock
from storage import members as member_repo
from storage import menus as menu_repo
from storage.db import Database


async def seen(
    db: Database,
    clock: Clock,
    actor: Actor,
    telegram_id: int,
    first_name: str,
    username: str | None,
    language_code: str | None,
    *,
    wrote: bool,
    admins: list[int],
) -> Actor:
    """Someone sent an update (``wrote``: a private message, so the bot may now write back):
    their name, username and Telegram language remembered, and ``actor`` as it is now.

    Most updates come from people the bot already knows as they are: reading first
    (``actor`` was loaded from the row) and writing only on a change keeps a burst of
    button presses free of write transactions."""
    stored = actor.user
    if not (
        stored is None
        or stored.first_name != first_name[:64]
        or stored.username != username
        or stored.tg_language != language_code
        or (wrote and (stored.started_at is None or stored.blocked_at is not None))
    ):
        return actor
    async with db.tx() as c:
        await member_repo.touch_user(
            c, telegram_id, first_name, username, language_code, clock.now(), private=wrote
        )
        if wrote and (stored is None or stored.started_at is None) and actor.has_own_menu:
            # Telegram takes a personal menu only once they opened the chat: staff named
            # before they ever wrote get theirs at the next tick.
            await menu_repo.mark_due(c, [telegram_id], clock.now())
    return await load_actor(db, telegram_id, admins)


async def blocked(db: Database, clock: Clock, telegram_id: int) -> None:
    """They blocked the bot (or Telegram said so when it wrote): nothing is sent to them
    until they write again."""
    async with db.tx() as c:
        await member_repo.set_blocked(c, telegram_id, clock.now())


async def unblocked(db: Database, telegram_id: int) -> None:
    """They unblocked the bot in their private chat."""
    async with db.tx() as c:
        await member_repo.set_blocked(c, telegram_id, None)


async def staff_known(db: Database, clock: Clock, admins: list[int]) -> None:
    """At start-up: a ``users`` row for each of the staff named in the settings, so that
    what is queued for them (and their menus) has someone to go to before they write."""
    now = clock.now()
    async with db.tx() as c:
        for admin in admins:
            await member_repo.ensure_user(c, admin, now)
