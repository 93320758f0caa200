"""`zhibu run` on a disk that refuses every write, then takes writes again.

The fault is the kernel's own: the test lowers the running bot's file-size limit
(``RLIMIT_FSIZE``, set from outside with prlimit) to one byte, so every write SQLite makes
fails with EFBIG — as on a full disk, through the bot's production code — and raises it
again to lift the fault. Meanwhile people write to the bot: it must neither crash nor log a
line per try, must not acknowledge what it could not write down, and afterwards answer
every one of them exactly once and tell staff once.
"""

from __future__ import annotations

import resource
import sqlite3
from pathlib import Path

from sandbox.emulator import Emulator, SimUser
from tests.conftest import TOKEN
from tests.e2e.process import BotProcess, until
from tests.e2e.test_webhook_process import free_port

ENGLISH = {"ZHIBU_LANGUAGE": "en"}
PEOPLE = 12


def getupdates(emu: Emulator) -> int:
    return sum(name == "getUpdates" for name, _ in emu.calls)


def refuse_writes(pid: int, refuse: bool) -> None:
    _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (1 if refuse else hard, hard))


async def test_a_disk_that_refuses_writes_is_waited_out_quietly(
    emu: Emulator, tmp_path: Path
) -> None:
    database = tmp_path / "zhibu.sqlite3"
    admin = emu.add_user("Admin", language_code="en")
    bot = BotProcess(emu, database, ZHIBU_ADMINS=str(admin.id), ZHIBU_TICK_SECONDS="1", **ENGLISH)
    people: list[SimUser] = [
        emu.add_user(f"Person{i:02d}", language_code="en") for i in range(PEOPLE)
    ]
    try:
        await bot.start()
        assert bot.process is not None
        emu.send_text(admin, "/start")
        await until(emu, lambda: len(emu.messages(admin)) >= 1, "the admin is answered")
        await until(emu, lambda: _beat(database) is not None, "the scheduler ticks")

        refuse_writes(bot.process.pid, True)
        polls = getupdates(emu)
        for person in people:
            emu.send_text(person, "/help")
        # Tries at 0, 1, 3, 7 s: three back-offs, and the scheduler's tick failing meanwhile.
        await until(emu, lambda: getupdates(emu) >= polls + 4, "the bot tries again")
        assert bot.process.returncode is None, "the bot died on a full disk"
        assert all(not emu.messages(person) for person in people), "handled, not written down"
        beat = _beat(database)

        refuse_writes(bot.process.pid, False)
        await until(
            emu,
            lambda: all(emu.messages(person) for person in people),
            "everyone is answered once the disk takes writes",
        )
        await until(
            emu,
            lambda: any("database" in text for text in emu.texts(admin)),
            "the admin hears of it",
        )
        await until(emu, lambda: _beat(database) != beat, "the scheduler ticks again")
        await until(emu, lambda: _unfinished(database) == 0, "every update marked done")
    finally:
        await bot.stop()

    assert [len(emu.messages(person)) for person in people] == [1] * PEOPLE
    told = [text for text in emu.texts(admin) if "Errors in the bot" in text]
    assert len(told) == 1 and "refused every write" in told[0], emu.texts(admin)
    stderr = bot.stderr[0]
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr and TOKEN not in stderr
    assert len(lines) <= 4, stderr
    assert sum("cannot write the database" in line for line in lines) == 1, stderr
    assert sum("can be written again" in line for line in lines) == 1, stderr
    with sqlite3.connect(database) as c:
        helped = c.execute("SELECT count(*) FROM inbox").fetchone()[0]
    assert helped >= PEOPLE  # every update written down (the admin's last one kept too)


def _beat(database: Path) -> str | None:
    """When the scheduler's tick last went through to its end (a fresh read each time)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as c:
        row = c.execute("SELECT at FROM heartbeat WHERE name = 'tick'").fetchone()
    return None if row is None else str(row[0])


def _unfinished(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as c:
        return int(c.execute("SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0])


async def test_through_the_webhook_a_refused_write_is_answered_503_and_comes_again(
    emu: Emulator, tmp_path: Path
) -> None:
    """Webhook mode: an update the bot cannot write down is answered 503, so Telegram
    posts it again later — never 200 for what would be lost — and once writes go through,
    everyone is answered once, staff are told once, and the log holds two lines."""
    database = tmp_path / "zhibu.sqlite3"
    admin = emu.add_user("Admin", language_code="en")
    port = free_port()
    bot = BotProcess(
        emu,
        database,
        ZHIBU_ADMINS=str(admin.id),
        ZHIBU_TICK_SECONDS="1",
        ZHIBU_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        **ENGLISH,
    )
    bot.args = ("run", "--webhook", f"http://127.0.0.1:{port}/zhibu/telegram")
    people = [emu.add_user(f"Person{i:02d}", language_code="en") for i in range(4)]
    try:
        await bot.start()
        assert bot.process is not None
        await until(emu, lambda: emu.webhook is not None, "the bot sets its webhook")
        emu.send_text(admin, "/start")
        await until(emu, lambda: len(emu.messages(admin)) >= 1, "the admin is answered")

        refuse_writes(bot.process.pid, True)
        for person in people:
            emu.send_text(person, "/help")
        await until(
            emu,
            lambda: sum(status == 503 for _, status in emu.webhook_posts) >= 3,
            "the webhook refuses what it cannot write down",
        )
        assert all(not emu.messages(person) for person in people)
        assert 200 not in {
            status for update_id, status in emu.webhook_posts if update_id > _last_handled(database)
        }

        refuse_writes(bot.process.pid, False)
        await until(
            emu,
            lambda: all(emu.messages(person) for person in people),
            "everyone is answered once the disk takes writes",
        )
        await until(
            emu,
            lambda: any("refused every write" in t for t in emu.texts(admin)),
            "the admin hears of it",
        )
    finally:
        await bot.stop()

    assert [len(emu.messages(person)) for person in people] == [1] * len(people)
    assert sum("Errors in the bot" in text for text in emu.texts(admin)) == 1
    stderr = bot.stderr[0]
    assert "Traceback" not in stderr and TOKEN not in stderr
    assert len(stderr.strip().splitlines()) <= 4, stderr


def _last_handled(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as c:
        return int(c.execute("SELECT coalesce(max(update_id), 0) FROM inbox").fetchone()[0])
