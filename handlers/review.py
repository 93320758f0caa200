"""The yearly review's buttons (staff only): assess a listed branch against the five good,
comment, decide, add a branch the draft left out, and confirm the list.

``yr:open:<review>:<branch>`` shows a branch's assessment; ``yr:good:<review>:<branch>:<i>:<0|1>``
answers (or changes) one of the five good; ``yr:set:<review>:<branch>:<verdict>`` decides;
``yr:note:<review>:<branch>`` asks for a comment; ``yr:add:<review>[:<unit>]`` chooses a
township, then a branch to add; ``yr:done:<review>`` confirms the list and exports it.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import organisation, review
from bot.callbacks import ReviewAdd, ReviewBranchPress, ReviewDecide, ReviewDone, ReviewGood
from bot.context import ZContext
from bot.delivery import markup, send
from bot.i18n import N_
from bot.profile import InvalidInput, clean_body
from handlers import dialog
from handlers.dialog import Answer
from handlers.guards import ONLY_STAFF, Stale, on_press
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, esc, grid, inline
from storage.models import Dialog, Review

COMMENT = "review_note"


ReviewButton = ReviewBranchPress | ReviewGood | ReviewDecide | ReviewAdd | ReviewDone


@on_press(role=lambda actor: actor.staff, refusal=ONLY_STAFF)
async def review_button(
    update: Update, context: ZContext, query: CallbackQuery, data: ReviewButton
) -> None:
    found = (await review.load(context.db, data.review))[0]
    if found is None:
        raise Stale
    if isinstance(data, ReviewBranchPress):
        opens = data.action == "open"
        await (_open if opens else _note)(update, context, found, data.branch)
    elif isinstance(data, ReviewGood):
        changed = await review.set_good(
            context.db,
            context.clock,
            found.id,
            data.branch,
            data.item,
            bool(data.value),
            context.actor.telegram_id,
        )
        await _show_form(update, context, found.id, data.branch, changed)
    elif isinstance(data, ReviewDecide):
        await _set(update, context, found, data)
    elif isinstance(data, ReviewAdd):
        await _add(update, context, found, data.unit or 0)
    else:
        await _done(update, context, found)


async def _open(update: Update, context: ZContext, found: Review, branch_id: int) -> None:
    query = update.callback_query
    assert query is not None
    _, row = await review.branch(context.db, found.id, branch_id)
    if row is None or not row.listed:
        raise Stale
    await query.answer()
    await send(context.bot, context.actor.telegram_id, review.form(context.tr, found, row))


async def _set(update: Update, context: ZContext, found: Review, data: ReviewDecide) -> None:
    query = update.callback_query
    assert query is not None
    branch_id, verdict = data.branch, data.verdict
    _, row = await review.branch(context.db, found.id, branch_id)
    if found.state == "draft" and row is not None and None in row.goods:
        await query.answer(
            context.tr("Answer all five first: press each number until it shows ✅ or ❌."),
            show_alert=True,
        )
        return
    decided = await review.decide(
        context.db, context.clock, found.id, branch_id, verdict, context.actor.telegram_id
    )
    await _show_form(update, context, found.id, branch_id, decided)


async def _show_form(
    update: Update, context: ZContext, review_id: int, branch_id: int, changed: bool
) -> None:
    """The assessment again, as it now stands, in place of the one pressed."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    current, row = await review.branch(context.db, review_id, branch_id)
    if current is None or row is None:
        raise Stale
    if not changed and current.state == "confirmed":
        await query.answer(
            tr("This review is confirmed; it can no longer change."), show_alert=True
        )
    else:
        await query.answer()
    shown = review.form(tr, current, row)
    await query.edit_message_text(shown.text, reply_markup=markup(shown.buttons))


async def _note(update: Update, context: ZContext, found: Review, branch_id: int) -> None:
    query = update.callback_query
    assert query is not None
    _, row = await review.branch(context.db, found.id, branch_id)
    if found.state == "confirmed":
        await query.answer(context.tr("This review is confirmed; it can no longer change."))
        return
    if row is None or not row.listed or found.state != "draft":
        raise Stale
    await query.answer()
    await dialog.begin(
        update, context, COMMENT, "text", {"review": found.id, "branch": branch_id}, in_private=True
    )
    await context.bot.send_message(
        context.actor.telegram_id,
        context.tr(
            "Type the comment on {branch} (at most {limit} characters). It replaces any earlier "
            "one.",
            branch=esc(row.name),
            limit=review.COMMENT_MAX,
        ),
    )


async def comment_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await COMMENT_STEPS.answer(update, context, current, answer)


async def _read_comment(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    text = clean_body(turn.text, review.COMMENT_MAX)
    if not text:
        raise InvalidInput(N_("Please type the comment as text."))
    review_id, branch_id = int(turn.data["review"]), int(turn.data["branch"])
    if not await review.comment(
        context.db,
        context.clock,
        review_id,
        branch_id,
        text,
        context.actor.telegram_id,
        ending=turn.ending(),
    ):
        await turn.say(tr("This review is confirmed; it can no longer change."))
        return
    found, row = await review.branch(context.db, review_id, branch_id)
    assert found is not None and row is not None
    await send(context.bot, turn.chat.id, review.form(tr, found, row))


# Begun by the review's comment button, which asks the question.
COMMENT_STEPS = StepTable(COMMENT, {"text": Step(_read_comment)}, first=("text",))


async def _add(update: Update, context: ZContext, found: Review, unit_id: int) -> None:
    """The scope's townships, then a township's branches not on the list; a branch
    chosen is added and its assessment shown."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    if found.state != "draft":
        await query.answer(
            tr("This review is confirmed; it can no longer change."), show_alert=True
        )
        return
    unit = await organisation.get_unit(context.db, unit_id or found.scope_unit_id)
    _, _, rows = await review.load(context.db, found.id)
    if unit is None or (unit.kind == "branch" and unit.id not in {r.branch_id for r in rows}):
        raise Stale
    await query.answer()
    if unit.kind == "branch":
        await review.add(context.db, context.clock, found.id, unit.id, context.actor.telegram_id)
        _, row = await review.branch(context.db, found.id, unit.id)
        assert row is not None
        await send(context.bot, context.actor.telegram_id, review.form(tr, found, row))
        return
    if unit.kind == "county":
        choices = [(t.name, t.id) for t in await organisation.townships(context.db)]
        title = tr("Add a branch from which township?")
    else:
        choices = [(r.name, r.branch_id) for r in rows if r.township == unit.name and not r.listed]
        title = tr("Which branch of {township} to add?", township=esc(unit.name))
    await context.bot.send_message(
        context.actor.telegram_id,
        title,
        reply_markup=inline(
            grid(
                [button(name, ReviewAdd(found.id, choice).pack()) for name, choice in choices[:90]]
            )
        ),
    )


async def _relabel(query: CallbackQuery, data: str, label: str) -> None:
    """Say on the button itself what still stands in its way. The message changes with it,
    so pressing again once that is done is a new press, while the same press handed over
    twice stays a repeat (``bot/repeats.py``); nothing changed, nothing is edited."""
    message = query.message
    markup = getattr(message, "reply_markup", None)
    if markup is None:
        return
    rows = [
        [
            InlineKeyboardButton(label, callback_data=data) if b.callback_data == data else b
            for b in row
        ]
        for row in markup.inline_keyboard
    ]
    if rows != [list(row) for row in markup.inline_keyboard]:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))


async def _done(update: Update, context: ZContext, found: Review) -> None:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    if found.state == "draft" and not await review.confirm(
        context.db, context.clock, found.id, context.actor.telegram_id
    ):
        _, _, rows = await review.load(context.db, found.id)
        left = [row.name for row in rows if row.listed and row.verdict is None]
        await query.answer(
            tr("Decide every branch on the list first; not yet decided: {n}.", n=len(left)),
            show_alert=True,
        )
        await _relabel(query, str(query.data), tr("✅ Confirm the list once all are decided"))
        return
    await query.answer()
    confirmed, scope, rows = await review.load(context.db, found.id)
    assert confirmed is not None
    for part in [
        *review.list_parts(tr, confirmed, scope, rows),
        await review.export(context.db, context.clock, tr, confirmed, scope, rows),
    ]:
        await send(context.bot, context.actor.telegram_id, part)
