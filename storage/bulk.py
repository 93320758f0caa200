"""Loading many rows at once, for generated data sets (benchmarks, the demo's county).

Not used by the bot itself: it writes through the repositories. Only tables listed here
can be filled, and only through ``executemany`` with bound values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from storage.db import Conn

TABLES = {
    "units", "users", "members", "roles", "contact_points", "meetings", "attendance",
    "materials", "material_recipients", "outbox", "note_requests", "notes", "visits",
    "notices", "notice_recipients",
}


async def insert(c: Conn, table: str, columns: Sequence[str],
                 rows: Iterable[Sequence[object]]) -> None:
    if table not in TABLES or not all(column.isidentifier() for column in columns):
        raise ValueError(f"not a table or columns to bulk-load: {table} {columns}")
    marks = ", ".join("?" for _ in columns)
    await c.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(rows))


async def last_id(c: Conn, table: str) -> int:
    if table not in TABLES:
        raise ValueError(table)
    rows = await c.execute_fetchall(f"SELECT coalesce(max(rowid), 0) FROM {table}")
    return int(next(iter(rows))[0])
