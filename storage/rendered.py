"""Bulletin parts rendered once, kept while outbox rows still refer to them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from storage.db import Conn
from storage.models import RenderedPart
from storage.rows import fetch_one, ts


async def store(c: Conn, parts: Iterable[RenderedPart], now: datetime) -> None:
    """Keep each part; one already kept (the same bulletin queued again) stays as it was."""
    await c.executemany(
        """INSERT OR IGNORE INTO rendered_parts
           (bulletin, language, part, text, buttons, media_kind, file_name, data, made_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (
                p.bulletin,
                p.language,
                p.part,
                p.text,
                json.dumps(p.buttons, ensure_ascii=False),
                p.media_kind,
                p.file_name,
                p.data,
                ts(now),
            )
            for p in parts
        ],
    )


async def get(c: Conn, bulletin: str, language: str, part: int) -> RenderedPart | None:
    return await fetch_one(
        c,
        RenderedPart,
        """SELECT bulletin, language, part, text, buttons, media_kind, file_name, data
           FROM rendered_parts WHERE bulletin = ? AND language = ? AND part = ?""",
        (bulletin, language, part),
    )


async def forget_sent(c: Conn, kinds: Iterable[str]) -> int:
    """Forget every bulletin no queued outbox row (of these kinds) still refers to: what
    has gone out is in the chats, and a spreadsheet may hold what retention erases."""
    wanted = sorted(kinds)
    marks = ",".join("?" for _ in wanted)
    cur = await c.execute(
        f"""DELETE FROM rendered_parts WHERE bulletin NOT IN (
                SELECT json_extract(payload, '$.rendered') FROM outbox
                WHERE state = 'queued' AND kind IN ({marks})
                  AND json_extract(payload, '$.rendered') IS NOT NULL)""",
        wanted,
    )
    return cur.rowcount
