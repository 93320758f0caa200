"""Joining a branch: /start with an invite code, the profile questions, and approvals."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType

from bot import group_members, registry
from bot.callbacks import Decide
from bot.context import ZContext
from bot.delivery import send
from bot.i18n import N_, Translator
from bot.joining import LISTED, pending_messages, profile_lines
from bot.markup import MESSAGE_LIMIT, length
from bot.profile import (
    STATUSES,
    InvalidInput,
    Profile,
    normalise_phone,
    parse_birth_year,
    parse_name,
)
from handlers import away, dialog
from handlers.dialog import Answer
from handlers.guards import NOT_YOURS_TO_DECIDE, Refused, managers_only, on_press
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, esc, inline, reply_keyboard
from storage.models import Application, Dialog

KIND = "reg"


async def start_command(update: Update, context: ZContext) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    tr = context.tr
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(tr("Please talk to me in a private chat."))
        return
    actor = context.actor
    code = context.args[0] if context.args else None
    if actor.active_member is not None:
        await message.reply_text(
            tr(
                "Welcome back, {name}! Send /help to see what I can do.",
                name=esc(actor.active_member.name),
            )
        )
        await _who_waits(update, context)
        return
    if actor.application is not None:
        await message.reply_text(
            tr(
                "Your request to join is waiting for the branch "
                "secretary's approval. I will tell you when it is decided."
            )
        )
        return
    if code is None:
        if actor.known:
            await message.reply_text(tr("Welcome! Send /help to see what I can do."))
            await _who_waits(update, context)
        else:
            await message.reply_text(
                tr(
                    "Welcome! I help party branches keep in touch with their members.\n"
                    "To join your branch, open the invite link your branch secretary sent you."
                )
            )
        return
    check = await registry.check_invite(context.db, context.clock, code)
    if check.problem is not None or check.branch is None:
        await message.reply_text(_invite_problem(tr, check.problem))
        return
    await dialog.begin(update, context, KIND, "name", {"code": code, "branch": check.branch.name})
    await message.reply_text(
        tr(
            "Welcome! You are joining <b>{branch}</b>.\nA few short questions, and your "
            "branch secretary will confirm you. Send /cancel to stop at any time.",
            branch=esc(check.branch.name),
        ),
        reply_markup=ReplyKeyboardRemove(),
    )
    await message.reply_text(tr("What is your full name?"))


async def _who_waits(update: Update, context: ZContext) -> None:
    """A secretary or staff member opening the bot hears of requests waiting for them —
    requests filed before they opened it were not sent to them (Telegram would refuse)."""
    actor = context.actor
    message = update.effective_message
    if message is None or not actor.manages_any:
        return
    waiting = await registry.pending_for(context.db, actor)
    if waiting:
        await message.reply_text(
            context.tr(
                "People waiting to join: {count}. Send /pending to decide.", count=len(waiting)
            )
        )


def _invite_problem(tr: Translator, problem: str | None) -> str:
    if problem == "expired":
        return tr("This invite link has expired. Please ask your branch secretary for a new one.")
    if problem == "revoked":
        return tr("This invite link was withdrawn. Please ask your branch secretary for a new one.")
    if problem == "used_up":
        return tr(
            "This invite link has been used up. Please ask your branch secretary for a new one."
        )
    return tr("I do not know this invite link. Please check it with your branch secretary.")


async def _say(update: Update, text: str, **kwargs: Any) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(text, **kwargs)


async def registration_step(
    update: Update, context: ZContext, current: Dialog, answer: Answer
) -> None:
    await STEPS.answer(update, context, current, answer)


async def _ask_name(turn: Turn) -> None:
    await turn.say(turn.tr("What is your full name?"))


async def _read_name(turn: Turn) -> None:
    await turn.go("birth_year", name=parse_name(turn.text))


async def _ask_birth_year(turn: Turn) -> None:
    await turn.say(turn.tr("In which year were you born? (for example 1975)"))


async def _read_birth_year(turn: Turn) -> None:
    await turn.go("status", birth_year=parse_birth_year(turn.text, turn.today))


async def _read_status(turn: Turn) -> None:
    if turn.action not in STATUSES:
        await _ask_status(turn.update, turn.tr, again=True)
        return
    await turn.acknowledge(turn.tr(STATUSES[turn.action]))
    await turn.go("phone", status=turn.action)


async def _read_phone(turn: Turn) -> None:
    await turn.go("away", phone=_phone_answer(turn.update, turn.tr, turn.answer))


async def _ask_away(turn: Turn) -> None:
    tr = turn.tr
    phone = turn.data["phone"]
    await turn.say(
        tr("Phone: {phone}", phone=esc(phone) if phone else tr("none")),
        reply_markup=ReplyKeyboardRemove(),
    )
    await turn.say(tr("Are you working away from home at the moment?"), reply_markup=turn.yes_no())


async def _read_away(turn: Turn) -> None:
    if await turn.yes_or_no(N_("Please answer with the buttons.")):
        await turn.go("city", flowing=True)
    else:
        await turn.go("confirm", flowing=False, city=None, employer=None, since=None)


async def _read_confirm(turn: Turn) -> None:
    if turn.action == "restart":
        await turn.acknowledge(turn.tr("Start over"))
        await dialog.begin(
            turn.update,
            turn.context,
            KIND,
            "name",
            {"code": turn.data["code"], "branch": turn.data["branch"]},
        )
        await _ask_name(turn)
    elif turn.action == "submit":
        await _submit(turn)
    else:
        raise InvalidInput(N_("Please use the buttons under the summary: Submit or Start over."))


async def _ask_status(update: Update, tr: Translator, again: bool = False) -> None:
    buttons = [
        button(tr(label), dialog.choice(KIND, "status", key)) for key, label in STATUSES.items()
    ]
    text = tr("Please choose with the buttons.") + "\n" if again else ""
    await _say(
        update,
        text + tr("Are you a full member, a probationary member, or an activist applying to join?"),
        reply_markup=inline([[b] for b in buttons]),
    )


async def _ask_phone(update: Update, tr: Translator) -> None:
    keyboard = reply_keyboard(
        [
            [KeyboardButton(tr("📱 Share my phone number"), request_contact=True)],
            [KeyboardButton(tr("Skip"))],
        ]
    )
    await _say(
        update,
        tr(
            "Your phone number helps the secretary reach you. Press the "
            "button to share it, or Skip."
        ),
        reply_markup=keyboard,
    )


def _phone_answer(update: Update, tr: Translator, answer: Answer) -> str | None:
    user = update.effective_user
    assert user is not None
    if answer.contact is not None:
        if answer.contact.user_id != user.id:
            raise InvalidInput(N_("Please share your own number with the button below, or Skip."))
        return normalise_phone(answer.contact.phone_number)
    if answer.text is not None and answer.text.strip() == tr("Skip"):
        return None
    return normalise_phone(answer.text)


def _profile(data: dict[str, Any]) -> Profile:
    return Profile(
        name=data["name"],
        birth_year=data["birth_year"],
        status=data["status"],
        phone=data.get("phone") or None,
        flowing=bool(data.get("flowing")),
        flow_city=data.get("city") or None,
        flow_employer=data.get("employer") or None,
        flow_since=date.fromisoformat(data["since"]) if data.get("since") else None,
    )


async def _confirm(turn: Turn) -> None:
    tr = turn.tr
    profile = _profile(turn.data)
    text = "\n".join([tr("<b>Please check:</b>"), *profile_lines(tr, profile)])
    await turn.say(
        text,
        reply_markup=inline(
            [
                [
                    button(tr("✅ Submit"), dialog.choice(KIND, "confirm", "submit")),
                    button(tr("✏️ Start over"), dialog.choice(KIND, "confirm", "restart")),
                ]
            ]
        ),
    )


async def _submit(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    await turn.acknowledge(tr("✅ Submit"))
    result = await registry.submit_application(
        context.db,
        context.clock,
        turn.user.id,
        str(turn.data["code"]),
        _profile(turn.data),
        context.settings.admins,
        ending=turn.ending(),
    )
    if result.application is None:
        await turn.finish()
        if result.problem == "already_member":
            await turn.say(tr("You are already a member. Send /help to see what I can do."))
        elif result.problem == "already_pending":
            await turn.say(
                tr(
                    "Your request to join is waiting for the branch secretary's "
                    "approval. I will tell you when it is decided."
                )
            )
        else:
            await turn.say(_invite_problem(tr, result.problem))
        return
    await turn.say(
        tr(
            "Thank you! Your request to join <b>{branch}</b> was sent to the "
            "branch secretary. I will tell you when it is approved.",
            branch=esc(turn.data["branch"]),
        )
    )


STEPS = StepTable(
    KIND,
    {
        "name": Step(_read_name, next=("birth_year",), ask=_ask_name),
        "birth_year": Step(_read_birth_year, next=("status",), ask=_ask_birth_year),
        "status": Step(
            _read_status, next=("phone",), ask=lambda turn: _ask_status(turn.update, turn.tr)
        ),
        "phone": Step(
            _read_phone, next=("away",), ask=lambda turn: _ask_phone(turn.update, turn.tr)
        ),
        "away": Step(_read_away, next=("city", "confirm"), ask=_ask_away),
        **away.where_steps(KIND, then="confirm"),
        "confirm": Step(_read_confirm, ask=_confirm),
    },
    first=("name",),
)


async def pending_command(update: Update, context: ZContext) -> None:
    """Requests to join hold people's details: only in private, only for managers. One
    list with ✅/❌ for each applicant (more messages only past Telegram's limits)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or not await managers_only(update, context):
        return
    pages = await pending_messages(context.db, context.tr, context.actor)
    if not pages:
        await message.reply_text(context.tr("Nobody is waiting to join."))
    for page in pages:
        await send(context.bot, chat.id, page)


@on_press()
async def decision_button(
    update: Update, context: ZContext, query: CallbackQuery, data: Decide
) -> None:
    tr = context.tr
    application_id = data.application
    if data.verdict == "ok":
        # Already in the branch group? Then neither the welcome nor the line below sends
        # them there.
        await group_members.check_applicant(
            context.bot, context.db, context.clock, application_id, context.actor
        )
    decision = await registry.decide(
        context.db,
        context.clock,
        application_id,
        data.verdict == "ok",
        context.actor,
        context.settings.study_makeup_days,
    )
    if decision.result in ("missing", "forbidden"):
        raise Refused(NOT_YOURS_TO_DECIDE)
    application = decision.application
    assert application is not None
    outcome = tr("✅ Approved") if application.state == "approved" else tr("❌ Rejected")
    if decision.result == "already_decided":
        await query.answer(tr("Already decided: {outcome}", outcome=outcome))
    else:
        await query.answer(outcome)
    note = await _group_note(context, application) if decision.result == "approved" else ""
    await _mark_decided(query, tr, application, outcome, listed=data.listed == LISTED, note=note)
    if decision.result in ("approved", "rejected"):
        context.services.poke_outbox()  # the applicant's answer, queued with the decision


async def _group_note(context: ZContext, application: Application) -> str:
    """Said with the approval, once: the newcomer is not in the branch group yet (and
    whether they were given its link); /members lists everyone who is not."""
    group = await group_members.standing(context.db, application.branch_id)
    if group is None or all(m.telegram_id != application.telegram_id for m in group.missing):
        return ""
    tr = context.tr
    name, title = esc(application.name), esc(group.group.title)
    if group.group.invite_link:
        return tr(
            "👥 {name} is not in the group “{title}” yet: I sent them its link. "
            "/members lists everyone not in it.",
            name=name,
            title=title,
        )
    return tr(
        "👥 {name} is not in the group “{title}” yet: please add them. /members lists "
        "everyone not in it.",
        name=name,
        title=title,
    )


async def _mark_decided(
    query: CallbackQuery,
    tr: Translator,
    application: Application,
    outcome: str,
    *,
    listed: bool,
    note: str = "",
) -> None:
    """Say the outcome on the message that was pressed. A request on its own loses its
    buttons; in the /pending list only that applicant's row goes, and the outcome names
    them (the list may have been pressed from an older copy: nothing is said twice).
    ``note`` (HTML) follows the outcome on a line of its own."""
    message = query.message
    original = getattr(message, "text_html", None) or ""
    if not original:
        return
    said = tr("{outcome}: {name}", outcome=outcome, name=application.name) if listed else outcome
    marker = f"\n<b>{esc(said)}</b>"
    rows = getattr(getattr(message, "reply_markup", None), "inline_keyboard", ())
    others = [
        row for row in rows if not any(_decides(b.callback_data, application.id) for b in row)
    ]
    repeated = marker + "\n" in original + "\n"
    added = marker + (f"\n{note}" if note else "")
    text = original if repeated or length(original + added) > MESSAGE_LIMIT else original + added
    if text == original and len(others) == len(rows):
        return  # nothing to change: Telegram would refuse the edit
    await query.edit_message_text(
        text, reply_markup=InlineKeyboardMarkup(others) if listed and others else None
    )


def _decides(data: object, application_id: int) -> bool:
    decide = Decide.unpack(data if isinstance(data, str) else None)
    return decide is not None and decide.application == application_id
