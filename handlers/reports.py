"""/report: the branch bulletin (staff: the county or a township; a secretary: their
branch), the contact-point bulletin (staff), for a period chosen with buttons or typed,
and the yearly review (staff).

Staff also reach the yearly review here (``rpt:kind:review``, then ``rpt:rv:<year>`` and
``rpt:rv:<year>:<unit>``; its own buttons are in handlers/review.py).

Buttons carry ISO dates, the end exclusive: ``rpt:kind:<bp|visits>`` (which bulletin),
``rpt:bp:<start>:<end>`` (period, then the scope), ``rpt:b:<start>:<end>:<unit>``,
``rpt:visits:<start>:<end>``, and ``rpt:<bp|visits>:typed`` to type the dates.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from telegram import CallbackQuery, Update

from bot import bulletins, organisation, rendered, reports, review
from bot.callbacks import ReportBranches, ReportKind, ReportPeriod, ReportTyped, ReviewYear
from bot.context import ZContext
from bot.delivery import send
from bot.i18n import N_
from bot.profile import InvalidInput
from bot.visits import half_year_bounds, month_bounds
from handlers import dialog
from handlers.dialog import Answer
from handlers.guards import ONLY_STAFF, Refused, Stale, managers_only, on_press
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, grid, inline
from storage.models import Dialog

PERIOD = "period"


async def report_command(update: Update, context: ZContext) -> None:
    if not await managers_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    actor = context.actor
    if not actor.staff:
        await _ask_period(update, context, "bp")
        return
    await chat.send_message(
        tr("📊 Which bulletin?"),
        reply_markup=inline(
            [
                [
                    button(
                        tr("📊 Branches: sessions, study, notes, visits, notices"),
                        ReportKind("bp").pack(),
                    )
                ],
                [button(tr("📍 Contact-point visits"), ReportKind("visits").pack())],
                [button(tr("🗂 Yearly review (five good)"), ReportKind("review").pack())],
            ]
        ),
    )


def _periods(context: ZContext) -> list[tuple[str, date, date]]:
    tr = context.tr
    today = context.clock.today()
    tomorrow = today + timedelta(days=1)
    month_start, _ = month_bounds(today)
    last_month = month_bounds(month_start - timedelta(days=1))[0]
    quarter_start, _ = bulletins.quarter_bounds(today)
    last_quarter = bulletins.quarter_bounds(quarter_start - timedelta(days=1))[0]
    half_start, _ = half_year_bounds(today)
    last_half, last_half_end = reports.last_half_year(today)
    year_start = date(today.year, 1, 1)
    return [
        (tr("This month so far"), month_start, tomorrow),
        (tr("Last month ({month})", month=f"{last_month:%Y-%m}"), last_month, month_start),
        (tr("This quarter so far"), quarter_start, tomorrow),
        (tr("Last quarter"), last_quarter, quarter_start),
        (tr("This half-year so far"), half_start, tomorrow),
        (
            tr(
                "Last half-year ({start} – {end})",
                start=f"{last_half:%Y-%m}",
                end=f"{last_half_end - timedelta(days=1):%Y-%m}",
            ),
            last_half,
            last_half_end,
        ),
        (tr("This year so far"), year_start, tomorrow),
        (tr("Last year ({year})", year=today.year - 1), date(today.year - 1, 1, 1), year_start),
    ]


async def _ask_period(update: Update, context: ZContext, kind: Literal["bp", "visits"]) -> None:
    tr = context.tr
    rows = [
        [button(label, ReportPeriod(kind, start, end).pack())]
        for label, start, end in _periods(context)
    ]
    rows.append([button(tr("Other dates…"), ReportTyped(kind, "typed").pack())])
    heading = (
        tr("📍 <b>Contact-point bulletin</b>\nFor which period?")
        if kind == "visits"
        else tr("📊 <b>Branch bulletin</b>\nFor which period?")
    )
    await context.bot.send_message(context.actor.telegram_id, heading, reply_markup=inline(rows))


ReportButton = ReportKind | ReportTyped | ReportPeriod | ReportBranches | ReviewYear


@on_press(role=lambda actor: actor.manages_any, refusal=ONLY_STAFF)
async def report_button(
    update: Update, context: ZContext, query: CallbackQuery, data: ReportButton
) -> None:
    """Staff's reports; a secretary's is the bulletin of their own branches (``rpt:bp``,
    then ``rpt:b``)."""
    tr = context.tr
    actor = context.actor
    own = isinstance(data, ReportBranches) or (
        isinstance(data, ReportPeriod | ReportTyped) and data.kind == "bp"
    )
    if not (actor.staff or own):
        raise Refused(ONLY_STAFF)
    if isinstance(data, ReviewYear) and not 2000 <= data.year < context.clock.today().year:
        raise Stale  # only years that are over: the review judges a whole year's records
    await query.answer()
    if isinstance(data, ReportKind):
        if data.kind == "review":
            await _ask_year(context)
        else:
            await _ask_period(update, context, data.kind)
        return
    if isinstance(data, ReviewYear):
        await _review(update, context, data.year, data.unit)
        return
    if isinstance(data, ReportTyped):
        await dialog.begin(update, context, PERIOD, "dates", {"kind": data.kind}, in_private=True)
        await context.bot.send_message(
            context.actor.telegram_id,
            tr("Type the first and the last day, for example 2026-01-01 2026-06-30."),
        )
        return
    try:  # the button's period meets the typed period's rule
        if data.end <= data.start:
            raise InvalidInput(N_("The last day comes before the first."))
        start, end = reports.check_period(
            data.start, data.end - timedelta(days=1), context.clock.today()
        )
    except InvalidInput as problem:
        await context.bot.send_message(
            context.actor.telegram_id, tr(problem.message, **problem.fields)
        )
        return
    if isinstance(data, ReportBranches):
        await _send_branches(update, context, start, end, data.unit)
    elif data.kind == "visits":
        await _send_visits(update, context, start, end)
    else:
        await _ask_scope(update, context, start, end)


async def _ask_year(context: ZContext) -> None:
    """Only years that are over: the review judges a whole year's records."""
    tr = context.tr
    year = context.clock.today().year
    await context.bot.send_message(
        context.actor.telegram_id,
        tr("🗂 <b>Yearly review (five good)</b>\nFor which year?"),
        reply_markup=inline(
            [[button(str(past), ReviewYear(past).pack())] for past in (year - 1, year - 2)]
        ),
    )


async def _review(update: Update, context: ZContext, year: int, unit_id: int | None) -> None:
    """The year chosen: which scope; the scope chosen: its review, made now if need be."""
    tr = context.tr
    actor = context.actor
    if unit_id is None:
        county = await organisation.county(context.db)
        if county is None:
            await context.bot.send_message(
                actor.telegram_id,
                tr("The organisation is empty. Import a roster first: zhibu import roster.xlsx"),
            )
            return
        townships = await organisation.townships(context.db)
        await context.bot.send_message(
            actor.telegram_id,
            tr("For the whole county, or one township?"),
            reply_markup=inline(
                [
                    [button(tr("🏛 The whole county"), ReviewYear(year, county.id).pack())],
                    *grid([button(t.name, ReviewYear(year, t.id).pack()) for t in townships]),
                ]
            ),
        )
        return
    prepared = await review.prepare(
        context.db,
        context.clock,
        year,
        unit_id,
        context.settings.visit_quota_days,
        f"tg:{actor.telegram_id}",
    )
    if prepared.review is None:
        await context.bot.send_message(actor.telegram_id, review.too_few(tr, prepared))
        return
    found, scope, rows = await review.load(context.db, prepared.review.id)
    assert found is not None
    parts = review.list_parts(tr, found, scope, rows)
    if found.state == "confirmed":
        parts.append(await review.export(context.db, context.clock, tr, found, scope, rows))
    for part in parts:
        await send(context.bot, actor.telegram_id, part)


async def _ask_scope(update: Update, context: ZContext, start: date, end: date) -> None:
    tr = context.tr
    actor = context.actor
    if not actor.staff:  # township staff their township's; a secretary their branches'
        own = [b for b in sorted(actor.secretary_of) if not actor.oversees(b)]
        for unit_id in [*sorted(actor.townships), *own]:
            await _send_branches(update, context, start, end, unit_id)
        return
    county = await organisation.county(context.db)
    townships = await organisation.townships(context.db)
    if county is None:
        await context.bot.send_message(
            actor.telegram_id,
            tr("The organisation is empty. Import a roster first: zhibu import roster.xlsx"),
        )
        return
    await context.bot.send_message(
        actor.telegram_id,
        tr("For the whole county, or one township?"),
        reply_markup=inline(
            [
                [button(tr("🏛 The whole county"), ReportBranches(start, end, county.id).pack())],
                *grid([button(t.name, ReportBranches(start, end, t.id).pack()) for t in townships]),
            ]
        ),
    )


async def _send_branches(
    update: Update, context: ZContext, start: date, end: date, unit_id: int
) -> None:
    actor = context.actor
    if not actor.manages(unit_id):  # staff any unit; township staff theirs; a secretary a branch
        await context.bot.send_message(
            actor.telegram_id, context.tr("This is not yours to manage.")
        )
        return
    bulletin = await bulletins.build(
        context.db, context.clock, unit_id, start, end, context.settings.visit_quota_days
    )
    # Drawn and written in a worker thread: the bot answers everyone else meanwhile.
    for part in await rendered.off_loop(bulletins.parts, context.tr, bulletin):
        await send(context.bot, actor.telegram_id, part)


async def _send_visits(update: Update, context: ZContext, start: date, end: date) -> None:
    parts = await reports.visit_bulletin_parts(
        context.db,
        context.clock,
        context.tr,
        start,
        end,
        context.settings.visit_quota_days,
        context.bot.username,
    )
    for part in parts:
        await send(context.bot, context.actor.telegram_id, part)


async def makes_report(context: ZContext, current: Dialog) -> bool:
    """The contact-point bulletin is staff's; the branch bulletin also a secretary's."""
    if current.data.get("kind") == "visits":
        return context.actor.staff
    return context.actor.manages_any


async def period_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await PERIOD_STEPS.answer(update, context, current, answer)


async def _read_period(turn: Turn) -> None:
    start, end = _parse_period(turn.text, turn.today)
    await turn.finish()
    if turn.data.get("kind") == "visits":
        await _send_visits(turn.update, turn.context, start, end)
    else:
        await _ask_scope(turn.update, turn.context, start, end)


def _parse_period(text: str | None, today: date) -> tuple[date, date]:
    """The typed period as the bulletins take it: the first day and the day after the
    last."""
    pieces = (text or "").replace("至", " ").replace("到", " ").replace("~", " ").split()
    try:
        start, last = (date.fromisoformat(piece) for piece in pieces)
    except ValueError:
        raise InvalidInput(
            N_("Type the first and the last day, for example 2026-01-01 2026-06-30.")
        ) from None
    return reports.check_period(start, last, today)


# Begun by the "type the dates" buttons of /report, which ask the question.
PERIOD_STEPS = StepTable(PERIOD, {"dates": Step(_read_period)}, first=("dates",))
