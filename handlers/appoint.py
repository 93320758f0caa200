"""/appoint: staff name a branch secretary, or a leader with a contact-point branch."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot import organisation, registry
from bot.access import Role, load_actor
from bot.app import ZContext
from bot.menus import publish_personal_menu
from handlers import away, dialog, picker
from handlers.dialog import Answer
from handlers.notify import tell
from handlers.ui import button, esc, grid, inline
from storage.models import Dialog, Member, Unit

KIND = "appoint"
SHOWN = 60


async def appoint_command(update: Update, context: ZContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    tr = context.tr
    if not context.actor.staff:
        await chat.send_message(tr("Only organisation staff can appoint secretaries and "
                                   "leaders."))
        return
    if chat.type != ChatType.PRIVATE:
        await chat.send_message(tr("Please talk to me in a private chat."))
        return
    await dialog.finish(update, context)
    await chat.send_message(tr("First choose the branch of the person to appoint."))
    await picker.choose_branch(update, context, "appoint")


@picker.on_branch("appoint")
async def choose_person(update: Update, context: ZContext, branch: Unit) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    people = [v.member for v in await registry.roster(context.db, branch.id)
              if v.member.telegram_id is not None]
    if not people:
        await chat.send_message(tr("Nobody in <b>{branch}</b> has joined the bot yet. Send "
                                   "/invite to get an invite link.", branch=esc(branch.name)))
        return
    await dialog.begin(update, context, KIND, "person", {"branch": branch.id})
    buttons = [button(m.name, dialog.choice(KIND, "person", m.id)) for m in people[:SHOWN]]
    await chat.send_message(tr("Whom do you appoint?"), reply_markup=inline(grid(buttons, 3)))


@dialog.dialog(KIND)
async def appoint_step(update: Update, context: ZContext, current: Dialog,
                       answer: Answer) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if not context.actor.staff:
        await dialog.finish(update, context)
        return
    if current.step == "person" and answer.action is not None:
        member_id = int(answer.action)
        await away.acknowledge(answer, "✓")
        await dialog.advance(update, context, current, "role", member=member_id)
        await chat.send_message(tr("As what?"), reply_markup=inline([
            [button(tr("Secretary of this branch"), dialog.choice(KIND, "role", "secretary"))],
            [button(tr("Leader, with a contact-point branch"),
                    dialog.choice(KIND, "role", "leader"))],
        ]))
    elif current.step == "role" and answer.action == "secretary":
        await away.acknowledge(answer, tr("Secretary of this branch"))
        await dialog.finish(update, context)
        member = await organisation.appoint_secretary(
            context.db, context.clock, int(current.data["member"]), context.actor)
        await _done(update, context, member, Role.SECRETARY)
    elif current.step == "role" and answer.action == "leader":
        await away.acknowledge(answer, tr("Leader, with a contact-point branch"))
        await dialog.advance(update, context, current, "contact")
        await chat.send_message(tr("Which branch is the leader's contact point?"))
        await picker.choose_branch(update, context, "contact")
    else:
        await chat.send_message(tr("Please choose with the buttons, or send /cancel."))


@picker.on_branch("contact")
async def choose_contact_point(update: Update, context: ZContext, branch: Unit) -> None:
    current = await dialog.current(update, context)
    chat = update.effective_chat
    assert chat is not None
    if current is None or current.kind != KIND or current.step != "contact":
        await chat.send_message(context.tr("This button is no longer active."))
        return
    await dialog.finish(update, context)
    member = await organisation.appoint_leader(
        context.db, context.clock, int(current.data["member"]), branch.id, context.actor)
    await _done(update, context, member, Role.LEADER, branch)


async def _done(update: Update, context: ZContext, member: Member | None, role: Role,
                contact: Unit | None = None) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if member is None or member.telegram_id is None:
        await chat.send_message(tr("That person is no longer registered; nothing was changed."))
        return
    telegram_id = member.telegram_id
    branch = await organisation.get_unit(context.db, member.branch_id)
    if role == Role.SECRETARY:
        await chat.send_message(tr("{name} is now secretary of {branch}.", name=esc(member.name),
                                   branch=esc(branch.name if branch else "")))
        await tell(context, telegram_id, lambda t: t(
            "You are now secretary of <b>{branch}</b>. Send /help to see what you can do.",
            branch=esc(branch.name if branch else "")))
    else:
        place = esc(contact.name if contact else "")
        await chat.send_message(tr("{name} is now a leader with contact point {branch}.",
                                   name=esc(member.name), branch=place))
        await tell(context, telegram_id, lambda t: t(
            "You are now a leader with contact point <b>{branch}</b>.", branch=place))
    appointed = await load_actor(context.db, telegram_id, context.settings.admins)
    language = (await context.translator_for(telegram_id)).language
    await publish_personal_menu(context.bot, telegram_id, appointed.roles, language)
