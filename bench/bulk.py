"""Loading many rows at once, for the benchmarks' generated data sets (a county's year of
outbox rows, meetings, materials …).

The one named exception to "no SQL outside storage/": a benchmark fills tables with
hundreds of thousands of rows it made up, faster than the repositories' one-row writes
could, and the bot itself never does this — so the code lives with the benchmarks, not in
the product's storage layer. It stays narrow: only the tables listed here, only
``executemany`` with bound values (table and column names are checked, never taken from
data).

It imports nothing of the project at run time (``Conn`` is only a type), so a benchmark
may import it before ``common`` has put the measured checkout (``BENCH_CODE``) on the path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.db import Conn

TABLES = {
    "units",
    "users",
    "members",
    "roles",
    "contact_points",
    "meetings",
    "attendance",
    "materials",
    "material_recipients",
    "outbox",
    "note_requests",
    "notes",
    "visits",
    "notices",
    "notice_recipients",
}


async def insert(
    c: Conn, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    if table not in TABLES or not all(column.isidentifier() for column in columns):
        raise ValueError(f"not a table or columns to bulk-load: {table} {columns}")
    marks = ", ".join("?" for _ in columns)
    await c.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(rows))


async def last_id(c: Conn, table: str) -> int:
    if table not in TABLES:
        raise ValueError(table)
    rows = await c.execute_fetchall(f"SELECT coalesce(max(rowid), 0) FROM {table}")
    return int(next(iter(rows))[0])
