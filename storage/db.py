"""The one SQLite connection, its transactions and the forward-only migrations.

One aiosqlite connection writes, shared by the whole bot: SQLite allows one writer at a
time anyway, and one connection keeps "a transaction" meaning what it says. Every write
goes through :meth:`Database.tx` (``BEGIN IMMEDIATE`` … ``COMMIT``) or, for a single
statement, :meth:`Database.write`; both hold an asyncio lock, so two coroutines never
interleave statements inside each other's transaction. Reads go to a second connection
(WAL lets it read while the writer writes) and see only committed data, so a burst of
button presses does not queue its reads behind the writes.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from importlib import resources
from pathlib import Path

import aiosqlite

Conn = aiosqlite.Connection
# A write that must commit together with another — ending a form with what it created.
Statement = Callable[[Conn], Awaitable[object]]


#: How long a write waits for another process's transaction before "database is locked".
#: The command line waits briefly; the bot waits long, because a roster import beside it
#: is one transaction (all or nothing) that takes seconds for a whole county.
BUSY_MS = 5_000
BOT_BUSY_MS = 30_000


class DatabaseTooNew(RuntimeError):
    """The file was migrated by a newer zhibu; running old code on it could corrupt it."""

    def __init__(self, path: str, current: int, latest: int) -> None:
        super().__init__(
            f"{path} is at schema version {current}, but this zhibu knows only up "
            f"to {latest}: upgrade zhibu before using this database"
        )
        self.path, self.current, self.latest = path, current, latest


def migration_scripts() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every bundled migration, in order."""
    found: list[tuple[int, str, str]] = []
    folder = resources.files("storage") / "migrations"
    for entry in folder.iterdir():
        match = re.fullmatch(r"(\d{4})_[a-z0-9_]+\.sql", entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n without gaps: {numbers}")
    return found


def truncation(path: str | Path) -> str | None:
    """Why the file is shorter than its own header says it is, or None.

    SQLite reads a page only when a query needs it, so a file cut short (a copy that
    stopped, a full disk) opens without a word and fails later, half-way through the bot's
    work. The header's page count is trusted only when it is marked valid (SQLite ≥ 3.7)."""
    try:
        with open(path, "rb") as f:
            header = f.read(100)
            size = f.seek(0, 2)
    except OSError:
        return None  # missing or unreadable: SQLite's own open says so
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96] and pages > 0
    if valid and size < pages * page_size:
        return f"{size} bytes where the header counts {pages * page_size}"
    return None


class DatabaseDamaged(sqlite3.DatabaseError):
    """The file is an SQLite database, but not whole."""


class Database:
    """Owns the connection; open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        #: Called after every commit of :meth:`tx`, the lock still held (tests use it to
        #: act between two transactions of a long job).
        self.on_commit: Callable[[], None] | None = None
        self._versions: dict[str, int] = {}  # see watch()
        self._touched: set[str] = set()

    @classmethod
    async def open(
        cls, path: str | Path, *, migrate: bool = True, busy_ms: int = BUSY_MS
    ) -> Database:
        db = cls(path)
        if db.path != ":memory:" and (short := truncation(db.path)) is not None:
            raise DatabaseDamaged(f"truncated: {short}")
        db._conn = await _connect(db.path, busy_ms)
        try:
            # Inside the try: a file that is not a database fails here, and a connection
            # left open keeps its thread, and so the process, alive.
            await db._conn.execute("PRAGMA journal_mode = WAL")
            if migrate:
                await db.migrate()
            else:
                await db.check_version()
            if db.path != ":memory:":
                db._reader = await _connect(db.path, busy_ms)
                await db._reader.execute("PRAGMA query_only = ON")
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await reader.close()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def user_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def check_version(self) -> int:
        current = await self.user_version()
        latest = len(migration_scripts())
        if current > latest:
            raise DatabaseTooNew(self.path, current, latest)
        return current

    async def read_schema(self) -> int:
        """Read the schema's table of contents (how many entries it has): a file that is
        not a database, or a damaged one, raises here rather than half-way into a run."""
        async with self.read() as c:
            rows = await c.execute_fetchall("SELECT count(*) FROM sqlite_master")
        return int(next(iter(rows))[0])

    async def migrate(self) -> list[str]:
        """Apply every migration newer than the file, each in its own transaction."""
        applied: list[str] = []
        async with self._lock:
            current = await self.check_version()
            for number, name, sql in migration_scripts():
                if number <= current:
                    continue
                script = f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version = {number};\nCOMMIT;"
                try:
                    await self.conn.executescript(script)
                except BaseException:
                    if self.conn.in_transaction:
                        await self.conn.execute("ROLLBACK")
                    raise
                applied.append(name)
        return applied

    async def watch(self, name: str, tables: tuple[str, ...]) -> None:
        """Count this connection's changes to ``tables`` under ``name`` (:meth:`version`):
        what a cache of them reads to know it is stale. Temporary triggers call back into
        Python as rows change, and the count moves again once the statement or transaction
        has committed, so a read begun before the commit never passes for current. Changes
        by another process (the command line) are not seen."""
        if name in self._versions:
            return
        self._versions[name] = 0

        def changed() -> None:  # on the connection's thread, inside the statement
            self._touched.add(name)
            self._versions[name] += 1

        function = f"zhibu_changed_{name}"
        async with self._lock:  # executescript would commit a transaction under way
            await self.conn.create_function(function, 0, changed)
            await self.conn.executescript(
                "".join(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS zhibu_{name}_{table}_{op.lower()} "
                    f"AFTER {op} ON main.{table} BEGIN SELECT {function}(); END;"
                    for table in tables
                    for op in ("INSERT", "UPDATE", "DELETE")
                )
            )

    def version(self, name: str) -> int | None:
        """How many changes :meth:`watch` counted; None if it does not watch ``name``."""
        return self._versions.get(name)

    def _committed(self) -> None:
        for name in self._touched:
            self._versions[name] += 1
        self._touched.clear()

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Conn]:
        """A write transaction: commits on normal exit, rolls back on any exception."""
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                await conn.execute("COMMIT")
                self._committed()
                if self.on_commit is not None:
                    self.on_commit()
            except BaseException:
                self._committed()
                # Also when COMMIT itself fails (a full disk): SQLite may leave the
                # transaction open, and every BEGIN after it would fail for good. A COMMIT
                # whose await was cancelled still runs on the connection's thread, before
                # this ROLLBACK: then there is nothing to roll back, and the error that
                # reached here (the cancellation) is the one to raise.
                if conn.in_transaction:
                    with suppress(sqlite3.OperationalError):
                        await conn.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Conn]:
        """One statement on its own (SQLite makes it atomic): no BEGIN/COMMIT round trips."""
        async with self._lock:
            try:
                yield self.conn
            finally:
                self._committed()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        """Reads of committed data, never another coroutine's half-done transaction."""
        if self._reader is not None:
            yield self._reader
            return
        async with self._lock:
            yield self.conn

    async def backup_to(self, target: str | Path) -> None:
        """A consistent copy of the live database (SQLite's online backup).

        The copy is opened with plain ``sqlite3`` (in a worker thread) rather than as an
        aiosqlite connection: when aiosqlite fails to open a file its worker thread is
        stopped without being waited for, and if the command then ends, that thread
        reports to a closed event loop — a traceback after the one-line error."""
        async with self._lock:
            dest = await asyncio.to_thread(sqlite3.connect, str(target), check_same_thread=False)
            try:
                await self.conn.backup(dest)
            finally:
                await asyncio.to_thread(dest.close)


async def _connect(path: str, busy_ms: int = BUSY_MS) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        await conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        await conn.close()
        raise
    return conn
