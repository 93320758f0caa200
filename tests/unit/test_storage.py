"""The database file: migrations, refusing a newer schema, transactions that roll back."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FrozenClock
from storage import org as org_repo
from storage.db import Database, DatabaseTooNew, migration_scripts
from tests.conftest import START


async def test_new_database_is_migrated_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "a.sqlite3")
    try:
        assert await db.user_version() == len(migration_scripts())
        async with db.read() as c:
            async with c.execute("PRAGMA journal_mode") as cur:
                assert (await cur.fetchone())[0] == "wal"  # type: ignore[index]
            async with c.execute("PRAGMA foreign_keys") as cur:
                assert (await cur.fetchone())[0] == 1  # type: ignore[index]
        assert await db.migrate() == []
    finally:
        await db.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    db = await Database.open(path)
    async with db.tx() as c:
        await c.execute("PRAGMA user_version = 999")
    await db.close()
    with pytest.raises(DatabaseTooNew, match="upgrade zhibu"):
        await Database.open(path)


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "c.sqlite3")
    clock = FrozenClock(START)
    try:
        with pytest.raises(RuntimeError):
            async with db.tx() as c:
                await org_repo.add_unit(c, "county", "青山县", None, clock.now())
                raise RuntimeError("half-way")
        async with db.read() as c:
            assert await org_repo.county(c) is None
    finally:
        await db.close()


async def test_one_county_and_unique_sibling_names(tmp_path: Path) -> None:
    import sqlite3

    db = await Database.open(tmp_path / "d.sqlite3")
    now = FrozenClock(START).now()
    try:
        async with db.tx() as c:
            root = await org_repo.add_unit(c, "county", "青山县", None, now)
            await org_repo.add_unit(c, "township", "东岭镇", root.id, now)
        for kind, name, parent in (("county", "别县", None), ("township", "东岭镇", root.id)):
            with pytest.raises(sqlite3.IntegrityError):
                async with db.tx() as c:
                    await org_repo.add_unit(c, kind, name, parent, now)  # type: ignore[arg-type]
    finally:
        await db.close()


async def test_backup_is_a_readable_copy(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "e.sqlite3")
    now = FrozenClock(START).now()
    try:
        async with db.tx() as c:
            await org_repo.add_unit(c, "county", "青山县", None, now)
        await db.backup_to(tmp_path / "copy.sqlite3")
    finally:
        await db.close()
    copy = await Database.open(tmp_path / "copy.sqlite3")
    try:
        async with copy.read() as c:
            county = await org_repo.county(c)
        assert county is not None and county.name == "青山县"
    finally:
        await copy.close()


async def test_notice_receipts_survive_the_migration_that_adds_roster_recipients(
    tmp_path: Path,
) -> None:
    """A database from before roster members without Telegram were kept as recipients
    keeps every receipt when it is upgraded."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    before = next(n for n, name, _ in migration_scripts() if "notice_roster" in name) - 1
    with sqlite3.connect(path) as old:
        for number, _, sql in migration_scripts()[:before]:
            old.executescript(f"{sql};PRAGMA user_version = {number};")
        old.executescript("""
            INSERT INTO units (id, kind, name, parent_id, created_at)
                VALUES (1, 'county', '青山县', NULL, '2026-01-01T00:00:00+08:00');
            INSERT INTO notices (id, sender, scope_unit_id, audience, body, send_at, state,
                                 created_at)
                VALUES (1, 7, 1, 'everyone', '开会', '2026-01-01T00:00:00+08:00', 'sent',
                        '2026-01-01T00:00:00+08:00');
            INSERT INTO notice_recipients (notice_id, telegram_id, name, branch_id,
                                           outbox_id, acknowledged_at)
                VALUES (1, 42, '张三', NULL, NULL, '2026-01-02T00:00:00+08:00');""")
    db = await Database.open(path)
    try:
        async with db.read() as c:
            rows = await c.execute_fetchall(
                "SELECT notice_id, telegram_id, member_id, name, acknowledged_at "
                "FROM notice_recipients"
            )
        assert [tuple(row) for row in rows] == [(1, 42, None, "张三", "2026-01-02T00:00:00+08:00")]
    finally:
        await db.close()


async def test_the_journal_after_a_week_without_updates(tmp_path: Path) -> None:
    """After a week without updates Telegram numbers the next one at random — here lower
    than the old ones: it is a new update (not one fetched again), it goes after the old
    ones, the daily clean-up forgets only finished batches, and when an update was last
    handled (what `zhibu status` reads) outlives it."""
    from datetime import timedelta

    from storage import inbox, operations

    db = await Database.open(tmp_path / "c.sqlite3")
    try:
        long_ago, now = START - timedelta(days=9), START
        async with db.tx() as c:
            old = await inbox.record(c, 900, 901, 2, "[{},{}]", long_ago, long_ago)
            await inbox.write_mark(c, 2, [], long_ago)
            assert old == 1
            # An id within an old batch, but from more than a day after it: new.
            assert await inbox.record(c, 900, 900, 1, "[{}]", now, now - timedelta(days=1)) == 3
            assert await inbox.record(c, 5, 5, 1, "[{}]", now, now - timedelta(days=1)) == 4
            # The same id again within the day: written down before, so not again.
            assert await inbox.record(c, 5, 5, 1, "[{}]", now, now - timedelta(days=1)) is None
            assert await inbox.recorded(c, 1, 10, now - timedelta(days=1)) == [(5, 5)]
            await inbox.write_mark(c, 3, [], now)
            assert await inbox.forget_done(c, now + timedelta(days=2)) == 2  # not the open one
            assert [first for first, _ in await inbox.unfinished(c, 3)] == [4]
            health = await operations.health(c, now)
        assert health.last_update_at == now
        assert health.unfinished_updates == 1 and health.oldest_unfinished_at == now
    finally:
        await db.close()
