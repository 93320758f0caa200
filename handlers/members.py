"""/me, /flow and /members: a member's own profile, moving away or back, and the roster."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardRemove, Update

from bot import group_members, organisation, personal_menus, registry
from bot.app import ZContext
from bot.callbacks import pack
from bot.i18n import N_, Translator
from bot.joining import profile_lines
from bot.profile import (
    REMOVAL_REASONS,
    STATUSES,
    InvalidInput,
    normalise_phone,
    parse_birth_year,
)
from handlers import away, dialog, picker
from handlers.dialog import Answer
from handlers.guards import button_with_id, private_only
from handlers.notify import tell
from handlers.ui import (
    button,
    chunks,
    esc,
    grid,
    inline,
    reply_keyboard,
    take_buttons_away,
)
from storage.models import Dialog, Member, MemberView, Unit

ME = "me"
FLOW = "flow"


async def me_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    actor = context.actor
    member = actor.active_member
    if member is not None:
        branch = await organisation.get_unit(context.db, member.branch_id)
        lines = [tr("<b>Your profile</b>"),
                 tr("Branch: {branch}", branch=esc(branch.name if branch else "—")),
                 *profile_lines(tr, member),
                 tr("Check-in buttons in this chat: for every session") if member.checkin_private
                 else tr("Check-in buttons in this chat: while you are not in the branch "
                         "group")]
        roles = _role_lines(tr, context)
        await chat.send_message("\n".join(lines + roles), reply_markup=inline([
            [button(tr("📱 Change phone"), dialog.choice(ME, "menu", "phone")),
             button(tr("🎂 Change year of birth"), dialog.choice(ME, "menu", "year"))],
            [button(tr("🚶 Working away / back home"), dialog.choice(ME, "menu", "flow")),
             button(tr("🌐 Language"), dialog.choice(ME, "menu", "lang"))],
            [button(_private_label(tr, not member.checkin_private),
                    dialog.choice(ME, "menu", "private"))],
        ]))
        await dialog.begin(update, context, ME, "menu")
        return
    if actor.application is not None:
        branch = await organisation.get_unit(context.db, actor.application.branch_id)
        await chat.send_message("\n".join([
            tr("Your request to join <b>{branch}</b> is waiting for approval.",
               branch=esc(branch.name if branch else "—")),
            *profile_lines(tr, actor.application)]))
        return
    roles = _role_lines(tr, context)
    if roles:
        await chat.send_message("\n".join([tr("<b>Your profile</b>"), *roles]))
    else:
        await chat.send_message(tr("You are not registered yet. To join your branch, open the "
                                   "invite link your branch secretary sent you."))


def _private_label(tr: Translator, wanted: bool) -> str:
    """The /me button that switches check-in in this chat to ``wanted``."""
    return (tr("🔔 Check in here for every session") if wanted
            else tr("🔔 Check in here only when not in the group"))


def _role_lines(tr: Translator, context: ZContext) -> list[str]:
    actor = context.actor
    lines = []
    if actor.staff:
        lines.append(tr("Role: organisation staff"))
    if actor.secretary_of:
        lines.append(tr("Role: branch secretary"))
    if actor.leader:
        lines.append(tr("Role: leader with {count} contact point(s)",
                        count=len(actor.contact_points)))
    return lines


@dialog.dialog(ME, right=dialog.members)
async def me_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    tr = context.tr
    member = context.actor.active_member
    if member is None:
        await dialog.finish(update, context)
        return
    chat = update.effective_chat
    assert chat is not None
    try:
        if current.step == "menu":
            if answer.action == "phone":
                await away.acknowledge(answer, tr("📱 Change phone"))
                await dialog.advance(update, context, current, "phone")
                await chat.send_message(
                    tr("Press the button to share your number, or type it."),
                    reply_markup=reply_keyboard([
                        [KeyboardButton(tr("📱 Share my phone number"), request_contact=True)],
                        [KeyboardButton(tr("Remove my number"))]]))
            elif answer.action == "year":
                await away.acknowledge(answer, tr("🎂 Change year of birth"))
                await dialog.advance(update, context, current, "year")
                await chat.send_message(tr("In which year were you born? (for example 1975)"))
            elif answer.action == "flow":
                await away.acknowledge(answer, tr("🚶 Working away / back home"))
                await dialog.finish(update, context)
                await _offer_flow(update, context, member)
            elif answer.action == "private":
                wanted = not member.checkin_private
                await away.acknowledge(answer, _private_label(tr, wanted))
                await registry.update_profile(context.db, context.clock, member.id,
                                              {"checkin_private": wanted},
                                              ending=dialog.ending(update, context))
                await chat.send_message(
                    tr("Done: the check-in buttons of every session come to you here, in "
                       "the group too if you are in it.") if wanted
                    else tr("Done: the check-in buttons come to you here only while you are "
                            "not in the branch group."))
            elif answer.action == "lang":
                await away.acknowledge(answer, tr("🌐 Language"))
                await dialog.finish(update, context)
                from handlers.common import lang_command

                await lang_command(update, context)
            else:
                await dialog.finish(update, context)
                from handlers.dialog import on_message  # the text was not meant for /me

                await on_message(update, context)
        elif current.step == "phone":
            user = update.effective_user
            assert user is not None
            if answer.contact is not None:
                if answer.contact.user_id != user.id:
                    raise InvalidInput(N_("Please share your own number with the button below."))
                phone: str | None = normalise_phone(answer.contact.phone_number)
            elif (answer.text or "").strip() == tr("Remove my number"):
                phone = None
            else:
                phone = normalise_phone(answer.text)
            await registry.update_profile(context.db, context.clock, member.id, {"phone": phone})
            await dialog.finish(update, context)
            await chat.send_message(
                tr("Saved. Phone: {phone}", phone=esc(phone) if phone else tr("none")),
                reply_markup=ReplyKeyboardRemove())
        elif current.step == "year":
            year = parse_birth_year(answer.text, context.clock.today())
            await registry.update_profile(context.db, context.clock, member.id,
                                          {"birth_year": year})
            await dialog.finish(update, context)
            await chat.send_message(tr("Saved. Year of birth: {year}", year=year))
    except InvalidInput as problem:
        await chat.send_message(tr(problem.message, **problem.fields))


async def flow_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    member = context.actor.active_member
    if member is None:
        chat = update.effective_chat
        assert chat is not None
        await chat.send_message(context.tr("Only registered members can report this. To join "
                                           "your branch, open your invite link."))
        return
    await _offer_flow(update, context, member)


async def _offer_flow(update: Update, context: ZContext, member: Member) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if member.flowing:
        since = member.flow_since.strftime("%Y-%m") if member.flow_since else "—"
        await dialog.begin(update, context, FLOW, "flowing")
        await chat.send_message(
            tr("You are recorded as working in {city} since {since}.",
               city=esc(member.flow_city or "—"), since=since),
            reply_markup=inline([
                [button(tr("🏠 I am back home"), dialog.choice(FLOW, "flowing", "back"))],
                [button(tr("🚶 I moved to another city"), dialog.choice(FLOW, "flowing", "moved"))],
                [button(tr("No change"), dialog.choice(FLOW, "flowing", "same"))],
            ]))
    else:
        await dialog.begin(update, context, FLOW, "home")
        await chat.send_message(
            tr("You are recorded as living at home. Are you leaving to work elsewhere?"),
            reply_markup=inline([
                [button(tr("🚶 Yes, I am working away"), dialog.choice(FLOW, "home", "away"))],
                [button(tr("No change"), dialog.choice(FLOW, "home", "same"))],
            ]))


@dialog.dialog(FLOW, right=dialog.members)
async def flow_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    tr = context.tr
    member = context.actor.active_member
    chat = update.effective_chat
    assert chat is not None
    if member is None:
        await dialog.finish(update, context)
        return
    today = context.clock.today()
    try:
        if current.step in ("home", "flowing"):
            if answer.action == "same":
                await away.acknowledge(answer, tr("No change"))
                await dialog.finish(update, context)
            elif answer.action == "back" and current.step == "flowing":
                await away.acknowledge(answer, tr("🏠 I am back home"))
                updated, _ = await registry.set_flowing(
                    context.db, context.clock, member.id, away=False,
                    ending=dialog.ending(update, context))
                await chat.send_message(tr("Welcome home! Your branch secretary has been told."))
                await _tell_managers(context, updated, returned=True)
            elif answer.action in ("away", "moved"):
                await away.acknowledge(answer, tr("🚶 Yes, I am working away")
                                       if answer.action == "away"
                                       else tr("🚶 I moved to another city"))
                await dialog.advance(update, context, current, "city")
                await away.ask_city(update, tr)
            else:
                await chat.send_message(tr("Please choose with the buttons."))
        elif current.step == "city":
            city = away.read_city(answer)
            await dialog.advance(update, context, current, "employer", city=city)
            await away.ask_employer(update, tr, FLOW)
        elif current.step == "employer":
            employer = await away.read_employer(answer, tr)
            await dialog.advance(update, context, current, "since", employer=employer)
            await away.ask_since(update, tr, FLOW, today)
        elif current.step == "since":
            since = await away.read_since(answer, today)
            updated, missed = await registry.set_flowing(
                context.db, context.clock, member.id, away=True, city=current.data["city"],
                employer=current.data.get("employer"), since=since,
                makeup_days=context.settings.study_makeup_days,
                ending=dialog.ending(update, context))
            await chat.send_message(tr(
                "Recorded: working in {city} since {since}. Your branch secretary has been "
                "told. Send /flow again when you come back.",
                city=esc(updated.flow_city or ""), since=since.strftime("%Y-%m")))
            await _tell_managers(context, updated, returned=False)
            if missed:
                context.services.poke_outbox()
                await chat.send_message(tr(
                    "📚 Your branch sent members working away {n} study materials recently; "
                    "they are on their way to you now.", n=missed))
    except InvalidInput as problem:
        await chat.send_message(tr(problem.message, **problem.fields))


async def _tell_managers(context: ZContext, member: Member, *, returned: bool) -> None:
    for manager in await registry.managers_of(context.db, member.branch_id,
                                              context.settings.admins):
        if manager == member.telegram_id:
            continue
        if returned:
            await tell(context, manager, lambda t: t("🏠 {name} is back home.",
                                                     name=esc(member.name)))
        else:
            await tell(context, manager, lambda t: t(
                "🚶 {name} is now working away: {city}{employer}, since {since}.",
                name=esc(member.name), city=esc(member.flow_city or ""),
                employer=f" ({esc(member.flow_employer)})" if member.flow_employer else "",
                since=member.flow_since.strftime("%Y-%m") if member.flow_since else "—"))


async def members_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    await picker.choose_branch(update, context, "members")


@picker.on_branch("members")
async def show_roster(update: Update, context: ZContext, branch: Unit) -> None:
    tr = context.tr
    roster = await registry.roster(context.db, branch.id)
    chat = update.effective_chat
    assert chat is not None
    if not roster:
        await chat.send_message(tr("<b>{branch}</b> has no members on record yet. Send /invite "
                                   "to get an invite link.", branch=esc(branch.name)))
        return
    at_home = [v for v in roster if v.reachable and not v.member.flowing]
    flowing = [v for v in roster if v.reachable and v.member.flowing]
    unreachable = [v for v in roster if not v.reachable]
    lines = [tr("<b>{branch}</b>: {count} members", branch=esc(branch.name), count=len(roster))]
    if at_home:
        lines += ["", tr("<b>Registered, at home ({count})</b>", count=len(at_home))]
        lines += [f"• {_who(tr, v.member)}" for v in at_home]
    if flowing:
        lines += ["", tr("<b>Working away ({count})</b>", count=len(flowing))]
        lines += [f"• {_who(tr, v.member)} — {_where(tr, v.member)}" for v in flowing]
    if unreachable:
        lines += ["", tr("<b>Not reachable by the bot ({count})</b>", count=len(unreachable))]
        lines += [f"• {_who(tr, v.member)} — {_why(tr, v)}" for v in unreachable]
    lines += await _group_lines(context, branch)
    texts = chunks(lines)
    for text in texts[:-1]:
        await chat.send_message(text)
    await chat.send_message(texts[-1], reply_markup=inline([[button(
        tr("🗑 Remove a member…"), pack("mem", "list", branch.id))]]))


async def member_button(update: Update, context: ZContext) -> None:
    """Removing a member: choose who, then why (two deliberate presses). Their records —
    sessions attended, materials, notes — stay; they leave the roster and the audiences."""
    pressed = await button_with_id(update, context)
    if pressed is None:
        return
    query, parsed, target = pressed
    tr = context.tr
    if parsed.action == "list":
        if not context.actor.manages(target):
            await query.answer(tr("This is not yours to manage."), show_alert=True)
            return
        await query.answer()
        roster = await registry.roster(context.db, target)
        await query.edit_message_reply_markup(inline(grid(
            [button(v.member.name, pack("mem", "pick", v.member.id)) for v in roster[:60]], 3)))
        return
    member = await registry.member(context.db, target)
    if member is None or not context.actor.manages(member.branch_id):
        await query.answer(tr("This is not yours to manage."), show_alert=True)
        return
    if parsed.action == "pick":
        await query.answer()
        await query.edit_message_reply_markup(inline([[button(
            tr("🗑 {name}: {why}", name=member.name, why=tr(label)),
            pack("mem", "rm", member.id, reason))] for reason, label in REMOVAL_REASONS.items()]))
        return
    reason = parsed.args[1] if len(parsed.args) > 1 else ""
    if parsed.action != "rm" or reason not in REMOVAL_REASONS:
        await query.answer(tr("This button is no longer active."))
        return
    removed = await registry.remove_member(context.db, context.clock, member.id, reason,
                                           context.actor, context.settings.admins)
    await query.answer(tr("{name} was removed from the roster; their records are kept.",
                          name=member.name) if removed else tr("Already decided."))
    await take_buttons_away(query)
    if removed and member.telegram_id is not None:  # a secretary's menu follows the role
        await personal_menus.publish_due(context.db, context.bot, context.clock,
                                         context.settings.admins, only=[member.telegram_id])


async def _group_lines(context: ZContext, branch: Unit) -> list[str]:
    """Who is not in the branch group yet (they get the check-in buttons privately), and
    whether the bot can hand newcomers the group's link."""
    tr = context.tr
    group = await group_members.standing(context.db, branch.id)
    if group is None:
        return ["", tr("The branch has no group chat tied to it: everyone gets the check-in "
                       "buttons privately. /bind ties the group.")]
    title = esc(group.group.title)
    lines = [""]
    if group.missing:
        lines.append(tr("<b>Not in the group “{title}” yet ({count})</b>", title=title,
                        count=len(group.missing)))
        lines.append("、".join(esc(m.name) for m in group.missing))
    else:
        lines.append(tr("Everyone registered is in the group “{title}”.", title=title))
    if not group.group.invite_link:
        lines.append(tr("I cannot give newcomers the group's invite link: make me an "
                        "administrator of the group with the right to invite users, or add "
                        "them yourself."))
    return lines


def _who(tr: Translator, member: Member) -> str:
    found = [esc(member.name), tr(STATUSES[member.status])]
    if member.township_leadership:
        found.append(tr("township leadership"))
    return " · ".join(found)


def _where(tr: Translator, member: Member) -> str:
    since = member.flow_since.strftime("%Y-%m") if member.flow_since else "—"
    return tr("{city} since {since}", city=esc(member.flow_city or "—"), since=since)


def _why(tr: Translator, view: MemberView) -> str:
    if view.member.telegram_id is None:
        return tr("not registered with the bot")
    if view.blocked:
        return tr("blocked the bot")
    return tr("never opened a chat with the bot")
