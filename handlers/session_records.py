"""/meetings: a branch's session records by month, each session's record card, and the
year's ledger as a spreadsheet.

Secretaries see their branch's, staff choose a branch, a leader reads their contact
points' (no completing, no ledger). Buttons: ``ses:m:<branch>:<yyyymm>:<page>`` turns the
month list's page or month in place; ``ses:m:<branch>:<yyyymm>`` (a card's "sessions of
the month") shows the month below the card; ``ses:card:<meeting>`` opens a record card;
``ses:years:<branch>`` asks which year's ledger; ``ses:xlsx:<branch>:<year>`` sends it.
The card's buttons to complete it (``mtg:effect``, ``mtg:lect``) are handlers/meetings.py's.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot import organisation, session_records
from bot.callbacks import Ledger, LedgerYears, SessionCard, SessionMonth
from bot.context import ZContext
from bot.delivery import markup, send
from bot.markup import visible
from bot.session_records import Month
from handlers import picker
from handlers.guards import Refused, Stale, on_press, private_only
from handlers.ui import button, esc, grid, inline
from storage.models import Unit

SESSIONS = "sessions"  # the picker's purpose


async def meetings_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    if not context.actor.reads_any_sessions:
        chat = update.effective_chat
        assert chat is not None
        await chat.send_message(
            context.tr(
                "Session records are for branch secretaries, organisation staff, and leaders at "
                "their contact points."
            )
        )
        return
    await picker.choose_branch(update, context, SESSIONS)


async def sessions_of_branch(update: Update, context: ZContext, branch: Unit) -> None:
    await _month(update, context, branch, None, 0, in_place=False)


async def _month(
    update: Update,
    context: ZContext,
    branch: Unit,
    month: Month | None,
    page: int,
    *,
    in_place: bool,
) -> None:
    tz = context.clock.tz
    found = await session_records.month_page(context.db, context.clock, branch, month, page)
    text = session_records.month_text(context.tr, found, tz)
    keys = markup(
        session_records.month_buttons(
            context.tr, found, tz, ledger=context.actor.manages(branch.id)
        )
    )
    query = update.callback_query
    if in_place and query is not None and query.message is not None:
        shown = query.message
        if (
            getattr(shown, "text", None) == visible(text)
            and getattr(shown, "reply_markup", None) == keys
        ):
            return  # the page asked for is the one shown (Telegram refuses such an edit)
        await query.edit_message_text(text, reply_markup=keys)
        return
    await context.bot.send_message(context.actor.telegram_id, text, reply_markup=keys)


@on_press()
async def sessions_button(
    update: Update,
    context: ZContext,
    query: CallbackQuery,
    data: SessionCard | SessionMonth | LedgerYears | Ledger,
) -> None:
    tr = context.tr
    actor = context.actor
    if isinstance(data, SessionCard):
        found = await session_records.card(context.db, data.meeting)
        if found is None or not actor.reads_sessions_of(found.meeting.branch_id):
            raise Refused
        await query.answer()
        for part in session_records.card_parts(
            tr, found, context.clock.tz, manages=actor.manages(found.meeting.branch_id)
        ):
            await send(context.bot, actor.telegram_id, part)
        return
    branch = await organisation.get_unit(context.db, data.branch)
    allowed = actor.reads_sessions_of if isinstance(data, SessionMonth) else actor.manages
    # A township's own sessions: those of its leadership (bot/leadership.py).
    if branch is None or branch.kind not in ("branch", "township") or not allowed(branch.id):
        raise Refused
    if isinstance(data, SessionMonth):
        month = Month.parse(data.month)
        if month is None:
            raise Stale
        await query.answer()
        await _month(update, context, branch, month, data.page or 0, in_place=data.page is not None)
    elif isinstance(data, LedgerYears):
        await query.answer()
        await _ask_year(context, branch)
    else:
        await _ledger(query, context, branch, data.year)


async def _ask_year(context: ZContext, branch: Unit) -> None:
    tr = context.tr
    years = await session_records.ledger_years(context.db, context.clock, branch.id)
    if not years:
        await context.bot.send_message(
            context.actor.telegram_id,
            tr("{branch} has no sessions on record yet.", branch=esc(branch.name)),
        )
        return
    await context.bot.send_message(
        context.actor.telegram_id,
        tr("📥 <b>Session ledger of {branch}</b>\nFor which year?", branch=esc(branch.name)),
        reply_markup=inline(
            grid([button(str(year), Ledger(branch.id, year).pack()) for year in years], 5)
        ),
    )


async def _ledger(query: CallbackQuery, context: ZContext, branch: Unit, year: int) -> None:
    tr = context.tr
    if year not in await session_records.ledger_years(context.db, context.clock, branch.id):
        raise Stale
    await query.answer()
    found = await session_records.ledger_file(context.db, context.clock, tr, branch, year)
    if found is None:
        await context.bot.send_message(
            context.actor.telegram_id,
            tr("{branch} held no sessions in {year}.", branch=esc(branch.name), year=year),
        )
        return
    await send(context.bot, context.actor.telegram_id, found)
