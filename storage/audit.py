"""The audit trail: who changed what, when."""

from __future__ import annotations

from datetime import datetime

from storage.db import Conn
from storage.models import AuditEntry
from storage.rows import fetch_all, ts


async def record(c: Conn, now: datetime, actor: str, action: str, subject: str = "",
                 detail: str = "") -> int:
    """The entry's id: unique per event, so it can key what the event sets off."""
    cur = await c.execute(
        "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (ts(now), actor, action, subject, detail))
    return int(cur.lastrowid or 0)


async def entries(c: Conn, limit: int = 1000) -> list[AuditEntry]:
    return await fetch_all(c, AuditEntry, "SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))


async def between(c: Conn, start: datetime, end: datetime) -> list[AuditEntry]:
    """Everything recorded from ``start`` up to ``end``, oldest first."""
    return await fetch_all(
        c, AuditEntry, "SELECT * FROM audit WHERE at >= ? AND at < ? ORDER BY id",
        (ts(start), ts(end)))
