"""`zhibu restore BACKUP` after a crash that left a -wal beside the database.

Copying the backup back by hand would leave that -wal, and SQLite would lay the crash's
newer pages over the backup. The command checks the backup, keeps the replaced database
(with its -wal) aside, leaves nothing stale beside the restored one, and says what
happens to the messages that were waiting when the backup was made.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import FrozenClock
from bot.startup import instance_lock
from storage import outbox as outbox_repo
from storage.db import Database
from storage.models import OutboxKind
from tests.conftest import seed_county
from tests.e2e.process import ROOT, command_env, zhibu

CRASH = """
import sqlite3, os, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA wal_autocheckpoint = 0")
conn.execute("INSERT INTO units (kind, name, parent_id, created_at) "
             "SELECT 'branch', '崩溃前新建村', id, created_at FROM units WHERE kind = 'county'")
os._exit(9)  # killed: no checkpoint, the -wal and -shm stay
"""


def units(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [str(row[0]) for row in conn.execute("SELECT name FROM units ORDER BY id")]
    finally:
        conn.close()


def side_files(database: Path) -> dict[str, int]:
    """The -wal and -shm beside the database, by suffix, with their sizes."""
    return {
        suffix: Path(f"{database}{suffix}").stat().st_size
        for suffix in ("-wal", "-shm")
        if Path(f"{database}{suffix}").exists()
    }


def replaced(folder: Path) -> list[Path]:
    return sorted(folder.glob("zhibu.sqlite3.replaced-*[0-9]"))


def outbox(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {str(k): str(s) for k, s in conn.execute("SELECT key, state FROM outbox")}
    finally:
        conn.close()


async def test_a_restore_after_a_crash_with_a_stale_wal(tmp_path: Path) -> None:
    database, copy = tmp_path / "zhibu.sqlite3", tmp_path / "backup.sqlite3"
    db = await Database.open(database)
    try:
        clock = FrozenClock(datetime.now().astimezone())
        await seed_county(db, clock)
        async with db.tx() as c:  # a push was on its way when the backup was made
            await outbox_repo.enqueue(
                c,
                [outbox_repo.Envelope("old:1", 1, OutboxKind.TROUBLE)],
                clock.now() - timedelta(hours=5),
            )
            await outbox_repo.enqueue(
                c,
                [outbox_repo.Envelope("fresh:1", 1, OutboxKind.TROUBLE)],
                clock.now() - timedelta(minutes=10),
            )
    finally:
        await db.close()
    code, _, err = await zhibu("backup", str(copy), ZHIBU_DATABASE=str(database))
    assert code == 0, err
    crash = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CRASH, str(database), env=command_env(), cwd=str(ROOT)
    )
    assert await crash.wait() == 9
    assert side_files(database)["-wal"] > 0  # the crash's write lives there
    before = units(database)
    assert "崩溃前新建村" in before

    # Refused while a bot runs on it.
    with instance_lock(database):
        code, _, err = await zhibu("restore", str(copy), ZHIBU_DATABASE=str(database))
    assert code == 2 and "in use by another zhibu" in err
    # A damaged backup is refused, and nothing changes.
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(copy.read_bytes()[: len(copy.read_bytes()) // 2])
    code, _, err = await zhibu("restore", str(broken), ZHIBU_DATABASE=str(database))
    assert code == 2 and err.count("\n") == 1 and "nothing was changed" in err, err
    assert units(database) == before

    code, out, err = await zhibu("restore", str(copy), ZHIBU_DATABASE=str(database))
    assert code == 0, err
    lines = out.splitlines()
    (aside,) = replaced(tmp_path)
    assert lines == [
        f"restored {database} from {copy}",
        f"the database it replaced is kept as {aside}",
        "1 messages that were waiting when the backup was made, queued more than 1 hours "
        "ago, are marked not to be sent again (add --resend to send them)",
        "1 waiting messages will be sent when the bot starts",
    ]
    assert side_files(database) == {}
    assert "崩溃前新建村" not in units(database)  # the backup's data, not the crash's
    assert units(aside) == before  # the replaced one whole, its -wal beside it
    assert outbox(database) == {"old:1": "dropped", "fresh:1": "queued"}
    code, out, err = await zhibu("status", ZHIBU_DATABASE=str(database))
    assert "Traceback" not in err and "damaged" not in err

    # --resend: everything that waited is sent again.
    code, out, _ = await zhibu("restore", str(copy), "--resend", ZHIBU_DATABASE=str(database))
    assert code == 0 and outbox(database) == {"old:1": "queued", "fresh:1": "queued"}
    assert out.splitlines()[-1] == "2 waiting messages will be sent when the bot starts"
