"""/appoint: staff name a branch secretary, a leader with a contact point, or township
staff of the branch's township — and end them.

After choosing a branch, staff see who holds a role there and may: appoint one of its
members (a second secretary either replaces the first or serves alongside), relieve a
secretary of office, or open a leader's contact points to remove one or end the leader
role. Every end is confirmed first. All of it is one dialog (kind ``appoint``), so a
press is checked against staff rights at that moment (``handlers.dialog``).
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot import organisation, personal_menus, registry, roles
from bot.access import Actor
from bot.callbacks import STALE, whole
from bot.context import ZContext
from bot.i18n import N_
from bot.markup import KEYBOARD_BUTTONS
from bot.profile import InvalidInput
from handlers import dialog, picker
from handlers.dialog import Answer
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, esc, grid, inline
from storage.models import Dialog, Member, Unit

KIND = "appoint"
SHOWN = 60
# What a confirmation ends: its question's "yes" button.
ENDS = {
    "secretary": N_("✅ Relieve"),
    "replace": N_("✅ Replace"),
    "point": N_("✅ Remove"),
    "leader": N_("✅ End the role"),
    "township": N_("✅ End the role"),
}


async def appoint_command(update: Update, context: ZContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    tr = context.tr
    if not context.actor.staff:
        await chat.send_message(tr("Only organisation staff can appoint secretaries and leaders."))
        return
    if chat.type != ChatType.PRIVATE:
        await chat.send_message(tr("Please talk to me in a private chat."))
        return
    await dialog.finish(update, context)
    await chat.send_message(
        tr("First choose the branch: to appoint one of its members, or to end a role held there.")
    )
    await picker.choose_branch(update, context, "appoint")


def only_staff(actor: Actor, branch_id: int) -> bool:
    """Who may pick a branch to appoint in: staff (a secretary appoints no one)."""
    return actor.staff


async def choose_person(update: Update, context: ZContext, branch: Unit) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    people = [
        v.member
        for v in await registry.roster(context.db, branch.id)
        if v.member.telegram_id is not None
    ]
    held = await roles.branch_roles(context.db, branch.id)
    township = (
        await organisation.get_unit(context.db, branch.parent_id) if branch.parent_id else None
    )
    if township is not None and township.kind != "township":
        township = None
    officers = await roles.township_staff(context.db, township.id) if township else []
    if not people and not held.secretaries and not held.leaders and not officers:
        await chat.send_message(
            tr(
                "Nobody in <b>{branch}</b> has joined the bot yet. Send "
                "/invite to get an invite link.",
                branch=esc(branch.name),
            )
        )
        return
    where: dict[str, object] = {"branch": branch.id, "branch_name": branch.name}
    if township is not None:
        where |= {"township": township.id, "township_name": township.name}
    await dialog.begin(update, context, KIND, "person", where)
    lines = [
        f"<b>{esc(branch.name)}</b>",
        tr("Secretary: {names}", names=_names(held.secretaries))
        if held.secretaries
        else tr("No secretary yet."),
    ]
    if held.leaders:
        lines.append(
            tr(
                "Leaders with a contact point here, or members here: {names}",
                names=_names(held.leaders),
            )
        )
    if township is not None and officers:
        lines.append(
            tr(
                "Township staff of {township}: {names}",
                township=esc(township.name),
                names=_names(officers),
            )
        )
    lines += [
        "",
        tr("Whom do you appoint?") if people else tr("Nobody else here has joined the bot yet."),
    ]
    if held.secretaries or held.leaders or officers:
        lines.append(tr("To end a role, use the buttons at the bottom."))
    ends = [
        [
            button(
                tr("🚫 Relieve {name} of office", name=s.name),
                dialog.choice(KIND, "person", "r", s.telegram_id),
            )
        ]
        for s in held.secretaries
    ]
    ends += [
        [
            button(
                tr("📍 {name} (leader)", name=leader.name),
                dialog.choice(KIND, "person", "l", leader.telegram_id),
            )
        ]
        for leader in held.leaders
    ]
    ends += [
        [
            button(
                tr("🚫 End {name}'s township staff role", name=officer.name),
                dialog.choice(KIND, "person", "t", officer.telegram_id),
            )
        ]
        for officer in officers
    ]
    ends = ends[: KEYBOARD_BUTTONS // 2]
    shown = min(SHOWN, KEYBOARD_BUTTONS - len(ends))  # within Telegram's buttons a message
    rows = (
        grid([button(m.name, dialog.choice(KIND, "person", "a", m.id)) for m in people[:shown]], 3)
        + ends
    )
    await chat.send_message("\n".join(lines), reply_markup=inline(rows))


def _names(holders: list[roles.Holder]) -> str:
    return "、".join(esc(h.name) for h in holders)


async def appoint_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await STEPS.answer(update, context, current, answer)


CHOOSE = N_("Please choose with the buttons, or send /cancel.")


async def _read_person(turn: Turn) -> None:
    """Appoint a member (``a``), relieve a secretary (``r``), open a leader (``l``), or
    end a township staff role (``t``)."""
    tr = turn.tr
    target = whole(turn.answer.arg(1))
    if target is None or turn.action not in ("a", "r", "l", "t"):
        raise InvalidInput(CHOOSE)
    if turn.action == "t":
        if "township" not in turn.data:
            raise InvalidInput(CHOOSE)
        name = await roles.name_of(turn.context.db, target)
        await turn.acknowledge(tr("🚫 End {name}'s township staff role", name=name))
        await turn.go("confirm", end="township", holder=target, holder_name=name)
        return
    if turn.action == "a":
        await turn.acknowledge("✓")
        await turn.go("role", member=target)
    elif turn.action == "r":
        name = await roles.name_of(turn.context.db, target)
        await turn.acknowledge(tr("🚫 Relieve {name} of office", name=name))
        await turn.go("confirm", end="secretary", holder=target, holder_name=name)
    else:
        await _leader_panel(turn, target)


async def _ask_role(turn: Turn) -> None:
    tr = turn.tr
    rows = [
        [button(tr("Secretary of this branch"), dialog.choice(KIND, "role", "secretary"))],
        [button(tr("Leader, with a contact-point branch"), dialog.choice(KIND, "role", "leader"))],
    ]
    if "township" in turn.data:  # 乡镇党委书记, 组织委员: the branch's township
        rows.append(
            [
                button(
                    tr("Township staff of {township}", township=turn.data["township_name"]),
                    dialog.choice(KIND, "role", "township"),
                )
            ]
        )
    await turn.say(tr("As what?"), reply_markup=inline(rows))


async def _read_role(turn: Turn) -> None:
    tr = turn.tr
    if turn.action == "secretary":
        await turn.acknowledge(tr("Secretary of this branch"))
        await _secretary_chosen(turn)
    elif turn.action == "leader":
        await turn.acknowledge(tr("Leader, with a contact-point branch"))
        await turn.go("contact")
    elif turn.action == "township" and "township" in turn.data:
        township = turn.data["township_name"]
        await turn.acknowledge(tr("Township staff of {township}", township=township))
        context = turn.context
        member = await roles.appoint_township(
            context.db,
            context.clock,
            int(turn.data["member"]),
            int(turn.data["township"]),
            context.actor,
            ending=turn.ending(),
        )
        if member is None:
            await turn.say(tr("That person is no longer registered; nothing was changed."))
            return
        await turn.say(
            tr(
                "{name} is now township staff of {township}.",
                name=esc(member.name),
                township=esc(township),
            )
        )
        await _settled(context, [member.telegram_id] if member.telegram_id else [])
    else:
        raise InvalidInput(CHOOSE)


async def _ask_contact(turn: Turn) -> None:
    """Answered by the branch picker (:func:`choose_contact_point`), not by the form."""
    await turn.say(turn.tr("Which branch is the leader's contact point?"))
    await picker.choose_branch(turn.update, turn.context, "contact")


async def _read_contact(turn: Turn) -> None:
    raise InvalidInput(CHOOSE)


async def _secretary_chosen(turn: Turn) -> None:
    """A branch that already has a secretary: replace them, or serve alongside."""
    tr = turn.tr
    context = turn.context
    member = await registry.member(context.db, int(turn.data["member"]))
    held = await roles.branch_roles(context.db, int(turn.data["branch"]))
    others = [s for s in held.secretaries if member is None or s.telegram_id != member.telegram_id]
    if member is None or not others:
        appointed = await roles.appoint_secretary(
            context.db, context.clock, int(turn.data["member"]), context.actor, ending=turn.ending()
        )
        await _appointed(turn.update, context, appointed)
        return
    names = "、".join(s.name for s in others)
    await turn.go("replace", ask=False, others=names)
    await turn.say(
        tr(
            "{branch} already has a secretary: {names}. Does {name} replace them, or serve "
            "alongside them?",
            branch=esc(turn.data["branch_name"]),
            names=esc(names),
            name=esc(member.name),
        ),
        reply_markup=inline(
            [
                [button(tr("🔁 Replace"), dialog.choice(KIND, "replace", "yes"))],
                [button(tr("➕ Alongside, as a deputy"), dialog.choice(KIND, "replace", "no"))],
            ]
        ),
    )


async def _read_replace(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    if turn.action == "no":
        await turn.acknowledge(tr("➕ Alongside, as a deputy"))
        appointed = await roles.appoint_secretary(
            context.db, context.clock, int(turn.data["member"]), context.actor, ending=turn.ending()
        )
        await _appointed(turn.update, context, appointed)
    elif turn.action == "yes":
        await turn.acknowledge(tr("🔁 Replace"))
        await turn.go("confirm", end="replace")
    else:
        raise InvalidInput(CHOOSE)


async def _leader_panel(turn: Turn, leader: int) -> None:
    tr = turn.tr
    db = turn.context.db
    name = await roles.name_of(db, leader)
    points = await roles.contact_points(db, leader)
    await turn.acknowledge(tr("📍 {name} (leader)", name=name))
    await turn.go(
        "leader",
        ask=False,
        holder=leader,
        holder_name=name,
        points={str(p.id): p.name for p in points},
    )
    text = (
        tr(
            "{name} is a leader with the contact points: {points}.",
            name=esc(name),
            points="、".join(esc(p.name) for p in points),
        )
        if points
        else tr("{name} is a leader without a contact point.", name=esc(name))
    )
    rows = [
        [
            button(
                tr("📍 Remove contact point {branch}", branch=p.name),
                dialog.choice(KIND, "leader", "p", p.id),
            )
        ]
        for p in points
    ]
    rows.append([button(tr("🚫 End the leader role"), dialog.choice(KIND, "leader", "end"))])
    await turn.say(text, reply_markup=inline(rows))


async def _read_leader(turn: Turn) -> None:
    """Remove one contact point (``p``), or end the role (``end``)."""
    tr = turn.tr
    if turn.action == "p":
        point = turn.answer.arg(1) or ""
        point_name = turn.data.get("points", {}).get(point)
        if point_name is None:
            raise InvalidInput(CHOOSE)
        await turn.acknowledge(tr("📍 Remove contact point {branch}", branch=point_name))
        await turn.go("confirm", end="point", point=int(point), point_name=point_name)
    elif turn.action == "end":
        await turn.acknowledge(tr("🚫 End the leader role"))
        await turn.go("confirm", end="leader")
    else:
        raise InvalidInput(CHOOSE)


async def _ask_end(turn: Turn) -> None:
    """The question before a role ends, by what ends."""
    tr = turn.tr
    end = turn.data["end"]
    name, branch = esc(turn.data.get("holder_name", "")), esc(turn.data["branch_name"])
    if end == "secretary":
        text = tr(
            "Relieve {name} of office as secretary of {branch}? They are told, and from "
            "their next press they can no longer see or manage the branch.",
            name=name,
            branch=branch,
        )
    elif end == "replace":
        member = await registry.member(turn.context.db, int(turn.data["member"]))
        text = tr(
            "{name} becomes secretary of {branch}, and {names} are relieved of office "
            "and told. Go ahead?",
            name=esc(member.name if member else "—"),
            branch=branch,
            names=esc(turn.data["others"]),
        )
    elif end == "point":
        text = tr(
            "Remove {branch} from {name}'s contact points? They are told, and can no "
            "longer log visits there or change the visits logged there.",
            branch=esc(turn.data["point_name"]),
            name=name,
        )
    elif end == "township":
        text = tr(
            "End {name}'s role as township staff of {township}? They are told, and from "
            "their next press they can no longer act for its branches.",
            name=name,
            township=esc(turn.data.get("township_name", "")),
        )
    else:
        text = tr(
            "End {name}'s appointment as a leader? Their contact points go with it; the "
            "visits they logged are kept.",
            name=name,
        )
    await dialog.ask_to_confirm(turn.update, turn.context, KIND, text, tr(ENDS[end]))


async def _confirm(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    data = turn.data
    end = str(data.get("end"))
    if end not in ENDS:
        raise InvalidInput(CHOOSE)
    if not await dialog.confirmed(
        turn.update, context, turn.answer, tr(ENDS[end]), tr("Cancelled. Nothing was changed.")
    ):
        return
    ending = turn.ending()
    db, clock, actor = context.db, context.clock, context.actor
    name = esc(data.get("holder_name", ""))
    branch = esc(data["branch_name"])
    if end == "replace":
        appointed = await roles.appoint_secretary(
            db, clock, int(data["member"]), actor, replace=True, ending=ending
        )
        await _appointed(turn.update, context, appointed)
        return
    if end == "secretary":
        done = await roles.relieve_secretary(
            db, clock, int(data["holder"]), int(data["branch"]), actor, ending=ending
        )
        said = tr("{name} is no longer secretary of {branch}.", name=name, branch=branch)
    elif end == "point":
        done = await roles.remove_contact_point(
            db, clock, int(data["holder"]), int(data["point"]), actor, ending=ending
        )
        said = tr(
            "{branch} is no longer a contact point of {name}.",
            name=name,
            branch=esc(data["point_name"]),
        )
    elif end == "township":
        done = await roles.relieve_township(
            db, clock, int(data["holder"]), int(data["township"]), actor, ending=ending
        )
        said = tr(
            "{name} is no longer township staff of {township}.",
            name=name,
            township=esc(data.get("township_name", "")),
        )
    else:
        done = await roles.end_leader(db, clock, int(data["holder"]), actor, ending=ending)
        said = tr("{name} is no longer a leader.", name=name)
    await turn.say(said if done else tr("That had already changed, so nothing was done."))
    await _settled(context, [int(data["holder"])])


STEPS = StepTable(
    KIND,
    {
        "person": Step(_read_person, next=("role", "confirm", "leader")),
        "role": Step(_read_role, next=("contact", "replace"), ask=_ask_role),
        "contact": Step(_read_contact, ask=_ask_contact),
        "replace": Step(_read_replace, next=("confirm",)),  # asked by _secretary_chosen
        "leader": Step(_read_leader, next=("confirm",)),  # asked by _leader_panel
        "confirm": Step(_confirm, ask=_ask_end),
    },
    first=("person",),
)


async def choose_contact_point(update: Update, context: ZContext, branch: Unit) -> None:
    current = await dialog.current(update, context)
    chat = update.effective_chat
    assert chat is not None
    if current is None or current.kind != KIND or current.step != "contact":
        await chat.send_message(context.tr(STALE))
        return
    member = await roles.appoint_leader(
        context.db,
        context.clock,
        int(current.data["member"]),
        branch.id,
        context.actor,
        ending=dialog.ending(update, context),
    )
    tr = context.tr
    if member is None:
        await chat.send_message(tr("That person is no longer registered; nothing was changed."))
        return
    await chat.send_message(
        tr(
            "{name} is now a leader with contact point {branch}.",
            name=esc(member.name),
            branch=esc(branch.name),
        )
    )
    await _settled(context, [member.telegram_id] if member.telegram_id else [])


async def _appointed(update: Update, context: ZContext, appointed: roles.Appointed) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    member: Member | None = appointed.member
    if member is None:
        await chat.send_message(tr("That person is no longer registered; nothing was changed."))
        return
    unit = await organisation.get_unit(context.db, member.branch_id)
    branch = unit.name if unit else ""
    if appointed.relieved:
        names = "、".join([await roles.name_of(context.db, t) for t in appointed.relieved])
        await chat.send_message(
            tr(
                "{name} is now secretary of {branch}, in place of {names}.",
                name=esc(member.name),
                branch=esc(branch),
                names=esc(names),
            )
        )
    else:
        await chat.send_message(
            tr("{name} is now secretary of {branch}.", name=esc(member.name), branch=esc(branch))
        )
    await _settled(
        context, [*appointed.relieved, *([member.telegram_id] if member.telegram_id else [])]
    )


async def _settled(context: ZContext, people: list[int]) -> None:
    """The messages to the people concerned are queued; their menus follow now (theirs
    only: anyone else's that is due waits for the scheduler's tick)."""
    context.services.poke_outbox()
    await personal_menus.publish_due(
        context.db, context.bot, context.clock, context.settings.admins, only=people
    )
