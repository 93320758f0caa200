"""Who a session invites is found by index, and the index changes no one's invitation.

``storage.meetings.INVITED`` is the rule ANDed with a prefilter SQLite can answer from
indexes (the branch's members, those who named it their host, its guests). Here every
query built on it is compared with the rule alone over a mix of members of every kind, so
a prefilter that drops someone fails; and the plan of each is read, so an edit that brings
back the scan of every member (47 ms a session at county scale) fails too."""

from __future__ import annotations

import itertools
import random
import re
from datetime import timedelta
from pathlib import Path

from bot.clock import FrozenClock
from storage import meetings as meeting_repo
from storage import org as org_repo
from storage.db import Conn, Database
from storage.meetings import _INVITED_RULE, AWAY
from storage.models import MeetingAudience, MeetingKind, NewMeeting
from storage.rows import ts
from tests.conftest import START

KINDS: tuple[MeetingKind, ...] = (
    "assembly",
    "committee",
    "group",
    "lesson",
    "activity_day",
    "study",
    "other",
)
AUDIENCES: tuple[MeetingAudience, ...] = ("kind", "listed")
BY = 1


async def _county(c: Conn) -> tuple[list[int], dict[int, list[int]], list[int]]:
    """Three branches with two party groups each, and one member of every combination of
    what the rule looks at; returns the branches, their groups and the members."""
    now = FrozenClock(START).now()
    county = await org_repo.add_unit(c, "county", "青山县", None, now)
    town = await org_repo.add_unit(c, "township", "东镇", county.id, now)
    branches: list[int] = []
    groups: dict[int, list[int]] = {}
    for b in range(3):
        branch = await org_repo.add_unit(c, "branch", f"第{b}支部", town.id, now)
        branches.append(branch.id)
        groups[branch.id] = [
            (await org_repo.add_unit(c, "group", f"第{g}小组", branch.id, now)).id for g in range(2)
        ]
    rows = []
    hosts: list[int | None] = [None, *branches]
    for n, (branch_id, status, state, committee, group, flowing, host) in enumerate(
        itertools.product(
            branches,
            ("full", "probationary", "activist"),
            ("active", "removed", "pending"),
            (0, 1),
            (0, 1, 2),
            (0, 1),
            hosts,
        )
    ):
        telegram_id = 10_000 + n if n % 3 else None
        rows.append(
            (
                branch_id,
                groups[branch_id][group - 1] if group else None,
                f"党员{n}",
                status,
                state,
                committee,
                flowing,
                host,
                telegram_id,
                int(n % 4 == 1),  # on the township's leadership (乡镇领导班子)
                ts(now),
                ts(now),
            )
        )
    await c.executemany(
        "INSERT INTO users (telegram_id, created_at) VALUES (?, ?)",
        [(r[8], ts(now)) for r in rows if r[8] is not None],
    )
    await c.executemany(
        """INSERT INTO members (branch_id, group_id, name, status, state, committee, flowing,
                                host_branch_id, telegram_id, township_leadership,
                                created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        rows,
    )
    members = [r[0] for r in await c.execute_fetchall("SELECT id FROM members ORDER BY id")]
    return branches, groups, members


async def _sessions(
    c: Conn, branches: list[int], groups: dict[int, list[int]], members: list[int]
) -> list[int]:
    """Every kind in every branch, by kind and listed, remote or not; some with guests from
    anywhere (removed ones and activists too); some with attendance rows of anyone."""
    now = FrozenClock(START).now()
    pick = random.Random(16)
    ids = []
    for branch, kind, audience, remote in itertools.product(
        branches, KINDS, AUDIENCES, (False, True)
    ):
        meeting = await meeting_repo.add_meeting(
            c,
            NewMeeting(
                branch_id=branch,
                kind=kind,
                audience=audience,
                remote_allowed=remote,
                group_id=pick.choice(groups[branch]) if kind == "group" else None,
                starts_at=now + timedelta(days=1),
                place="村委会",
                topic="学习",
                created_by=BY,
            ),
            now,
        )
        ids.append(meeting.id)
        if pick.random() < 0.7:
            await meeting_repo.add_guests(c, meeting.id, pick.sample(members, 12), BY, now)
        if pick.random() < 0.5:
            await c.executemany(
                """INSERT INTO attendance (meeting_id, member_id, status, at)
                   VALUES (?, ?, 'absent', ?)""",
                [(meeting.id, m, ts(now)) for m in pick.sample(members, 8)],
            )
    # The township's centralised study for its leadership, held by the township itself.
    town = await c.execute_fetchall("SELECT parent_id FROM units WHERE id = ?", branches[:1])
    for remote, guests in itertools.product((False, True), (False, True)):
        meeting = await meeting_repo.add_meeting(
            c,
            NewMeeting(
                branch_id=int(next(iter(town))[0]),
                kind="study",
                leadership=True,
                remote_allowed=remote,
                starts_at=now + timedelta(days=1),
                place="镇政府",
                topic="集中学习",
                created_by=BY,
            ),
            now,
        )
        ids.append(meeting.id)
        if guests:
            await meeting_repo.add_guests(c, meeting.id, pick.sample(members, 12), BY, now)
    return ids


async def _by_rule(c: Conn, meeting_id: int, extra: str = "") -> list[int]:
    """The rule alone, tested on every member: what the indexed query must find."""
    return [
        r[0]
        for r in await c.execute_fetchall(
            f"""SELECT m.id FROM meetings mt JOIN members m ON {_INVITED_RULE} {extra}
            WHERE mt.id = ? ORDER BY m.id""",
            (meeting_id,),
        )
    ]


async def test_indexed_queries_invite_exactly_whom_the_rule_does(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "invited.sqlite3")
    try:
        async with db.tx() as c:
            branches, groups, members = await _county(c)
            sessions = await _sessions(c, branches, groups, members)
        async with db.read() as c:
            seen: set[int] = set()
            wanted: dict[int, set[int]] = {}
            hosted = guests_from_elsewhere = guests_not_invited = 0
            for meeting_id in sessions:
                meeting = await meeting_repo.get_meeting(c, meeting_id)
                assert meeting is not None
                want = await _by_rule(c, meeting_id)
                got = [m.id for m in await meeting_repo.invited(c, meeting_id)]
                assert got == want, meeting
                assert [
                    m.id for m in await meeting_repo.expected_with_account(c, meeting_id)
                ] == await _by_rule(c, meeting_id, f"AND NOT {AWAY} AND m.telegram_id IS NOT NULL")
                rows = {
                    r[0]
                    for r in await c.execute_fetchall(
                        "SELECT member_id FROM attendance WHERE meeting_id = ?", (meeting_id,)
                    )
                }
                assert sorted(
                    p.member_id for p in await meeting_repo.attendees(c, meeting_id)
                ) == sorted(set(want) | rows), meeting
                for member in members[::29]:
                    assert await meeting_repo.is_invited(c, meeting_id, member) == (member in want)
                guests = [
                    r[0]
                    for r in await c.execute_fetchall(
                        "SELECT member_id FROM meeting_guests WHERE meeting_id = ?", (meeting_id,)
                    )
                ]
                if meeting.audience == "kind":
                    assert await meeting_repo.count_invited_by_kind(
                        c,
                        meeting.branch_id,
                        meeting.kind,
                        meeting.group_id,
                        guests,
                        leadership=meeting.leadership,
                    ) == len(want)
                hosted += len(
                    [
                        m
                        for m in await meeting_repo.invited(c, meeting_id)
                        if m.branch_id != meeting.branch_id and m.id not in guests
                    ]
                )
                guests_from_elsewhere += len(
                    [
                        m
                        for m in await meeting_repo.invited(c, meeting_id)
                        if m.branch_id != meeting.branch_id and m.id in guests
                    ]
                )
                guests_not_invited += len(set(guests) - set(want))
                seen |= set(want)
                wanted[meeting_id] = set(want)
            # The mix is not vacuous: members of other branches are invited, as guests and
            # as those hosted; guests removed or not yet admitted are not; many are invited.
            assert hosted and guests_from_elsewhere and guests_not_invited
            # The leadership's sessions invite the leadership of the township's branches.
            leadership = await meeting_repo.invited(c, sessions[-4])
            assert leadership and all(m.township_leadership for m in leadership)
            assert {m.branch_id for m in leadership} == set(branches)
            assert len(seen) > len(members) // 4
            for member in members[::5]:
                coming = {
                    s.meeting.id
                    for s in await meeting_repo.coming_for(c, member, START - timedelta(days=1))
                }
                assert coming == {s for s in sessions if member in wanted[s]}
    finally:
        await db.close()


async def test_no_query_of_who_is_invited_reads_every_member(tmp_path: Path) -> None:
    """Each statement the invitation queries run, traced as run, is planned with an index
    on members: no ``SCAN`` of them."""
    db = await Database.open(tmp_path / "plans.sqlite3")
    now = FrozenClock(START).now()
    try:
        async with db.tx() as c:
            branches, groups, members = await _county(c)
            sessions = await _sessions(c, branches, groups, members)
        statements: list[str] = []
        async with db.tx() as c:
            await c.set_trace_callback(statements.append)
            meeting_id, member = sessions[0], members[0]
            await meeting_repo.invited(c, meeting_id)
            await meeting_repo.expected_with_account(c, meeting_id)
            await meeting_repo.attendees(c, meeting_id)
            await meeting_repo.is_invited(c, meeting_id, member)
            await meeting_repo.count_invited_by_kind(
                c, branches[0], "activity_day", None, members[:3]
            )
            await meeting_repo.check_in(
                c, meeting_id, member, "present", now, timedelta(hours=1), timedelta(hours=1)
            )
            await meeting_repo.mark_absent(c, meeting_id, now)
            await meeting_repo.coming_for(c, member, now)
            leadership = sessions[-1]  # a township's study for its leadership
            await meeting_repo.invited(c, leadership)
            await meeting_repo.expected_with_account(c, leadership)
            await meeting_repo.attendees(c, leadership)
            await meeting_repo.mark_absent(c, leadership, now)
            await c.set_trace_callback(None)  # type: ignore[arg-type]  # None turns it off
            queries = [s for s in statements if "members m" in s]
            assert len(queries) == 12, statements
            for sql in queries:
                plan = [r[3] for r in await c.execute_fetchall("EXPLAIN QUERY PLAN " + sql)]
                assert not [step for step in plan if re.match(r"SCAN (m|members)\b", step)], (
                    sql,
                    plan,
                )
    finally:
        await db.close()
