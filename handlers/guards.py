"""Checks that many commands start with, answered the same way everywhere."""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import CallbackQuery, Update
from telegram.constants import ChatType

from bot.access import Actor
from bot.callbacks import STALE, CallbackData, unpack_as
from bot.context import ZContext
from bot.i18n import N_

K = TypeVar("K", bound=CallbackData)
#: The refusal of a press on something that is not the presser's to manage.
NOT_YOURS = N_("This is not yours to manage.")
NOT_YOURS_TO_DECIDE = N_("This is not yours to decide.")
ONLY_STAFF = N_("Only organisation staff can do this.")
ONLY_MANAGERS = N_("Only branch secretaries and organisation staff can do this.")


async def private_only(update: Update, context: ZContext) -> bool:
    """Personal things (profiles, forms) happen in the private chat, not in front of a
    group; in a group the person is asked to write privately."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type != ChatType.PRIVATE:
        await chat.send_message(context.tr("Please talk to me in a private chat."))
        return False
    return True


async def managers_only(update: Update, context: ZContext) -> bool:
    """Secretaries' and staff's commands: in private, and a polite no to anyone else."""
    if not await private_only(update, context):
        return False
    actor = context.actor
    if actor.manages_any:
        return True
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(context.tr(ONLY_MANAGERS))
    return False


class Stale(Exception):
    """A button's handler raises this, before it answers, for a button that is old or
    forged (what it names is gone, or was never shown): :func:`on_press` answers it."""


class Refused(Exception):
    """A button's handler raises this, before it answers, for a press its presser may not
    make; :func:`on_press` answers ``message`` (a message id, translated there) in an
    alert."""

    def __init__(self, message: str = NOT_YOURS) -> None:
        super().__init__(message)
        self.message = message


Pressed = Callable[[Update, ZContext, CallbackQuery, K], Coroutine[Any, Any, None]]
Handler = Callable[[Update, ZContext], Coroutine[Any, Any, None]]


def on_press(
    *,
    role: Callable[[Actor], bool] | None = None,
    refusal: str | Callable[[ZContext], str] = NOT_YOURS,
) -> Callable[[Pressed[K]], Handler]:
    """A button handler, given its press unpacked and typed: ``data`` is one of the kinds
    its annotation names (``data: NoticePress``, ``data: HandNew | HandPage``), so that no
    handler splits callback data by hand.

    Before the handler runs, the presser's role is asked (``role``, a rule of
    :class:`bot.access.Actor`, refused with ``refusal``: a message id, or a function that
    says it for the person), then the data unpacked: data of none of the kinds named is a
    stale or forged button. The handler asks the scope (does the actor manage *this*
    branch, was *this* notice sent to them) and raises :class:`Stale` or :class:`Refused`
    before it answers; both are answered here, so each refusal is worded once."""

    def wrap(handler: Pressed[K]) -> Handler:
        hint = typing.get_type_hints(handler)["data"]
        kinds: tuple[type[K], ...] = typing.get_args(hint) or (hint,)

        @functools.wraps(handler)
        async def pressed(update: Update, context: ZContext) -> None:
            query = update.callback_query
            assert query is not None
            try:
                if role is not None and not role(context.actor):
                    if not isinstance(refusal, str):
                        await query.answer(refusal(context), show_alert=True)
                        return
                    raise Refused(refusal)
                data = unpack_as(kinds, query.data)
                if data is None:
                    raise Stale
                await handler(update, context, query, data)
            except Stale:
                await query.answer(context.tr(STALE))
            except Refused as refused:
                await query.answer(context.tr(refused.message), show_alert=True)

        return pressed

    return wrap


def not_a_member_text(context: ZContext) -> str:
    """What someone without an active membership is told: that their request is waiting,
    or how to join."""
    tr = context.tr
    if context.actor.application is not None:
        return tr(
            "Your request to join is waiting for the branch secretary's approval. I "
            "will tell you when it is decided."
        )
    return tr(
        "You are not registered yet. To join your branch, open the invite link your "
        "branch secretary sent you."
    )


async def not_a_member_yet(update: Update, context: ZContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(not_a_member_text(context))
