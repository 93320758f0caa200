"""Each rule is written once; where a rule must be said both in SQL (for queries) and in
Python (for what one member is shown), the two are held together here.

* The check-in rule lives in SQL alone (storage.meetings.CHECK_IN_RULE): the check-in
  writes under it, and a refusal is read from the same conditions — walked here through
  every answer a press can get.
* "Working away from a session's branch" is storage.meetings.AWAY_FROM for rows and
  bot.meetings.away_from for what a member is shown: the same for every combination.
* Who must write notes, and why not, lives in SQL alone (storage.notes.EXEMPTION): the
  queries of what is owed and the reason told to one member both ask it.
* Numbers that are rules reach the messages from their constants.

Rows are written with plain INSERTs, as in test_invited_query.py: the rules read them,
whatever the repositories' write API."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest

from bot import meetings, notes, visits
from bot.clock import FrozenClock
from bot.i18n import translator
from bot.meetings import Windows
from bot.profile import InvalidInput
from handlers.visits import _change_answer
from storage import meetings as meeting_repo
from storage import notes as note_repo
from storage.db import Conn, Database
from storage.models import Meeting, Member
from storage.rows import fetch_all, fetch_one, ts
from tests.conftest import START

WINDOWS = Windows(
    before=timedelta(minutes=30), after=timedelta(minutes=30), reminder=timedelta(hours=1)
)


async def _branches(c: Conn, now: datetime) -> tuple[int, int]:
    await c.execute(
        "INSERT INTO units (id, kind, name, parent_id, created_at) "
        "VALUES (1, 'county', '青山县', NULL, ?)",
        (ts(now),),
    )
    for unit_id, name in ((2, "东岭村党支部"), (3, "南坡村党支部")):
        await c.execute(
            "INSERT INTO units (id, kind, name, parent_id, created_at) "
            "VALUES (?, 'branch', ?, 1, ?)",
            (unit_id, name, ts(now)),
        )
    return 2, 3


async def _member(
    c: Conn,
    now: datetime,
    branch: int,
    name: str,
    *,
    flowing: bool = False,
    host: int | None = None,
    no_writing: bool = False,
    birth_year: int | None = None,
    state: str = "active",
) -> Member:
    cur = await c.execute(
        """INSERT INTO members (branch_id, name, status, state, flowing, host_branch_id,
                                no_writing, birth_year, created_at, updated_at)
           VALUES (?, ?, 'full', ?, ?, ?, ?, ?, ?, ?)""",
        (branch, name, state, int(flowing), host, int(no_writing), birth_year, ts(now), ts(now)),
    )
    member = await fetch_one(c, Member, "SELECT * FROM members WHERE id = ?", (cur.lastrowid,))
    assert member is not None
    return member


async def _meeting(
    c: Conn,
    now: datetime,
    branch: int,
    starts_at: datetime,
    *,
    remote: bool = False,
    state: str = "scheduled",
    leadership: bool = False,
) -> Meeting:
    cur = await c.execute(
        """INSERT INTO meetings (branch_id, kind, starts_at, place, topic, remote_allowed,
                                 state, leadership, created_by, created_at)
           VALUES (?, 'lesson', ?, '村委会', '学习党章', ?, ?, ?, 1, ?)""",
        (branch, ts(starts_at), int(remote), state, int(leadership), ts(now)),
    )
    meeting = await meeting_repo.get_meeting(c, int(cur.lastrowid or 0))
    assert meeting is not None
    return meeting


async def test_every_answer_to_a_check_in_comes_from_the_one_rule(db: Database) -> None:
    clock = FrozenClock(START)
    now = clock.now()
    async with db.tx() as c:
        home, host = await _branches(c, now)
        at_home = await _member(c, now, home, "在家")
        away = await _member(c, now, home, "外出", flowing=True, host=host)
        other = await _member(c, now, host, "南坡党员")
        soon = await _meeting(c, now, home, now + timedelta(minutes=10), remote=True)
        no_remote = await _meeting(c, now, home, now + timedelta(minutes=10))
        later = await _meeting(c, now, home, now + timedelta(hours=2))
        past = await _meeting(c, now, home, now - timedelta(hours=1))
        closed = await _meeting(c, now, home, now + timedelta(minutes=10), state="closed")
        cancelled = await _meeting(c, now, home, now + timedelta(minutes=10), state="cancelled")
        at_host = await _meeting(c, now, host, now + timedelta(minutes=10), remote=True)

    async def press(meeting_id: int, member: Member | None, how: str = "present") -> str:
        assert how in ("present", "remote")
        return await meetings.check_in(
            db, clock, WINDOWS, meeting_id, member, "present" if how == "present" else "remote"
        )

    # Refusals first (they write nothing), each the first condition of the rule that fails.
    assert await press(999, at_home) == "gone"
    assert await press(cancelled.id, other) == "cancelled"  # before "not invited"
    assert await press(soon.id, other) == "not_invited"
    assert await press(soon.id, None) == "not_invited"
    assert await press(later.id, at_home) == "not_open"
    assert await press(past.id, at_home) == "closed"
    assert await press(closed.id, at_home) == "closed"
    assert await press(no_remote.id, away, "remote") == "no_remote"
    assert await press(soon.id, at_home, "remote") == "not_flowing"
    assert await press(at_host.id, away, "remote") == "not_flowing"  # lives at the host
    # Then what the rule lets through, once.
    assert await press(soon.id, at_home) == "present"
    assert await press(soon.id, at_home) == "already"
    assert await press(soon.id, away, "remote") == "remote"
    assert await press(soon.id, away) == "already"
    assert await press(at_host.id, away) == "present"
    async with db.read() as c:
        rows = await fetch_all(
            c,
            Member,
            "SELECT m.* FROM attendance a JOIN members m "
            "ON m.id = a.member_id ORDER BY a.meeting_id, m.id",
        )
    assert [m.name for m in rows] == ["在家", "外出", "外出"]


async def test_away_from_a_sessions_branch_is_the_same_in_sql_and_python(db: Database) -> None:
    now = FrozenClock(START).now()
    async with db.tx() as c:
        home, host = await _branches(c, now)
        people = [
            await _member(
                c,
                now,
                branch,
                f"党员{n}",
                flowing=flowing,
                host=host if flowing and branch == home else None,
            )
            for n, (branch, flowing) in enumerate(itertools.product((home, host), (False, True)))
        ]
        sessions = [
            await _meeting(c, now, branch, now, remote=remote)
            for branch, remote in itertools.product((home, host), (False, True))
        ]
        # A township's study for its leadership (held by the unit above the branches).
        sessions.append(await _meeting(c, now, 1, now, leadership=True))
        for session in sessions:
            found = await fetch_all(
                c,
                Member,
                f"""SELECT m.* FROM meetings mt JOIN members m
                               WHERE mt.id = ? AND {meeting_repo.AWAY_FROM}""",
                (session.id,),
            )
            by_sql = {m.id for m in found}
            by_python = {m.id for m in people if meetings.away_from(m, session)}
            assert by_sql == by_python, session
    assert any(meetings.away_from(m, s) for m in people for s in sessions)  # not all empty


async def test_who_must_write_notes_is_one_rule_with_its_reason(db: Database) -> None:
    """storage.notes.EXEMPTION is the rule: the queries of what is owed (``_REQUIRED``)
    and the reason told to one member (``exemptions``) both ask it — checked here against
    the guidelines' words, for every combination, on either side of the age."""

    def guidelines(flowing: bool, no_writing: bool, born: int | None, year: int) -> str | None:
        if flowing:
            return "flowing"
        if born is not None and year - born >= 60:
            return "age"
        return "no_writing" if no_writing else None

    now = FrozenClock(START).now()
    async with db.tx() as c:
        home, _ = await _branches(c, now)
        combinations = list(
            itertools.product((False, True), (False, True), (None, 1940, 1965, 1966, 1967, 1990))
        )
        people = [
            await _member(
                c, now, home, f"党员{n}", flowing=flowing, no_writing=no_writing, birth_year=born
            )
            for n, (flowing, no_writing, born) in enumerate(combinations)
        ]
        for year in (2025, 2026, 2027):
            expected = {
                m.id: guidelines(*combination, year)
                for m, combination in zip(people, combinations, strict=True)
            }
            assert await note_repo.exemptions(c, expected, year) == {
                member: why for member, why in expected.items() if why is not None
            }, year
            required = await fetch_all(
                c, Member, f"SELECT m.* FROM members m WHERE {note_repo._REQUIRED}", {"year": year}
            )
            assert {m.id for m in required} == {
                member for member, why in expected.items() if why is None
            }, year
    assert note_repo.EXEMPT_AGE == 60  # the guidelines' age, as the oracle above says


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_numbers_that_are_rules_come_from_their_constants(
    language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tr = translator(language)
    assert str(note_repo.EXEMPT_AGE) in notes.exemption_text(tr, "age")
    assert f" {visits.CORRECTION_DAYS} " in _change_answer(tr, "too_late")
    monkeypatch.setattr(notes, "EXEMPT_AGE", 65)
    monkeypatch.setattr(visits, "CORRECTION_DAYS", 10)
    assert "65" in notes.exemption_text(tr, "age")
    assert " 10 " in _change_answer(tr, "too_late")
    with pytest.raises(InvalidInput) as refused:
        visits.check_visit_day(date(2026, 1, 1), date(2026, 6, 1))
    assert refused.value.fields == {"days": visits.OLDEST_VISIT_DAYS}
