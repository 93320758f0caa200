"""`zhibu status` beside a running `zhibu run`, as a service manager's health check runs it:
the figures of the live bot and exit 0; stuck (exit 1) with the reasons when the database
shows a bot that stopped moving; one line (exit 2) when there is no database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sandbox.emulator import Emulator
from tests.e2e.process import BotProcess, seed_east, until, zhibu


async def zhibu_status(database: Path) -> tuple[int, str, str]:
    return await zhibu("status", ZHIBU_DATABASE=str(database))


def line(output: str, start: str) -> str:
    return next(text for text in output.splitlines() if text.startswith(start))


async def test_status_of_a_running_bot_then_of_one_that_stopped_moving(
    emu: Emulator, tmp_path: Path
) -> None:
    database = tmp_path / "zhibu.sqlite3"
    secretary = emu.add_user("李书记")
    await seed_east(database, secretary, [], away=lambda _: False)
    bot = BotProcess(emu, database)
    await bot.start()
    try:
        emu.send_text(secretary, "/help")
        await until(emu, lambda: len(emu.texts(secretary)) == 1, "the help")

        def ticked() -> bool:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as c:
                return bool(c.execute("SELECT count(*) FROM heartbeat").fetchone() == (1,))

        await until(emu, ticked, "the first tick")
        code, out, err = await zhibu_status(database)
        assert (code, err) == (0, ""), out
        assert line(out, "Messages waiting to be sent:") == "Messages waiting to be sent: 0"
        assert line(out, "Last update handled:").endswith(" s ago)")
        assert line(out, "Last scheduler tick:").endswith(" s ago)")
        assert "Failed in the last 24 hours: 0 messages, 0 errors in the bot" in out
        assert out.splitlines()[-1] == "OK"
    finally:
        await bot.kill()

    # What a bot that stopped an hour ago leaves: its last tick, a message it never sent,
    # an update it never handled.
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    with sqlite3.connect(database) as c:
        c.execute("UPDATE heartbeat SET at = ?", (hour_ago,))
        c.execute(
            "INSERT INTO outbox (key, chat_id, kind, created_at) VALUES "
            "('stuck:1', ?, 'trouble', ?)",
            (secretary.id, hour_ago),
        )
        c.execute("UPDATE outbox SET done_at = ? WHERE done_at IS NOT NULL", (hour_ago,))
        c.execute(
            "INSERT INTO inbox_batches (first_position, size, first_update_id, "
            "last_update_id, body, received_at) SELECT done_through + 1, 1, 999, 999, "
            "'[{}]', ? FROM inbox_mark",
            (hour_ago,),
        )  # the next, after all done
    code, out, err = await zhibu_status(database)
    assert code == 1 and err == ""
    assert out.splitlines()[-1] == (
        "STUCK: the scheduler last ticked 60 min ago: the bot is not running, or hung; "
        "1 message(s) waiting, none sent for 15 minutes; an update has waited more than "
        "15 minutes to be handled"
    )
    assert line(out, "Messages waiting to be sent:").endswith("(60 min ago)")


async def test_status_without_a_database_is_one_line(tmp_path: Path) -> None:
    code, out, err = await zhibu_status(tmp_path / "missing.sqlite3")
    assert (code, out) == (2, "")
    assert err.strip().startswith("zhibu: there is no database at ") and len(err.splitlines()) == 1
    assert not (tmp_path / "missing.sqlite3").exists()
