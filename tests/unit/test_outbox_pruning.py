"""What the daily pruning of the outbox takes and what it leaves (storage/delivered.py):
old finished rows go, in chunks; rows still waiting, recent rows, the keys a scheduler asks
about for a whole period, and the rows of a session not yet over stay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import FrozenClock
from bot.outbox_pruning import prune_delivered
from storage import meetings as meeting_repo
from storage import outbox as outbox_repo
from storage.db import Database
from storage.models import NewMeeting, OutboxKind
from tests.conftest import START, seed_county


async def test_old_finished_rows_go_and_what_matters_stays(tmp_path: Path) -> None:
    clock = FrozenClock(START)
    db = await Database.open(tmp_path / "z.sqlite3")
    try:
        county = await seed_county(db, clock)
        old, recent = START, START + timedelta(days=30)
        async with db.tx() as c:
            ended = await meeting_repo.add_meeting(
                c,
                NewMeeting(
                    branch_id=county["east"],
                    kind="lesson",
                    starts_at=old,
                    place="村委会",
                    topic="学习",
                    created_by=1,
                ),
                old,
            )
            await meeting_repo.set_state(c, ended.id, "closed")
            ahead = await meeting_repo.add_meeting(
                c,
                NewMeeting(
                    branch_id=county["east"],
                    kind="lesson",
                    starts_at=old + timedelta(days=90),
                    place="村委会",
                    topic="学习",
                    created_by=1,
                ),
                old,
            )
            envelopes = [
                outbox_repo.Envelope(f"study-reminder:{n}:x", 100 + n, OutboxKind.STUDY_REMINDER, n)
                for n in range(5)
            ]
            envelopes += [
                outbox_repo.Envelope("queued-long", 7, OutboxKind.STUDY_REMINDER, 9),
                outbox_repo.Envelope("review:2025:7:0", 7, OutboxKind.REVIEW, None),
                outbox_repo.Envelope("bulletin:month:2026-10-01:7:0", 7, OutboxKind.BULLETIN, None),
                outbox_repo.Envelope("visit-bulletin:2026-01-01:7:0", 7, OutboxKind.VISIT_BULLETIN),
                outbox_repo.Envelope(
                    f"meeting:{ended.id}:notice", -5, OutboxKind.MEETING_NOTICE, ended.id
                ),
                outbox_repo.Envelope(
                    f"meeting:{ahead.id}:notice", -5, OutboxKind.MEETING_NOTICE, ahead.id
                ),
            ]
            ids = await outbox_repo.enqueue(c, envelopes, old)
            for key, row_id in ids.items():
                if key != "queued-long":
                    await outbox_repo.finish(c, row_id, "sent", old, message_id=1)
            late = await outbox_repo.enqueue(
                c,
                [outbox_repo.Envelope("study-reminder:recent", 8, OutboxKind.STUDY_REMINDER, 1)],
                recent,
            )
            await outbox_repo.finish(c, late["study-reminder:recent"], "sent", recent)
        clock.advance(timedelta(days=36, hours=1))
        assert await prune_delivered(db, clock, 35, chunk=2) == 6  # in four transactions
        async with db.read() as c:
            kept = {str(row[0]) for row in await c.execute_fetchall("SELECT key FROM outbox")}
        assert kept == {
            "queued-long",
            "review:2025:7:0",
            "bulletin:month:2026-10-01:7:0",
            "visit-bulletin:2026-01-01:7:0",
            f"meeting:{ahead.id}:notice",
            "study-reminder:recent",
        }
        assert await prune_delivered(db, clock, 35) == 0  # a second run finds nothing
    finally:
        await db.close()
