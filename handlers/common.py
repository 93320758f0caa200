"""What every update passes through, and the commands anyone may use: /help /lang /cancel."""

from __future__ import annotations

import contextlib
import logging

from telegram import CallbackQuery, ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import i18n, organisation, personal_menus, users
from bot.callbacks import STALE, Language
from bot.context import ZContext
from bot.menus import commands_for
from bot.update_kinds import described, handled
from bot.write_faults import is_write_fault
from handlers import dialog
from handlers.group_members import bot_status_changed
from handlers.guards import Stale, on_press
from handlers.ui import button, esc, inline

log = logging.getLogger(__name__)


async def know_user(update: Update, context: ZContext) -> None:
    """Runs first for every update: remember the user, their language and their roles."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    if context.services.repeats.is_repeat(update):
        # The same press (or message) again: it was answered; the copy only stops its
        # spinner, and a failed answer must not turn into an error message.
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()
        raise ApplicationHandlerStop
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    if context.services.throttle.to_warn(update):  # over the limit on arrival
        if private and chat is not None:
            tr = i18n.translator(i18n.language_from_telegram(user.language_code))
            await chat.send_message(
                tr("You are sending very fast. Please wait a few seconds, then try again.")
            )
        raise ApplicationHandlerStop
    # A private my_chat_member "kicked" is the user blocking us: not a sign of life.
    wrote = private and update.my_chat_member is None
    actor = await context.services.askers.actor(context.db, user.id, context.settings.admins)
    actor = await users.seen(
        context.db,
        context.clock,
        actor,
        user.id,
        user.first_name,
        user.username,
        user.language_code,
        wrote=wrote,
        admins=context.settings.admins,
    )
    stored = actor.user
    language = (stored.language if stored else None) or i18n.language_from_telegram(
        user.language_code
    )
    context.tr = i18n.translator(language)
    context.actor = actor


async def help_command(update: Update, context: ZContext) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    tr = context.tr
    group = chat.type != ChatType.PRIVATE
    lines = [tr("<b>What I can do for you</b>")]
    for command in commands_for(context.actor.roles, group=group):
        lines.append(f"/{command.name} — {esc(tr(command.description))}")
    if not context.actor.known and not group:
        lines.append("")
        lines.append(
            tr("To join your branch, open the invite link your branch secretary sent you.")
        )
    await message.reply_text("\n".join(lines))


async def lang_command(update: Update, context: ZContext) -> None:
    message = update.effective_message
    if message is None:
        return
    buttons = [button(label, Language(code).pack()) for code, label in i18n.LANGUAGES.items()]
    await message.reply_text(context.tr("Choose your language:"), reply_markup=inline([buttons]))


@on_press()
async def lang_button(
    update: Update, context: ZContext, query: CallbackQuery, data: Language
) -> None:
    assert update.effective_user is not None
    code = data.code
    if code not in i18n.LANGUAGES:
        raise Stale
    await personal_menus.set_language(context.db, context.clock, update.effective_user.id, code)
    context.tr = i18n.translator(code)
    await query.answer()
    await query.edit_message_text(
        context.tr("Language set: {language}.", language=i18n.LANGUAGES[code])
    )
    await personal_menus.publish_due(
        context.db,
        context.bot,
        context.clock,
        context.settings.admins,
        only=[update.effective_user.id],
    )


async def cancel_command(update: Update, context: ZContext) -> None:
    message = update.effective_message
    if message is None:
        return
    from telegram import ReplyKeyboardRemove

    if await dialog.finish(update, context):
        await message.reply_text(
            context.tr("Stopped. Nothing more was saved."), reply_markup=ReplyKeyboardRemove()
        )
    else:
        await message.reply_text(
            context.tr("There is nothing to stop."), reply_markup=ReplyKeyboardRemove()
        )


async def unknown_command(update: Update, context: ZContext) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or chat.type != ChatType.PRIVATE:
        return  # in groups, other bots' commands are none of our business
    await message.reply_text(
        context.tr("I do not know that command. Send /help to see what I can do.")
    )


async def stale_button(update: Update, context: ZContext) -> None:
    """Any button nobody claimed: old, forged, or from a version that is gone."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.tr(STALE))


async def my_chat_member(update: Update, context: ZContext) -> None:
    """A user blocking or unblocking the bot in their private chat; the bot removed from a
    branch's group (the binding is gone, and the secretaries are told), or made an
    administrator there or no longer one."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    if change.chat.type != ChatType.PRIVATE:
        if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            await _group_lost(context, change.chat.id, change.chat.title or "")
        else:
            await bot_status_changed(context, change)
        return
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await users.blocked(context.db, context.clock, change.chat.id)
    else:
        await users.unblocked(context.db, change.chat.id)


async def _group_lost(context: ZContext, chat_id: int, title: str) -> None:
    if (
        await organisation.group_lost(
            context.db, context.clock, chat_id, title, context.settings.admins
        )
        is not None
    ):
        context.services.poke_outbox()  # the secretaries are told, queued with the change


async def group_migrated(update: Update, context: ZContext) -> None:
    """A group upgraded to a supergroup: Telegram's service message carries the new id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    await organisation.group_migrated(
        context.db, context.clock, message.chat_id, message.migrate_to_chat_id
    )


async def on_error(update: object, context: ZContext) -> None:
    """Log which update it came from (its id and kind, never what the person wrote or
    shared); staff hear of it (a few minutes apart at most); tell the person something
    went wrong."""
    error = context.error
    context.services.repeats.forget(update)  # so that trying again is not a repeat
    if isinstance(error, Forbidden):
        log.info("forbidden while handling %s: %s", described(update), error)
        return
    if update is None and isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # Polling met a hiccup on the way to Telegram (a 502, a timeout): PTB tries again
        # by itself, and `zhibu status` tells when nothing comes through for long.
        log.warning("Telegram could not be reached: %s", error)
        return
    if is_write_fault(error):
        # A full disk: said once for the whole episode, and staff told after it
        # (bot/write_faults.py) — not a traceback and a report per update.
        assert error is not None
        context.services.write_faults.failed("handlers", error)
    else:
        log.error("error while handling %s", described(update), exc_info=error)
    if error is not None and not is_write_fault(error):
        # No update: a scheduled job (reminders, bulletins, the tick) failed.
        await context.services.noted(
            "handler" if update is not None else "scheduler", error, handled(update)
        )
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                context.tr("Sorry, something went wrong. Please try again in a moment."),
            )
        except Exception:
            log.warning("could not tell the user about the error", exc_info=True)
