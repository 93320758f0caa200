"""/rectify and the rectification ledger's buttons and forms (整改台账, 挂牌销号).

Buttons (``rect:…``): ``visit:<visit>`` (a visit's problem becomes an item), ``rv:<review>:
<branch>`` (a branch's yearly assessment does), ``new`` (an item by hand: the branch
next), ``ls:<page>`` (a page of the open items), ``xlsx`` (the whole ledger),
``card:<item>``, ``prog:<item>`` and ``ask:<item>`` (the person responsible reports
progress, asks to cross off), ``ok:<item>`` and ``back:<item>`` (staff cross it off, or
send it back with a reason), ``due:<item>`` (move its deadline) and ``who:<item>`` (change
the person responsible).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, get_args, get_type_hints

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot import organisation, rectification, review, visits
from bot.callbacks import (
    RectifyFromReview,
    RectifyFromVisit,
    RectifyMine,
    RectifyNew,
    RectifyPage,
    RectifyPress,
    RectifySheet,
)
from bot.callbacks import day as callback_day
from bot.context import ZContext
from bot.delivery import Outgoing, send
from bot.file_names import period_file_name
from bot.i18n import N_
from bot.markup import KEYBOARD_BUTTONS, shorten, utf16_len
from bot.markup import short as short_text
from bot.profile import InvalidInput, clean_body
from bot.rectification import RESULTS
from handlers import dialog, picker
from handlers.dialog import Answer
from handlers.guards import ONLY_STAFF, Refused, Stale, not_a_member_yet, on_press, private_only
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, esc, grid, inline, take_buttons_away
from storage.models import Dialog, NewRectification, Rectification, Unit

RAISE = "rectify"
PROGRESS = "rprog"
CLOSE = "rclose"
BACK = "rback"
DUE = "rdue"
WHO = "rwho"
PAGE = 10  # items a page of the list
#: Everyone who may be made responsible, a button each: a branch's secretaries, leaders
#: and committee are far fewer than a message's buttons (bot.markup.KEYBOARD_BUTTONS).
CANDIDATES_SHOWN = KEYBOARD_BUTTONS
NOBODY = N_(
    "Nobody of this branch can be made responsible yet: its secretary, the "
    "leaders whose contact point it is and its committee members need to "
    "open the bot first."
)
NOTHING = N_(
    "Nothing on the rectification ledger for you: items are raised by organisation staff "
    "and township staff, and you see here those you are responsible for."
)


# --- /rectify ---------------------------------------------------------------------------------


async def rectify_command(update: Update, context: ZContext) -> None:
    """Staff (county, or township for its branches): the open items of their scope, to
    open, page through, add to and export. Everyone: the items they are responsible for."""
    if not await private_only(update, context):
        return
    if not context.actor.known:
        await not_a_member_yet(update, context)
        return
    chat = update.effective_chat
    assert chat is not None
    actor = context.actor
    own = await rectification.mine(context.db, actor.telegram_id)
    if actor.oversees_any:
        text, rows = await _page(context, 0)
        await chat.send_message(text, reply_markup=inline(rows))
    if own.items:
        text, keyboard = _own(context, own)
        await chat.send_message(text, reply_markup=keyboard)
    elif not actor.oversees_any:
        await chat.send_message(context.tr(NOTHING))


def _scope(context: ZContext) -> frozenset[int] | None:
    """The branches staff see: the county (None), or their township's."""
    actor = context.actor
    return None if actor.staff else actor.township_branches


async def _scope_name(context: ZContext) -> str:
    actor = context.actor
    if actor.staff:
        county = await organisation.county(context.db)
        return county.name if county else ""
    names = [
        unit.name
        for unit in [await organisation.get_unit(context.db, t) for t in sorted(actor.townships)]
        if unit is not None
    ]
    return "、".join(names)


async def _page(context: ZContext, page: int) -> tuple[str, list[list[InlineKeyboardButton]]]:
    tr = context.tr
    found = await rectification.open_in_scope(context.db, _scope(context))
    today = context.clock.today()
    pages = max(1, -(-len(found.items) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = found.items[page * PAGE : (page + 1) * PAGE]
    tz = context.clock.tz
    overdue = sum(rectification.is_overdue(item, today, tz) for item in found.items)
    lines = [
        tr(
            "📌 <b>Rectification ledger: {n} items not crossed off</b> ({overdue} overdue)",
            n=len(found.items),
            overdue=overdue,
        )
    ]
    if not found.items:
        lines.append(tr("Nothing open. Add an item with the button below."))
    place: tuple[str, str] | None = None
    for number, item in enumerate(shown, start=page * PAGE + 1):
        where = found.where[item.branch_id]
        if where != place:
            if place is None or where[0] != place[0]:
                lines += ["", f"<b>{esc(where[0])}</b>"]
            lines.append(f"{esc(where[1])}:")
            place = where
        lines.append(rectification.list_line(tr, item, today, number))
    if pages > 1:
        lines += ["", tr("Page {page} of {pages}", page=page + 1, pages=pages)]
    rows = grid(
        [
            button(f"{number}. {item.project}", RectifyPress("card", item.id).pack())
            for number, item in enumerate(shown, start=page * PAGE + 1)
        ]
    )
    nav = []
    if page > 0:
        nav.append(button("◀", RectifyPage(page - 1).pack()))
    if page + 1 < pages:
        nav.append(button("▶", RectifyPage(page + 1).pack()))
    rows.append(nav)
    rows.append(
        [
            button(tr("➕ New item"), RectifyNew().pack()),
            button(tr("📎 Spreadsheet"), RectifySheet().pack()),
        ]
    )
    return shorten("\n".join(lines), 4000), rows


def _own(
    context: ZContext, own: rectification.Listing, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """The items one is responsible for, :data:`PAGE` a page, ◀ ▶ between pages."""
    tr = context.tr
    today = context.clock.today()
    pages = max(1, -(-len(own.items) // PAGE))
    page = min(max(page, 0), pages - 1)
    first = page * PAGE + 1
    shown = own.items[page * PAGE : (page + 1) * PAGE]
    lines = [tr("📌 <b>Items you are responsible for ({n})</b>", n=len(own.items))]
    for number, item in enumerate(shown, start=first):
        lines.append(f"{esc(own.where[item.branch_id][1])}:")
        lines.append(rectification.list_line(tr, item, today, number))
    if pages > 1:
        lines += ["", tr("Page {page} of {pages}", page=page + 1, pages=pages)]
    rows = grid(
        [
            button(f"{number}. {item.project}", RectifyPress("card", item.id).pack())
            for number, item in enumerate(shown, start=first)
        ]
    )
    nav = []
    if page > 0:
        nav.append(button("◀", RectifyMine(page - 1).pack()))
    if page + 1 < pages:
        nav.append(button("▶", RectifyMine(page + 1).pack()))
    if nav:
        rows.append(nav)
    return shorten("\n".join(lines), 4000), inline(rows)


# --- buttons ----------------------------------------------------------------------------------


@on_press()
async def rectify_button(
    update: Update,
    context: ZContext,
    query: CallbackQuery,
    data: RectifyFromVisit
    | RectifyFromReview
    | RectifyNew
    | RectifyPage
    | RectifyMine
    | RectifySheet
    | RectifyPress,
) -> None:
    actor = context.actor
    if isinstance(data, RectifyFromVisit):
        await _from_visit(update, context, query, data.visit)
        return
    if isinstance(data, RectifyFromReview):
        await _from_review(update, context, query, data)
        return
    if isinstance(data, RectifyPress):
        await _item_pressed(update, context, query, data)
        return
    if isinstance(data, RectifyMine):  # one's own items: nobody else's to page through
        own = await rectification.mine(context.db, actor.telegram_id)
        if not own.items:
            raise Refused
        await query.answer()
        text, keyboard = _own(context, own, data.page)
        await query.edit_message_text(text, reply_markup=keyboard)
        return
    if not actor.oversees_any:
        raise Refused(ONLY_STAFF)
    chat = update.effective_chat
    assert chat is not None
    if isinstance(data, RectifyNew):
        await query.answer()
        await picker.choose_branch(update, context, RAISE)
    elif isinstance(data, RectifyPage):
        await query.answer()
        text, rows = await _page(context, data.page)
        await query.edit_message_text(text, reply_markup=inline(rows))
    else:
        await query.answer()
        tr = context.tr
        scope = await _scope_name(context)
        today = context.clock.today()
        book = await rectification.spreadsheet(
            context.db, context.clock, tr, _scope(context), scope
        )
        await send(
            context.bot,
            chat.id,
            Outgoing(
                tr("📎 The rectification ledger: a row per item, and its history"),
                media_kind="document",
                upload=(
                    period_file_name(
                        tr("rectification"), today, today + timedelta(days=1), ".xlsx", scope
                    ),
                    book,
                ),
            ),
        )


async def _from_visit(
    update: Update, context: ZContext, query: CallbackQuery, visit_id: int
) -> None:
    visit = await visits.get(context.db, visit_id)
    if visit is None or visit.state != "active" or not visit.problems:
        raise Stale
    if not rectification.may_raise_from_visit(
        context.actor, visit.leader_telegram_id, visit.branch_id
    ):
        raise Refused
    if (
        visit.solved
        and await rectification.already_raised(context.db, "visit", visit.id, visit.branch_id)
        is None
    ):  # an old button: marked solved since, there is nothing to put right
        await query.answer(context.tr(RESULTS["solved"]), show_alert=True)
        return
    await _begin_raise(
        update,
        context,
        query,
        {
            "branch": visit.branch_id,
            "source": "visit",
            "source_id": visit.id,
            "leader": visit.leader_telegram_id,
            "found": visit.problems,
        },
    )


async def _from_review(
    update: Update, context: ZContext, query: CallbackQuery, data: RectifyFromReview
) -> None:
    if not context.actor.staff:  # the yearly review is county staff's
        raise Refused(ONLY_STAFF)
    _, entry = await review.branch(context.db, data.review, data.branch)
    if entry is None:
        raise Stale
    await _begin_raise(
        update,
        context,
        query,
        {
            "branch": data.branch,
            "source": "review",
            "source_id": data.review,
            "found": entry.comment or "",
        },
    )


async def _begin_raise(
    update: Update, context: ZContext, query: CallbackQuery, data: dict[str, Any]
) -> None:
    """Open the form at its first question — unless the problem is on the ledger already,
    whose card is shown instead."""
    existing = await rectification.already_raised(
        context.db, data["source"], data["source_id"], data["branch"]
    )
    if existing is not None:
        await query.answer(context.tr(RESULTS["already"]), show_alert=True)
        if rectification.may_read(context.actor, existing):
            chat = update.effective_chat
            assert chat is not None
            await send(
                context.bot,
                chat.id,
                await rectification.card(
                    context.db, context.clock, context.tr, existing, context.actor
                ),
            )
        return
    await query.answer()
    await _ask_who_first(update, context, data)


async def raise_in_branch(update: Update, context: ZContext, branch: Unit) -> None:
    """The branch picker's purpose: an item entered by staff, for this branch (the picker
    answered the press)."""
    await _ask_who_first(update, context, {"branch": branch.id, "source": "staff"})


async def _ask_who_first(update: Update, context: ZContext, data: dict[str, Any]) -> None:
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    people = await rectification.candidates(context.db, int(data["branch"]))
    if not people:
        await chat.send_message(tr(NOBODY))
        return
    await dialog.begin(update, context, RAISE, "who", data, in_private=True)
    await send(context.bot, context.actor.telegram_id, _who_question(context, data, people))


def _who_question(
    context: ZContext, data: dict[str, Any], people: list[rectification.Candidate]
) -> Outgoing:
    tr = context.tr
    lines = []
    if data.get("found"):
        lines.append(tr("Problem: {problem}", problem=esc(short_text(str(data["found"]), 1000))))
    lines.append(tr("📌 A new rectification item. Who is responsible for it?"))
    return Outgoing(
        "\n".join(lines),
        [
            [
                (
                    f"{p.name} · {tr(rectification.WHY[p.why])}",
                    dialog.choice(RAISE, "who", p.telegram_id),
                )
            ]
            for p in people[:CANDIDATES_SHOWN]
        ],
    )


@dataclass(frozen=True)
class _ItemPress:
    """A press on one item's button, the item found: what each action below needs."""

    update: Update
    context: ZContext
    query: CallbackQuery
    data: RectifyPress
    item: Rectification


async def _item_pressed(
    update: Update, context: ZContext, query: CallbackQuery, data: RectifyPress
) -> None:
    """An item gone since its button was drawn is stale whatever was pressed: looked up
    once here, then the action's own function (:data:`_ITEM_ACTIONS`) decides."""
    item = await rectification.get(context.db, data.item)
    if item is None:
        raise Stale
    assert update.effective_chat is not None  # a press on a message in a chat
    await _ITEM_ACTIONS[data.action](_ItemPress(update, context, query, data, item))


async def _answered_closed(press: _ItemPress) -> bool:
    """A crossed-off item takes no more work, deadline or handover: the press is answered
    so (True) rather than refused — the button was right when it was drawn."""
    if press.item.state != "closed":
        return False
    await press.query.answer(press.context.tr(RESULTS["closed"]), show_alert=True)
    return True


async def _responsible_may_work(press: _ItemPress) -> bool:
    """Progress and the request to cross off are the person responsible's own, and only
    while the item is not crossed off (False: the press is answered already)."""
    if press.item.responsible != press.context.actor.telegram_id:
        raise Refused
    return not await _answered_closed(press)


async def _staff_may_decide(press: _ItemPress) -> bool:
    """Crossing off, sending back, the deadline and the person responsible are staff's who
    oversee the branch — and never on their own item (False: the press is answered)."""
    refused = rectification.refusal(press.context.actor, press.item)
    if refused == "own":  # a secretary who is township staff too: their own work
        await press.query.answer(press.context.tr(RESULTS["own"]), show_alert=True)
        return False
    if refused is not None:
        raise Refused
    return True


async def _show_card(press: _ItemPress) -> None:
    update, context, item = press.update, press.context, press.item
    if not rectification.may_read(context.actor, item):
        raise Refused
    chat = update.effective_chat
    assert chat is not None
    await press.query.answer()
    await send(
        context.bot,
        chat.id,
        await rectification.card(context.db, context.clock, context.tr, item, context.actor),
    )


async def _report_progress(press: _ItemPress) -> None:
    if not await _responsible_may_work(press):
        return
    context, item = press.context, press.item
    await press.query.answer()
    await dialog.begin(press.update, context, PROGRESS, "text", {"item": item.id}, in_private=True)
    await context.bot.send_message(
        context.actor.telegram_id,
        context.tr(
            "{project}\nHow far is the work? Type a few sentences for the item's history.",
            project=esc(item.project),
        ),
    )


async def _ask_to_cross_off(press: _ItemPress) -> None:
    """Only an open item: one already waiting for confirmation has its request in."""
    if not await _responsible_may_work(press):
        return
    context, item, tr = press.context, press.item, press.context.tr
    if item.state != "open":
        await press.query.answer(tr(RESULTS["not_open"]), show_alert=True)
        return
    await press.query.answer()
    await dialog.begin(
        press.update,
        context,
        CLOSE,
        "evidence",
        {"item": item.id, "text": "", "files": []},
        in_private=True,
    )
    await context.bot.send_message(
        context.actor.telegram_id,
        tr(
            "{project}\nSend the evidence that it is done: text, photos, voice "
            "messages or documents — one or several messages. Then press the button.",
            project=esc(item.project),
        ),
        reply_markup=inline(
            [[button(tr("✅ Send for confirmation"), dialog.choice(CLOSE, "evidence", "done"))]]
        ),
    )


async def _hand_over(press: _ItemPress) -> None:
    if not await _staff_may_decide(press) or await _answered_closed(press):
        return
    update, context, item = press.update, press.context, press.item
    people = await rectification.candidates(context.db, item.branch_id)
    await press.query.answer()
    if not people:
        chat = update.effective_chat
        assert chat is not None
        await chat.send_message(context.tr(NOBODY))
        return
    await dialog.begin(update, context, WHO, "who", {"item": item.id}, in_private=True)
    await send(context.bot, context.actor.telegram_id, _handover_question(context, item, people))


async def _move_deadline(press: _ItemPress) -> None:
    """The buttons count from the later of the deadline and today: a deadline already
    past is not moved to another day in the past."""
    if not await _staff_may_decide(press) or await _answered_closed(press):
        return
    context, item, tr = press.context, press.item, press.context.tr
    await press.query.answer()
    await dialog.begin(press.update, context, DUE, "day", {"item": item.id}, in_private=True)
    start = max(item.deadline, context.clock.today())
    await context.bot.send_message(
        context.actor.telegram_id,
        tr(
            "{project}\nThe deadline is {day}. The new deadline? Press a button or type "
            "the date (e.g. 2027-03-31).",
            project=esc(item.project),
            day=item.deadline.isoformat(),
        ),
        reply_markup=inline(
            [
                [
                    button(
                        tr(
                            "In {n} month(s): {day}",
                            n=months,
                            day=rectification.months_later(start, months).isoformat(),
                        ),
                        # the day itself, as shown (as the raise form's buttons)
                        dialog.choice(
                            DUE, "day", rectification.months_later(start, months).isoformat()
                        ),
                    )
                    for months in rectification.DEADLINE_MONTHS
                ]
            ]
        ),
    )


async def _cross_off(press: _ItemPress) -> None:
    """Decided at once, no form: ``data.asked`` names the request decided, so a button
    left from a request replaced since is refused by bot.rectification.confirm."""
    if not await _staff_may_decide(press):
        return
    update, context, item, tr = press.update, press.context, press.item, press.context.tr
    note = tr("Crossed off on the rectification ledger (销号): {project}", project=item.project)
    result = await rectification.confirm(
        context.db, context.clock, item.id, context.actor, note, press.data.asked
    )
    if result != "ok":
        await press.query.answer(tr(RESULTS[result]), show_alert=True)
        return
    await press.query.answer(tr("✅ Crossed off (销号)."))
    await take_buttons_away(press.query)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        tr(
            "✅ Crossed off (销号): {project}. The person responsible is told.",
            project=esc(item.project),
        )
    )


async def _send_back(press: _ItemPress) -> None:
    """Checked before the reason is asked, and again when it is saved: nobody types a
    reason for a request that was decided or replaced meanwhile."""
    if not await _staff_may_decide(press):
        return
    context, item, tr = press.context, press.item, press.context.tr
    asked = press.data.asked
    allowed = await rectification.may_send_back(context.db, item.id, context.actor, asked)
    if allowed != "ok":
        await press.query.answer(tr(RESULTS[allowed]), show_alert=True)
        return
    await press.query.answer()
    await dialog.begin(
        press.update, context, BACK, "reason", {"item": item.id, "asked": asked}, in_private=True
    )
    await context.bot.send_message(
        context.actor.telegram_id,
        tr(
            "{project}\nWhy is it not crossed off yet? Type the reason: the person "
            "responsible reads it.",
            project=esc(item.project),
        ),
    )


#: What a press on an item's button does, by its action: every action of
#: :class:`bot.callbacks.RectifyPress` has one (checked just below, at import).
_ITEM_ACTIONS: dict[str, Callable[[_ItemPress], Awaitable[None]]] = {
    "card": _show_card,
    "prog": _report_progress,
    "ask": _ask_to_cross_off,
    "ok": _cross_off,
    "back": _send_back,
    "due": _move_deadline,
    "who": _hand_over,
}
if set(_ITEM_ACTIONS) != set(get_args(get_type_hints(RectifyPress)["action"])):
    raise TypeError("handlers.rectify: _ITEM_ACTIONS and RectifyPress's actions differ")


async def _refused(turn: Turn, result: rectification.Result) -> bool:
    """A form's change refused where it is made (the item moved on while the form was
    open): nothing was written, the form's ending with it neither, so the form ends here
    with the reason in words (True)."""
    if result == "ok":
        return False
    await turn.finish()
    await turn.say(turn.tr(RESULTS[result]))
    return True


# --- raising an item ------------------------------------------------------------------------


async def raises_item(context: ZContext, current: Dialog) -> bool:
    """Staff who oversee the branch; for a visit's problem, the leader who logged it too."""
    branch = int(current.data["branch"])
    if current.data.get("source") == "visit":
        return rectification.may_raise_from_visit(
            context.actor, int(current.data.get("leader", 0)), branch
        )
    return rectification.may_raise(context.actor, branch)


async def raise_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await RAISE_STEPS.answer(update, context, current, answer)


async def _read_who(turn: Turn) -> None:
    people = await rectification.candidates(turn.context.db, int(turn.data["branch"]))
    chosen = next((p for p in people if str(p.telegram_id) == turn.action), None)
    if chosen is None:
        raise InvalidInput(N_("Please choose with the buttons."))
    await turn.acknowledge(chosen.name)
    await turn.go("project", responsible=chosen.telegram_id, name=chosen.name)


async def _ask_project(turn: Turn) -> None:
    tr = turn.tr
    found = str(turn.data.get("found") or "")
    rows = []
    if found:
        rows.append(
            [button(tr("✔️ As found: {text}", text=found), dialog.choice(RAISE, "project", "found"))]
        )
    await turn.say(
        tr(
            "The project: what is to be put right, in a line (at most {n} characters).",
            n=rectification.PROJECT_MAX,
        ),
        reply_markup=inline(rows) if rows else None,
    )


async def _read_project(turn: Turn) -> None:
    if turn.action == "found" and turn.data.get("found"):
        project = clean_body(str(turn.data["found"]), 10_000)
        project = (
            project
            if len(project) <= rectification.PROJECT_MAX
            else (project[: rectification.PROJECT_MAX - 1] + "…")
        )
        await turn.acknowledge(project)
    else:
        project = clean_body(turn.text, 10_000)
        if not project:
            raise InvalidInput(N_("Please type the project in a line."))
        if len(project) > rectification.PROJECT_MAX:
            raise InvalidInput(
                N_("That is {n} characters; please keep the project within {most}."),
                n=len(project),
                most=rectification.PROJECT_MAX,
            )
    await turn.go("goal", project=project)


async def _ask_goal(turn: Turn) -> None:
    await turn.say(
        turn.tr(
            "The goal and the commitment: what will be done, and what it will look like when done."
        )
    )


async def _read_goal(turn: Turn) -> None:
    goal = clean_body(turn.text, rectification.GOAL_MAX)
    if not goal:
        raise InvalidInput(N_("Please type a few sentences."))
    await turn.go("deadline", goal=goal)


async def _ask_deadline(turn: Turn) -> None:
    tr = turn.tr
    today = turn.today
    await turn.say(
        tr("The deadline? Press a button or type the date (e.g. 2027-03-31)."),
        reply_markup=inline(
            [
                [
                    button(
                        tr(
                            "In {n} month(s): {day}",
                            n=months,
                            day=rectification.months_later(today, months).isoformat(),
                        ),
                        # the day itself, as shown: pressed tomorrow, it is still this day
                        dialog.choice(
                            RAISE, "deadline", rectification.months_later(today, months).isoformat()
                        ),
                    )
                    for months in rectification.DEADLINE_MONTHS
                ]
            ]
        ),
    )


async def _deadline_answered(turn: Turn) -> date:
    """A deadline pressed (the button carries the day it shows, checked as if typed, since
    callback data can be forged) or typed."""
    if turn.action is not None and callback_day(turn.action) is not None:
        day = rectification.parse_deadline(turn.action, turn.today)
        await turn.acknowledge(day.isoformat())
        return day
    return rectification.parse_deadline(turn.text, turn.today)


async def _read_deadline(turn: Turn) -> None:
    day = await _deadline_answered(turn)
    await turn.go("confirm", ask=False, deadline=day.isoformat())
    tr = turn.tr
    branch = await organisation.get_unit(turn.context.db, int(turn.data["branch"]))
    await dialog.ask_to_confirm(
        turn.update,
        turn.context,
        RAISE,
        "\n".join(
            [
                tr("<b>Please check:</b>"),
                tr("Branch: {branch}", branch=esc(branch.name if branch else "—")),
                tr("Project: {project}", project=esc(turn.data["project"])),
                tr("Goal and commitment: {goal}", goal=esc(turn.data["goal"])),
                tr("Responsible: {name}", name=esc(turn.data["name"])),
                tr("Deadline: {day}", day=day.isoformat()),
                tr("They will be told, with buttons to report progress and ask to cross it off."),
            ]
        ),
        tr("✅ Save"),
    )


async def _save(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    if not await dialog.confirmed(
        turn.update, context, turn.answer, tr("✅ Save"), tr("Cancelled. Nothing was saved.")
    ):
        return
    data = turn.data
    new = NewRectification(
        branch_id=int(data["branch"]),
        source=data["source"],
        source_id=data.get("source_id"),
        project=data["project"],
        goal=data["goal"],
        responsible=int(data["responsible"]),
        responsible_name=data["name"],
        deadline=date.fromisoformat(data["deadline"]),
        raised_by=context.actor.telegram_id,
    )
    result, _ = await rectification.raise_item(
        context.db, context.clock, new, context.actor, ending=turn.ending()
    )
    if await _refused(turn, result):
        return
    await turn.say(
        tr(
            "Saved on the rectification ledger. {name} is told; /rectify lists it.",
            name=esc(new.responsible_name),
        )
    )


RAISE_STEPS = StepTable(
    RAISE,
    {
        "who": Step(_read_who, next=("project",)),  # asked by whatever began the form
        "project": Step(_read_project, next=("goal",), ask=_ask_project),
        "goal": Step(_read_goal, next=("deadline",), ask=_ask_goal),
        "deadline": Step(_read_deadline, next=("confirm",), ask=_ask_deadline),
        "confirm": Step(_save),  # asked by the deadline's step
    },
    first=("who",),
)


# --- the person responsible: progress, and asking to cross off --------------------------------


async def responsible_for_item(context: ZContext, current: Dialog) -> bool:
    item = await rectification.get(context.db, int(current.data["item"]))
    return item is None or item.responsible == context.actor.telegram_id


async def progress_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await PROGRESS_STEPS.answer(update, context, current, answer)


async def _read_progress(turn: Turn) -> None:
    text = clean_body(turn.text, rectification.TEXT_MAX)
    if not text:
        raise InvalidInput(N_("Please type a few sentences."))
    context = turn.context
    result = await rectification.report_progress(
        context.db, context.clock, int(turn.data["item"]), context.actor, text, turn.ending()
    )
    if await _refused(turn, result):
        return
    await turn.say(turn.tr("Saved in the item's history. Thank you."))


PROGRESS_STEPS = StepTable(PROGRESS, {"text": Step(_read_progress)}, first=("text",))


async def close_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await CLOSE_STEPS.answer(update, context, current, answer)


def _file_of(message: Message | None) -> tuple[str, str] | None:
    if message is None:
        return None
    if message.photo:
        return "photo", message.photo[-1].file_id
    if message.voice is not None:
        return "voice", message.voice.file_id
    if message.document is not None:
        return "document", message.document.file_id
    return None


async def _read_evidence(turn: Turn) -> None:
    """Each message adds to the evidence; the button sends it."""
    tr = turn.tr
    text = str(turn.data.get("text", ""))
    files = [tuple(f) for f in turn.data.get("files", [])]
    if turn.action == "done":
        if not text and not files:
            raise InvalidInput(
                N_("Please send the evidence first: text, a photo, a voice message or a document.")
            )
        await turn.acknowledge(tr("✅ Send for confirmation"))
        context = turn.context
        result = await rectification.ask_to_close(
            context.db,
            context.clock,
            int(turn.data["item"]),
            context.actor,
            text,
            [(str(k), str(f)) for k, f in files],
            context.settings.admins,
            turn.ending(),
        )
        if await _refused(turn, result):
            return
        await turn.say(tr("Sent: the township confirms and crosses it off. You will be told."))
        return
    found = _file_of(turn.answer.message)
    typed = clean_body(turn.text, rectification.TEXT_MAX) if turn.text else ""
    if found is None and not typed:
        raise InvalidInput(
            N_("Please send text, a photo, a voice message or a document as evidence.")
        )
    combined = f"{text}\n{typed}".strip() if typed else text
    if utf16_len(combined) > rectification.TEXT_MAX:  # nothing of it is kept, and it says so
        raise InvalidInput(
            N_(
                "With what you sent before, the evidence's text would be {length} "
                "characters; please keep it under {limit}. This message was not added: "
                "send a shorter one, or press the button to send what you have."
            ),
            length=utf16_len(combined),
            limit=rectification.TEXT_MAX,
        )
    if found is not None and len(files) >= rectification.FILES_MAX:
        if not typed:
            raise InvalidInput(
                N_("That is enough files ({n}); press the button to send."),
                n=rectification.FILES_MAX,
            )
        # the file is refused, its caption is not lost with it
        await turn.keep(text=combined, files=[list(f) for f in files])
        await turn.say(
            tr(
                "That is enough files ({n}): this one was not added, its caption was. "
                "Press the button to send.",
                n=rectification.FILES_MAX,
            ),
            reply_markup=inline(
                [[button(tr("✅ Send for confirmation"), dialog.choice(CLOSE, "evidence", "done"))]]
            ),
        )
        return
    if found is not None:
        files.append(found)
    text = combined
    await turn.keep(text=text, files=[list(f) for f in files])
    await turn.say(
        tr("Added. Send more, or press the button to send it for confirmation."),
        reply_markup=inline(
            [[button(tr("✅ Send for confirmation"), dialog.choice(CLOSE, "evidence", "done"))]]
        ),
    )


CLOSE_STEPS = StepTable(CLOSE, {"evidence": Step(_read_evidence)}, first=("evidence",))


# --- staff: sending back -------------------------------------------------------------------


async def decides_item(context: ZContext, current: Dialog) -> bool:
    item = await rectification.get(context.db, int(current.data["item"]))
    return item is None or rectification.may_decide(context.actor, item)


async def back_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await BACK_STEPS.answer(update, context, current, answer)


async def _read_reason(turn: Turn) -> None:
    reason = clean_body(turn.text, rectification.TEXT_MAX)
    if not reason:
        raise InvalidInput(N_("Please type the reason."))
    context = turn.context
    asked = turn.data.get("asked")
    result = await rectification.send_back(
        context.db,
        context.clock,
        int(turn.data["item"]),
        context.actor,
        reason,
        turn.ending(),
        int(asked) if asked is not None else None,
    )
    if await _refused(turn, result):
        return
    await turn.say(turn.tr("Sent back with your reason; the person responsible is told."))


BACK_STEPS = StepTable(BACK, {"reason": Step(_read_reason)}, first=("reason",))


# --- staff: moving the deadline -------------------------------------------------------------


async def due_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await DUE_STEPS.answer(update, context, current, answer)


async def _read_new_deadline(turn: Turn) -> None:
    context = turn.context
    found = await rectification.get(context.db, int(turn.data["item"]))
    if found is None:
        await turn.finish()
        await turn.say(turn.tr(RESULTS["gone"]))
        return
    day = await _deadline_answered(turn)
    result = await rectification.move_deadline(
        context.db, context.clock, found.id, context.actor, day, turn.ending()
    )
    if await _refused(turn, result):
        return
    await turn.say(
        turn.tr("The deadline is now {day}; the person responsible is told.", day=day.isoformat())
    )


DUE_STEPS = StepTable(DUE, {"day": Step(_read_new_deadline)}, first=("day",))


# --- staff: changing the person responsible --------------------------------------------------


def _handover_question(
    context: ZContext, item: Rectification, people: list[rectification.Candidate]
) -> Outgoing:
    """The same people an item may be raised for (bot.rectification.candidates)."""
    tr = context.tr
    return Outgoing(
        tr(
            "{project}\nResponsible now: {name}. Who should be responsible instead?",
            project=esc(item.project),
            name=esc(item.responsible_name),
        ),
        [
            [
                (
                    f"{p.name} · {tr(rectification.WHY[p.why])}",
                    dialog.choice(WHO, "who", p.telegram_id),
                )
            ]
            for p in people[:CANDIDATES_SHOWN]
            if p.telegram_id != item.responsible
        ],
    )


async def who_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await WHO_STEPS.answer(update, context, current, answer)


async def _read_new_responsible(turn: Turn) -> None:
    context = turn.context
    found = await rectification.get(context.db, int(turn.data["item"]))
    if found is None:
        await turn.finish()
        await turn.say(turn.tr(RESULTS["gone"]))
        return
    people = await rectification.candidates(context.db, found.branch_id)
    chosen = next((p for p in people if str(p.telegram_id) == turn.action), None)
    if chosen is None:
        raise InvalidInput(N_("Please choose with the buttons."))
    await turn.acknowledge(chosen.name)
    result = await rectification.change_responsible(
        context.db, context.clock, found.id, context.actor, chosen, turn.ending()
    )
    if await _refused(turn, result):
        return
    await turn.say(
        turn.tr(
            "{name} is now responsible for it, and is told with the item's buttons.",
            name=esc(chosen.name),
        )
    )


WHO_STEPS = StepTable(WHO, {"who": Step(_read_new_responsible)}, first=("who",))
