"""Joining a branch: invites, applications, approvals, and moving away or back.

Everything here runs in one transaction per step, so a second press of a button, or a
duplicate update from Telegram, finds the work already done and changes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from bot import homecoming, recipients, roles
from bot.access import Actor
from bot.clock import Clock
from bot.i18n import N_
from bot.makeup import queue_make_up
from bot.profile import REMOVAL_REASONS, InvalidInput, Profile
from bot.seasons import Season
from storage import audit
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database, Statement
from storage.models import (
    Application,
    Invite,
    Member,
    MemberView,
    NewApplication,
    NewMember,
    OutboxKind,
    Unit,
)

INVITE_CODE_BYTES = 16  # 22 URL-safe characters: unguessable, well under the 64 allowed


def new_code() -> str:
    """A start payload Telegram accepts: A-Z a-z 0-9 _ - only."""
    return secrets.token_urlsafe(INVITE_CODE_BYTES)


InviteProblem = Literal["unknown", "expired", "revoked", "used_up"]


@dataclass(frozen=True)
class InviteCheck:
    invite: Invite | None
    branch: Unit | None
    problem: InviteProblem | None


async def create_invite(
    db: Database, clock: Clock, branch_id: int, by: Actor, *, days: int, uses: int
) -> Invite:
    if not by.manages(branch_id):
        raise PermissionError("not a manager of this branch")
    now = clock.now()
    async with db.tx() as c:
        invite = await org_repo.add_invite(
            c, new_code(), branch_id, by.telegram_id, now, now + timedelta(days=days), uses
        )
        await audit.record(
            c,
            now,
            f"tg:{by.telegram_id}",
            "invite.create",
            f"branch:{branch_id}",
            f"days={days} uses={uses}",
        )
    return invite


async def revoke_invite(db: Database, clock: Clock, code: str, by: Actor) -> Invite | None:
    """Revoke if ``by`` manages the invite's branch; None when it may not or does not exist."""
    now = clock.now()
    async with db.tx() as c:
        invite = await org_repo.get_invite(c, code)
        if invite is None or not by.manages(invite.branch_id):
            return None
        if await org_repo.revoke_invite(c, code, now):
            await audit.record(
                c,
                now,
                f"tg:{by.telegram_id}",
                "invite.revoke",
                f"branch:{invite.branch_id}",
                code[:6],
            )
        return await org_repo.get_invite(c, code)


def _problem(invite: Invite | None, clock: Clock) -> InviteProblem | None:
    if invite is None:
        return "unknown"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= clock.now():
        return "expired"
    if invite.uses >= invite.max_uses:
        return "used_up"
    return None


async def check_invite(db: Database, clock: Clock, code: str) -> InviteCheck:
    async with db.read() as c:
        invite = await org_repo.get_invite(c, code)
        branch = await org_repo.get_unit(c, invite.branch_id) if invite else None
    return InviteCheck(invite, branch, _problem(invite, clock))


@dataclass(frozen=True)
class Submitted:
    application: Application | None
    problem: InviteProblem | Literal["already_member", "already_pending"] | None
    match: Member | None = None


async def submit_application(
    db: Database,
    clock: Clock,
    telegram_id: int,
    code: str,
    profile: Profile,
    admins: list[int],
    ending: Statement | None = None,
) -> Submitted:
    """File the application, counting one use of the invite, and queue the request to the
    branch's managers — in one transaction.

    The invite is checked again here: it may have expired or been revoked while the
    applicant was typing.
    """
    now = clock.now()
    async with db.tx() as c:
        if await member_repo.member_of_user(c, telegram_id) is not None:
            return Submitted(None, "already_member")
        if await member_repo.pending_application_of(c, telegram_id) is not None:
            return Submitted(None, "already_pending")
        invite = await org_repo.get_invite(c, code)
        problem = _problem(invite, clock)
        if problem is not None or invite is None:
            return Submitted(None, problem or "unknown")
        candidates = await member_repo.unclaimed_by_name(c, invite.branch_id, profile.name)
        match = candidates[0] if len(candidates) == 1 else None
        await org_repo.use_invite(c, code)
        application = await member_repo.add_application(
            c,
            NewApplication(
                telegram_id=telegram_id,
                branch_id=invite.branch_id,
                invite_code=code,
                **profile.model_dump(),
                match_member_id=match.id if match else None,
            ),
            now,
        )
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope(
                    f"application:{application.id}:to:{manager}",
                    manager,
                    OutboxKind.APPLICATION,
                    application.id,
                )
                for manager in await recipients.managers(c, invite.branch_id, admins)
            ],
            now,
        )
        if ending is not None:
            await ending(c)
    return Submitted(application, None, match)


DecisionResult = Literal["approved", "rejected", "already_decided", "forbidden", "missing"]


@dataclass(frozen=True)
class Decision:
    result: DecisionResult
    application: Application | None
    member: Member | None = None
    branch: Unit | None = None


async def decide(
    db: Database, clock: Clock, application_id: int, approve: bool, by: Actor, makeup_days: int = 0
) -> Decision:
    """Approve (making or claiming the member record) or reject, once; the applicant's
    answer — and, for someone working away, what they missed — is queued with it."""
    now = clock.now()
    async with db.tx() as c:
        application = await member_repo.get_application(c, application_id)
        if application is None:
            return Decision("missing", None)
        branch = await org_repo.get_unit(c, application.branch_id)
        if not by.manages(application.branch_id):
            return Decision("forbidden", application, branch=branch)
        state: Literal["approved", "rejected"] = "approved" if approve else "rejected"
        if not await member_repo.decide_application(c, application_id, state, by.telegram_id, now):
            current = await member_repo.get_application(c, application_id)
            return Decision("already_decided", current, branch=branch)
        member = await _admit(c, application, now) if approve else None
        missed = await queue_make_up(c, member, makeup_days, now) if member else 0
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope(
                    f"application:{application_id}:decision",
                    application.telegram_id,
                    OutboxKind.DECISION,
                    application_id,
                    {"makeup": missed},
                )
            ],
            now,
        )
        await audit.record(
            c,
            now,
            f"tg:{by.telegram_id}",
            f"application.{state}",
            f"branch:{application.branch_id}",
            f"application={application_id} member={member.id if member else ''}",
        )
        decided = await member_repo.get_application(c, application_id)
    return Decision(state, decided, member, branch)


async def _admit(c: Conn, application: Application, now: datetime) -> Member:
    new = NewMember(
        branch_id=application.branch_id,
        name=application.name,
        birth_year=application.birth_year,
        status=application.status,
        phone=application.phone or None,
        telegram_id=application.telegram_id,
        state="active",
        flowing=application.flowing,
        flow_city=application.flow_city,
        flow_employer=application.flow_employer,
        flow_since=application.flow_since,
    )
    match = None
    if application.match_member_id is not None:
        match = await member_repo.get_member(c, application.match_member_id)
    if match is not None and match.telegram_id is None and match.state == "active":
        # The roster row is the record of this person: keep its key, branch and history
        # (and its phone, if the applicant gave none).
        kept = {"branch_id"} | (set() if application.phone else {"phone"})
        await member_repo.update_member(
            c, match.id, new.model_dump(include=new.model_fields_set - kept), now
        )
        member = await member_repo.get_member(c, match.id)
    else:
        member = await member_repo.insert_member(c, new, now)
    assert member is not None
    return member


async def set_flowing(
    db: Database,
    clock: Clock,
    member_id: int,
    *,
    away: bool,
    city: str | None = None,
    employer: str | None = None,
    since: date | None = None,
    host_branch_id: int | None = None,
    host_name: str | None = None,
    makeup_days: int = 0,
    seasons: list[Season] | None = None,
    admins: list[int] | None = None,
    ending: Statement | None = None,
) -> tuple[Member, int]:
    """Working away (with where, and the host organisation if they named one) or back
    home. Queued with the change: for someone who starts working away, what their branch's
    flowing members were sent in the last ``makeup_days`` days, and a line to the
    secretaries; for someone back home, their catch-up message and the secretaries' line
    or season's list (bot/homecoming.py). Returns the member and how many materials were
    made up."""
    now = clock.now()
    fields: dict[str, object] = {"flowing": away}
    if away:
        fields.update(
            flow_city=city,
            flow_employer=employer,
            flow_since=since,
            host_branch_id=host_branch_id,
            host_name=host_name,
        )
    else:
        fields.update(
            flow_city=None, flow_employer=None, flow_since=None, host_branch_id=None, host_name=None
        )
    async with db.tx() as c:
        before = await member_repo.get_member(c, member_id)
        await member_repo.update_member(c, member_id, fields, now)
        member = await member_repo.get_member(c, member_id)
        assert member is not None and before is not None
        missed = (
            await queue_make_up(c, member, makeup_days, now) if away and not before.flowing else 0
        )
        if away:
            await homecoming.on_departure(c, member, now, admins or [])
        elif before.flowing:
            await homecoming.on_return(c, member, now, clock.today(), seasons or [], admins or [])
        await audit.record(
            c,
            now,
            f"member:{member_id}",
            "member.flow",
            f"member:{member_id}",
            "away" if away else "back",
        )
        if ending is not None:
            await ending(c)
    return member, missed


async def check_host(db: Database, member: Member, branch_id: int) -> Unit:
    """A host branch a member may name: a branch of the county other than their own."""
    async with db.read() as c:
        unit = await org_repo.get_unit(c, branch_id)
    if unit is None or unit.kind != "branch" or unit.id == member.branch_id:
        raise InvalidInput(N_("Please choose with the buttons."))
    return unit


async def set_host(
    db: Database,
    clock: Clock,
    member_id: int,
    host_branch_id: int | None,
    host_name: str | None,
    ending: Statement | None = None,
) -> Member | None:
    """A member working away names the party organisation where they live (流入地党组织):
    a branch of the county — whose sessions then invite them — or one outside it. None
    if they are no longer working away."""
    now = clock.now()
    async with db.tx() as c:
        before = await member_repo.get_member(c, member_id)
        if before is None or not before.flowing:
            return None
        await member_repo.update_member(
            c, member_id, {"host_branch_id": host_branch_id, "host_name": host_name}, now
        )
        await audit.record(
            c,
            now,
            f"member:{member_id}",
            "member.host",
            f"member:{member_id}",
            audit.changes(
                host_branch_id=(before.host_branch_id, host_branch_id),
                host_name=(before.host_name, host_name),
            ),
        )
        if ending is not None:
            await ending(c)
        return await member_repo.get_member(c, member_id)


async def update_profile(
    db: Database,
    clock: Clock,
    member_id: int,
    fields: dict[str, object],
    ending: Statement | None = None,
) -> Member:
    """A member edits their own profile (phone, birth year, where check-in comes)."""
    allowed = {"phone", "birth_year", "checkin_private"}
    if set(fields) - allowed:
        raise ValueError(f"members may only edit {sorted(allowed)}")
    now = clock.now()
    async with db.tx() as c:
        await member_repo.update_member(c, member_id, fields, now)
        member = await member_repo.get_member(c, member_id)
        if ending is not None:
            await ending(c)
    assert member is not None
    return member


async def pending_for(db: Database, actor: Actor) -> list[tuple[Application, Member | None]]:
    """Requests to join that ``actor`` may decide, oldest first, with any roster match."""
    async with db.read() as c:
        scope = actor.branch_scope
        branch_ids: list[int | None] = [None] if scope is None else [*sorted(scope)]
        pending: list[tuple[Application, Member | None]] = []
        for branch_id in branch_ids:
            for application in await member_repo.pending_applications(c, branch_id):
                match = (
                    await member_repo.get_member(c, application.match_member_id)
                    if application.match_member_id
                    else None
                )
                pending.append((application, match))
    pending.sort(key=lambda pair: pair[0].id)
    return pending


async def live_invites(db: Database, clock: Clock, branch_id: int) -> list[Invite]:
    async with db.read() as c:
        return await org_repo.live_invites(c, branch_id, clock.now())


async def remove_member(
    db: Database, clock: Clock, member_id: int, reason: str, by: Actor, admins: list[int]
) -> bool:
    """Take a member off the roster (left, moved, died): the row stays, with everything
    that points at it, so past sessions and notes keep their people. The Telegram account
    is let go, so the person can join another branch later as a new member; being the
    branch's secretary ends with it (a leader's appointment stays, and staff are told).
    Once, and only by someone who manages the member's branch at that moment."""
    if reason not in REMOVAL_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    now = clock.now()
    async with db.tx() as c:
        member = await member_repo.get_member(c, member_id)
        if member is None or member.state != "active" or not by.manages(member.branch_id):
            return False
        await member_repo.update_member(
            c, member_id, {"state": "removed", "telegram_id": None}, now
        )
        actor = f"tg:{by.telegram_id}"
        await audit.record(c, now, actor, "member.remove", f"member:{member_id}", reason)
        if member.telegram_id is not None:
            staff = sorted(
                set(admins) | {r.telegram_id for r in await org_repo.holders(c, "staff")}
            )
            await roles.end_membership_roles_in(
                c, now, actor, member.telegram_id, member.branch_id, staff, reason
            )
    return True


async def set_committee(
    db: Database, clock: Clock, member_id: int, on: bool, by: Actor
) -> Member | None:
    """Put a member on the branch committee or take them off it: committee meetings invite
    exactly these. None if the member is not one the actor manages (or is gone)."""
    now = clock.now()
    async with db.tx() as c:
        found = await member_repo.get_member(c, member_id)
        if found is None or found.state != "active" or not by.manages(found.branch_id):
            return None
        if found.committee != on:
            await member_repo.update_member(c, member_id, {"committee": on}, now)
            await audit.record(
                c,
                now,
                f"tg:{by.telegram_id}",
                "member.committee",
                f"member:{member_id}",
                audit.changes(committee=(found.committee, on)),
            )
        return await member_repo.get_member(c, member_id)


async def member(db: Database, member_id: int) -> Member | None:
    async with db.read() as c:
        return await member_repo.get_member(c, member_id)


async def roster(db: Database, branch_id: int) -> list[MemberView]:
    async with db.read() as c:
        return await member_repo.branch_roster(c, branch_id)
