"""Forms as tables of steps: for each step, the question it puts (``ask``), the function
that reads its answer (``read``) and the steps it may lead to (``next``).

aiogram 3 gives each FSM ``State`` its own small handler; here the same shape sits on the
dialog row of :mod:`handlers.dialog` (which stays the truth, so a restart loses nothing).
A form's dispatcher picks the step's reader by the dialog's step, instead of one long
if/elif per form. A reader parses the answer and moves on with :meth:`Turn.go`, which
stores the answer and puts the next step's question; a parse error (``InvalidInput``) is
answered once, here, in the person's language, and the form stays where it was.

A table is checked when it is built, at import, that is at start-up: a step that
leads to a step the table does not have, or that no first step reaches, refuses to start
— and so does a move at run time to a step the current one does not list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from telegram import Chat, InlineKeyboardMarkup, Message, Update, User

from bot.callbacks import FORM_NAME_BYTES
from bot.context import ZContext
from bot.dialogs import Ending
from bot.i18n import N_, Translator
from bot.profile import InvalidInput
from handlers.dialog import Answer, acknowledge, advance, choice, ending, finish
from handlers.ui import button, inline
from storage.models import Dialog, Member

__all__ = ["Step", "StepTable", "Turn"]


Read = Callable[["Turn"], Awaitable[None]]
Ask = Callable[["Turn"], Awaitable[None]]


@dataclass(frozen=True)
class Step:
    """One row of a form's table. ``ask`` is put when the form moves to this step (None: the
    question was put by whatever began the form, or the move says why it came back);
    ``read`` receives every answer while the form is at this step; ``next`` names every
    step ``read`` may move to."""

    read: Read
    next: tuple[str, ...] = ()
    ask: Ask | None = None


class StepTable:
    """The steps of one form (one dialog kind), and its dispatcher (:meth:`answer`) — which
    the form's entry in the list of forms routes every answer to."""

    def __init__(self, kind: str, steps: Mapping[str, Step], *, first: tuple[str, ...]) -> None:
        self.kind = kind
        self.steps = dict(steps)
        self.first = first
        _check(kind, self.steps, first)

    async def answer(
        self, update: Update, context: ZContext, current: Dialog, answer: Answer
    ) -> None:
        """The step the dialog is at reads the answer; a step the table does not know (a
        dialog row written by an older version) is ignored, as the if/elif chains did."""
        step = self.steps.get(current.step)
        if step is None:
            return
        turn = Turn(self, update, context, current, answer)
        try:
            await step.read(turn)
        except InvalidInput as problem:
            await turn.say(turn.tr(problem.message, **problem.fields))


def _check(kind: str, steps: Mapping[str, Step], first: tuple[str, ...]) -> None:
    """Refuse a table with a way out to nowhere, or a step no first step leads to."""
    if not first:
        raise ValueError(f"form {kind!r}: no first step")
    for name in (kind, *steps):  # each travels in a form's buttons (FormChoice)
        if len(name.encode("utf-8")) > FORM_NAME_BYTES:
            raise ValueError(f"form {kind!r}: {name!r} is over {FORM_NAME_BYTES} bytes")
    for name in first:
        if name not in steps:
            raise ValueError(f"form {kind!r}: the first step {name!r} is not in the table")
    for name, step in steps.items():
        for target in step.next:
            if target not in steps:
                raise ValueError(
                    f"form {kind!r}: step {name!r} leads to {target!r}, which is not in the table"
                )
    reached = set(first)
    todo = list(first)
    while todo:
        for target in steps[todo.pop()].next:
            if target not in reached:
                reached.add(target)
                todo.append(target)
    lost = sorted(set(steps) - reached)
    if lost:
        raise ValueError(f"form {kind!r}: no step leads to {', '.join(map(repr, lost))}")


class Turn:
    """One answer to a form at one step: what the step's reader and the next step's
    question need, with the chat and the person already checked to be there."""

    def __init__(
        self, table: StepTable, update: Update, context: ZContext, current: Dialog, answer: Answer
    ) -> None:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None and user is not None  # a dialog lives in a chat, of someone
        self.table = table
        self.update = update
        self.context = context
        self.current = current
        self.answer = answer
        self.chat: Chat = chat
        self.user: User = user
        self.tr: Translator = context.tr

    @property
    def step(self) -> str:
        return self.current.step

    @property
    def data(self) -> dict[str, Any]:
        """What the form has gathered so far (as of the last move)."""
        return self.current.data

    @property
    def action(self) -> str | None:
        """The value of the pressed button, if a button was pressed."""
        return self.answer.action

    @property
    def text(self) -> str | None:
        return self.answer.text

    @property
    def today(self) -> date:
        return self.context.clock.today()

    @property
    def member(self) -> Member:
        """The person as an active member, for forms whose dispatcher let only members in."""
        member = self.context.actor.active_member
        if member is None:
            raise LookupError("this form's dispatcher admits active members only")
        return member

    async def say(self, text: str, **kwargs: Any) -> Message:
        return await self.chat.send_message(text, **kwargs)

    async def acknowledge(self, shown: str) -> None:
        await acknowledge(self.answer, shown)

    async def go(self, step: str, *, ask: bool = True, **data: Any) -> None:
        """Store ``data`` and move to ``step`` — one of those the current step lists — then
        put that step's question (unless ``ask`` is False: the caller says what comes)."""
        if step not in self.table.steps[self.current.step].next:
            raise ValueError(
                f"form {self.table.kind!r}: step {self.current.step!r} does not lead to {step!r}"
            )
        self.current = await advance(self.update, self.context, self.current, step, **data)
        if ask:
            await self.ask()

    async def keep(self, **data: Any) -> None:
        """Store ``data`` and stay at this step (a choice among many, pressed one by one)."""
        self.current = await advance(
            self.update, self.context, self.current, self.current.step, **data
        )

    async def ask(self) -> None:
        """Put the question of the step the form is at."""
        asker = self.table.steps[self.current.step].ask
        if asker is not None:
            await asker(self)

    async def finish(self) -> bool:
        """End the form without a result."""
        return await finish(self.update, self.context)

    def ending(self) -> Ending:
        """The end of the form, for the transaction that stores its result."""
        return ending(self.update, self.context)

    def yes_no(self) -> InlineKeyboardMarkup:
        """ "Yes" and "No" buttons for the question of the step the form is at."""
        kind, step = self.table.kind, self.current.step
        return inline(
            [
                [
                    button(self.tr("Yes"), choice(kind, step, "yes")),
                    button(self.tr("No"), choice(kind, step, "no")),
                ]
            ]
        )

    async def yes_or_no(self, refusal: str = N_("Please choose with the buttons.")) -> bool:
        """The answer to a :meth:`yes_no` question, shown on the pressed button; anything
        else is refused with ``refusal`` and the form stays at its step."""
        if self.action not in ("yes", "no"):
            raise InvalidInput(refusal)
        await self.acknowledge(self.tr("Yes") if self.action == "yes" else self.tr("No"))
        return self.action == "yes"
