"""/invite and /bind: bringing people and group chats to a branch."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot import organisation, registry
from bot.callbacks import InviteNew, InviteRevoke
from bot.context import ZContext
from bot.i18n import Translator
from handlers import picker
from handlers.guards import Refused, on_press
from handlers.ui import button, esc, inline
from storage.models import Invite, Unit


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


async def invite_command(update: Update, context: ZContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    if chat.type != ChatType.PRIVATE:
        await chat.send_message(context.tr("Please ask me for invite links in a private chat."))
        return
    await picker.choose_branch(update, context, "invite")


async def show_invites(update: Update, context: ZContext, branch: Unit) -> None:
    """The branch's live invite links, creating the first one if there is none."""
    invites = await registry.live_invites(context.db, context.clock, branch.id)
    if not invites:
        invites = [await _new_invite(context, branch.id)]
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    for invite in invites:
        await chat.send_message(
            _invite_text(tr, context, branch, invite), reply_markup=_invite_buttons(tr, invite)
        )
    await chat.send_message(
        tr(
            "Forward a link to the people of <b>{branch}</b>. Each new member is confirmed by "
            "you before they see anything of the branch.",
            branch=esc(branch.name),
        ),
        reply_markup=inline([[button(tr("➕ New link"), InviteNew(branch.id).pack())]]),
    )


async def _new_invite(context: ZContext, branch_id: int) -> Invite:
    return await registry.create_invite(
        context.db,
        context.clock,
        branch_id,
        context.actor,
        days=context.settings.invite_days,
        uses=context.settings.invite_uses,
    )


def _invite_text(tr: Translator, context: ZContext, branch: Unit, invite: Invite) -> str:
    expires = invite.expires_at.astimezone(context.clock.tz).strftime("%Y-%m-%d %H:%M")
    return "\n".join(
        [
            tr("Invite link for <b>{branch}</b>:", branch=esc(branch.name)),
            invite_link(context.bot.username, invite.code),
            tr(
                "Valid until {expires}; used {uses} of {limit} times.",
                expires=expires,
                uses=invite.uses,
                limit=invite.max_uses,
            ),
        ]
    )


def _invite_buttons(tr: Translator, invite: Invite) -> InlineKeyboardMarkup:
    return inline([[button(tr("🚫 Revoke this link"), InviteRevoke(invite.code).pack())]])


@on_press()
async def invite_button(
    update: Update, context: ZContext, query: CallbackQuery, data: InviteRevoke | InviteNew
) -> None:
    tr = context.tr
    if isinstance(data, InviteRevoke):
        invite = await registry.revoke_invite(context.db, context.clock, data.code, context.actor)
        if invite is None:
            raise Refused
        await query.answer(tr("Revoked."))
        await query.edit_message_text(tr("🚫 This invite link was revoked; it no longer works."))
        return
    branch = await organisation.get_unit(context.db, data.branch)
    if branch is None or not context.actor.manages(branch.id):
        raise Refused
    await query.answer()
    invite = await _new_invite(context, branch.id)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        _invite_text(tr, context, branch, invite), reply_markup=_invite_buttons(tr, invite)
    )


async def bind_command(update: Update, context: ZContext) -> None:
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None:
        return
    tr = context.tr
    if chat.type == ChatType.PRIVATE:
        await picker.choose_branch(update, context, "bind")
        return
    if chat.type == ChatType.CHANNEL:
        return
    if not context.args:
        await message.reply_text(
            tr(
                "To tie this group to a branch, get a code from me in a "
                "private chat with /bind, then send /bind CODE here."
            )
        )
        return
    result = await organisation.bind_group(
        context.db, context.clock, context.args[0], chat.id, chat.title or "", context.actor
    )
    branch = esc(result.branch.name) if result.branch else ""
    replies = {
        "bound": tr(
            "This group now belongs to <b>{branch}</b>. Meetings and notices of the "
            "branch will appear here.",
            branch=branch,
        )
        + "\n"
        + tr(
            "Make me an administrator of this group with the right to invite users: "
            "then I see who joins and leaves, and give newcomers the group's link."
        ),
        "unknown": tr(
            "I do not know this code. Get a new one with /bind in a private chat with me."
        ),
        "used": tr(
            "This code was already used. Get a new one with /bind in a private chat with me."
        ),
        "expired": tr("This code has expired. Get a new one with /bind in a private chat with me."),
        "forbidden": tr(
            "Only the branch's secretary or organisation staff can tie a group to a branch."
        ),
        "taken": tr(
            "This group belongs to another branch. Only that branch's secretary or "
            "organisation staff can move it."
        ),
    }
    await message.reply_text(replies[result.result])


async def show_bind_code(update: Update, context: ZContext, branch: Unit) -> None:
    bind = await organisation.create_bind_code(context.db, context.clock, branch.id, context.actor)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        context.tr(
            "Add me to the group chat of <b>{branch}</b>, then send this message there:",
            branch=esc(branch.name),
        )
    )
    await chat.send_message(f"<code>/bind {esc(bind.code)}</code>")
    await chat.send_message(
        context.tr("The code works once, within {hours} hours.", hours=organisation.BIND_CODE_HOURS)
    )
