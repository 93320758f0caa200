"""The questions about working away from home: where (city, work unit, since when),
shared by joining and by /flow; and which party organisation hosts them there (/flow)."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update

from bot import organisation
from bot.context import ZContext
from bot.i18n import Translator
from bot.markup import KEYBOARD_BUTTONS
from bot.profile import parse_month, parse_place
from handlers import dialog
from handlers.dialog import Answer, acknowledge
from handlers.steps import Step, Turn
from handlers.ui import button, esc, grid, inline
from storage.models import Unit

__all__ = [
    "acknowledge",
    "ask_city",
    "ask_employer",
    "ask_host",
    "ask_host_branch",
    "ask_since",
    "read_city",
    "read_employer",
    "read_since",
    "where_steps",
]


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
        reply_markup=inline([[button(tr("Skip"), dialog.choice(kind, "employer", "skip"))]]),
    )


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
    await chat.send_message(
        tr("Since when? Press a button, or type the year and month, for example 2026-03."),
        reply_markup=inline(grid(buttons)),
    )


async def read_since(answer: Answer, today: date) -> date:
    if answer.action is not None:  # a button's month meets the typed month's rule
        since = parse_month(answer.action, today)
        await acknowledge(answer, since.strftime("%Y-%m"))
        return since
    return parse_month(answer.text, today)


def where_steps(kind: str, *, then: str) -> dict[str, Step]:
    """The three questions about working away — city, work unit, since when — as rows of a
    form's step table, the same for joining and for /flow; ``then``: the step after them."""

    async def city(turn: Turn) -> None:
        await turn.go("employer", city=read_city(turn.answer))

    async def employer(turn: Turn) -> None:
        await turn.go("since", employer=await read_employer(turn.answer, turn.tr))

    async def since(turn: Turn) -> None:
        month = await read_since(turn.answer, turn.today)
        await turn.go(then, since=month.isoformat())

    return {
        "city": Step(city, next=("employer",), ask=lambda turn: ask_city(turn.update, turn.tr)),
        "employer": Step(
            employer, next=("since",), ask=lambda turn: ask_employer(turn.update, turn.tr, kind)
        ),
        "since": Step(
            since, next=(then,), ask=lambda turn: ask_since(turn.update, turn.tr, kind, turn.today)
        ),
    }


async def ask_host(update: Update, context: ZContext, kind: str) -> None:
    """Step ``host``: a township of the county (then ``host_branch``), a name typed for an
    organisation outside it, or skip."""
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    townships = (await organisation.townships(context.db))[: KEYBOARD_BUTTONS - 1]
    await chat.send_message(
        tr(
            "Which party organisation looks after you where you work (流入地党组织)? If it "
            "is a branch in our county, choose its township; if it is elsewhere, type its "
            "name."
        ),
        reply_markup=inline(
            [
                *grid([button(t.name, dialog.choice(kind, "host", t.id)) for t in townships], 3),
                [button(tr("None yet / skip"), dialog.choice(kind, "host", "skip"))],
            ]
        ),
    )


async def ask_host_branch(
    update: Update, context: ZContext, kind: str, township: Unit, branches: list[Unit]
) -> None:
    """Step ``host_branch``: a branch of the chosen township, or back to the townships."""
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    await chat.send_message(
        tr("Which branch of {township}?", township=esc(township.name)),
        reply_markup=inline(
            [
                *grid(
                    [
                        button(b.name, dialog.choice(kind, "host_branch", b.id))
                        for b in branches[: KEYBOARD_BUTTONS - 1]
                    ]
                ),
                [button(tr("◀ Back"), dialog.choice(kind, "host_branch", "back"))],
            ]
        ),
    )
