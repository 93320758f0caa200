"""Choosing where a mass message goes: the county, a township or a branch.

Shared by /push and /notice. Staff choose the county or a township (township staff:
their own township), then the whole township or one branch; a secretary's own branch is
taken without asking (or chosen among theirs). The dialog steps are ``scope`` and
``township``; once a unit is chosen the caller's ``then`` continues the dialog.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot import organisation
from bot.callbacks import whole
from bot.context import ZContext
from handlers import away, dialog
from handlers.dialog import Answer
from handlers.ui import button, esc, grid, inline
from storage.models import Dialog, Unit

Then = Callable[[Update, ZContext, Dialog, Unit], Awaitable[None]]


async def ask(update: Update, context: ZContext, kind: str, heading: str, then: Then) -> None:
    """Begin dialog ``kind``: ask where to, or go straight on for a one-branch secretary."""
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    actor = context.actor
    if actor.oversees_any:
        county = await organisation.county(context.db)
        if county is None:
            await chat.send_message(
                tr("The organisation is empty. Import a roster first: zhibu import roster.xlsx")
            )
            return
        # County staff: the county or any township; township staff: their own only.
        townships = [t for t in await organisation.townships(context.db) if actor.oversees(t.id)]
        whole = (
            [[button(tr("🏛 The whole county"), dialog.choice(kind, "scope", county.id))]]
            if actor.oversees(county.id)
            else []
        )
        # Township staff who are secretary of a branch outside their township: that too.
        elsewhere = [
            b
            for b in [
                await organisation.get_unit(context.db, branch_id)
                for branch_id in sorted(actor.secretary_of - actor.township_branches)
            ]
            if b is not None and not actor.staff
        ]
        await dialog.begin(update, context, kind, "scope")
        question = tr("To whom?")
        await chat.send_message(
            f"{heading}\n{question}",
            reply_markup=inline(
                [
                    *whole,
                    *grid([button(t.name, dialog.choice(kind, "scope", t.id)) for t in townships]),
                    *grid([button(b.name, dialog.choice(kind, "scope", b.id)) for b in elsewhere]),
                ]
            ),
        )
        return
    branches = [
        b
        for b in [
            await organisation.get_unit(context.db, branch_id)
            for branch_id in sorted(actor.secretary_of)
        ]
        if b is not None
    ]
    if not branches:
        await chat.send_message(tr("Only branch secretaries and organisation staff can do this."))
        return
    await dialog.begin(update, context, kind, "scope")
    if len(branches) == 1:
        current = await dialog.current(update, context)
        assert current is not None
        await then(update, context, current, branches[0])
        return
    question = tr("To which branch?")
    await chat.send_message(
        f"{heading}\n{question}",
        reply_markup=inline(
            grid([button(b.name, dialog.choice(kind, "scope", b.id)) for b in branches])
        ),
    )


async def addresses(context: ZContext, current: Dialog) -> bool:
    """The form's right: before a unit is chosen, a secretary or staff; after, someone who
    may still send to that unit (staff anywhere, a secretary their own branch)."""
    if "scope" not in current.data:
        return context.actor.manages_any
    return context.actor.manages(int(current.data["scope"]))


async def read(
    update: Update, context: ZContext, kind: str, current: Dialog, answer: Answer, then: Then
) -> None:
    """A press at the ``scope`` or ``township`` step."""
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    unit_id = whole(answer.action)
    unit = await organisation.get_unit(context.db, unit_id) if unit_id else None
    if unit is None:
        await chat.send_message(tr("Please choose with the buttons."))
        return
    actor = context.actor
    if not actor.manages(unit.id):  # a secretary their branches; township staff their township
        await dialog.finish(update, context)
        await chat.send_message(tr("This is not yours to manage."))
        return
    await away.acknowledge(answer, unit.name)
    if unit.kind == "township" and current.step == "scope":
        branches = await organisation.branches_under(context.db, unit.id)
        await dialog.advance(update, context, current, "township")
        await chat.send_message(
            tr("The whole of {township}, or one branch?", township=esc(unit.name)),
            reply_markup=inline(
                [
                    [
                        button(
                            tr("All of {township}", township=unit.name),
                            dialog.choice(kind, "township", unit.id),
                        )
                    ],
                    *grid(
                        [button(b.name, dialog.choice(kind, "township", b.id)) for b in branches]
                    ),
                ]
            ),
        )
        return
    await then(update, context, current, unit)
