"""The button under a secretary's word about members back home: 📚 schedule a make-up
lesson (回乡补课) that invites exactly those back home and owed one (bot/homecoming.py);
the /meeting form does the rest."""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot import homecoming, organisation
from bot.callbacks import MakeUp
from bot.context import ZContext
from handlers import meetings
from handlers.guards import Refused, Stale, on_press


@on_press()
async def homecoming_button(
    update: Update, context: ZContext, query: CallbackQuery, data: MakeUp
) -> None:
    tr = context.tr
    branch = await organisation.get_unit(context.db, data.branch)
    if branch is None or branch.kind != "branch":
        raise Stale
    if not context.actor.manages(branch.id):
        raise Refused
    home = [
        member for member, _ in await homecoming.home_again(context.db, context.clock, branch.id)
    ]
    if not home:
        await query.answer(
            tr("Everyone back home has been invited to a make-up lesson already."), show_alert=True
        )
        return
    await query.answer()
    await meetings.start_makeup(update, context, branch, home)
