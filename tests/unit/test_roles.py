"""Ending a role drops what still waited to be sent to the person in that role, and only
that: a relieved secretary gets no more of the branch's requests, visits or records, while
what concerns another branch they still run, or them as a member, still goes out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import roles
from bot.clock import FrozenClock
from storage import meetings as meeting_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Database
from tests.conftest import START, seed_county

SECRETARY = 501


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "z.sqlite3")
    try:
        yield database
    finally:
        await database.close()


async def states(db: Database) -> dict[str, str]:
    """What waits in the outbox, the messages telling of a role's end apart."""
    async with db.read() as c, c.execute("SELECT key, kind, state FROM outbox") as cur:
        return {str(key) if kind != "role" else f"told {state}": str(state)
                for key, kind, state in await cur.fetchall()}


async def test_relieved_of_one_branch_keeps_what_is_for_the_other(db: Database) -> None:
    clock = FrozenClock(START)
    county = await seed_county(db, clock)
    now = clock.now()
    async with db.tx() as c:
        for branch in ("east", "west"):
            await org_repo.grant(c, SECRETARY, "secretary", county[branch], None, now)
            meeting = await meeting_repo.add_meeting(c, {
                "branch_id": county[branch], "kind": "lesson", "starts_at": now,
                "place": "村委会", "topic": "学习", "created_by": SECRETARY}, now)
            await outbox_repo.enqueue(c, [outbox_repo.Envelope(
                f"record:{branch}", SECRETARY, "meeting_record", meeting.id)], now)
        await outbox_repo.enqueue(c, [
            outbox_repo.Envelope("bulletin", SECRETARY, "bulletin", county["county"]),
            outbox_repo.Envelope("material", SECRETARY, "material", 1)], now)
        assert await roles.end_secretary_in(c, now, "tg:1", SECRETARY, county["east"])
    assert await states(db) == {"record:east": "dropped", "record:west": "queued",
                                "bulletin": "queued", "material": "queued",
                                "told queued": "queued"}

    async with db.tx() as c:  # staff, too: their bulletins go; the rest stays
        await org_repo.grant(c, SECRETARY, "staff", None, None, now)
        assert await roles.end_staff_in(c, now, "cli", SECRETARY)
        assert not await roles.end_staff_in(c, now, "cli", SECRETARY)  # once
    assert await states(db) == {"record:east": "dropped", "record:west": "queued",
                                "bulletin": "dropped", "material": "queued",
                                "told queued": "queued"}


async def test_staff_still_named_in_zhibu_admins_lose_nothing_and_are_not_told(
        db: Database) -> None:
    clock = FrozenClock(START)
    county = await seed_county(db, clock)
    now = clock.now()
    async with db.tx() as c:
        await org_repo.grant(c, SECRETARY, "staff", None, None, now)
        await outbox_repo.enqueue(c, [
            outbox_repo.Envelope("bulletin", SECRETARY, "bulletin", county["county"])], now)
        assert await roles.end_staff_in(c, now, "cli", SECRETARY, still_admin=True)
    assert await states(db) == {"bulletin": "queued"}
