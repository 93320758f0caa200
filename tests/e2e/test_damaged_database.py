"""A damaged database stops every command at once, in one line, with a non-zero exit.

A file cut short, with a broken header, that is not SQLite at all, empty or missing:
`zhibu run`, `migrate` and `backup` each end within seconds naming the file and what to
do — never a traceback, never a process that hangs on (the connection's thread once kept
it alive, so a service manager never restarted it) — and `run` never takes an empty or
missing file for a new county: only `zhibu migrate` creates one.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.emulator import Emulator
from tests.conftest import TOKEN
from tests.e2e.process import zhibu


def damage(good: Path, target: Path, kind: str) -> None:
    data = good.read_bytes()
    if kind == "bad header":
        target.write_bytes(b"\0" * 16 + data[16:])
    elif kind == "truncated":
        target.write_bytes(data[: len(data) // 3])
    elif kind == "not sqlite":
        target.write_text("name,phone\n陈建国,13800000000\n" * 200, encoding="utf-8")
    elif kind == "empty":
        target.write_bytes(b"")


@pytest.fixture
async def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.sqlite3"
    code, _, err = await zhibu("migrate", ZHIBU_DATABASE=str(path))
    assert code == 0, err
    with sqlite3.connect(path) as conn:  # some pages beyond the schema's
        conn.execute("CREATE TABLE padding (x)")
        conn.executemany("INSERT INTO padding VALUES (?)", [("x" * 500,)] * 400)
    return path


EXPECTED = {
    "bad header": "is not a zhibu database (not an SQLite file)",
    "truncated": "is damaged (truncated:",
    "not sqlite": "is not a zhibu database (not an SQLite file)",
    "empty": "is empty (0 bytes)",
    "missing": "there is no database at",
}


@pytest.mark.parametrize("kind", list(EXPECTED))
async def test_each_command_stops_in_one_line(
    good: Path, tmp_path: Path, emu: Emulator, kind: str
) -> None:
    database = tmp_path / "zhibu.sqlite3"
    damage(good, database, kind)
    before = database.read_bytes() if database.exists() else None
    commands: list[tuple[str, ...]] = [("run",)]
    if kind not in ("empty", "missing"):  # migrate creates a new one there, as it should
        commands += [("migrate",), ("backup", str(tmp_path / "copy.sqlite3"))]
    for args in commands:
        began = time.monotonic()
        code, out, err = await zhibu(
            *args, ZHIBU_DATABASE=str(database), ZHIBU_TOKEN=TOKEN, ZHIBU_API_BASE=emu.base_url
        )
        took = time.monotonic() - began
        assert code == 2 and took < 10, (args, code, took, err)
        assert err.count("\n") == 1 and err.startswith("zhibu: "), (args, err)
        assert EXPECTED[kind] in err and str(database) in err, (args, err)
        assert "Traceback" not in err and out == ""
        assert not (tmp_path / "copy.sqlite3").exists()
        # Nothing was made of it: not migrated over, not created.
        assert (database.read_bytes() if database.exists() else None) == before
    assert not emu.calls  # stopped before it asked Telegram anything


async def test_the_operator_hears_it_in_their_language(
    good: Path, tmp_path: Path, emu: Emulator
) -> None:
    database = tmp_path / "zhibu.sqlite3"
    damage(good, database, "truncated")
    code, _, err = await zhibu(
        "run",
        ZHIBU_DATABASE=str(database),
        ZHIBU_TOKEN=TOKEN,
        ZHIBU_API_BASE=emu.base_url,
        LANG="zh_CN.UTF-8",
    )
    assert code == 2
    assert err.startswith(f"zhibu: 数据库 {database} 已损坏（truncated:")
    assert err.rstrip().endswith("zhibu restore BACKUP 恢复最近的备份。")


@pytest.fixture
def read_only_database(good: Path, tmp_path: Path) -> Iterator[Path]:
    """A good database on a file system mounted read-only (a tmpfs remounted so): where
    the machine lets the tests mount, which root in a VM or container usually may."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "zhibu-test", str(folder)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("this machine does not let the tests mount a file system")
    try:
        database = folder / "zhibu.sqlite3"
        shutil.copyfile(good, database)
        remounted = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True)
        assert remounted.returncode == 0, remounted.stderr
        yield database
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


async def test_a_database_on_a_read_only_file_system_stops_in_one_line(
    read_only_database: Path, tmp_path: Path, emu: Emulator
) -> None:
    database = read_only_database
    for args in [("run",), ("migrate",), ("backup", str(tmp_path / "copy.sqlite3"))]:
        began = time.monotonic()
        code, out, err = await zhibu(
            *args, ZHIBU_DATABASE=str(database), ZHIBU_TOKEN=TOKEN, ZHIBU_API_BASE=emu.base_url
        )
        assert code != 0 and time.monotonic() - began < 10, (args, code, err)
        assert err.count("\n") == 1 and err.startswith("zhibu: "), (args, err)
        assert "Traceback" not in err and out == "" and str(database) in err, (args, err)
    assert not emu.calls


async def test_run_refuses_a_database_from_a_newer_zhibu_before_asking_telegram(
    good: Path, tmp_path: Path, emu: Emulator
) -> None:
    """Whole and readable, but migrated by a newer zhibu: the file checks pass it, and the
    database is opened and read (the pre-check of `zhibu run`) before Telegram is asked —
    old code must not run on it, nor a county be told the bot is up."""
    database = tmp_path / "zhibu.sqlite3"
    shutil.copyfile(good, database)
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA user_version = 9999")
    code, out, err = await zhibu(
        "run", ZHIBU_DATABASE=str(database), ZHIBU_TOKEN=TOKEN, ZHIBU_API_BASE=emu.base_url
    )
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and err.startswith("zhibu: "), err
    assert "schema version 9999" in err and "Traceback" not in err
    assert not emu.calls  # stopped before it asked Telegram anything
    with sqlite3.connect(database) as conn:  # left as it was found: not migrated over
        assert conn.execute("PRAGMA user_version").fetchone() == (9999,)
