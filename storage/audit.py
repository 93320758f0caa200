"""The audit trail: who changed what, when."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime

from storage.db import Conn
from storage.models import AuditEntry, AuditNames
from storage.rows import fetch_all, ts


def changes(**fields: tuple[object, object]) -> str:
    """The detail of an entry that changed something: each field's value before and
    after, which the audit export shows as "days 2 → 1" (``bot/audit_trail.py``)."""
    return json.dumps(
        {name: list(pair) for name, pair in fields.items()}, ensure_ascii=False, default=str
    )


async def record(
    c: Conn, now: datetime, actor: str, action: str, subject: str = "", detail: str = ""
) -> int:
    """The entry's id: unique per event, so it can key what the event sets off."""
    cur = await c.execute(
        "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (ts(now), actor, action, subject, detail),
    )
    return int(cur.lastrowid or 0)


async def entries(c: Conn, limit: int = 1000) -> list[AuditEntry]:
    return await fetch_all(c, AuditEntry, "SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))


async def between(c: Conn, start: datetime, end: datetime) -> list[AuditEntry]:
    """Everything recorded from ``start`` up to ``end``, oldest first."""
    return await fetch_all(
        c,
        AuditEntry,
        "SELECT * FROM audit WHERE at >= ? AND at < ? ORDER BY id",
        (ts(start), ts(end)),
    )


async def names(
    c: Conn, people: Collection[int], members: Collection[int], units: Collection[int]
) -> AuditNames:
    """The names behind the ids an export mentions: three queries however many ids (the
    ids go in as one JSON list). A person is named as their member record has it, a
    removed member's old account by the name Telegram gave."""
    return AuditNames(
        people=await _names(
            c,
            people,
            (
                "SELECT u.telegram_id, coalesce((SELECT m.name FROM members m"
                " WHERE m.telegram_id = u.telegram_id ORDER BY m.state = 'active' DESC LIMIT 1),"
                " nullif(u.first_name, '')) FROM users u"
                " WHERE u.telegram_id IN (SELECT value FROM json_each(?))"
            ),
        ),
        members=await _names(
            c,
            members,
            ("SELECT id, name FROM members WHERE id IN (SELECT value FROM json_each(?))"),
        ),
        units=await _names(
            c, units, ("SELECT id, name FROM units WHERE id IN (SELECT value FROM json_each(?))")
        ),
    )


async def _names(c: Conn, ids: Collection[int], sql: str) -> dict[int, str]:
    if not ids:
        return {}
    rows = await c.execute_fetchall(sql, (json.dumps(sorted(ids)),))
    return {int(row[0]): str(row[1]) for row in rows if row[1]}
