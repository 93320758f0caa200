"""/todo: everything open for the person asking, in one message with its buttons.

The buttons are those each thing has where it came from — 📖 a material (``mat:show``,
then ✅ Studied on it), 📢 a notice again (``ntc:show``) and ✅ Received (``ntc:ack``),
check-in for a session whose check-in is open (``att:…``), ✍️ a note (``note:write``) —
so an action from here is the same action, checked the same way. ``todo:show`` (under
the evening reminder) shows the list; ``ntc:mine:<id>`` the notices to confirm after
that one.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot import todo
from bot.callbacks import TodoShow
from bot.context import ZContext
from bot.delivery import Outgoing, send
from bot.schedule import windows
from handlers.guards import not_a_member_text, not_a_member_yet, on_press, private_only


async def todo_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    if not context.actor.known:
        await not_a_member_yet(update, context)
        return
    await show(context)


async def show(context: ZContext) -> None:
    """The list, sent to the person's private chat."""
    actor = context.actor
    member = actor.active_member
    checkin = windows(context.settings)
    items = await todo.open_for(context.db, context.clock, checkin, actor.telegram_id, member)
    await send(
        context.bot,
        actor.telegram_id,
        todo.render(
            context.tr,
            items,
            context.clock.tz,
            context.clock.now(),
            heading=context.tr("📋 <b>What is open for you</b>"),
            windows=checkin,
            flowing=bool(member and member.flowing),
        ),
    )


@on_press(role=lambda actor: actor.known, refusal=not_a_member_text)
async def todo_button(
    update: Update, context: ZContext, query: CallbackQuery, data: TodoShow
) -> None:
    await query.answer()
    await show(context)


async def unconfirmed_notices(update: Update, context: ZContext, after: int) -> None:
    """The notices this person has not confirmed, from after ``after`` (a ``ntc:mine``
    press): a page at a time, each with its buttons, and a button to the next page."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    if not context.actor.known:
        await query.answer(not_a_member_text(context), show_alert=True)
        return
    await query.answer()
    page = await todo.unconfirmed_notices(context.db, context.actor.telegram_id, after)
    if not page.shown:
        await context.bot.send_message(
            context.actor.telegram_id,
            tr("📢 You have confirmed every notice. Thank you!")
            if not page.total
            else tr("📢 No more notices to confirm after these. Send /todo for the list."),
        )
        return
    lines, buttons = todo.notice_lines(tr, page, context.clock.tz)
    await send(context.bot, context.actor.telegram_id, Outgoing("\n".join(lines), buttons))
