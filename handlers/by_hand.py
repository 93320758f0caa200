"""The buttons of recording by hand (代登记), see :mod:`bot.by_hand`.

``hand:new:<target>`` opens a list in a new message (from a session's record, a material's
or notice's names, the roster); ``hand:ls:<target>:<page>`` shows a page of it in place;
``hand:ask:<target>:<member>:<1|0>:<back>`` asks before recording (1) or taking back (0);
``hand:do:…`` with the same values does it, then shows the list again. ``<back>`` is ``p<page>``
(the target's list) or ``t<page>`` (the member's branch's list of members without
Telegram). Every press asks the rights again: a role that ended ends here too.
"""

from __future__ import annotations

from telegram import CallbackQuery, Message, Update

from bot import by_hand
from bot.by_hand import ANSWERS, OUTCOMES, REFUSALS, Target
from bot.callbacks import HandEntry, HandNew, HandPage
from bot.context import ZContext
from bot.delivery import Outgoing, markup, send
from bot.markup import visible
from handlers.guards import Stale, on_press


@on_press()
async def hand_button(
    update: Update, context: ZContext, query: CallbackQuery, data: HandNew | HandPage | HandEntry
) -> None:
    tr = context.tr
    found = by_hand.target(data.target)
    if found is None:
        raise Stale
    if not isinstance(data, HandEntry):
        page = 0 if isinstance(data, HandNew) else by_hand.page_of(str(data.page))
        if page is None:
            raise Stale
        await _show_list(update, context, found, page, new=isinstance(data, HandNew))
        return
    member_id, on, back = data.member, data.on, data.back
    if found.kind == "b" or back[:1] not in ("p", "t") or by_hand.page_of(back[1:]) is None:
        raise Stale
    if data.action == "do":
        outcome = await by_hand.record(
            context.db, context.clock, context.actor, found, member_id, on == 1
        )
        await query.answer(
            tr(ANSWERS[outcome]),
            show_alert=outcome not in ("recorded", "undone", "already", "gone"),
        )
        if outcome in OUTCOMES:
            await _back(update, context, found, member_id, back)
        return
    shown = await by_hand.listing(context.db, context.actor, found)
    if isinstance(shown, str):
        await query.answer(tr(REFUSALS[shown]), show_alert=shown != "gone")
        return
    line = shown.line(member_id)
    if line is None:
        raise Stale
    # Changed since the list was shown (they pressed themselves, someone recorded them)?
    wanted = "open" if on == 1 else "by_hand"
    if line.state != wanted:
        outcome = ("on_leave" if line.state == "other" else "already") if on == 1 else "not_by_hand"
        await query.answer(tr(OUTCOMES[outcome]), show_alert=outcome != "already")
        return
    await query.answer()
    await _put(update, context, by_hand.question(tr, context.clock.tz, shown, line, back))


async def _show_list(
    update: Update, context: ZContext, found: Target, page: int, *, new: bool
) -> None:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    if found.kind == "b":
        listed = await by_hand.todo(context.db, context.clock, context.actor, found.id)
        if isinstance(listed, str):
            await query.answer(tr(REFUSALS[listed]), show_alert=listed != "gone")
            return
        screen = by_hand.todo_screen(tr, context.clock.tz, listed, page)
    else:
        shown = await by_hand.listing(context.db, context.actor, found)
        if isinstance(shown, str):
            await query.answer(tr(REFUSALS[shown]), show_alert=shown != "gone")
            return
        screen = by_hand.listing_screen(tr, context.clock.tz, shown, page)
    await query.answer()
    await _put(update, context, screen, new=new)


async def _back(
    update: Update, context: ZContext, found: Target, member_id: int, back: str
) -> None:
    """After a change: the list it was made from, as it now stands."""
    page = by_hand.page_of(back[1:]) or 0
    if back.startswith("t"):
        shown = await by_hand.listing(context.db, context.actor, found)
        line = None if isinstance(shown, str) else shown.line(member_id)
        if line is None:
            return
        found = Target("b", line.branch_id)
    query = update.callback_query
    assert query is not None
    if found.kind == "b":
        listed = await by_hand.todo(context.db, context.clock, context.actor, found.id)
        if not isinstance(listed, str):
            await _put(
                update, context, by_hand.todo_screen(context.tr, context.clock.tz, listed, page)
            )
        return
    shown = await by_hand.listing(context.db, context.actor, found)
    if not isinstance(shown, str):
        await _put(
            update, context, by_hand.listing_screen(context.tr, context.clock.tz, shown, page)
        )


async def _put(update: Update, context: ZContext, screen: Outgoing, *, new: bool = False) -> None:
    """In place of the pressed message; as a new message when asked, or when the pressed
    one cannot become this text (a file, a photo)."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if not new and isinstance(message, Message) and message.text is not None:
        keys = markup(screen.buttons)
        if message.text == visible(screen.text) and message.reply_markup == keys:
            return  # as it stands already (Telegram refuses an edit that changes nothing)
        await query.edit_message_text(screen.text, reply_markup=keys)
        return
    await send(context.bot, context.actor.telegram_id, screen)
