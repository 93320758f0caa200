"""Conversations in progress, stored so that a restart does not lose a half-filled form."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Conn
from storage.models import Dialog
from storage.rows import ts


async def get(c: Conn, telegram_id: int, chat_id: int) -> Dialog | None:
    async with c.execute(
        "SELECT * FROM dialogs WHERE telegram_id = ? AND chat_id = ?", (telegram_id, chat_id)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    data = dict(row)
    data["data"] = json.loads(data["data"])
    data["prev_data"] = json.loads(data["prev_data"]) if data["prev_data"] else None
    return Dialog.model_validate(data)


async def put(c: Conn, telegram_id: int, chat_id: int, kind: str, step: str,
              data: dict[str, Any], now: datetime, moved_by: int | None = None) -> None:
    """Start or move a dialog. The state before ``moved_by`` (the update doing it) is kept
    — a second move by the same update keeps what the first one found; a dialog of another
    kind replaced by this one keeps nothing."""
    await c.execute(
        """INSERT INTO dialogs (telegram_id, chat_id, kind, step, data, updated_at, moved_by)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (telegram_id, chat_id) DO UPDATE SET
             prev_step = CASE WHEN excluded.moved_by IS dialogs.moved_by THEN dialogs.prev_step
                              WHEN excluded.kind = dialogs.kind THEN dialogs.step END,
             prev_data = CASE WHEN excluded.moved_by IS dialogs.moved_by THEN dialogs.prev_data
                              WHEN excluded.kind = dialogs.kind THEN dialogs.data END,
             kind = excluded.kind, step = excluded.step, data = excluded.data,
             updated_at = excluded.updated_at, moved_by = excluded.moved_by""",
        (telegram_id, chat_id, kind, step, json.dumps(data, ensure_ascii=False), ts(now),
         moved_by))


async def drop(c: Conn, telegram_id: int, chat_id: int) -> bool:
    cur = await c.execute(
        "DELETE FROM dialogs WHERE telegram_id = ? AND chat_id = ?", (telegram_id, chat_id))
    return cur.rowcount > 0
