"""Choosing a branch with buttons: township → branch, limited to what the person manages.

Commands that act on "a branch" (/invite, /bind, /members, …) name what to do once a
branch is chosen — each purpose listed once, in handlers/tables.py; the picker asks only
when there is a choice to make.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from telegram import CallbackQuery, Update

from bot import organisation
from bot.access import Actor
from bot.callbacks import Pick
from bot.context import ZContext
from bot.i18n import Translator
from bot.tables import one_each
from handlers.guards import Refused, Stale, on_press
from handlers.ui import button, esc, grid, inline
from storage.models import Unit

Action = Callable[[Update, ZContext, Unit], Awaitable[None]]
# Who may act on a branch for a purpose: by default whoever manages it (its secretaries,
# staff); asked again at every press, since a role may have ended since the list was shown.
Who = Callable[[Actor, int], bool]
PAGE = 40


@dataclass(frozen=True)
class OnBranch:
    """What a purpose does once its branch is chosen, and who may choose which branch."""

    purpose: str  # in the buttons' callback data
    action: Action
    who: Who = Actor.manages


# Filled by install() as the handlers are registered, from the one list.
ACTIONS: dict[str, Action] = {}
WHO: dict[str, Who] = {}


def install(purposes: Iterable[OnBranch]) -> None:
    """Offer these purposes (and no others); a purpose listed twice is refused."""
    listed = list(purposes)
    actions = one_each(((on.purpose, on.action) for on in listed), "branch picker purposes")
    ACTIONS.clear()
    ACTIONS.update(actions)
    WHO.clear()
    WHO.update({on.purpose: on.who for on in listed})


async def choose_branch(update: Update, context: ZContext, purpose: str) -> None:
    """Run ``purpose`` for the one branch the person manages, or ask which one."""
    actor = context.actor
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if actor.oversees_any:
        townships = await _townships(context, actor)
        elsewhere = await _elsewhere(context, actor, purpose)
        if not townships:
            await chat.send_message(
                tr("The organisation is empty. Import a roster first: zhibu import roster.xlsx")
            )
            return
        if len(townships) == 1 and not actor.staff and not elsewhere:  # their township's
            branches = await organisation.branches_under(context.db, townships[0].id)
            if len(branches) == 1 and WHO[purpose](actor, branches[0].id):
                await ACTIONS[purpose](update, context, branches[0])  # as a secretary's one
                return
            await _branches(update, context, purpose, townships[0], 0)
            return
        await _show(
            update, context, purpose, _top_title(tr, elsewhere), townships + elsewhere, 0, None
        )
        return
    # A leader's contact points too, for a purpose that lets them (its WHO says).
    branches = [
        b
        for b in [
            await organisation.get_unit(context.db, branch_id)
            for branch_id in sorted(actor.secretary_of | actor.contact_points)
        ]
        if b is not None and WHO[purpose](actor, b.id)
    ]
    if len(branches) == 1:
        await ACTIONS[purpose](update, context, branches[0])
    elif branches:
        await _show(update, context, purpose, tr("Which branch?"), branches, 0, None)
    else:
        await chat.send_message(tr("Only branch secretaries and organisation staff can do this."))


async def _townships(context: ZContext, actor: Actor) -> list[Unit]:
    """The townships one chooses among: every one (county staff), or one's own."""
    return [t for t in await organisation.townships(context.db) if actor.oversees(t.id)]


async def _elsewhere(context: ZContext, actor: Actor, purpose: str) -> list[Unit]:
    """Township staff who are also secretary (or a leader with a contact point) of a
    branch outside their township: those branches, beside the township, so that neither
    role hides the other."""
    if actor.staff:
        return []
    outside = (actor.secretary_of | actor.contact_points) - actor.township_branches
    found = [await organisation.get_unit(context.db, branch_id) for branch_id in sorted(outside)]
    return [b for b in found if b is not None and WHO[purpose](actor, b.id)]


def _top_title(tr: Translator, elsewhere: list[Unit]) -> str:
    return tr("Which township or branch?") if elsewhere else tr("Which township?")


async def _branches(
    update: Update, context: ZContext, purpose: str, township: Unit, page: int
) -> None:
    tr = context.tr
    branches = await organisation.branches_under(context.db, township.id)
    if not branches:
        text = tr("{township} has no branches yet.", township=esc(township.name))
        query = update.callback_query
        if query is not None and query.message is not None:
            await query.edit_message_text(text)
        else:
            chat = update.effective_chat
            assert chat is not None
            await chat.send_message(text)
        return
    await _show(
        update,
        context,
        purpose,
        tr("Which branch of {township}?", township=esc(township.name)),
        branches,
        page,
        township.id,
    )


async def _show(
    update: Update,
    context: ZContext,
    purpose: str,
    title: str,
    units: list[Unit],
    page: int,
    parent: int | None,
) -> None:
    shown = units[page * PAGE : (page + 1) * PAGE]
    buttons = [button(unit.name, Pick(purpose, unit.id).pack()) for unit in shown]
    rows = grid(buttons)
    nav = []
    if page > 0:
        nav.append(button("◀", Pick(purpose, parent or 0, page - 1).pack()))
    if (page + 1) * PAGE < len(units):
        nav.append(button("▶", Pick(purpose, parent or 0, page + 1).pack()))
    rows.append(nav)
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(title, reply_markup=inline(rows))
    else:
        chat = update.effective_chat
        assert chat is not None
        await chat.send_message(title, reply_markup=inline(rows))


@on_press()
async def pick_button(update: Update, context: ZContext, query: CallbackQuery, data: Pick) -> None:
    tr = context.tr
    if data.purpose not in ACTIONS:
        raise Stale
    unit_id, page, purpose = data.unit, data.page or 0, data.purpose
    actor = context.actor
    if unit_id == 0 and actor.oversees_any:  # paging the township list
        await query.answer()
        elsewhere = await _elsewhere(context, actor, purpose)
        townships = await _townships(context, actor)
        await _show(
            update, context, purpose, _top_title(tr, elsewhere), townships + elsewhere, page, None
        )
        return
    unit = await organisation.get_unit(context.db, unit_id)
    if unit is None:
        raise Stale
    if unit.kind == "township" and actor.oversees(unit.id):
        await query.answer()
        await _branches(update, context, purpose, unit, page)
        return
    if unit.kind != "branch" or not WHO[purpose](actor, unit.id):
        raise Refused
    await query.answer()
    await query.edit_message_text(tr("Branch: <b>{branch}</b>", branch=esc(unit.name)))
    await ACTIONS[purpose](update, context, unit)
