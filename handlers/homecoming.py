"""The button under a secretary's word about members back home: 📚 schedule a make-up
lesson (回乡补课) that invites exactly those back home and owed one (bot/homecoming.py);
the /meeting form does the rest."""

from __future__ import annotations

from telegram import Update

from bot import homecoming, organisation
from bot.context import ZContext
from handlers import meetings
from handlers.guards import button_with_id


async def homecoming_button(update: Update, context: ZContext) -> None:
    pressed = await button_with_id(update, context)
    if pressed is None:
        return
    query, parsed, branch_id = pressed
    tr = context.tr
    branch = await organisation.get_unit(context.db, branch_id)
    if parsed.action != "mk" or branch is None or branch.kind != "branch":
        await query.answer(tr("This button is no longer active."))
        return
    if not context.actor.manages(branch.id):
        await query.answer(tr("This is not yours to manage."), show_alert=True)
        return
    home = [member for member, _ in await homecoming.home_again(context.db, context.clock,
                                                                branch.id)]
    if not home:
        await query.answer(tr("Everyone back home has been invited to a make-up lesson "
                              "already."), show_alert=True)
        return
    await query.answer()
    await meetings.start_makeup(update, context, branch, home)
