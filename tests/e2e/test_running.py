"""`zhibu run` as an operator starts it, as a real process against the emulator: one bot
per database, and every start-up trouble said in one line of their language — never a
traceback, never the token."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sandbox.emulator import Emulator
from tests.conftest import TOKEN
from tests.e2e.process import ROOT, BotProcess, until
from tests.e2e.process import zhibu as run_zhibu

ENGLISH = {"ZHIBU_LANGUAGE": "en"}


def polled(emu: Emulator) -> bool:
    return any(name == "getUpdates" for name, _ in emu.calls)


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and TOKEN not in stderr
    return lines[0]


async def zhibu(database: Path, *args: str) -> tuple[int, str, str]:
    """Another `zhibu` command on the same database, as the operator types it."""
    return await run_zhibu(*args, ZHIBU_DATABASE=str(database), **ENGLISH)


async def test_a_second_bot_on_the_same_database_is_refused_at_once(
    emu: Emulator, tmp_path: Path
) -> None:
    """…and so is a migration under it; a roster import may run beside it."""
    database = tmp_path / "zhibu.sqlite3"
    first = BotProcess(emu, database, **ENGLISH)
    second = BotProcess(emu, database, **ENGLISH)
    try:
        await first.start()
        await until(emu, lambda: polled(emu), "the first bot polls")
        assert first.process is not None
        pid = first.process.pid
        asked = len(emu.calls)
        await second.start()
        code = await second.exited(seconds=30)
        assert all(name == "getUpdates" for name, _ in emu.calls[asked:])  # it asked nothing
        migrate = await zhibu(database, "migrate")
        imported = await zhibu(database, "import", str(ROOT / "examples" / "roster.xlsx"))
        assert first.process is not None and first.process.returncode is None
    finally:
        await second.stop()
        await first.stop()
    assert code != 0
    line = one_line(second.stderr[0])
    assert line.startswith(
        f"zhibu: the database {database} is in use by another zhibu (pid {pid}: "
    )
    assert "-m zhibu run" in line
    assert migrate[0] != 0 and one_line(migrate[2]) == line
    assert imported[0] == 0, imported
    assert "Traceback" not in "".join(first.stderr)


async def test_the_lock_goes_with_a_killed_bot(emu: Emulator, tmp_path: Path) -> None:
    """SIGKILL leaves the lock file but not the lock: the next start is not refused."""
    bot = BotProcess(emu, tmp_path / "zhibu.sqlite3", **ENGLISH)
    try:
        await bot.start()
        await until(emu, lambda: polled(emu), "the bot polls")
        await bot.kill()
        emu.calls.clear()
        await bot.start()
        await until(emu, lambda: polled(emu), "the bot polls again")
    finally:
        await bot.stop()
    assert (tmp_path / "zhibu.sqlite3.lock").exists()
    assert "Traceback" not in "".join(bot.stderr)


async def test_a_token_the_server_rejects_is_one_line(emu: Emulator, tmp_path: Path) -> None:
    wrong = "999999:" + "x" * 35
    bot = BotProcess(emu, tmp_path / "zhibu.sqlite3", ZHIBU_TOKEN=wrong, **ENGLISH)
    try:
        await bot.start()
        code = await bot.exited()
    finally:
        await bot.stop()
    assert code != 0
    line = one_line(bot.stderr[0])
    assert line == (
        f"zhibu: the Bot API at 127.0.0.1:{emu.port} refused ZHIBU_TOKEN "
        "(Unauthorized): copy the token again from @BotFather"
    )
    assert wrong not in bot.stderr[0] and "xxxxx" not in bot.stderr[0]


async def test_an_api_away_at_start_is_said_once_and_the_bot_starts_when_it_is_back(
    emu: Emulator, tmp_path: Path
) -> None:
    """While the Bot API is away, every try finds a server that hangs up at once; after
    two tries it comes back and the bot starts polling, having said so only once."""
    tries = 0
    tried_twice = asyncio.Event()

    def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal tries
        tries += 1
        writer.close()
        if tries >= 2:
            tried_twice.set()

    await emu.go_offline()
    away = await asyncio.start_server(hang_up, "127.0.0.1", emu.port)
    bot = BotProcess(emu, tmp_path / "zhibu.sqlite3", **ENGLISH)
    try:
        await bot.start()
        line = await bot.next_line()
        async with asyncio.timeout(60):
            await tried_twice.wait()
        away.close()
        await away.wait_closed()
        await emu.go_online()
        await until(emu, lambda: polled(emu), "the bot polls once the API is back")
    finally:
        away.close()
        await bot.stop()
    assert line == f"zhibu: cannot reach the Bot API at 127.0.0.1:{emu.port}; still trying"
    stderr = bot.stderr[0]
    assert stderr.count("cannot reach") == 1 and "Traceback" not in stderr, stderr
    assert TOKEN not in stderr


async def test_another_poller_with_the_same_token_stops_the_bot(
    emu: Emulator, tmp_path: Path
) -> None:
    bot = BotProcess(emu, tmp_path / "zhibu.sqlite3", **ENGLISH)
    try:
        await bot.start()
        await until(emu, lambda: polled(emu), "the bot polls")
        emu.poll_elsewhere()
        code = await bot.exited()
    finally:
        await bot.stop()
    assert code != 0
    assert one_line(bot.stderr[0]) == (
        "zhibu: Telegram says another program is taking this bot's updates (409 Conflict); "
        "zhibu stopped. Stop the other one, or give this one a token of its own, then start "
        "again."
    )
