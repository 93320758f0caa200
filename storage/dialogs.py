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
    return Dialog.model_validate(data)


async def put(c: Conn, telegram_id: int, chat_id: int, kind: str, step: str,
              data: dict[str, Any], now: datetime, last_message_id: int | None = None) -> None:
    """Start or move a dialog; ``last_message_id`` only ever grows (see migration 0007)."""
    await c.execute(
        """INSERT INTO dialogs (telegram_id, chat_id, kind, step, data, updated_at,
                                last_message_id)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (telegram_id, chat_id) DO UPDATE SET kind = excluded.kind,
             step = excluded.step, data = excluded.data, updated_at = excluded.updated_at,
             last_message_id = max(coalesce(dialogs.last_message_id, 0),
                                   coalesce(excluded.last_message_id, 0))""",
        (telegram_id, chat_id, kind, step, json.dumps(data, ensure_ascii=False), ts(now),
         last_message_id))


async def drop(c: Conn, telegram_id: int, chat_id: int) -> bool:
    cur = await c.execute(
        "DELETE FROM dialogs WHERE telegram_id = ? AND chat_id = ?", (telegram_id, chat_id))
    return cur.rowcount > 0
