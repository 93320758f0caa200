"""Small helpers for what the bot shows: escaping, keyboards, long lists in pieces.

User text always goes through :func:`esc` before it reaches an HTML message; lists that
may grow go through :func:`chunks`, so no message passes Telegram's 4096 (UTF-16 units
of the parsed text, as Telegram counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot import markup
from bot.markup import MESSAGE_LIMIT, chunks, esc

__all__ = [
    "BUTTON_TEXT_MAX",
    "MESSAGE_LIMIT",
    "button",
    "chunks",
    "esc",
    "grid",
    "inline",
    "mark_pressed",
    "reply_keyboard",
    "short",
    "take_buttons_away",
]

BUTTONS_PER_ROW = 2
BUTTON_TEXT_MAX = 40


def short(text: str, limit: int = BUTTON_TEXT_MAX) -> str:
    return markup.short(text, limit)


def button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(short(label), callback_data=data)


def inline(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in rows if row])


def grid(
    buttons: Sequence[InlineKeyboardButton], per_row: int = BUTTONS_PER_ROW
) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def reply_keyboard(rows: Iterable[Sequence[KeyboardButton | str]]) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [list(row) for row in rows], resize_keyboard=True, one_time_keyboard=True
    )


async def mark_pressed(query: CallbackQuery, label: str) -> None:
    """Say on the pressed button what it did ("✅ Received 11-24 10:00"), keeping the
    message's other buttons: in a list of several things (/todo) the rest stay usable."""
    message = query.message
    markup = getattr(message, "reply_markup", None)
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    found = False
    for row in rows:
        for at, key in enumerate(row):
            if key.callback_data == query.data:
                row[at] = InlineKeyboardButton(short(label), callback_data=key.callback_data)
                found = True
    if not found:
        rows = [[button(label, query.data or "")]]
    await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))


async def take_buttons_away(query: CallbackQuery) -> None:
    """Remove the buttons from the pressed message — if it still has any: Telegram refuses
    an edit that changes nothing (a second press, or a press handled again)."""
    message = query.message
    if message is not None and getattr(message, "reply_markup", None) is not None:
        await query.edit_message_reply_markup(None)
