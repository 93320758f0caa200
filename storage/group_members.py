"""Who is in a branch's group chat, as far as the bot has learned (one row per account)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Literal

from storage.db import Conn
from storage.models import Member
from storage.rows import fetch_all, ts

How = Literal["joined", "left", "asked"]


async def record(
    c: Conn, chat_id: int, telegram_ids: Collection[int], present: bool, how: How, now: datetime
) -> None:
    """What the bot learned just now replaces what it knew."""
    await c.executemany(
        """INSERT INTO group_members (chat_id, telegram_id, present, how, seen_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (chat_id, telegram_id) DO UPDATE SET present = excluded.present,
             how = excluded.how, seen_at = excluded.seen_at""",
        [(chat_id, telegram_id, int(present), how, ts(now)) for telegram_id in telegram_ids],
    )


async def present_among(c: Conn, chat_id: int, telegram_ids: Collection[int]) -> set[int]:
    """Those of ``telegram_ids`` known to be in the chat now."""
    if not telegram_ids:
        return set()
    rows = await c.execute_fetchall(
        """SELECT telegram_id FROM group_members WHERE chat_id = ? AND present = 1
           AND telegram_id IN (SELECT value FROM json_each(?))""",
        (chat_id, "[" + ",".join(str(int(t)) for t in telegram_ids) + "]"),
    )
    return {int(row[0]) for row in rows}


async def to_ask(c: Conn, stale_before: datetime, limit: int) -> list[tuple[int, int]]:
    """(chat, account) pairs to ask Telegram about: active members with an account whose
    branch has a group, never learned there or last learned before ``stale_before`` —
    the never-learned first."""
    rows = await c.execute_fetchall(
        """SELECT g.chat_id, m.telegram_id FROM members m
           JOIN group_chats g ON g.branch_id = m.branch_id AND g.state = 'bound'
           LEFT JOIN group_members p ON p.chat_id = g.chat_id AND p.telegram_id = m.telegram_id
           WHERE m.state = 'active' AND m.telegram_id IS NOT NULL
             AND (p.seen_at IS NULL OR p.seen_at < ?)
           ORDER BY p.seen_at IS NOT NULL, p.seen_at, m.id LIMIT ?""",
        (ts(stale_before), limit),
    )
    return [(int(chat), int(account)) for chat, account in rows]


async def not_in_group(c: Conn, branch_id: int, chat_id: int) -> list[Member]:
    """The branch's active members with a Telegram account not known to be in its group."""
    return await fetch_all(
        c,
        Member,
        """SELECT m.* FROM members m
           LEFT JOIN group_members p ON p.chat_id = ? AND p.telegram_id = m.telegram_id
           WHERE m.branch_id = ? AND m.state = 'active' AND m.telegram_id IS NOT NULL
             AND ifnull(p.present, 0) = 0
           ORDER BY m.name, m.id""",
        (chat_id, branch_id),
    )


async def move_chat(c: Conn, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its people are the same."""
    await c.execute(
        "UPDATE OR REPLACE group_members SET chat_id = ? WHERE chat_id = ?",
        (new_chat_id, old_chat_id),
    )
