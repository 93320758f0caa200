"""Who is asking, and what they may do.

Roles are data (the ``roles`` table, plus ``ZHIBU_ADMINS`` for staff). Every handler that
reveals or changes something asks an :class:`Actor` here rather than deciding itself, so
the rules live in one place and the access tests can walk them as a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from storage import members as member_repo
from storage import org as org_repo
from storage.db import Database
from storage.models import Application, Member


class Role(StrEnum):
    """What a person is to the bot, most powerful last (used for /help and the menu)."""

    STRANGER = "stranger"
    APPLICANT = "applicant"
    MEMBER = "member"
    LEADER = "leader"
    SECRETARY = "secretary"
    STAFF = "staff"


@dataclass(frozen=True)
class Actor:
    telegram_id: int
    member: Member | None = None
    application: Application | None = None
    staff: bool = False
    secretary_of: frozenset[int] = field(default_factory=frozenset)
    leader: bool = False
    contact_points: frozenset[int] = field(default_factory=frozenset)

    @property
    def active_member(self) -> Member | None:
        return self.member if self.member is not None and self.member.state == "active" else None

    @property
    def roles(self) -> set[Role]:
        found: set[Role] = set()
        if self.active_member is not None:
            found.add(Role.MEMBER)
        elif self.application is not None:
            found.add(Role.APPLICANT)
        if self.secretary_of:
            found.add(Role.SECRETARY)
        if self.leader:
            found.add(Role.LEADER)
        if self.staff:
            found.add(Role.STAFF)
        return found or {Role.STRANGER}

    @property
    def known(self) -> bool:
        """Has any standing in the organisation (not a stranger or a mere applicant)."""
        return bool(self.roles - {Role.STRANGER, Role.APPLICANT})

    def manages(self, branch_id: int) -> bool:
        """May see the roster of, invite to, approve for, and bind a chat to this branch."""
        return self.staff or branch_id in self.secretary_of

    @property
    def managed_branch_ids(self) -> frozenset[int]:
        return self.secretary_of


async def load_actor(db: Database, telegram_id: int, admins: list[int]) -> Actor:
    async with db.read() as c:
        member = await member_repo.member_of_user(c, telegram_id)
        application = await member_repo.pending_application_of(c, telegram_id)
        roles = await org_repo.roles_of(c, telegram_id)
        points = await org_repo.contact_points_of(c, telegram_id)
    return Actor(
        telegram_id=telegram_id,
        member=member,
        application=application,
        staff=telegram_id in admins or any(r.role == "staff" for r in roles),
        secretary_of=frozenset(
            r.unit_id for r in roles if r.role == "secretary" and r.unit_id is not None),
        leader=any(r.role == "leader" for r in roles),
        contact_points=frozenset(p.branch_id for p in points),
    )
