"""Who is asking, and what they may do.

Roles are data (the ``roles`` table, plus ``ZHIBU_ADMINS`` for staff). Every handler that
reveals or changes something asks an :class:`Actor` here rather than deciding itself, so
the rules live in one place and the access tests can walk them as a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from storage import people
from storage.db import Database
from storage.models import Application, Member, User


class Role(StrEnum):
    """What a person is to the bot, most powerful last (used for /help and the menu)."""

    STRANGER = "stranger"
    APPLICANT = "applicant"
    MEMBER = "member"
    LEADER = "leader"
    SECRETARY = "secretary"
    TOWNSHIP = "township"  # township staff: their township's branches, as staff the county's
    STAFF = "staff"


@dataclass(frozen=True)
class Actor:
    telegram_id: int
    user: User | None = None
    member: Member | None = None
    application: Application | None = None
    staff: bool = False
    secretary_of: frozenset[int] = field(default_factory=frozenset)
    leader: bool = False
    contact_points: frozenset[int] = field(default_factory=frozenset)
    # Township staff (乡镇党委书记, 组织委员): the townships, and the branches under them.
    townships: frozenset[int] = field(default_factory=frozenset)
    township_branches: frozenset[int] = field(default_factory=frozenset)

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
        if self.townships:
            found.add(Role.TOWNSHIP)
        if self.staff:
            found.add(Role.STAFF)
        return found or {Role.STRANGER}

    @property
    def has_own_menu(self) -> bool:
        """Holds a role whose commands everyone's menu does not list."""
        return bool(self.roles - {Role.STRANGER, Role.APPLICANT, Role.MEMBER})

    @property
    def known(self) -> bool:
        """Has any standing in the organisation (not a stranger or a mere applicant)."""
        return bool(self.roles - {Role.STRANGER, Role.APPLICANT})

    @property
    def oversees_any(self) -> bool:
        """Staff of some scope: the county (county staff) or a township (township staff)."""
        return self.staff or bool(self.townships)

    def oversees(self, unit_id: int) -> bool:
        """Acts as staff for this unit: county staff for every unit, township staff for
        their township and its branches — and nothing outside it."""
        return self.staff or unit_id in self.townships or unit_id in self.township_branches

    @property
    def branch_scope(self) -> frozenset[int] | None:
        """The branches whose work one sees and manages: None = all (county staff); else
        one's own as secretary and one's township's as township staff."""
        return None if self.staff else self.secretary_of | self.township_branches

    def manages(self, branch_id: int) -> bool:
        """May see the roster of, invite to, approve for, and bind a chat to this branch
        (or, for a township, address it as a whole)."""
        return branch_id in self.secretary_of or self.oversees(branch_id)

    @property
    def managed_branch_ids(self) -> frozenset[int]:
        return self.secretary_of | self.township_branches

    @property
    def manages_any(self) -> bool:
        """Has a branch to manage (a secretary), a township's, or all of them (staff)."""
        return self.oversees_any or bool(self.secretary_of)

    def reads_sessions_of(self, branch_id: int) -> bool:
        """Opens a branch's session records (/meetings): whoever manages it, and a leader
        whose contact point it is — to read only, since they study the village's work
        rather than keep its records."""
        return self.manages(branch_id) or self.visits_at(branch_id)

    @property
    def reads_any_sessions(self) -> bool:
        return self.manages_any or (self.leader and bool(self.contact_points))

    def visits_at(self, branch_id: int) -> bool:
        """May log a visit to this branch: it is one of their contact points now."""
        return self.leader and branch_id in self.contact_points

    def may_change_visit(self, leader_id: int, branch_id: int) -> bool:
        """Staff any visit (township staff those at their township's branches); a leader
        their own, while its branch is still their contact point (how long after is
        :func:`bot.visits.correctable`'s rule)."""
        return self.oversees(branch_id) or (
            leader_id == self.telegram_id and self.visits_at(branch_id)
        )

    def confirms_visits_at(self, branch_id: int) -> bool:
        """The contact-point branch's own secretary confirms a visit, not staff."""
        return branch_id in self.secretary_of

    def may_mark_solved(self, leader_id: int, branch_id: int) -> bool:
        """A problem found on a visit is marked solved by staff, the branch's secretary
        (who sees it solved on the ground), or the visit's leader while the branch is still
        their contact point — at any time, not only in the 7 days of corrections."""
        return self.may_change_visit(leader_id, branch_id) or branch_id in self.secretary_of

    def sees_visit(self, leader_id: int, branch_id: int) -> bool:
        """Opens a visit's whole record (its voice record and location too): staff, the
        branch's secretary, and the leader who logged it (their own record, also after the
        branch stopped being their contact point)."""
        return (
            self.oversees(branch_id)
            or branch_id in self.secretary_of
            or leader_id == self.telegram_id
        )


async def load_actor(db: Database, telegram_id: int, admins: list[int]) -> Actor:
    async with db.read() as c:
        found = await people.person(c, telegram_id)
    return actor_of(found, telegram_id, admins)


def actor_of(found: people.Person, telegram_id: int, admins: list[int]) -> Actor:
    return Actor(
        telegram_id=telegram_id,
        user=found.user,
        member=found.member,
        application=found.application,
        staff=telegram_id in admins or any(role == "staff" for role, _ in found.roles),
        secretary_of=frozenset(
            unit for role, unit in found.roles if role == "secretary" and unit is not None
        ),
        leader=any(role == "leader" for role, _ in found.roles),
        contact_points=frozenset(found.contact_points),
        townships=frozenset(
            unit for role, unit in found.roles if role == "township" and unit is not None
        ),
        township_branches=frozenset(found.township_branches),
    )
