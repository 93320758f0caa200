"""The commands each role may use: one table for /help and for Telegram's command menus."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.ext import ExtBot

from bot import i18n
from bot.access import Role
from bot.i18n import N_

EVERYONE = frozenset(Role)
KNOWN = frozenset({Role.MEMBER, Role.LEADER, Role.SECRETARY, Role.TOWNSHIP, Role.STAFF})
# Township staff do for their township's branches what staff do for the county.
MANAGERS = frozenset({Role.SECRETARY, Role.TOWNSHIP, Role.STAFF})


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # English msgid, translated when shown
    roles: frozenset[Role]
    private: bool = True
    group: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start, or join with an invite link"), EVERYONE),
    Command("help", N_("What I can do for you"), EVERYONE, group=True),
    Command("todo", N_("Everything open for you: study, notices, sessions, notes"), KNOWN),
    Command("me", N_("Your profile"), KNOWN | {Role.APPLICANT}),
    Command("flow", N_("Report working away from home, or coming back"), frozenset({Role.MEMBER})),
    Command("lang", N_("Language: 简体中文 / English"), EVERYONE),
    Command("cancel", N_("Stop what we are doing"), EVERYONE),
    Command("study", N_("Study materials: yours, and who studied them"), KNOWN),
    Command("note", N_("Send a heartfelt note"), frozenset({Role.MEMBER})),
    Command("record", N_("Study record: sessions, materials, notes"), KNOWN),
    Command("visit", N_("Log a visit to your contact point"), frozenset({Role.LEADER})),
    Command(
        "visits",
        N_("Contact-point days and recent visits"),
        frozenset({Role.LEADER, Role.TOWNSHIP, Role.STAFF}),
    ),
    Command("push", N_("Send a study material"), MANAGERS),
    Command("notice", N_("Send a notice"), MANAGERS),
    Command("notices", N_("Notices sent, and who received them"), MANAGERS),
    Command("notes", N_("Review heartfelt notes; who still owes one"), MANAGERS),
    Command(
        "meeting",
        N_("Schedule a meeting or study session, or move or cancel one"),
        MANAGERS,
        group=True,
    ),
    Command(
        "meetings",
        N_("Session records by month; the year's ledger"),
        frozenset({Role.SECRETARY, Role.TOWNSHIP, Role.STAFF, Role.LEADER}),
    ),
    Command("invite", N_("Invite link for your branch"), MANAGERS),
    Command("pending", N_("People waiting to join"), MANAGERS),
    Command("members", N_("Your branch's roster"), MANAGERS),
    Command("bind", N_("Tie a group chat to your branch"), MANAGERS, group=True),
    Command("appoint", N_("Appoint a secretary or a leader"), frozenset({Role.STAFF})),
    Command("quota", N_("Leaders' monthly contact-point quota"), frozenset({Role.STAFF})),
    # A secretary gets their branch's bulletin; staff also the county's, a township's
    # and the contact-point one: the description names what both get.
    Command("report", N_("Bulletins for a month, quarter or any dates"), MANAGERS),
    # Anyone may be responsible for an item (a committee member too) and sees theirs; the
    # menu lists it for those who raise, keep and most often answer for items.
    Command(
        "rectify",
        N_("Rectification ledger: items, deadlines, crossing off"),
        frozenset({Role.SECRETARY, Role.LEADER, Role.TOWNSHIP, Role.STAFF}),
    ),
    Command(
        "leadership",
        N_("The township leadership's study ledger; schedule their centralised study"),
        frozenset({Role.TOWNSHIP, Role.STAFF}),
    ),
    Command(
        "research",
        N_("Research reports (township leadership): file one, see yours"),
        frozenset({Role.MEMBER}),
    ),
    Command("matters", N_("四议两公开: village matters, their meetings and publication"), MANAGERS),
)


def commands_for(roles: set[Role], *, group: bool = False) -> list[Command]:
    return [
        command
        for command in COMMANDS
        if roles & command.roles and (command.group if group else command.private)
    ]


def _bot_commands(commands: list[Command], language: str) -> list[BotCommand]:
    tr = i18n.translator(language)
    return [BotCommand(command.name, tr(command.description)) for command in commands]


async def publish_menus(bot: ExtBot[Any]) -> None:
    """The menus everyone sees: per language, for private chats and for group chats."""
    plain = {Role.STRANGER, Role.MEMBER}
    for language in i18n.LANGUAGES:
        code = None if language == i18n.DEFAULT_LANGUAGE else language
        await bot.set_my_commands(
            _bot_commands(commands_for(plain), language),
            scope=BotCommandScopeAllPrivateChats(),
            language_code=code,
        )
        await bot.set_my_commands(
            _bot_commands(commands_for(set(Role), group=True), language),
            scope=BotCommandScopeAllGroupChats(),
            language_code=code,
        )
    # Clients that match no scope above (e.g. channels' admins) still see the default.
    await bot.set_my_commands(_bot_commands(commands_for(plain), i18n.DEFAULT_LANGUAGE))


async def publish_personal_menu(
    bot: Bot, telegram_id: int, roles: set[Role], language: str
) -> None:
    """A secretary or staff member sees their own commands in their private chat's menu."""
    await bot.set_my_commands(
        _bot_commands(commands_for(roles), language), scope=BotCommandScopeChat(telegram_id)
    )
