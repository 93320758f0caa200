"""The journal of updates received from Telegram: one row per batch, and one row that
says how far they are done (migration 0021; bot/journal.py says why this is safe)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Conn
from storage.rows import ts


@dataclass(frozen=True)
class Mark:
    """Every position up to ``through`` is finished, and the ``above`` runs."""

    through: int
    above: list[tuple[int, int]]


async def record(
    c: Conn, first_id: int, last_id: int, size: int, body: str, now: datetime, since: datetime
) -> int | None:
    """Write down one batch (``body``: a JSON array of ``size`` updates, ids ascending);
    returns its first position. None, and nothing written, if an update id between
    ``first_id`` and ``last_id`` was already written down since ``since``: then
    :func:`recorded` tells which. One statement: it is on the path between two polls."""
    rows = await c.execute_fetchall(
        """INSERT INTO inbox_batches (first_position, size, first_update_id, last_update_id,
                                      body, received_at)
           SELECT max(coalesce((SELECT first_position + size FROM inbox_batches
                                ORDER BY first_position DESC LIMIT 1), 1),
                      (SELECT done_through + 1 FROM inbox_mark)),
                  :size, :first, :last, :body, :now
           WHERE NOT EXISTS (SELECT 1 FROM inbox_batches WHERE last_update_id >= :first
                             AND first_update_id <= :last AND received_at >= :since)
           RETURNING first_position""",
        {
            "size": size,
            "first": first_id,
            "last": last_id,
            "body": body,
            "now": ts(now),
            "since": ts(since),
        },
    )
    found = next(iter(rows), None)
    return None if found is None else int(found[0])


async def recorded(c: Conn, first_id: int, last_id: int, since: datetime) -> list[tuple[int, int]]:
    """The (first, last) update ids of the batches written since ``since`` that overlap
    ``first_id``..``last_id``: an update between a batch's two was in it (Telegram hands
    updates out in rising order, and never later one it skipped)."""
    rows = await c.execute_fetchall(
        """SELECT first_update_id, last_update_id FROM inbox_batches
           WHERE last_update_id >= ? AND first_update_id <= ? AND received_at >= ?""",
        (first_id, last_id, ts(since)),
    )
    return [(int(row[0]), int(row[1])) for row in rows]


async def mark(c: Conn) -> Mark:
    rows = await c.execute_fetchall("SELECT done_through, done_above FROM inbox_mark")
    row = next(iter(rows))
    return Mark(int(row[0]), [(int(a), int(b)) for a, b in json.loads(row[1])])


def runs(positions: set[int]) -> list[tuple[int, int]]:
    """Positions as [first, last] runs: those finished above the mark are mostly a few."""
    found: list[tuple[int, int]] = []
    for position in sorted(positions):
        if found and found[-1][1] == position - 1:
            found[-1] = (found[-1][0], position)
        else:
            found.append((position, position))
    return found


async def write_mark(c: Conn, through: int, above: list[tuple[int, int]], now: datetime) -> None:
    """One row, however many updates finished since it was last written."""
    await c.execute(
        "UPDATE inbox_mark SET done_through = ?, done_above = ?, finished_above = ?, done_at = ?",
        (
            through,
            json.dumps(above, separators=(",", ":")),
            sum(last - first + 1 for first, last in above),
            ts(now),
        ),
    )


async def unfinished(c: Conn, through: int) -> list[tuple[int, list[dict[str, Any]]]]:
    """(first position, updates) of every batch with a position above ``through``, oldest
    first."""
    rows = await c.execute_fetchall(
        "SELECT first_position, body FROM inbox_batches "
        "WHERE first_position + size - 1 > ? ORDER BY first_position",
        (through,),
    )
    return [(int(row[0]), json.loads(row[1])) for row in rows]


async def forget_done(c: Conn, before: datetime) -> int:
    """Batches wholly finished by the stored mark and written down before ``before``: long
    enough ago that Telegram will not hand out their updates again."""
    cur = await c.execute(
        """DELETE FROM inbox_batches WHERE received_at < ?
           AND first_position + size - 1 <= (SELECT done_through FROM inbox_mark)""",
        (ts(before),),
    )
    return cur.rowcount
