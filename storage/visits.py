"""Contact-point visits, their history and the monthly quota."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from storage.db import Conn
from storage.models import Visit
from storage.rows import fetch_all, fetch_one, fetch_value, ts

VISIT_FIELDS = ("leader_telegram_id", "branch_id", "day", "days", "activity", "record",
                "record_file_id", "problems", "solved", "latitude", "longitude")
DEFAULT_QUOTA_KEY = 0  # the visit_quotas row that holds everyone's quota


async def add_visit(c: Conn, fields: dict[str, Any], now: datetime) -> Visit:
    unknown = set(fields) - set(VISIT_FIELDS)
    if unknown:
        raise ValueError(f"unknown visit fields: {sorted(unknown)}")
    values = dict(fields)
    values["day"] = values["day"].isoformat()
    values["solved"] = int(bool(values.get("solved")))
    values["created_at"] = values["updated_at"] = ts(now)
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cur = await c.execute(f"INSERT INTO visits ({names}) VALUES ({marks})",
                          tuple(values.values()))
    visit = await get_visit(c, int(cur.lastrowid or 0))
    assert visit is not None
    return visit


async def get_visit(c: Conn, visit_id: int) -> Visit | None:
    return await fetch_one(c, Visit, "SELECT * FROM visits WHERE id = ?", (visit_id,))


async def change(c: Conn, visit: Visit, fields: dict[str, Any], what: str, actor: int,
                 now: datetime) -> None:
    """Apply a change and keep the old values in the history."""
    before = {name: getattr(visit, name) for name in fields}
    assignments = ", ".join(f"{name} = ?" for name in fields)
    values = [ts(v) if isinstance(v, datetime) else v for v in fields.values()]
    await c.execute(f"UPDATE visits SET {assignments}, updated_at = ? WHERE id = ?",
                    (*values, ts(now), visit.id))
    await c.execute(
        "INSERT INTO visit_history (visit_id, at, actor, change, before) VALUES (?, ?, ?, ?, ?)",
        (visit.id, ts(now), actor, what, json.dumps(before, ensure_ascii=False, default=str)))


async def history(c: Conn, visit_id: int) -> list[tuple[str, int, str]]:
    rows = await c.execute_fetchall(
        "SELECT at, actor, change FROM visit_history WHERE visit_id = ? ORDER BY id",
        (visit_id,))
    return [(str(at), int(actor), str(what)) for at, actor, what in rows]


async def days_between(c: Conn, leader: int, start: date, end: date,
                       exclude: int | None = None) -> float:
    """Days a leader logged from ``start`` up to (not including) ``end``."""
    value = await fetch_value(
        c,
        """SELECT coalesce(sum(days), 0) FROM visits WHERE leader_telegram_id = ?
           AND state = 'active' AND day >= ? AND day < ? AND id != ?""",
        (leader, start.isoformat(), end.isoformat(), exclude or 0))
    return float(value or 0)


async def visits_between(c: Conn, start: date, end: date, leader: int | None = None
                         ) -> list[Visit]:
    if leader is None:
        return await fetch_all(
            c, Visit,
            """SELECT * FROM visits WHERE state = 'active' AND day >= ? AND day < ?
               ORDER BY day, id""", (start.isoformat(), end.isoformat()))
    return await fetch_all(
        c, Visit,
        """SELECT * FROM visits WHERE state = 'active' AND day >= ? AND day < ?
           AND leader_telegram_id = ? ORDER BY day, id""",
        (start.isoformat(), end.isoformat(), leader))


async def recent(c: Conn, leader: int, limit: int = 5) -> list[Visit]:
    return await fetch_all(
        c, Visit,
        """SELECT * FROM visits WHERE leader_telegram_id = ? AND state = 'active'
           ORDER BY day DESC, id DESC LIMIT ?""", (leader, limit))


async def quota(c: Conn, leader: int, default: float) -> float:
    rows = await c.execute_fetchall(
        """SELECT leader_telegram_id, days FROM visit_quotas
           WHERE leader_telegram_id IN (?, ?)""", (leader, DEFAULT_QUOTA_KEY))
    found = {int(who): float(days) for who, days in rows}
    return found.get(leader, found.get(DEFAULT_QUOTA_KEY, default))


async def set_quota(c: Conn, leader: int | None, days: float, by: int, now: datetime) -> None:
    await c.execute(
        """INSERT INTO visit_quotas (leader_telegram_id, days, set_by, set_at)
           VALUES (?, ?, ?, ?) ON CONFLICT (leader_telegram_id) DO UPDATE SET
           days = excluded.days, set_by = excluded.set_by, set_at = excluded.set_at""",
        (leader if leader is not None else DEFAULT_QUOTA_KEY, days, by, ts(now)))
