"""The live count on check-in posts: presses poke, edits are spaced out.

A press must cost one write (a burst of hundreds is the normal case), and a group takes
about twenty messages and edits a minute: an edit per press would spend that in a second
and then hold the group's other messages for minutes. So a press only pokes this loop
(in memory, nothing written); the loop looks at the open sessions' counts and queues an
edit of a post whose count changed, at most one per post in
``ZHIBU_CHECKIN_COUNT_SECONDS`` (measured on the bot's clock, so tests move it), and
none while the post's previous edit still waits to be sent — the outbox renders an edit
when it sends it, so it shows the count of that moment, and a burst of 600 presses is a
handful of edits. The scheduler's tick looks too (bot/schedule.py), in case a poke was
lost to a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from bot import meetings
from bot.background import BackgroundLoop
from bot.clock import Clock
from bot.write_faults import is_write_fault
from storage.db import Database

log = logging.getLogger(__name__)

#: Shortest wait before looking again at a count that has to wait (real seconds).
MIN_WAIT = 0.5
#: After a failed look (a full disk, say), before the next.
RETRY = 5.0


class LiveCounts(BackgroundLoop):
    """One per bot, started and stopped with the services."""

    task_name = "zhibu-live-counts"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        every: timedelta,
        queued: Callable[[], None],
        *,
        timed: bool = True,
    ) -> None:
        super().__init__()
        self.db, self.clock, self.every, self.queued = db, clock, every, queued
        # Off in tests, like the tick's beat (time is theirs: a look on a timer would come
        # at a moment no test chose); then pokes and the tick alone make it look.
        self.timed = timed
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._wake.set()  # a first look at start-up: a restart during a session

    def poke(self) -> None:
        """Someone pressed: look at the counts soon."""
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self) -> None:
        """Until nothing is being looked at and no poke waits (tests; bound it)."""
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            self._idle.clear()  # a look on its own timer is work too
            wait: float | None
            try:
                queued, wait = await meetings.queue_count_edits(self.db, self.clock, self.every)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not is_write_fault(exc):  # a full disk is said once, elsewhere
                    log.exception("could not look at the live counts")
                queued, wait = 0, RETRY
            if queued:
                self.queued()
            if not self._wake.is_set():
                self._idle.set()
            if wait is not None and not self.timed:
                wait = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._wake.wait(), None if wait is None else max(MIN_WAIT, wait)
                )
