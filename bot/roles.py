"""Appointments and their ends: branch secretaries, leaders and their contact points, staff.

A role that begins or ends is one transaction with everything it sets off: the audit
entry, the message to the person (an outbox row), their personal menu marked due — and,
for a role that ends, whatever was still waiting to be sent to them in that role
(requests to join, visits to confirm, session records, bulletins) is dropped. Rights are
read from these rows on every update (:mod:`bot.access`), so an end takes effect at the
person's very next press or answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.access import Actor
from bot.clock import Clock
from bot.delivery import Outgoing
from bot.markup import esc
from bot.profile import REMOVAL_REASONS
from bot.recipients import translator_of
from storage import audit
from storage import members as member_repo
from storage import menus as menu_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database, Statement
from storage.models import Member, OutboxKind, OutboxRow, Unit

RoleKind = Literal["secretary", "leader", "contact_point", "staff", "township"]
Change = Literal["begin", "end"]
AUDIT_ACTIONS: dict[tuple[RoleKind, Change], str] = {
    ("secretary", "begin"): "appoint.secretary",
    ("leader", "begin"): "appoint.leader",
    ("staff", "begin"): "staff.add",
    ("township", "begin"): "appoint.township",
    ("secretary", "end"): "relieve.secretary",
    ("contact_point", "end"): "relieve.contact_point",
    ("leader", "end"): "relieve.leader",
    ("staff", "end"): "staff.remove",
    ("township", "end"): "relieve.township",
}
# What the audit entry names the unit by, by role.
UNIT_NAMES: dict[RoleKind, str] = {"secretary": "branch", "township": "township"}


@dataclass(frozen=True)
class Holder:
    telegram_id: int
    name: str


@dataclass(frozen=True)
class BranchRoles:
    """Who holds a role at a branch: its secretaries, and the leaders whose contact point
    it is or who are members of it."""

    secretaries: list[Holder]
    leaders: list[Holder]


async def branch_roles(db: Database, branch_id: int) -> BranchRoles:
    async with db.read() as c:
        secretaries = [r.telegram_id for r in await org_repo.holders(c, "secretary", branch_id)]
        leaders = await org_repo.leaders_at(c, branch_id)
        names = await member_repo.names_of_users(c, [*secretaries, *leaders])
    return BranchRoles(
        [Holder(t, names[t]) for t in secretaries], [Holder(t, names[t]) for t in leaders]
    )


async def contact_points(db: Database, leader: int) -> list[Unit]:
    async with db.read() as c:
        points = await org_repo.contact_points_of(c, leader)
        units = [await org_repo.get_unit(c, p.branch_id) for p in points]
    return sorted((u for u in units if u is not None), key=lambda u: (u.name, u.id))


async def name_of(db: Database, telegram_id: int) -> str:
    async with db.read() as c:
        return (await member_repo.names_of_users(c, [telegram_id]))[telegram_id]


# --- in a transaction: what a beginning or an end sets off ------------------------------------


async def _announce(
    c: Conn,
    now: datetime,
    actor: str,
    holder: int,
    what: RoleKind,
    change: Change,
    unit_id: int | None,
    *,
    tell: bool,
) -> None:
    """The audit entry, the message to the person, and their menu due again."""
    entry = await audit.record(
        c,
        now,
        actor,
        AUDIT_ACTIONS[what, change],
        f"tg:{holder}",
        "" if unit_id is None else f"{UNIT_NAMES.get(what, 'contact_point')}={unit_id}",
    )
    if tell:
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope(
                    f"role:{entry}",
                    holder,
                    OutboxKind.ROLE,
                    unit_id,
                    {"what": what, "change": change},
                )
            ],
            now,
        )
    await menu_repo.mark_due(c, [holder], now)


async def end_secretary_in(
    c: Conn, now: datetime, actor: str, holder: int, branch_id: int, *, tell: bool = True
) -> bool:
    """``holder`` is no longer secretary of the branch (False if they were not)."""
    if not await org_repo.revoke(c, holder, "secretary", branch_id):
        return False
    await outbox_repo.drop_branch_work(c, holder, branch_id, now)
    await _announce(c, now, actor, holder, "secretary", "end", branch_id, tell=tell)
    return True


async def end_township_in(
    c: Conn, now: datetime, actor: str, holder: int, township_id: int, *, tell: bool = True
) -> bool:
    """``holder`` is no longer township staff of the township (False if they were not);
    the township's bulletins still waiting for them are dropped."""
    if not await org_repo.revoke(c, holder, "township", township_id):
        return False
    await outbox_repo.drop_township_work(c, holder, township_id, now)
    await _announce(c, now, actor, holder, "township", "end", township_id, tell=tell)
    return True


async def begin_township_in(
    c: Conn, now: datetime, actor: str, holder: int, township_id: int, by: int | None
) -> bool:
    """``holder`` becomes township staff of the township (False if they were already)."""
    await member_repo.ensure_user(c, holder, now)
    if not await org_repo.grant(c, holder, "township", township_id, by, now):
        return False
    await _announce(c, now, actor, holder, "township", "begin", township_id, tell=True)
    return True


async def township_staff(db: Database, township_id: int) -> list[Holder]:
    """Who is township staff of the township, by name."""
    async with db.read() as c:
        held = [r.telegram_id for r in await org_repo.holders(c, "township", township_id)]
        names = await member_repo.names_of_users(c, held)
    return [Holder(t, names[t]) for t in held]


async def end_leader_in(
    c: Conn, now: datetime, actor: str, holder: int, *, tell: bool = True
) -> bool:
    """The leader role ends, and with it every contact point; the visits stay on record."""
    removed_points = await org_repo.remove_contact_points(c, holder)
    if not await org_repo.revoke(c, holder, "leader", None) and not removed_points:
        return False
    for kind in outbox_repo.LEADER_WORK:
        await outbox_repo.drop_kind(c, holder, kind, now)
    await _announce(c, now, actor, holder, "leader", "end", None, tell=tell)
    return True


async def end_membership_roles_in(
    c: Conn, now: datetime, actor: str, holder: int, branch_id: int, staff: list[int], reason: str
) -> None:
    """Someone leaves a branch's roster (left, moved, died): being its secretary ends with
    the membership (not announced: the reason may be that they died). A leader's
    appointment is the county's, not the branch's: it stays, and staff are told, so that
    they end it in /appoint if the person no longer serves."""
    await end_secretary_in(c, now, actor, holder, branch_id, tell=False)
    if not any(role.role == "leader" for role in await org_repo.roles_of(c, holder)):
        return
    names = await member_repo.names_of_users(c, [holder])
    await outbox_repo.enqueue(
        c,
        [
            outbox_repo.Envelope(
                f"off-roster:{holder}:{now.isoformat()}:{person}",
                person,
                OutboxKind.OFF_ROSTER_LEADER,
                branch_id,
                {"name": names[holder], "reason": reason},
            )
            for person in await member_repo.reachable(c, staff)
        ],
        now,
    )


async def end_staff_in(
    c: Conn, now: datetime, actor: str, holder: int, *, still_admin: bool = False
) -> bool:
    """The staff row goes; ``still_admin``: ZHIBU_ADMINS keeps them staff, so nothing of
    theirs is dropped and they are not told."""
    if not await org_repo.revoke(c, holder, "staff", None):
        return False
    if not still_admin:
        await outbox_repo.drop_staff_work(c, holder, now)
    await _announce(c, now, actor, holder, "staff", "end", None, tell=not still_admin)
    return True


async def drop_work_of_former_staff(db: Database, clock: Clock, admins: list[int]) -> int:
    """At start-up: someone taken out of ``ZHIBU_ADMINS`` (nothing stores that they were
    staff) is sent nothing more of what was queued for them as staff."""
    now = clock.now()
    async with db.tx() as c:
        staff = set(admins) | {r.telegram_id for r in await org_repo.holders(c, "staff")}
        dropped = 0
        for chat_id in await outbox_repo.awaiting_staff_work(c):
            if chat_id not in staff:
                dropped += await outbox_repo.drop_staff_work(c, chat_id, now)
    return dropped


async def begin_staff_in(c: Conn, now: datetime, actor: str, holder: int) -> bool:
    await member_repo.ensure_user(c, holder, now)
    if not await org_repo.grant(c, holder, "staff", None, None, now):
        return False
    await _announce(c, now, actor, holder, "staff", "begin", None, tell=False)
    return True


# --- what staff do in /appoint ----------------------------------------------------------------


def _staff_only(by: Actor) -> None:
    if not by.staff:
        raise PermissionError("only staff appoint and relieve")


@dataclass(frozen=True)
class Appointed:
    member: Member | None  # None: no longer a registered, active member; nothing changed
    relieved: list[int] = field(default_factory=list)  # secretaries replaced


async def appoint_secretary(
    db: Database,
    clock: Clock,
    member_id: int,
    by: Actor,
    *,
    replace: bool = False,
    ending: Statement | None = None,
) -> Appointed:
    """Make a registered member secretary of their own branch; ``replace``: the branch's
    other secretaries are relieved in the same transaction (otherwise they stay, and the
    new one serves alongside them)."""
    _staff_only(by)
    now = clock.now()
    actor = f"tg:{by.telegram_id}"
    async with db.tx() as c:
        if ending is not None:  # the form ends with its result, whatever it is
            await ending(c)
        member = await member_repo.get_member(c, member_id)
        if member is None or member.telegram_id is None or member.state != "active":
            return Appointed(None)
        relieved = []
        if replace:
            for role in await org_repo.holders(c, "secretary", member.branch_id):
                if role.telegram_id != member.telegram_id and await end_secretary_in(
                    c, now, actor, role.telegram_id, member.branch_id
                ):
                    relieved.append(role.telegram_id)
        if await org_repo.grant(
            c, member.telegram_id, "secretary", member.branch_id, by.telegram_id, now
        ):
            await _announce(
                c, now, actor, member.telegram_id, "secretary", "begin", member.branch_id, tell=True
            )
    return Appointed(member, relieved)


async def appoint_leader(
    db: Database,
    clock: Clock,
    member_id: int,
    branch_id: int,
    by: Actor,
    *,
    ending: Statement | None = None,
) -> Member | None:
    """Name a registered person a leader with this branch as a contact point."""
    _staff_only(by)
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:  # the form ends with its result, whatever it is
            await ending(c)
        member = await member_repo.get_member(c, member_id)
        branch = await org_repo.get_unit(c, branch_id)
        if (
            member is None
            or member.telegram_id is None
            or member.state != "active"
            or branch is None
            or branch.kind != "branch"
        ):
            return None
        await org_repo.grant(c, member.telegram_id, "leader", None, by.telegram_id, now)
        if await org_repo.add_contact_point(c, member.telegram_id, branch_id, by.telegram_id, now):
            await _announce(
                c,
                now,
                f"tg:{by.telegram_id}",
                member.telegram_id,
                "leader",
                "begin",
                branch_id,
                tell=True,
            )
    return member


async def appoint_township(
    db: Database,
    clock: Clock,
    member_id: int,
    township_id: int,
    by: Actor,
    *,
    ending: Statement | None = None,
) -> Member | None:
    """Make a registered member township staff (乡镇党委书记, 组织委员) of the township:
    for its branches they do what county staff do for the county. None: the person is no
    longer a registered, active member or the unit is not a township (nothing changed)."""
    _staff_only(by)
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:  # the form ends with its result, whatever it is
            await ending(c)
        member = await member_repo.get_member(c, member_id)
        township = await org_repo.get_unit(c, township_id)
        if (
            member is None
            or member.telegram_id is None
            or member.state != "active"
            or township is None
            or township.kind != "township"
        ):
            return None
        await begin_township_in(
            c, now, f"tg:{by.telegram_id}", member.telegram_id, township_id, by.telegram_id
        )
    return member


async def relieve_township(
    db: Database,
    clock: Clock,
    holder: int,
    township_id: int,
    by: Actor,
    *,
    ending: Statement | None = None,
) -> bool:
    """False if they were no longer township staff of it (nothing to do)."""
    return await _by_staff(
        db,
        clock,
        by,
        ending,
        lambda c, now, actor: end_township_in(c, now, actor, holder, township_id),
    )


async def relieve_secretary(
    db: Database,
    clock: Clock,
    holder: int,
    branch_id: int,
    by: Actor,
    *,
    ending: Statement | None = None,
) -> bool:
    """False if they were no longer secretary of the branch (nothing to do)."""
    return await _by_staff(
        db,
        clock,
        by,
        ending,
        lambda c, now, actor: end_secretary_in(c, now, actor, holder, branch_id),
    )


async def remove_contact_point(
    db: Database,
    clock: Clock,
    leader: int,
    branch_id: int,
    by: Actor,
    *,
    ending: Statement | None = None,
) -> bool:
    """One contact point less; the leader role stays (staff end it separately)."""

    async def remove(c: Conn, now: datetime, actor: str) -> bool:
        if not await org_repo.remove_contact_point(c, leader, branch_id):
            return False
        await _announce(c, now, actor, leader, "contact_point", "end", branch_id, tell=True)
        return True

    return await _by_staff(db, clock, by, ending, remove)


async def end_leader(
    db: Database, clock: Clock, leader: int, by: Actor, *, ending: Statement | None = None
) -> bool:
    return await _by_staff(
        db, clock, by, ending, lambda c, now, actor: end_leader_in(c, now, actor, leader)
    )


async def _by_staff(
    db: Database,
    clock: Clock,
    by: Actor,
    ending: Statement | None,
    change: Callable[[Conn, datetime, str], Awaitable[bool]],
) -> bool:
    """A role's change only staff make, in one transaction with the end of the form that
    asked for it (if any), whatever its outcome; the audit names them as its actor."""
    _staff_only(by)
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        return await change(c, clock.now(), f"tg:{by.telegram_id}")


# --- what the person is told ------------------------------------------------------------------


async def render_off_roster_leader(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    tr = await translator_of(db, row.chat_id)
    async with db.read() as c:
        unit = await org_repo.get_unit(c, row.ref_id) if row.ref_id is not None else None
    reason = REMOVAL_REASONS.get(str(row.payload.get("reason")), "")
    return Outgoing(
        tr(
            "ℹ️ {name}, a leader with contact points, was taken off the roster of {branch} "
            "({reason}). Their appointment as a leader stays: if they no longer serve, end it "
            "in /appoint.",
            name=esc(str(row.payload.get("name", ""))),
            branch=esc(unit.name if unit else "—"),
            reason=tr(reason) if reason else "—",
        )
    )


async def render_role(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    tr = await translator_of(db, row.chat_id)
    unit = None
    if row.ref_id is not None:
        async with db.read() as c:
            unit = await org_repo.get_unit(c, row.ref_id)
    branch = esc(unit.name if unit else "—")
    what, change = row.payload.get("what"), row.payload.get("change")
    if change == "begin" and what == "secretary":
        return Outgoing(
            tr(
                "You are now secretary of <b>{branch}</b>. Send /help to see what you can do.",
                branch=branch,
            )
        )
    if change == "begin" and what == "township":
        return Outgoing(
            tr(
                "You are now township staff of <b>{township}</b>: for its branches you send "
                "notices and study materials, keep the rosters and read the bulletins. Send "
                "/help to see what you can do.",
                township=branch,
            )
        )
    if what == "township":
        return Outgoing(
            tr(
                "You are no longer township staff of <b>{township}</b>. Thank you for your "
                "work. Send /help to see what you can do now.",
                township=branch,
            )
        )
    if change == "begin" and what == "leader":
        return Outgoing(
            tr("You are now a leader with contact point <b>{branch}</b>.", branch=branch)
        )
    if what == "secretary":
        return Outgoing(
            tr(
                "You are no longer secretary of <b>{branch}</b>. Thank you for your "
                "work. Send /help to see what you can do now.",
                branch=branch,
            )
        )
    if what == "contact_point":
        return Outgoing(
            tr(
                "<b>{branch}</b> is no longer your contact point. The visits you "
                "logged there are kept.",
                branch=branch,
            )
        )
    if what == "leader":
        return Outgoing(
            tr(
                "Your appointment as a leader with contact points has ended. The "
                "visits you logged are kept."
            )
        )
    if what == "staff":
        return Outgoing(
            tr("You are no longer organisation staff. Send /help to see what you can do now.")
        )
    return None
