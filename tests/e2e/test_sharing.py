"""The bot and the command line share one database: a long transaction of `zhibu import`
(all or nothing — a county's first import takes seconds) makes the bot's writes wait for
it, not fail."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.harness import Harness


async def test_the_bot_waits_out_an_import_longer_than_the_command_lines_wait(
    h: Harness, county: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    newcomer = h.person("新来的人")
    importer = sqlite3.connect(h.settings.database, isolation_level=None)
    try:
        importer.execute("BEGIN IMMEDIATE")  # as an import holds the database
        held = 6.5  # seconds: longer than the command line's 5 s wait
        asyncio.get_running_loop().call_later(held, importer.rollback)
        await newcomer.says("/start")  # the bot writes: a new user
    finally:
        importer.close()
    assert newcomer.sees(), "the newcomer got no answer"
    assert not [
        r
        for r in caplog.records
        if "database is locked" in r.getMessage()
        or (r.exc_info and "database is locked" in str(r.exc_info[1]))
    ], "a write gave up"
    async with h.db.read() as c:
        rows = list(
            await c.execute_fetchall("SELECT 1 FROM users WHERE telegram_id = ?", (newcomer.id,))
        )
    assert len(rows) == 1
