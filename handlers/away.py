"""The three questions about working away from home, shared by joining and by /flow."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update

from bot.i18n import Translator
from bot.profile import parse_month, parse_place
from handlers import dialog
from handlers.dialog import Answer, acknowledge
from handlers.ui import button, grid, inline

__all__ = ["acknowledge", "ask_city", "ask_employer", "ask_since", "read_city", "read_employer",
           "read_since"]


async def ask_city(update: Update, tr: Translator) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(tr("In which city are you working?"))


def read_city(answer: Answer) -> str:
    return parse_place(answer.text)


async def ask_employer(update: Update, tr: Translator, kind: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        tr("Where do you work (company or work unit)?"),
        reply_markup=inline([[button(tr("Skip"), dialog.choice(kind, "employer", "skip"))]]))


async def read_employer(answer: Answer, tr: Translator) -> str | None:
    if answer.action == "skip":
        await acknowledge(answer, tr("Skip"))
        return None
    return parse_place(answer.text)


async def ask_since(update: Update, tr: Translator, kind: str, today: date) -> None:
    chat = update.effective_chat
    assert chat is not None
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    buttons = [
        button(tr("This month"), dialog.choice(kind, "since", this_month.isoformat())),
        button(tr("Last month"), dialog.choice(kind, "since", last_month.isoformat())),
    ]
    await chat.send_message(tr("Since when? Press a button, or type the year and month, for "
                               "example 2026-03."), reply_markup=inline(grid(buttons)))


async def read_since(answer: Answer, today: date) -> date:
    if answer.action is not None:  # a button's month meets the typed month's rule
        since = parse_month(answer.action, today)
        await acknowledge(answer, since.strftime("%Y-%m"))
        return since
    return parse_month(answer.text, today)
