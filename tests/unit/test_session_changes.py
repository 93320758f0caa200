"""What still waits in the outbox for a session's old time when it is moved or cancelled
is not sent: dropped in the change's own transaction, and — for a row the sender had
already taken — rendered as nothing. (The flows through the bot, where every message
has gone out before the change, are in tests/e2e/test_cancel_and_move.py.)"""

from __future__ import annotations

from datetime import timedelta

from bot import meetings, notes, renderers, session_changes
from bot.clock import FrozenClock
from bot.meetings import Windows
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import outbox as outbox_repo
from storage.db import Database
from storage.models import NewMeeting, NewMember, OutboxKind, OutboxRow
from tests.conftest import START, seed_county

WINDOWS = Windows(
    before=timedelta(minutes=30), after=timedelta(minutes=60), reminder=timedelta(minutes=60)
)
POLICY = notes.NotePolicy(frozenset({"lesson"}), 14)
SECRETARY = 700
STARTS = START.replace(hour=19, minute=30) + timedelta(days=1)  # 2026-11-25 19:30


async def lesson(db: Database, clock: FrozenClock) -> int:
    """A party lesson tomorrow evening for two members with Telegram (and the roster's
    two without)."""
    county = await seed_county(db, clock)
    now = clock.now()
    async with db.tx() as c:
        for number, name in enumerate(("张三", "李四"), start=1):
            await member_repo.touch_user(c, 900 + number, name, None, "zh-hans", now, private=True)
            await member_repo.insert_member(
                c,
                NewMember(
                    branch_id=county["east"],
                    name=name,
                    status="full",
                    state="active",
                    telegram_id=900 + number,
                ),
                now,
            )
        meeting = await meeting_repo.add_meeting(
            c,
            NewMeeting(
                branch_id=county["east"],
                kind="lesson",
                starts_at=STARTS,
                place="村委会",
                topic="学习党章",
                created_by=SECRETARY,
            ),
            now,
        )
    return meeting.id


async def rows(db: Database) -> dict[str, OutboxRow]:
    async with db.read() as c, c.execute("SELECT id FROM outbox ORDER BY id") as cur:
        found = [await outbox_repo.get(c, int(row[0])) for row in await cur.fetchall()]
    return {row.key: row for row in found if row is not None}


async def rendered(db: Database, clock: FrozenClock, row: OutboxRow) -> str | None:
    out = await renderers.build()[OutboxKind(row.kind)](db, clock, row)
    return None if out is None else out.text


async def test_reminders_queued_for_the_old_time_are_not_sent(db: Database) -> None:
    clock = FrozenClock(START)
    meeting_id = await lesson(db, clock)
    clock.set(STARTS - timedelta(days=1))
    assert await meetings.advance(db, clock, WINDOWS, [], POLICY) == 2
    queued = await rows(db)
    old = queued["meeting:1:day:member:3"]
    assert old.state == "queued" and old.payload["moves"] == 0

    # Moved to the day after, before the sender took them.
    clock.set(clock.now() + timedelta(minutes=5))
    assert await session_changes.move(
        db, clock, WINDOWS, meeting_id, STARTS + timedelta(days=1), SECRETARY
    ) == ("done", 2)
    after = await rows(db)
    assert {
        key: (row.state, row.error) for key, row in after.items() if row.kind == "meeting_reminder"
    } == {
        "meeting:1:day:member:3": ("dropped", "session moved"),
        "meeting:1:day:member:4": ("dropped", "session moved"),
    }
    told = after["meeting:1:t1:moved:member:3"]
    assert told.state == "queued"
    # A row the sender had taken before the move renders as nothing: no "tomorrow" for
    # a day that is not the session's any more.
    assert await rendered(db, clock, old) is None
    text = await rendered(db, clock, told)
    assert text is not None and "时间：2026-11-26 19:30" in text

    # At the new time, the reminders are new messages, with the new time.
    clock.set(STARTS)
    assert await meetings.advance(db, clock, WINDOWS, [], POLICY) == 2
    new = (await rows(db))["meeting:1:t1:day:member:3"]
    text = await rendered(db, clock, new)
    assert text is not None and text.startswith("⏰ <b>明天</b>")
    assert "时间：2026-11-26 19:30" in text

    # Moved again: the first move's message, if still waiting, is not sent either.
    assert (
        await session_changes.move(
            db, clock, WINDOWS, meeting_id, STARTS + timedelta(days=2), SECRETARY
        )
    )[0] == "done"
    assert await rendered(db, clock, told) is None
    assert await rendered(db, clock, new) is None


async def test_a_cancelled_session_sends_nothing_that_waited(db: Database) -> None:
    clock = FrozenClock(START)
    meeting_id = await lesson(db, clock)
    clock.set(STARTS - timedelta(minutes=30))  # the hour's reminder and the check-in post
    await meetings.advance(db, clock, WINDOWS, [], POLICY)
    waiting = await rows(db)
    assert {row.kind for row in waiting.values()} == {"meeting_reminder", "meeting_open"}
    assert await session_changes.cancel(db, clock, meeting_id, SECRETARY, "weather", None) == (
        "done",
        2,
    )
    after = await rows(db)
    assert {row.state for key, row in after.items() if key in waiting} == {"dropped"}
    for row in waiting.values():
        assert await rendered(db, clock, row) is None
    told = after["meeting:1:cancelled:member:3"]
    text = await rendered(db, clock, told)
    assert text is not None and "原因：恶劣天气" in text
    assert await session_changes.cancel(db, clock, meeting_id, SECRETARY, "weather", None) == (
        "cancelled",
        0,
    )
    clock.set(STARTS + timedelta(hours=2))
    assert await meetings.advance(db, clock, WINDOWS, [], POLICY) == 0
    async with db.read() as c:
        assert await meeting_repo.attendance_count(c, meeting_id) == 0
