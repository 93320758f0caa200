"""The rectification ledger (整改台账): items and their history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from storage.db import Conn
from storage.models import (
    NewRectification,
    NewRectificationEvent,
    Rectification,
    RectificationEvent,
    RectifySource,
)
from storage.rows import fetch_all, fetch_one, insert, ts

#: Not crossed off yet: waiting for work, or for staff to confirm.
NOT_CLOSED = ("open", "asked")


def _marks(values: Iterable[Any]) -> tuple[str, list[Any]]:
    chosen = sorted(set(values))
    return ", ".join("?" for _ in chosen), chosen


async def add(c: Conn, new: NewRectification, now: datetime) -> Rectification:
    item = await get(c, await insert(c, new, now))
    assert item is not None
    return item


async def get(c: Conn, item_id: int) -> Rectification | None:
    return await fetch_one(
        c, Rectification, "SELECT * FROM rectifications WHERE id = ?", (item_id,)
    )


async def by_source(
    c: Conn, source: RectifySource, source_id: int, branch_id: int
) -> Rectification | None:
    return await fetch_one(
        c,
        Rectification,
        "SELECT * FROM rectifications WHERE source = ? AND source_id = ? AND branch_id = ?",
        (source, source_id, branch_id),
    )


async def open_from_visits(c: Conn, visit_ids: Iterable[int]) -> dict[int, Rectification]:
    """Visit → the item not crossed off that was raised from its problem."""
    marks, wanted = _marks(visit_ids)
    if not wanted:
        return {}
    items = await fetch_all(
        c,
        Rectification,
        f"""SELECT * FROM rectifications WHERE source = 'visit' AND state != 'closed'
            AND source_id IN ({marks}) ORDER BY id""",
        wanted,
    )
    return {int(i.source_id): i for i in items if i.source_id is not None}


async def add_event(c: Conn, new: NewRectificationEvent, now: datetime) -> RectificationEvent:
    found = await event(c, await insert(c, new, now))
    assert found is not None
    return found


async def events(c: Conn, item_ids: Iterable[int]) -> list[RectificationEvent]:
    """The history of these items, each item's in order."""
    marks, chosen = _marks(item_ids)
    if not chosen:
        return []
    return await fetch_all(
        c,
        RectificationEvent,
        f"SELECT * FROM rectification_events WHERE item_id IN ({marks}) ORDER BY item_id, id",
        chosen,
    )


async def move(
    c: Conn,
    item_id: int,
    from_states: tuple[str, ...],
    to: str,
    now: datetime | None = None,
    closed_by: int | None = None,
) -> bool:
    """Move an item on from one of ``from_states`` (False: it was not in one of them —
    a second press, or someone else was first); closing stamps who and when."""
    marks, chosen = _marks(from_states)
    if to == "closed":
        assert now is not None and closed_by is not None
        cur = await c.execute(
            f"""UPDATE rectifications SET state = 'closed', closed_by = ?, closed_at = ?
                WHERE id = ? AND state IN ({marks})""",
            (closed_by, ts(now), item_id, *chosen),
        )
    else:
        cur = await c.execute(
            f"UPDATE rectifications SET state = ? WHERE id = ? AND state IN ({marks})",
            (to, item_id, *chosen),
        )
    return cur.rowcount == 1


async def set_reminded(c: Conn, item_id: int, stage: str, before: str | None) -> bool:
    """Note the reminder stage sent, if no tick noted it meanwhile."""
    cur = await c.execute(
        "UPDATE rectifications SET reminded = ? WHERE id = ? AND reminded IS ?",
        (stage, item_id, before),
    )
    return cur.rowcount == 1


async def set_deadline(c: Conn, item_id: int, deadline: date) -> None:
    """A new deadline: its reminders start again."""
    await c.execute(
        "UPDATE rectifications SET deadline = ?, reminded = NULL WHERE id = ?",
        (deadline.isoformat(), item_id),
    )


async def set_responsible(c: Conn, item_id: int, telegram_id: int, name: str) -> bool:
    """Someone else is responsible: their reminders count from now (none sent yet). Not
    for an item crossed off."""
    cur = await c.execute(
        """UPDATE rectifications SET responsible = ?, responsible_name = ?, reminded = NULL
           WHERE id = ? AND state != 'closed'""",
        (telegram_id, name, item_id),
    )
    return cur.rowcount == 1


async def of_branches(
    c: Conn, branches: Iterable[int] | None, states: tuple[str, ...] = NOT_CLOSED
) -> list[Rectification]:
    """Items of these branches (None: every branch) in these states, by branch and deadline."""
    state_marks, chosen_states = _marks(states)
    sql = f"SELECT * FROM rectifications WHERE state IN ({state_marks})"
    params: list[Any] = list(chosen_states)
    if branches is not None:
        marks, chosen = _marks(branches)
        if not chosen:
            return []
        sql += f" AND branch_id IN ({marks})"
        params += chosen
    return await fetch_all(c, Rectification, sql + " ORDER BY branch_id, deadline, id", params)


async def of_responsible(
    c: Conn, telegram_id: int, states: tuple[str, ...] = NOT_CLOSED
) -> list[Rectification]:
    marks, chosen = _marks(states)
    return await fetch_all(
        c,
        Rectification,
        f"""SELECT * FROM rectifications WHERE responsible = ? AND state IN ({marks})
            ORDER BY deadline, id""",
        (telegram_id, *chosen),
    )


async def due_soon(c: Conn, until: date) -> list[Rectification]:
    """Open items whose deadline is ``until`` or earlier and whose reminders have not all
    gone out (the last is the one the day after the deadline)."""
    return await fetch_all(
        c,
        Rectification,
        """SELECT * FROM rectifications WHERE state = 'open' AND deadline <= ?
           AND (reminded IS NULL OR reminded != 'overdue') ORDER BY responsible, deadline, id""",
        (until.isoformat(),),
    )


async def standing_at(
    c: Conn, branches: Iterable[int] | None, start: datetime, end: datetime
) -> tuple[list[Rectification], list[Rectification]]:
    """Of these branches (None: all): the items raised before ``end`` and not crossed off
    by then, and those crossed off in [start, end)."""
    where, params = "", []
    if branches is not None:
        marks, chosen = _marks(branches)
        if not chosen:
            return [], []
        where, params = f" AND branch_id IN ({marks})", chosen
    standing = await fetch_all(
        c,
        Rectification,
        f"""SELECT * FROM rectifications WHERE created_at < ?
            AND (closed_at IS NULL OR closed_at >= ?){where} ORDER BY branch_id, deadline, id""",
        (ts(end), ts(end), *params),
    )
    closed = await fetch_all(
        c,
        Rectification,
        f"""SELECT * FROM rectifications WHERE closed_at >= ? AND closed_at < ?{where}
            ORDER BY branch_id, closed_at, id""",
        (ts(start), ts(end), *params),
    )
    return standing, closed


async def ledger(c: Conn, branches: Iterable[int] | None) -> list[Rectification]:
    """Every item of these branches (None: all), whatever its state, by branch and id."""
    sql, params = "SELECT * FROM rectifications", []
    if branches is not None:
        marks, chosen = _marks(branches)
        if not chosen:
            return []
        sql, params = sql + f" WHERE branch_id IN ({marks})", chosen
    return await fetch_all(c, Rectification, sql + " ORDER BY branch_id, id", params)


async def event(c: Conn, event_id: int) -> RectificationEvent | None:
    return await fetch_one(
        c, RectificationEvent, "SELECT * FROM rectification_events WHERE id = ?", (event_id,)
    )
