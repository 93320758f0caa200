"""Long scheduled work as a run of short transactions, each committed on its own.

SQLite has one writer, and the bot one write connection behind a FIFO lock: a
transaction that queues 30,000 messages (or advances 600 sessions) holds up every press
and the update journal until it commits. Here the work is cut into pieces — one session,
or a few hundred recipients — each written whole in its own transaction; between two,
the ticker yields, so a writer that queued meanwhile goes first and waits at most one
piece. Each piece is keyed (outbox keys, step stamps), so a crash between two leaves the
done ones done and the next run does the rest, adding nothing twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from storage.db import Conn, Database

T = TypeVar("T")

#: Recipients queued per transaction: a few milliseconds of writing each, and few enough
#: transactions that a county's 30,000 cost little more than one.
CHUNK = 500


async def in_chunks(
    db: Database,
    items: Sequence[T],
    write: Callable[[Conn, Sequence[T]], Awaitable[int]],
    size: int | None = None,
) -> int:
    """``write`` each piece of ``items`` in a transaction of its own; returns the sum of
    what the pieces return (how many messages they queued)."""
    step = size or CHUNK
    total = 0
    for start in range(0, len(items), step):
        if start:
            await asyncio.sleep(0)  # whoever waits for the lock is already behind it
        async with db.tx() as c:
            total += await write(c, items[start : start + step])
    return total
