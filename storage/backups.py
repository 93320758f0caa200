"""A backup made into the database again: checked whole, and its stale outbox rows marked.

Plain ``sqlite3`` rather than the bot's connection: a restore runs with the bot stopped,
on a file that is not the database yet, and must not migrate or otherwise change a backup
it is only checking.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from storage.db import migration_scripts, truncation
from storage.rows import ts


def problems(path: Path) -> list[str]:
    """What is wrong with the file as a zhibu database ([] when it is whole): cut short,
    not SQLite, failing SQLite's own check of every page, or newer than this zhibu."""
    short = truncation(path)
    if short is not None:
        return [f"truncated: {short}"]
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        found = [str(row[0]) for row in conn.execute("PRAGMA quick_check(5)")]
        if found != ["ok"]:
            return found
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version == 0:
            return ["not a zhibu database (schema version 0)"]
        if version > len(migration_scripts()):
            return [f"schema version {version} is newer than this zhibu"]
    except sqlite3.Error as exc:
        return [str(exc)]
    finally:
        conn.close()
    return []


def settle_queued(path: Path, before: datetime | None, now: datetime) -> tuple[int, int]:
    """Mark rows queued before ``before`` as not to be sent (None: keep all queued); the
    file is left in rollback-journal mode, with no -wal or -shm beside it. Returns (rows
    marked, rows still queued)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        marked = 0
        if before is not None:
            marked = conn.execute(
                """UPDATE outbox SET state = 'dropped', done_at = ?,
                   error = 'restored from a backup: not sent again'
                   WHERE state = 'queued' AND created_at < ?""",
                (ts(now), ts(before)),
            ).rowcount
        left = int(conn.execute("SELECT count(*) FROM outbox WHERE state = 'queued'").fetchone()[0])
    finally:
        conn.close()
    return marked, left
