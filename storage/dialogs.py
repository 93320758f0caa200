"""Conversations in progress, stored so that a restart does not lose a half-filled form."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Conn
from storage.models import Dialog
from storage.rows import ts

ENDED = "ended"  # the step of a form that was finished: a marker, not a dialog


async def get(c: Conn, telegram_id: int, chat_id: int) -> Dialog | None:
    async with c.execute(
        "SELECT * FROM dialogs WHERE telegram_id = ? AND chat_id = ? AND step != ?",
        (telegram_id, chat_id, ENDED),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    data = dict(row)
    data["data"] = json.loads(data["data"])
    data["prev_data"] = json.loads(data["prev_data"]) if data["prev_data"] else None
    return Dialog.model_validate(data)


async def put(
    c: Conn,
    telegram_id: int,
    chat_id: int,
    kind: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
    moved_by: int | None = None,
) -> None:
    """Start or move a dialog. The state before ``moved_by`` (the update doing it) is kept
    — a second move by the same update keeps what the first one found; a dialog of another
    kind, or the marker of a finished one, replaced by this one keeps nothing."""
    await c.execute(
        """INSERT INTO dialogs (telegram_id, chat_id, kind, step, data, updated_at, moved_by)
           VALUES (:user, :chat, :kind, :step, :data, :at, :moved_by)
           ON CONFLICT (telegram_id, chat_id) DO UPDATE SET
             prev_step = CASE WHEN excluded.moved_by IS dialogs.moved_by THEN dialogs.prev_step
                              WHEN excluded.kind = dialogs.kind AND dialogs.step != :ended
                              THEN dialogs.step END,
             prev_data = CASE WHEN excluded.moved_by IS dialogs.moved_by THEN dialogs.prev_data
                              WHEN excluded.kind = dialogs.kind AND dialogs.step != :ended
                              THEN dialogs.data END,
             kind = excluded.kind, step = excluded.step, data = excluded.data,
             updated_at = excluded.updated_at, moved_by = excluded.moved_by""",
        {
            "user": telegram_id,
            "chat": chat_id,
            "kind": kind,
            "step": step,
            "data": json.dumps(data, ensure_ascii=False),
            "at": ts(now),
            "moved_by": moved_by,
            "ended": ENDED,
        },
    )


async def drop(c: Conn, telegram_id: int, chat_id: int) -> bool:
    """End a dialog without a result (cancelled, or nothing came of it)."""
    cur = await c.execute(
        "DELETE FROM dialogs WHERE telegram_id = ? AND chat_id = ? AND step != ?",
        (telegram_id, chat_id, ENDED),
    )
    return cur.rowcount > 0


async def end(c: Conn, telegram_id: int, chat_id: int, moved_by: int, now: datetime) -> bool:
    """End a dialog with its result (in the result's transaction), leaving a marker of the
    update that did it — for that update, handled again after a crash, to say so."""
    cur = await c.execute(
        """UPDATE dialogs SET step = ?, data = '{}', prev_step = NULL, prev_data = NULL,
                              moved_by = ?, updated_at = ?
           WHERE telegram_id = ? AND chat_id = ? AND step != ?""",
        (ENDED, moved_by, ts(now), telegram_id, chat_id, ENDED),
    )
    return cur.rowcount > 0


async def ended_by(c: Conn, telegram_id: int, chat_id: int) -> int | None:
    """The update that finished this chat's last form, if that is the latest news."""
    rows = await c.execute_fetchall(
        "SELECT moved_by FROM dialogs WHERE telegram_id = ? AND chat_id = ? AND step = ?",
        (telegram_id, chat_id, ENDED),
    )
    return next((int(row[0]) for row in rows if row[0] is not None), None)
