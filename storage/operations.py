"""Errors kept for the report to staff, the bot's heartbeat, and the figures of
`zhibu status` (see migration 0009)."""

from __future__ import annotations

from datetime import datetime

from storage.db import Conn
from storage.models import Health, PendingFaults
from storage.rows import fetch_one, fetch_value, ts


async def beat(c: Conn, name: str, now: datetime) -> None:
    await c.execute(
        "INSERT INTO heartbeat (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = "
        "excluded.at",
        (name, ts(now)),
    )


async def add_fault(c: Conn, source: str, context: str, summary: str, now: datetime) -> None:
    await c.execute(
        "INSERT INTO faults (at, source, context, summary) VALUES (?, ?, ?, ?)",
        (ts(now), source, context, summary),
    )


async def pending_faults(c: Conn) -> PendingFaults | None:
    """The errors not yet reported, or None if there are none."""
    return await fetch_one(
        c,
        PendingFaults,
        """SELECT counted.*, latest.at AS latest_at, latest.source AS latest_source,
                  latest.context AS latest_context, latest.summary AS latest_summary
           FROM (SELECT count(*) AS count, max(id) AS last_id, min(at) AS first_at
                 FROM faults WHERE reported_at IS NULL) counted
           JOIN faults latest ON latest.id = counted.last_id""",
    )


async def last_report(c: Conn) -> datetime | None:
    value = await fetch_value(c, "SELECT max(reported_at) FROM faults")
    return datetime.fromisoformat(value) if value else None


async def mark_reported(c: Conn, up_to_id: int, now: datetime) -> None:
    await c.execute(
        "UPDATE faults SET reported_at = ? WHERE reported_at IS NULL AND id <= ?",
        (ts(now), up_to_id),
    )


async def forget_faults(c: Conn, before: datetime) -> int:
    cur = await c.execute(
        "DELETE FROM faults WHERE at < ? AND reported_at IS NOT NULL", (ts(before),)
    )
    return cur.rowcount


async def health(c: Conn, since: datetime) -> Health:
    """One statement, each figure from an index: cheap enough for a health check a minute."""
    found = await fetch_one(
        c,
        Health,
        """SELECT
             (SELECT count(*) FROM outbox WHERE state = 'queued') AS queued,
             (SELECT min(created_at) FROM outbox WHERE state = 'queued') AS oldest_queued_at,
             (SELECT max(done_at) FROM outbox) AS last_finished_at,
             (SELECT count(*) FROM outbox WHERE done_at >= :since AND state = 'failed')
               AS failed_rows,
             (SELECT count(*) FROM faults WHERE at >= :since) AS errors,
             (SELECT done_at FROM inbox_mark) AS last_update_at,
             (SELECT max(0, coalesce((SELECT first_position + size - 1 FROM inbox_batches
                                      ORDER BY first_position DESC LIMIT 1), 0)
                            - done_through - finished_above) FROM inbox_mark)
               AS unfinished_updates,
             (SELECT b.received_at FROM inbox_batches b, inbox_mark m
              WHERE b.first_position <= m.done_through + 1
                AND b.first_position + b.size > m.done_through + 1
              ORDER BY b.first_position DESC LIMIT 1) AS oldest_unfinished_at,
             (SELECT at FROM heartbeat WHERE name = 'tick') AS last_tick_at""",
        {"since": ts(since)},
    )
    assert found is not None
    return found
