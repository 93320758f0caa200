"""Personal command menus: what was published to whom, and whose is due again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from storage.db import Conn
from storage.models import PersonalMenu
from storage.rows import fetch_all, ts


async def mark_due(c: Conn, telegram_ids: Iterable[int], now: datetime) -> None:
    """Their roles changed (or may have): publish their menu again at the next chance."""
    await c.executemany(
        """INSERT INTO personal_menus (telegram_id, due, marks, changed_at) VALUES (?, 1, 1, ?)
           ON CONFLICT (telegram_id) DO UPDATE SET due = 1, marks = marks + 1,
             changed_at = excluded.changed_at""",
        [(telegram_id, ts(now)) for telegram_id in telegram_ids],
    )


async def mark_all_due(c: Conn, now: datetime) -> None:
    await c.execute(
        "UPDATE personal_menus SET due = 1, marks = marks + 1, changed_at = ? WHERE due = 0",
        (ts(now),),
    )


async def due(c: Conn, limit: int, only: list[int] | None = None) -> list[PersonalMenu]:
    if only is None:
        return await fetch_all(
            c,
            PersonalMenu,
            "SELECT * FROM personal_menus WHERE due = 1 ORDER BY telegram_id LIMIT ?",
            (limit,),
        )
    marks = ", ".join("?" for _ in only)
    return await fetch_all(
        c,
        PersonalMenu,
        f"""SELECT * FROM personal_menus WHERE due = 1 AND telegram_id IN ({marks})
            ORDER BY telegram_id LIMIT ?""",
        (*only, limit),
    )


async def published(
    c: Conn, menu: PersonalMenu, commands: str | None, language: str | None, now: datetime
) -> None:
    """What was published for ``menu`` as read; still due if it was marked again since."""
    await c.execute(
        """UPDATE personal_menus SET commands = ?, language = ?, changed_at = ?,
             due = CASE WHEN marks = ? THEN 0 ELSE 1 END
           WHERE telegram_id = ?""",
        (commands, language, ts(now), menu.marks, menu.telegram_id),
    )
