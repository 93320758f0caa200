"""/report: bulletins for organisation staff. For now the contact-point bulletin
(``/report visits``); the monthly and quarterly bulletins join it later.

Buttons: ``rpt:visits:<start>:<end>`` with ISO dates (end exclusive), or
``rpt:visits:typed`` to type a period.
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update

from bot import reports
from bot.app import ZContext
from bot.callbacks import pack, unpack
from bot.delivery import send
from bot.i18n import N_
from bot.profile import InvalidInput
from bot.visits import half_year_bounds, month_bounds
from handlers import dialog
from handlers.dialog import Answer
from handlers.guards import private_only
from handlers.ui import button, inline
from storage.models import Dialog

PERIOD = "period"


async def report_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    if not context.actor.staff:
        await chat.send_message(tr("Only organisation staff can do this."))
        return
    today = context.clock.today()
    half_start, _ = half_year_bounds(today)
    last_start, last_end = reports.last_half_year(today)
    month_start, month_end = month_bounds(today)
    previous_start = month_bounds(month_start - timedelta(days=1))[0]
    choices = [
        (tr("Last half-year ({start} – {end})", start=f"{last_start:%Y-%m}",
            end=f"{last_end - timedelta(days=1):%Y-%m}"), last_start, last_end),
        (tr("This half-year so far"), half_start, today + timedelta(days=1)),
        (tr("Last month ({month})", month=f"{previous_start:%Y-%m}"), previous_start,
         month_start),
        (tr("This month so far"), month_start, month_end),
    ]
    rows = [[button(label, pack("rpt", "visits", start.isoformat(), end.isoformat()))]
            for label, start, end in choices]
    rows.append([button(tr("Other dates…"), pack("rpt", "visits", "typed"))])
    await chat.send_message(tr("📊 <b>Contact-point bulletin</b>\nFor which period?"),
                            reply_markup=inline(rows))


async def report_button(update: Update, context: ZContext) -> None:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    parsed = unpack(query.data)
    if parsed is None or parsed.action != "visits" or not context.actor.staff:
        await query.answer(tr("Only organisation staff can do this."), show_alert=True)
        return
    await query.answer()
    if parsed.args == ("typed",):
        await dialog.begin(update, context, PERIOD, "dates", in_private=True)
        await context.bot.send_message(context.actor.telegram_id, tr(
            "Type the first and the last day, for example 2026-01-01 2026-06-30."))
        return
    try:
        start, end = (date.fromisoformat(arg) for arg in parsed.args[:2])
    except ValueError:
        await query.answer(tr("This button is no longer active."))
        return
    await _send_bulletin(update, context, start, end)


async def _send_bulletin(update: Update, context: ZContext, start: date, end: date) -> None:
    chat = update.effective_chat
    assert chat is not None
    parts = await reports.visit_bulletin_parts(context.db, context.tr, start, end,
                                               context.settings.visit_quota_days)
    for part in parts:
        await send(context.bot, chat.id, part)


@dialog.dialog(PERIOD)
async def period_step(update: Update, context: ZContext, current: Dialog, answer: Answer
                      ) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if not context.actor.staff:
        await dialog.finish(update, context)
        return
    try:
        start, last = _parse_period(answer.text)
    except InvalidInput as problem:
        await chat.send_message(tr(problem.message, **problem.fields))
        return
    await dialog.finish(update, context)
    await _send_bulletin(update, context, start, last + timedelta(days=1))


def _parse_period(text: str | None) -> tuple[date, date]:
    pieces = (text or "").replace("至", " ").replace("到", " ").replace("~", " ").split()
    try:
        start, last = (date.fromisoformat(piece) for piece in pieces)
    except ValueError:
        raise InvalidInput(N_("Type the first and the last day, for example 2026-01-01 "
                              "2026-06-30.")) from None
    if last < start:
        raise InvalidInput(N_("The last day comes before the first."))
    if (last - start).days > 366 * 2:
        raise InvalidInput(N_("Please choose at most two years."))
    return start, last
