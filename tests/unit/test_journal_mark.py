"""The journal's high-water mark: one row per batch, "done" as a mark over a finished
prefix plus the runs finished above it. What a restart hands back must be exactly what a
mark per update handed back: every update not finished, oldest first, nothing finished,
and an update fetched twice is not handled twice.

A restart here is a new Journal on the same database file, after the old one wrote the
marks it had written (a crash loses only what was not written yet).
"""

from __future__ import annotations

import json
from datetime import timedelta

from telegram import Update

from bot.clock import FrozenClock
from bot.journal import Journal
from storage import operations
from storage.db import Database
from tests.conftest import START


def _update(update_id: int) -> tuple[Update, str]:
    data = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "text": f"u{update_id}",
            "chat": {"id": 7, "type": "private"},
            "from": {"id": 7, "is_bot": False, "first_name": "甲"},
        },
    }
    return Update.de_json(data, None), json.dumps(data, ensure_ascii=False)


def _batch(*ids: int) -> tuple[list[Update], dict[int, str]]:
    made = [_update(i) for i in ids]
    return [u for u, _ in made], {u.update_id: raw for u, raw in made}


async def _started(db: Database, clock: FrozenClock) -> tuple[Journal, list[int]]:
    """A journal as the bot starts one: attached, then asked what to handle again."""
    journal = Journal()
    journal.attach(db, clock)
    return journal, [u.update_id for u in await journal.unfinished(None)]  # type: ignore[arg-type]


async def _finish(journal: Journal, *updates: Update) -> None:
    written = [journal.finished(u) for u in updates]
    for future in written:
        assert future is not None
        await future


async def _stored_rows(db: Database) -> tuple[int, int]:
    async with db.read() as c:
        batches = await c.execute_fetchall("SELECT count(*) FROM inbox_batches")
        marks = await c.execute_fetchall("SELECT count(*) FROM inbox_mark")
    return int(next(iter(batches))[0]), int(next(iter(marks))[0])


async def test_finished_out_of_order_then_a_crash_hands_back_only_the_unfinished(
    db: Database,
) -> None:
    clock = FrozenClock(START)
    journal, again = await _started(db, clock)
    assert again == []
    updates, raw = _batch(101, 102, 103, 104, 105)
    assert await journal.record(updates, raw)
    assert await _stored_rows(db) == (1, 1)  # one row for the batch, one for the mark
    u101, u102, u103, u104, u105 = updates
    await _finish(journal, u102, u104, u105)  # the first is still running
    assert journal.mark().through == 0 and journal.mark().above == [(2, 2), (4, 5)]
    await _finish(journal, u101)  # the prefix grows over 102, and stops before 103
    assert journal.mark().through == 2 and journal.mark().above == [(4, 5)]

    journal.detach()  # killed: 103 never finished
    journal, again = await _started(db, clock)
    assert again == [103]
    assert journal.is_replay(u103) and not journal.is_replay(u104)
    await _finish(journal, u103)
    assert journal.mark().through == 5 and journal.mark().above == []
    journal.detach()
    _, again = await _started(db, clock)
    assert again == []


async def test_a_batch_half_done_comes_back_first_and_its_refetch_is_not_handled_twice(
    db: Database,
) -> None:
    clock = FrozenClock(START)
    journal, _ = await _started(db, clock)
    updates, raw = _batch(201, 202, 203, 204)
    assert await journal.record(updates, raw)
    await _finish(journal, updates[0], updates[1])
    journal.finished(updates[2])  # finished, but killed before its mark was written
    journal.detach()

    journal, again = await _started(db, clock)
    assert again == [203, 204]  # oldest first, before anything fetched from now on
    # Telegram was never told the batch arrived: it hands it out again, with a new one.
    refetched, raw = _batch(201, 202, 203, 204, 205)
    assert await journal.record(refetched, raw)
    assert [journal.is_repeat(u) for u in refetched] == [True, True, True, True, False]
    await _finish(journal, updates[2], updates[3], refetched[4])
    assert journal.mark().through == 5 and journal.mark().above == []
    async with db.read() as c:
        rows = await c.execute_fetchall(
            "SELECT update_id, position, done_at IS NOT NULL FROM inbox ORDER BY position"
        )
    assert [tuple(r) for r in rows] == [
        (201, 1, 1),
        (202, 2, 1),
        (203, 3, 1),
        (204, 4, 1),
        (205, 5, 1),
    ]
    async with db.read() as c:
        health = await operations.health(c, clock.now())
    assert health.unfinished_updates == 0 and health.last_update_at == clock.now()


async def test_webhook_updates_one_batch_each_a_repost_not_handled_twice(db: Database) -> None:
    clock = FrozenClock(START)
    journal, _ = await _started(db, clock)
    (first, first_raw), (second, second_raw) = _update(301), _update(302)
    assert await journal.receive(second, second_raw)  # posted out of order, concurrently
    assert await journal.receive(first, first_raw)
    assert not await journal.receive(second, second_raw)  # Telegram got no 200: again
    await _finish(journal, first)
    journal.detach()

    journal, again = await _started(db, clock)
    assert again == [302]
    assert not await journal.receive(second, second_raw)  # still recognised after restart
    clock.advance(timedelta(days=2))
    await journal.forget_old()
    async with db.read() as c:
        left = await c.execute_fetchall(
            "SELECT update_id, done_at IS NOT NULL FROM inbox ORDER BY position"
        )
    # Nothing is forgotten above the mark: 302 came first and is not finished.
    assert [tuple(r) for r in left] == [(302, 0), (301, 1)]
    await _finish(journal, second)
    await journal.forget_old()
    async with db.read() as c:
        assert await c.execute_fetchall("SELECT update_id FROM inbox") == []


async def test_a_mark_that_could_not_be_written_is_carried_by_the_next(db: Database) -> None:
    """A mark that failed (not a full disk: nothing to wait for) is not lost: the mark is
    one row, and the next write carries everything finished so far."""
    clock = FrozenClock(START)
    journal, _ = await _started(db, clock)
    updates, raw = _batch(401, 402)
    assert await journal.record(updates, raw)
    async with db.tx() as c:
        await c.execute(
            "CREATE TRIGGER refuse BEFORE UPDATE ON inbox_mark "
            "BEGIN SELECT raise(ABORT, 'refused'); END"
        )
    await _finish(journal, updates[0])
    async with db.tx() as c:
        await c.execute("DROP TRIGGER refuse")
    await _finish(journal, updates[1])
    journal.detach()
    _, again = await _started(db, clock)
    assert again == []
