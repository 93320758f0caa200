"""The scheduler's tick at a busy moment works in short transactions: one per session, a few
hundred recipients per transaction for a notice and the evening reminders. Someone writing
while it runs (a press, the update journal) waits for one of them, not for the whole tick;
a session or a piece that fails leaves the others done, and the next tick does the rest
with nobody messaged twice."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest

import bot.chunked
from bot import notices
from bot.clock import FrozenClock
from bot.schedule import tick
from sandbox.emulator import SimChat
from storage import meetings as meeting_repo
from storage import notices as notice_repo
from storage.db import Conn
from storage.models import NewMeeting, NewNotice
from tests.e2e.flows import branch_group, make_secretary, registered
from tests.harness import Harness, Person

STARTS = datetime.fromisoformat("2026-11-24T20:30:00+08:00")
SESSIONS = 4


async def sessions(
    h: Harness, county: dict[str, int]
) -> tuple[list[int], dict[int, tuple[SimChat, list[Person]]]]:
    """Four sessions at the same hour, in two branches with a group each (set up, not under
    test): session id → the branch's group and the members it invites."""
    secretary = await make_secretary(h, county["east"])
    east = await registered(h, county["east"], ["张三", "李四"])
    south = await registered(h, county["south"], ["赵六", "钱七"])
    groups = [
        await branch_group(h, county["east"], "东岭村党员群", [secretary, *east]),
        await branch_group(h, county["south"], "南坡村党员群", south),
    ]
    ids, invited = [], {}
    async with h.db.tx() as c:
        for i in range(SESSIONS):
            branch, people = (
                (county["east"], [secretary, *east]) if i % 2 == 0 else (county["south"], south)
            )
            meeting = await meeting_repo.add_meeting(
                c,
                NewMeeting(
                    branch_id=branch,
                    kind="lesson",
                    starts_at=STARTS,
                    place="村委会",
                    topic=f"第{i + 1}课",
                    created_by=secretary.id,
                ),
                h.clock.now(),
            )
            ids.append(meeting.id)
            invited[meeting.id] = (groups[i % 2], people)
    return ids, invited


def once_each(ids: list[int], invited: dict[int, tuple[SimChat, list[Person]]]) -> None:
    """Every session's hour reminder reached each member once, its check-in post the
    branch's group once."""
    for meeting_id, (group, people) in invited.items():
        topic = f"第{ids.index(meeting_id) + 1}课"
        for person in people:
            texts = [t for t in person.sees() if topic in t]
            assert [t[:6] for t in texts] == ["⏰ 即将开始"], (person.user.first_name, texts)
        posts = [t for t in people[0].sees(group) if topic in t]
        assert [t[:6] for t in posts] == ["🔔 开始签到"], posts


async def opened(c: Conn, ids: list[int]) -> int:
    found = [await meeting_repo.get_meeting(c, i) for i in ids]
    return sum(1 for m in found if m is not None and m.opened_at is not None)


async def writes_meanwhile(h: Harness, done: Callable[[Conn], Awaitable[int]]) -> int:
    """Someone else's write while the tick runs: after each of the tick's commits, take the
    write lock and count, in that transaction, how much of the work is done; the first
    count above nothing is returned."""
    committed = asyncio.Event()
    h.db.on_commit = committed.set
    try:
        async with asyncio.timeout(60):
            while True:
                await committed.wait()
                async with h.db.tx() as c:
                    found = await done(c)
                committed.clear()  # this write's own commit
                if found:
                    return found
    finally:
        h.db.on_commit = None


async def test_each_session_is_a_transaction_and_a_writer_goes_between(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    ids, invited = await sessions(h, county)
    clock.set(STARTS - timedelta(minutes=30))  # the hour's reminder and check-in, together

    done, seen = await asyncio.gather(
        tick(h.services), writes_meanwhile(h, lambda c: opened(c, ids))
    )

    assert 1 <= seen < SESSIONS  # in after a session, not after all of them
    assert done > 0
    await h.settle()
    async with h.db.read() as c:
        assert await opened(c, ids) == SESSIONS
    once_each(ids, invited)


async def test_a_session_that_fails_holds_up_no_other_and_the_next_tick_finishes_it(
    h: Harness, county: dict[str, int], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, invited = await sessions(h, county)
    broken = ids[1]  # the second of four
    real = meeting_repo.start_counts

    async def fails_for_one(c: Conn, meeting_id: int, shown: str, now: datetime) -> None:
        if meeting_id == broken:
            raise RuntimeError("injected: this session cannot open")
        await real(c, meeting_id, shown, now)

    monkeypatch.setattr(meeting_repo, "start_counts", fails_for_one)
    clock.set(STARTS - timedelta(minutes=30))
    with pytest.raises(RuntimeError, match="injected"):
        await tick(h.services)
    await h.settle()
    async with h.db.read() as c:
        states = {i: await meeting_repo.get_meeting(c, i) for i in ids}
        rows = await c.execute_fetchall("SELECT key FROM outbox WHERE key LIKE 'meeting:%'")
    # The others opened, before and after it; the broken one kept nothing of its step.
    assert [i for i, m in states.items() if m is not None and m.opened_at is not None] == [
        i for i in ids if i != broken
    ]
    broken_row = states[broken]
    assert broken_row is not None and broken_row.reminded_hour_at is None
    assert not [key for (key,) in rows if str(key).startswith(f"meeting:{broken}:")]

    monkeypatch.setattr(meeting_repo, "start_counts", real)
    clock.set(STARTS - timedelta(minutes=29))
    await h.tick()
    await h.tick()  # and once more: nothing is added
    once_each(ids, invited)


NOTICE = "县委通知：周日集合。"


async def a_notice(h: Harness, county: dict[str, int], by: Person) -> int:
    """A county notice to everyone, scheduled for a moment now past (set up, not under
    test)."""
    async with h.db.tx() as c:
        notice = await notice_repo.add_notice(
            c,
            NewNotice(
                sender=by.id,
                scope_unit_id=county["county"],
                audience="everyone",
                body=NOTICE,
                to_groups=False,
                send_at=h.clock.now(),
            ),
            h.clock.now(),
        )
    return notice.id


async def reached_once(h: Harness, notice_id: int, members: list[Person]) -> None:
    """Everyone has the notice once; it is sent, and its receipts count the two roster
    members without Telegram too."""
    for person in members:
        assert len([t for t in person.sees() if NOTICE in t]) == 1, person.user.first_name
    async with h.db.read() as c:
        notice = await notice_repo.get_notice(c, notice_id)
        assert notice is not None and notice.state == "sent"
        assert len(await notice_repo.recipients(c, notice_id, None)) == len(members) + 2


async def test_a_notice_and_the_evening_reminders_go_in_pieces(
    h: Harness, county: dict[str, int], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.chunked, "CHUNK", 2)
    clock.set(datetime.fromisoformat("2026-11-24T19:00:00+08:00"))
    secretary = await make_secretary(h, county["east"])
    members = [
        secretary,
        *await registered(h, county["east"], ["张三", "李四", "王五"]),
        *await registered(h, county["west"], ["赵六", "钱七", "周九", "吴十"]),
    ]
    notice_id = await a_notice(h, county, secretary)

    async def notice_rows(c: Conn) -> int:
        rows = await c.execute_fetchall(
            "SELECT count(*) FROM outbox WHERE key LIKE ?", (f"notice:{notice_id}:to:%",)
        )
        return int(next(iter(rows))[0])

    _, seen = await asyncio.gather(tick(h.services), writes_meanwhile(h, notice_rows))
    assert 0 < seen < len(members)
    await h.settle()
    await reached_once(h, notice_id, members)

    # At eight the next evening, whoever has not confirmed it is reminded, in pieces too.
    clock.set(datetime.fromisoformat("2026-11-25T20:00:00+08:00"))
    before = {p.user.first_name: len(p.sees()) for p in members}

    async def reminders(c: Conn) -> int:
        rows = await c.execute_fetchall("SELECT count(*) FROM outbox WHERE kind = 'study_reminder'")
        return int(next(iter(rows))[0])

    _, seen = await asyncio.gather(tick(h.services), writes_meanwhile(h, reminders))
    assert 0 < seen < len(members)
    await h.settle()
    await h.restart()
    await h.tick()  # after a restart, the same evening's run again adds nothing
    assert {p.user.first_name: len(p.sees()) - before[p.user.first_name] for p in members} == {
        p.user.first_name: 1 for p in members
    }


async def test_a_notice_cut_off_half_way_is_finished_by_the_next_tick(
    h: Harness, county: dict[str, int], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.chunked, "CHUNK", 2)
    secretary = await make_secretary(h, county["east"])
    members = [secretary, *await registered(h, county["east"], ["张三", "李四", "王五", "孙八"])]
    notice_id = await a_notice(h, county, secretary)
    real = notice_repo.add_recipients
    calls = 0

    async def fails_second(c: Conn, notice: int, rows: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("injected: the process dies here")
        await real(c, notice, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(notice_repo, "add_recipients", fails_second)
    with pytest.raises(RuntimeError, match="injected"):
        await tick(h.services)
    await h.settle()
    async with h.db.read() as c:
        notice = await notice_repo.get_notice(c, notice_id)
        assert notice is not None and notice.state == "scheduled"  # still due
        assert len(await notice_repo.recipients(c, notice_id, None)) == 2  # the first piece
    assert sum(1 for p in members if any(NOTICE in t for t in p.sees())) == 2
    # Some have it already: it can no longer be called back.
    assert await notices.cancel(h.db, clock, notice_id, secretary.id) == "sent"

    monkeypatch.setattr(notice_repo, "add_recipients", real)
    await h.restart()
    await h.tick()
    await reached_once(h, notice_id, members)
