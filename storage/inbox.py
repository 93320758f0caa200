"""The journal of updates received from Telegram (see migration 0007 for why)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.db import Conn
from storage.rows import ts


async def record(c: Conn, updates: Sequence[tuple[int, str]], now: datetime) -> set[int]:
    """Write down (update_id, JSON) pairs; returns the ids that were not there before.
    One statement: it is on the path between two polls of Telegram."""
    values = ", ".join(["(?, ?, ?)"] * len(updates))
    params = [value for update_id, body in updates for value in (update_id, body, ts(now))]
    rows = await c.execute_fetchall(
        f"INSERT INTO inbox (update_id, body, received_at) VALUES {values} "
        "ON CONFLICT (update_id) DO NOTHING RETURNING update_id", params)
    return {row[0] for row in rows}


async def mark_done(c: Conn, update_ids: Sequence[int], now: datetime) -> None:
    await c.execute(
        f"UPDATE inbox SET done_at = ? WHERE update_id IN ({', '.join('?' * len(update_ids))})",
        (ts(now), *update_ids))


async def unfinished(c: Conn) -> list[str]:
    """Bodies of the updates received and not finished, oldest first."""
    async with c.execute(
        "SELECT body FROM inbox WHERE done_at IS NULL ORDER BY update_id"
    ) as cur:
        return [row["body"] for row in await cur.fetchall()]


async def forget_done(c: Conn, before: datetime) -> int:
    """The update handled last stays: `zhibu status` reads when that was. (By when it was
    handled, not by its id: after a week without updates Telegram picks ids at random.)"""
    cur = await c.execute(
        """DELETE FROM inbox WHERE done_at < ? AND update_id IS NOT
             (SELECT update_id FROM inbox WHERE done_at IS NOT NULL
              ORDER BY done_at DESC, rowid DESC LIMIT 1)""", (ts(before),))
    return cur.rowcount
