"""Each person's own command menu, kept in step with their roles.

Telegram shows a person the commands set for their private chat, else the menu set for
everyone. A role that begins or ends — in the bot, by ``zhibu admin``, by a roster
import — marks the person's menu due in the transaction that changes it (the
``personal_menus`` table); start-up marks every stored menu and every ``ZHIBU_ADMINS`` id
due, since the settings may have changed while the bot was down. :func:`publish_due`
publishes what is due: right after a change made in the bot, and at each scheduler tick
for changes made elsewhere. A crash between a change and its publishing loses nothing:
the mark is still there.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommandScopeChat
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import i18n
from bot.access import load_actor
from bot.clock import Clock
from bot.menus import commands_for, publish_personal_menu
from storage import members as member_repo
from storage import menus as menu_repo
from storage.db import Database

log = logging.getLogger(__name__)

PER_RUN = 100  # a tick publishes at most this many, so reminders never wait on menus


async def set_language(db: Database, clock: Clock, telegram_id: int, language: str) -> None:
    """The person's language, and their menu due again in it (in one transaction): the
    commands' descriptions are in the language too."""
    async with db.tx() as c:
        await member_repo.set_language(c, telegram_id, language)
        await menu_repo.mark_due(c, [telegram_id], clock.now())


async def mark_at_start(db: Database, clock: Clock, admins: list[int]) -> None:
    async with db.tx() as c:
        await menu_repo.mark_all_due(c, clock.now())
        await menu_repo.mark_due(c, admins, clock.now())


async def publish_due(
    db: Database, bot: Bot, clock: Clock, admins: list[int], *, only: list[int] | None = None
) -> int:
    """Publish the menus that are due (``only``: of these people, right after a change
    made in the bot); returns how many were sent to Telegram."""
    async with db.read() as c:
        due = await menu_repo.due(c, PER_RUN, only)
    sent = 0
    for menu in due:
        actor = await load_actor(db, menu.telegram_id, admins)
        user = actor.user
        language = (
            (user.language or i18n.language_from_telegram(user.tg_language))
            if user
            else i18n.DEFAULT_LANGUAGE
        )
        commands = (
            ",".join(c.name for c in commands_for(actor.roles)) if actor.has_own_menu else None
        )
        wanted = (commands, language if commands else None)
        if wanted != (menu.commands, menu.language if menu.commands else None):
            try:
                if commands is None:  # back to the menu everyone has
                    await bot.delete_my_commands(scope=BotCommandScopeChat(menu.telegram_id))
                else:
                    await publish_personal_menu(bot, menu.telegram_id, actor.roles, language)
                sent += 1
            except (BadRequest, Forbidden) as exc:  # never opened the bot, or blocked it
                log.info("menu of %s not published: %s", menu.telegram_id, exc.message)
                commands = None
            except TelegramError as exc:  # the network: what is due stays due, for the
                log.warning("menus not published yet: %s", exc)  # next tick to try
                break
        async with db.tx() as c:
            await menu_repo.published(
                c, menu, commands, language if commands else None, clock.now()
            )
    return sent
