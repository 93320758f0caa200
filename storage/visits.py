"""Contact-point visits, their history and the monthly quota."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from storage.db import Conn
from storage.models import NewVisit, Visit
from storage.rows import fetch_all, fetch_one, insert, settable, ts

DEFAULT_QUOTA_KEY = 0  # the visit_quotas row that holds everyone's quota
#: The longest visit the table allows (its CHECK), so the earliest first day of a visit
#: that can still reach into a period.
LONGEST_VISIT = 31


async def add_visit(c: Conn, new: NewVisit, now: datetime) -> Visit:
    visit = await get_visit(c, await insert(c, new, now))
    assert visit is not None
    return visit


async def get_visit(c: Conn, visit_id: int) -> Visit | None:
    return await fetch_one(c, Visit, "SELECT * FROM visits WHERE id = ?", (visit_id,))


async def change(
    c: Conn, visit: Visit, changes: Mapping[str, object], what: str, actor: int, now: datetime
) -> Visit:
    """Apply a change (to columns of a visit, not its id nor times) and keep the old
    values in the history; the visit as it is now."""
    values = settable(Visit, changes)
    before = {name: getattr(visit, name) for name in values}
    assignments = ", ".join(f"{name} = ?" for name in values)
    await c.execute(
        f"UPDATE visits SET {assignments}, updated_at = ? WHERE id = ?",
        (*values.values(), ts(now), visit.id),
    )
    await c.execute(
        "INSERT INTO visit_history (visit_id, at, actor, change, before) VALUES (?, ?, ?, ?, ?)",
        (visit.id, ts(now), actor, what, json.dumps(before, ensure_ascii=False, default=str)),
    )
    changed = await get_visit(c, visit.id)
    assert changed is not None
    return changed


async def history(c: Conn, visit_id: int) -> list[tuple[str, int, str]]:
    rows = await c.execute_fetchall(
        "SELECT at, actor, change FROM visit_history WHERE visit_id = ? ORDER BY id", (visit_id,)
    )
    return [(str(at), int(actor), str(what)) for at, actor, what in rows]


async def reaching_into(
    c: Conn,
    start: date,
    end: date,
    leaders: Iterable[int] | None = None,
    exclude: int | None = None,
) -> list[Visit]:
    """Active visits that may cover a day from ``start`` up to (not including) ``end``:
    those begun before ``end`` and at most the longest visit before ``start`` (the caller
    keeps the days inside the period)."""
    sql = """SELECT * FROM visits WHERE state = 'active' AND day < ? AND day >= ?
             AND id != ?"""
    params: list[Any] = [
        end.isoformat(),
        (start - timedelta(days=LONGEST_VISIT)).isoformat(),
        exclude or 0,
    ]
    if leaders is not None:
        chosen = sorted(set(leaders))
        sql += f" AND leader_telegram_id IN ({', '.join('?' for _ in chosen)})"
        params += chosen
    return await fetch_all(c, Visit, sql + " ORDER BY leader_telegram_id, day, id", params)


async def open_problems(
    c: Conn, before: date, *, leader: int | None = None, branches: Iterable[int] | None = None
) -> list[Visit]:
    """Visits begun before ``before`` whose problem was not solved by then (solved on that
    day or later, or not yet), oldest first; of one leader, or at these branches."""
    sql = """SELECT * FROM visits WHERE state = 'active' AND problems != '' AND day < ?
             AND (solved = 0 OR solved_on IS NULL OR solved_on >= ?)"""
    params: list[Any] = [before.isoformat(), before.isoformat()]
    if leader is not None:
        sql += " AND leader_telegram_id = ?"
        params.append(leader)
    if branches is not None:
        chosen = sorted(set(branches))
        sql += f" AND branch_id IN ({', '.join('?' for _ in chosen)})"
        params += chosen
    return await fetch_all(c, Visit, sql + " ORDER BY day, id", params)


async def recent(c: Conn, leader: int, limit: int = 5) -> list[Visit]:
    return await fetch_all(
        c,
        Visit,
        """SELECT * FROM visits WHERE leader_telegram_id = ? AND state = 'active'
           ORDER BY day DESC, id DESC LIMIT ?""",
        (leader, limit),
    )


async def recent_at(c: Conn, branches: Iterable[int], limit: int = 5) -> list[Visit]:
    chosen = sorted(set(branches))
    return await fetch_all(
        c,
        Visit,
        f"""SELECT * FROM visits WHERE state = 'active'
            AND branch_id IN ({", ".join("?" for _ in chosen)})
            ORDER BY day DESC, id DESC LIMIT ?""",
        (*chosen, limit),
    )


async def quota(c: Conn, leader: int, default: float) -> float:
    rows = await c.execute_fetchall(
        """SELECT leader_telegram_id, days FROM visit_quotas
           WHERE leader_telegram_id IN (?, ?)""",
        (leader, DEFAULT_QUOTA_KEY),
    )
    found = {int(who): float(days) for who, days in rows}
    return found.get(leader, found.get(DEFAULT_QUOTA_KEY, default))


async def set_quota(c: Conn, leader: int | None, days: float, by: int, now: datetime) -> None:
    await c.execute(
        """INSERT INTO visit_quotas (leader_telegram_id, days, set_by, set_at)
           VALUES (?, ?, ?, ?) ON CONFLICT (leader_telegram_id) DO UPDATE SET
           days = excluded.days, set_by = excluded.set_by, set_at = excluded.set_at""",
        (leader if leader is not None else DEFAULT_QUOTA_KEY, days, by, ts(now)),
    )
