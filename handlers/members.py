"""/me, /flow and /members: a member's own profile, moving away or back, and the roster."""

from __future__ import annotations

import contextlib
from datetime import date

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import TelegramError

from bot import group_members, migrants, organisation, personal_menus, registry
from bot.callbacks import BranchMembers, HandNew, MemberPress, MemberRemove, whole
from bot.context import ZContext
from bot.i18n import N_, Translator
from bot.joining import profile_lines
from bot.markup import KEYBOARD_BUTTONS
from bot.profile import (
    REMOVAL_REASONS,
    STATUSES,
    InvalidInput,
    normalise_phone,
    parse_birth_year,
    parse_place,
)
from bot.seasons import parse_seasons
from handlers import away, dialog, picker
from handlers.dialog import Answer
from handlers.guards import Refused, Stale, on_press, private_only
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, chunks, esc, grid, inline, reply_keyboard, take_buttons_away
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
        lines = [
            tr("<b>Your profile</b>"),
            tr("Branch: {branch}", branch=esc(branch.name if branch else "—")),
            *profile_lines(tr, member),
            tr("Check-in buttons in this chat: for every session")
            if member.checkin_private
            else tr("Check-in buttons in this chat: while you are not in the branch group"),
        ]
        roles = _role_lines(tr, context)
        host = await migrants.host_of(context.db, member) if member.flowing else None
        if host:
            lines.append(tr("Host organisation there: {host}", host=esc(host)))
        await chat.send_message(
            "\n".join(lines + roles),
            reply_markup=inline(
                [
                    [
                        button(tr("📱 Change phone"), dialog.choice(ME, "menu", "phone")),
                        button(tr("🎂 Change year of birth"), dialog.choice(ME, "menu", "year")),
                    ],
                    [
                        button(
                            tr("🚶 Working away / back home"), dialog.choice(ME, "menu", "flow")
                        ),
                        button(tr("🌐 Language"), dialog.choice(ME, "menu", "lang")),
                    ],
                    [
                        button(
                            _private_label(tr, not member.checkin_private),
                            dialog.choice(ME, "menu", "private"),
                        )
                    ],
                    [button(tr("🏛 Host organisation"), dialog.choice(ME, "menu", "host"))]
                    if member.flowing
                    else [],
                ]
            ),
        )
        await dialog.begin(update, context, ME, "menu")
        return
    if actor.application is not None:
        branch = await organisation.get_unit(context.db, actor.application.branch_id)
        await chat.send_message(
            "\n".join(
                [
                    tr(
                        "Your request to join <b>{branch}</b> is waiting for approval.",
                        branch=esc(branch.name if branch else "—"),
                    ),
                    *profile_lines(tr, actor.application),
                ]
            )
        )
        return
    roles = _role_lines(tr, context)
    if roles:
        await chat.send_message("\n".join([tr("<b>Your profile</b>"), *roles]))
    else:
        await chat.send_message(
            tr(
                "You are not registered yet. To join your branch, open the "
                "invite link your branch secretary sent you."
            )
        )


def _private_label(tr: Translator, wanted: bool) -> str:
    """The /me button that switches check-in in this chat to ``wanted``."""
    return (
        tr("🔔 Check in here for every session")
        if wanted
        else tr("🔔 Check in here only when not in the group")
    )


def _role_lines(tr: Translator, context: ZContext) -> list[str]:
    actor = context.actor
    lines = []
    if actor.staff:
        lines.append(tr("Role: organisation staff"))
    if actor.townships:
        lines.append(tr("Role: township staff"))
    if actor.secretary_of:
        lines.append(tr("Role: branch secretary"))
    if actor.leader:
        lines.append(
            tr("Role: leader with {count} contact point(s)", count=len(actor.contact_points))
        )
    return lines


async def me_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    if context.actor.active_member is None:
        await dialog.finish(update, context)
        return
    await ME_STEPS.answer(update, context, current, answer)


async def _read_menu(turn: Turn) -> None:
    """One of the buttons under the profile; anything else was not meant for /me."""
    chosen = MENU.get(turn.action or "")
    if chosen is None or (turn.action == "host" and not turn.member.flowing):
        await turn.finish()
        from handlers.dialog import on_message  # the text was not meant for /me

        await on_message(turn.update, turn.context)
        return
    await chosen(turn)


async def _menu_phone(turn: Turn) -> None:
    await turn.acknowledge(turn.tr("📱 Change phone"))
    await turn.go("phone")


async def _menu_year(turn: Turn) -> None:
    await turn.acknowledge(turn.tr("🎂 Change year of birth"))
    await turn.go("year")


async def _menu_flow(turn: Turn) -> None:
    await turn.acknowledge(turn.tr("🚶 Working away / back home"))
    await turn.finish()
    await _offer_flow(turn.update, turn.context, turn.member)


async def _menu_host(turn: Turn) -> None:
    await turn.acknowledge(turn.tr("🏛 Host organisation"))
    await turn.finish()
    await dialog.begin(turn.update, turn.context, FLOW, "host", {"only_host": True})
    await away.ask_host(turn.update, turn.context, FLOW)


async def _menu_private(turn: Turn) -> None:
    tr = turn.tr
    member = turn.member
    wanted = not member.checkin_private
    await turn.acknowledge(_private_label(tr, wanted))
    await registry.update_profile(
        turn.context.db,
        turn.context.clock,
        member.id,
        {"checkin_private": wanted},
        ending=turn.ending(),
    )
    await turn.say(
        tr(
            "Done: the check-in buttons of every session come to you here, in "
            "the group too if you are in it."
        )
        if wanted
        else tr(
            "Done: the check-in buttons come to you here only while you are "
            "not in the branch group."
        )
    )


async def _menu_lang(turn: Turn) -> None:
    await turn.acknowledge(turn.tr("🌐 Language"))
    await turn.finish()
    from handlers.common import lang_command

    await lang_command(turn.update, turn.context)


MENU = {
    "phone": _menu_phone,
    "year": _menu_year,
    "flow": _menu_flow,
    "host": _menu_host,
    "private": _menu_private,
    "lang": _menu_lang,
}


async def _ask_phone(turn: Turn) -> None:
    tr = turn.tr
    await turn.say(
        tr("Press the button to share your number, or type it."),
        reply_markup=reply_keyboard(
            [
                [KeyboardButton(tr("📱 Share my phone number"), request_contact=True)],
                [KeyboardButton(tr("Remove my number"))],
            ]
        ),
    )


async def _read_phone(turn: Turn) -> None:
    tr = turn.tr
    contact = turn.answer.contact
    if contact is not None:
        if contact.user_id != turn.user.id:
            raise InvalidInput(N_("Please share your own number with the button below."))
        phone: str | None = normalise_phone(contact.phone_number)
    elif (turn.text or "").strip() == tr("Remove my number"):
        phone = None
    else:
        phone = normalise_phone(turn.text)
    await registry.update_profile(
        turn.context.db, turn.context.clock, turn.member.id, {"phone": phone}, ending=turn.ending()
    )
    await turn.say(
        tr("Saved. Phone: {phone}", phone=esc(phone) if phone else tr("none")),
        reply_markup=ReplyKeyboardRemove(),
    )


async def _ask_year(turn: Turn) -> None:
    await turn.say(turn.tr("In which year were you born? (for example 1975)"))


async def _read_year(turn: Turn) -> None:
    year = parse_birth_year(turn.text, turn.today)
    await registry.update_profile(
        turn.context.db,
        turn.context.clock,
        turn.member.id,
        {"birth_year": year},
        ending=turn.ending(),
    )
    await turn.say(turn.tr("Saved. Year of birth: {year}", year=year))


ME_STEPS = StepTable(
    ME,
    {
        "menu": Step(_read_menu, next=("phone", "year")),
        "phone": Step(_read_phone, ask=_ask_phone),
        "year": Step(_read_year, ask=_ask_year),
    },
    first=("menu",),
)


async def flow_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    member = context.actor.active_member
    if member is None:
        chat = update.effective_chat
        assert chat is not None
        await chat.send_message(
            context.tr(
                "Only registered members can report this. To join "
                "your branch, open your invite link."
            )
        )
        return
    await _offer_flow(update, context, member)


async def _offer_flow(update: Update, context: ZContext, member: Member) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if member.flowing:
        since = member.flow_since.strftime("%Y-%m") if member.flow_since else "—"
        host = await migrants.host_of(context.db, member)
        await dialog.begin(update, context, FLOW, "flowing")
        await chat.send_message(
            "\n".join(
                [
                    tr(
                        "You are recorded as working in {city} since {since}.",
                        city=esc(member.flow_city or "—"),
                        since=since,
                    ),
                    tr("Host organisation there: {host}", host=esc(host))
                    if host
                    else tr("You have not named the party organisation where you work yet."),
                ]
            ),
            reply_markup=inline(
                [
                    [button(tr("🏠 I am back home"), dialog.choice(FLOW, "flowing", "back"))],
                    [
                        button(
                            tr("🚶 I moved to another city"),
                            dialog.choice(FLOW, "flowing", "moved"),
                        )
                    ],
                    [button(tr("🏛 Host organisation"), dialog.choice(FLOW, "flowing", "host"))],
                    [button(tr("No change"), dialog.choice(FLOW, "flowing", "same"))],
                ]
            ),
        )
    else:
        await dialog.begin(update, context, FLOW, "home")
        await chat.send_message(
            tr("You are recorded as living at home. Are you leaving to work elsewhere?"),
            reply_markup=inline(
                [
                    [button(tr("🚶 Yes, I am working away"), dialog.choice(FLOW, "home", "away"))],
                    [button(tr("No change"), dialog.choice(FLOW, "home", "same"))],
                ]
            ),
        )


async def flow_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    if context.actor.active_member is None:
        await dialog.finish(update, context)
        return
    await FLOW_STEPS.answer(update, context, current, answer)


async def _read_staying(turn: Turn) -> None:
    """Steps ``home`` and ``flowing``: what changed, if anything."""
    tr = turn.tr
    if turn.action == "same":
        await turn.acknowledge(tr("No change"))
        await turn.finish()
    elif turn.action == "back" and turn.step == "flowing":
        await turn.acknowledge(tr("🏠 I am back home"))
        settings = turn.context.settings
        await registry.set_flowing(
            turn.context.db,
            turn.context.clock,
            turn.member.id,
            away=False,
            seasons=parse_seasons(settings.homecoming_seasons),
            admins=settings.admins,
            ending=turn.ending(),
        )
        turn.context.services.poke_outbox()
        await turn.say(tr("Welcome home! Your branch secretary has been told."))
    elif turn.action == "host" and turn.step == "flowing":
        await turn.acknowledge(tr("🏛 Host organisation"))
        await turn.go("host", only_host=True)
    elif turn.action in ("away", "moved"):
        await turn.acknowledge(
            tr("🚶 Yes, I am working away")
            if turn.action == "away"
            else tr("🚶 I moved to another city")
        )
        await turn.go("city")
    else:
        raise InvalidInput(N_("Please choose with the buttons."))


async def _read_host(turn: Turn) -> None:
    """A township (then its branches), "none yet", or an organisation outside the county
    typed by name."""
    if turn.action == "skip":
        await turn.acknowledge(turn.tr("None yet / skip"))
        await _save_flow(turn, None, None)
        return
    if turn.action is None:
        await _save_flow(turn, None, parse_place(turn.text))
        return
    db = turn.context.db
    township = await organisation.get_unit(db, whole(turn.action) or 0)
    if township is None or township.kind != "township":
        raise InvalidInput(N_("Please choose with the buttons."))
    branches = [
        b
        for b in await organisation.branches_under(db, township.id)
        if b.id != turn.member.branch_id
    ]
    if not branches:
        raise InvalidInput(
            N_(
                "{township} has no other branch. Choose another township, or "
                "type the name of the organisation."
            ),
            township=esc(township.name),
        )
    await turn.acknowledge(township.name)
    await turn.go("host_branch", ask=False)  # asked here: the township is not stored
    await away.ask_host_branch(turn.update, turn.context, FLOW, township, branches)


async def _read_host_branch(turn: Turn) -> None:
    if turn.action == "back":
        await turn.acknowledge(turn.tr("◀ Back"))
        await turn.go("host")
        return
    branch_id = whole(turn.action)
    if branch_id is None:
        raise InvalidInput(N_("Please choose with the buttons."))
    host = await registry.check_host(turn.context.db, turn.member, branch_id)
    await turn.acknowledge(host.name)
    await _save_flow(turn, host, None)


async def _save_flow(turn: Turn, host: Unit | None, host_name: str | None) -> None:
    """The last answer: the host alone (from /me or /flow's 🏛), or the whole stay."""
    tr = turn.tr
    context = turn.context
    member = turn.member
    host_id = host.id if host is not None else None
    named = host.name if host is not None else host_name
    invites = (
        tr(
            "{branch} will invite you to its sessions; your home branch sees that you attend.",
            branch=esc(host.name),
        )
        if host is not None
        else None
    )
    if turn.data.get("only_host"):
        saved = await registry.set_host(
            context.db, context.clock, member.id, host_id, host_name, ending=turn.ending()
        )
        if saved is None:  # came home meanwhile
            await turn.say(tr("You are recorded as living at home now."))
            return
        lines = [
            tr("Saved. Host organisation: {host}", host=esc(named))
            if named
            else tr("Saved: no host organisation.")
        ]
        await turn.say("\n".join([*lines, *([invites] if invites else [])]))
        return
    since = date.fromisoformat(turn.data["since"])
    settings = context.settings
    updated, missed = await registry.set_flowing(
        context.db,
        context.clock,
        member.id,
        away=True,
        city=turn.data["city"],
        employer=turn.data.get("employer"),
        since=since,
        host_branch_id=host_id,
        host_name=host_name,
        makeup_days=settings.study_makeup_days,
        admins=settings.admins,
        ending=turn.ending(),
    )
    context.services.poke_outbox()
    lines = [
        tr(
            "Recorded: working in {city} since {since}. Your branch secretary has been "
            "told. Send /flow again when you come back.",
            city=esc(updated.flow_city or ""),
            since=since.strftime("%Y-%m"),
        )
    ]
    await turn.say("\n".join([*lines, *([invites] if invites else [])]))
    if missed:
        await turn.say(
            tr(
                "📚 Your branch sent members working away {n} study materials recently; "
                "they are on their way to you now.",
                n=missed,
            )
        )


FLOW_STEPS = StepTable(
    FLOW,
    {
        "home": Step(_read_staying, next=("city",)),
        "flowing": Step(_read_staying, next=("host", "city")),
        **away.where_steps(FLOW, then="host"),
        "host": Step(
            _read_host,
            next=("host_branch",),
            ask=lambda turn: away.ask_host(turn.update, turn.context, FLOW),
        ),
        "host_branch": Step(_read_host_branch, next=("host",)),
    },
    first=("home", "flowing", "host"),
)


async def members_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    await picker.choose_branch(update, context, "members")


async def show_roster(update: Update, context: ZContext, branch: Unit) -> None:
    tr = context.tr
    roster = await registry.roster(context.db, branch.id)
    chat = update.effective_chat
    assert chat is not None
    if not roster:
        await chat.send_message(
            tr(
                "<b>{branch}</b> has no members on record yet. Send /invite to get an invite link.",
                branch=esc(branch.name),
            )
        )
        return
    at_home = [v for v in roster if v.reachable and not v.member.flowing]
    flowing = [v for v in roster if v.reachable and v.member.flowing]
    # Members without Telegram are members like any other: the secretary records for them.
    phoneless = [v for v in roster if v.member.telegram_id is None]
    unreachable = [v for v in roster if not v.reachable and v.member.telegram_id is not None]
    lines = [tr("<b>{branch}</b>: {count} members", branch=esc(branch.name), count=len(roster))]
    if at_home:
        lines += ["", tr("<b>Registered, at home ({count})</b>", count=len(at_home))]
        lines += [f"• {_who(tr, v.member)}" for v in at_home]
    if flowing:
        hosts = {v.member.id: await migrants.host_of(context.db, v.member) for v in flowing}
        there = await migrants.attended_elsewhere(
            context.db, context.clock, [v.member.id for v in flowing]
        )
        lines += ["", tr("<b>Working away ({count})</b>", count=len(flowing))]
        lines += [
            f"• {_who(tr, v.member)} — {_where(tr, v.member)}"
            + _hosted_line(tr, v.member, hosts[v.member.id], there.get(v.member.id, 0))
            for v in flowing
        ]
    if phoneless:
        lines += [
            "",
            tr("<b>Without Telegram: recorded by hand ({count})</b>", count=len(phoneless)),
        ]
        lines += [f"• {_who(tr, v.member)}" for v in phoneless]
    if unreachable:
        lines += ["", tr("<b>Not reachable by the bot ({count})</b>", count=len(unreachable))]
        lines += [f"• {_who(tr, v.member)} — {_why(tr, v)}" for v in unreachable]
    hosted = await migrants.hosted_by(context.db, branch.id)
    if hosted:  # organised here, coordinated from home: invited to this branch's sessions
        lines += ["", tr("<b>Working here, from other branches ({count})</b>", count=len(hosted))]
        lines += [f"• {esc(m.name)}（{esc(home)}） — {_where(tr, m)}" for m, home in hosted]
    lines += await _group_lines(context, branch)
    texts = chunks(lines)
    for text in texts[:-1]:
        await chat.send_message(text)
    keys = [
        [button(tr("👥 Branch committee…"), BranchMembers("com", branch.id).pack())],
        [button(tr("🗑 Remove a member…"), BranchMembers("list", branch.id).pack())],
    ]
    if phoneless:
        keys.insert(
            0,
            [
                button(
                    tr("🖊 To record by hand ({count})", count=len(phoneless)),
                    HandNew(f"b{branch.id}").pack(),
                )
            ],
        )
    await chat.send_message(texts[-1], reply_markup=inline(keys))


def _committee_keys(roster: list[Member]) -> InlineKeyboardMarkup:
    """Every member with ☑ if on the committee: a press puts them on or takes them off."""
    return inline(
        grid(
            [
                button(("☑ " if m.committee else "☐ ") + m.name, MemberPress("cm", m.id).pack())
                for m in roster[:KEYBOARD_BUTTONS]
            ],
            3,
        )
    )


async def _committee_pressed(query: CallbackQuery, context: ZContext, member: Member) -> None:
    """A name on the committee list: on the committee, or off it."""
    tr = context.tr
    changed = await registry.set_committee(
        context.db, context.clock, member.id, not member.committee, context.actor
    )
    if changed is None:
        raise Refused
    await query.answer(
        tr("{name} is on the branch committee.", name=changed.name)
        if changed.committee
        else tr("{name} is no longer on the branch committee.", name=changed.name)
    )
    roster = [v.member for v in await registry.roster(context.db, changed.branch_id)]
    with contextlib.suppress(TelegramError):  # the same markup after a repeated press
        await query.edit_message_reply_markup(_committee_keys(roster))


@on_press()
async def member_button(
    update: Update,
    context: ZContext,
    query: CallbackQuery,
    data: BranchMembers | MemberPress | MemberRemove,
) -> None:
    """Removing a member: choose who, then why (two deliberate presses). Their records —
    sessions attended, materials, notes — stay; they leave the roster and the audiences."""
    tr = context.tr
    if isinstance(data, BranchMembers):
        if not context.actor.manages(data.branch):
            raise Refused
        await query.answer()
        views = await registry.roster(context.db, data.branch)
        if data.action == "com":
            await query.edit_message_text(
                tr(
                    "<b>Branch committee</b>: press a name to put them on the committee (☑) or "
                    "take them off. Committee meetings invite exactly these members."
                ),
                reply_markup=_committee_keys([v.member for v in views]),
            )
        else:
            await query.edit_message_reply_markup(
                inline(
                    grid(
                        [
                            button(v.member.name, MemberPress("pick", v.member.id).pack())
                            for v in views[:60]
                        ],
                        3,
                    )
                )
            )
        return
    member = await registry.member(context.db, data.member)
    if member is None or not context.actor.manages(member.branch_id):
        raise Refused
    if isinstance(data, MemberPress) and data.action == "cm":
        await _committee_pressed(query, context, member)
        return
    if isinstance(data, MemberPress):  # chosen for removal: now why
        await query.answer()
        await query.edit_message_reply_markup(
            inline(
                [
                    [
                        button(
                            tr("🗑 {name}: {why}", name=member.name, why=tr(label)),
                            MemberRemove(member.id, reason).pack(),
                        )
                    ]
                    for reason, label in REMOVAL_REASONS.items()
                ]
            )
        )
        return
    reason = data.reason
    if reason not in REMOVAL_REASONS:
        raise Stale
    removed = await registry.remove_member(
        context.db, context.clock, member.id, reason, context.actor, context.settings.admins
    )
    await query.answer(
        tr("{name} was removed from the roster; their records are kept.", name=member.name)
        if removed
        else tr("Already decided.")
    )
    await take_buttons_away(query)
    if removed and member.telegram_id is not None:  # a secretary's menu follows the role
        await personal_menus.publish_due(
            context.db,
            context.bot,
            context.clock,
            context.settings.admins,
            only=[member.telegram_id],
        )


async def _group_lines(context: ZContext, branch: Unit) -> list[str]:
    """Who is not in the branch group yet (they get the check-in buttons privately), and
    whether the bot can hand newcomers the group's link."""
    tr = context.tr
    group = await group_members.standing(context.db, branch.id)
    if group is None:
        return [
            "",
            tr(
                "The branch has no group chat tied to it: everyone gets the check-in "
                "buttons privately. /bind ties the group."
            ),
        ]
    title = esc(group.group.title)
    lines = [""]
    if group.missing:
        lines.append(
            tr(
                "<b>Not in the group “{title}” yet ({count})</b>",
                title=title,
                count=len(group.missing),
            )
        )
        lines.append("、".join(esc(m.name) for m in group.missing))
    else:
        lines.append(tr("Everyone registered is in the group “{title}”.", title=title))
    if not group.group.invite_link:
        lines.append(
            tr(
                "I cannot give newcomers the group's invite link: make me an "
                "administrator of the group with the right to invite users, or add "
                "them yourself."
            )
        )
    return lines


def _who(tr: Translator, member: Member) -> str:
    found = [esc(member.name), tr(STATUSES[member.status])]
    if member.committee:
        found.append(tr("branch committee"))
    if member.township_leadership:
        found.append(tr("township leadership"))
    return " · ".join(found)


def _where(tr: Translator, member: Member) -> str:
    since = member.flow_since.strftime("%Y-%m") if member.flow_since else "—"
    return tr("{city} since {since}", city=esc(member.flow_city or "—"), since=since)


def _hosted_line(tr: Translator, member: Member, host: str | None, attended: int) -> str:
    """ " · host: 西河村党支部, 2 sessions there this year" — what the home branch sees of
    a member's life at their host branch (one outside the county: its name only)."""
    if not host:
        return ""
    if member.host_branch_id is None:
        return " · " + tr("host: {host}", host=esc(host))
    return " · " + tr("host: {host}, {n} sessions there this year", host=esc(host), n=attended)


def _why(tr: Translator, view: MemberView) -> str:
    if view.blocked:
        return tr("blocked the bot")
    return tr("never opened a chat with the bot")
