"""The outbox keeps what matters: the daily pruning of delivered rows (storage/delivered.py).

A county's outbox grows by some three million rows a year (reminders, check-in posts,
notices, materials, evening bundles), almost all of them read only while they are on
their way. Once a day, after retention, rows finished more than
``ZHIBU_KEEP_DELIVERED_DAYS`` ago go, a chunk per transaction so that the write lock is
never held for long (updates, presses and the sender write between two chunks).

The file does not shrink by itself: SQLite keeps the freed pages and fills them with the
next days' rows, so a database pruned every day stops growing by the outbox's traffic
(it holds the last N days of it). Shrinking the file of a database that had grown before
the pruning needs a VACUUM, a long exclusive operation: docs/design.md says how to do it with
the bot stopped, rather than the bot doing it by itself.
"""

from __future__ import annotations

import asyncio
import logging
import time

from bot.clock import Clock
from bot.privacy import kept_since
from storage import delivered as repo
from storage.db import Database

log = logging.getLogger(__name__)

#: Rows deleted in one transaction: a few milliseconds of the write lock on a county.
CHUNK = 2000
#: Seconds of pruning a day at most. A day's traffic takes a fraction of it; a database
#: that grew before the pruning existed (millions of rows) is worked off over some days
#: rather than holding up the scheduler's tick for a minute on the first.
BUDGET_SECONDS = 5.0


async def prune_delivered(
    db: Database, clock: Clock, days: int, chunk: int = CHUNK, budget: float = BUDGET_SECONDS
) -> int:
    """Delete the outbox rows finished before the local day ``days`` days ago (folding
    how each ended into the receipts that point at it); returns how many went."""
    before = kept_since(clock, days)
    gone = 0
    # Elapsed time, not the organisation's "now": only how long the work took.
    until = time.monotonic() + budget
    while True:
        async with db.tx() as c:
            done = await repo.prune(c, before, chunk)
        gone += done
        if done < chunk or time.monotonic() >= until:
            break
        await asyncio.sleep(0)  # let what waits for the lock have it between two chunks
    if gone:
        log.info("outbox: %d message(s) finished before %s pruned", gone, before.date())
    return gone
