"""A database that cannot be written is waited out quietly, and said once.

A full disk, an I/O error or a file system gone read-only makes every write fail the same
way, at once and again at once: left to the usual error paths, PTB fetched the same
batch of updates again straight away and the bot logged thousands of tracebacks a minute
onto the very disk that was full. Here each place that writes on its own (the journal of
updates, the outbox sender, the scheduler's tick, the webhook) keeps a :class:`Backoff`:
after a failed write it waits 1, 2, 4 … up to 30 s before it tries again, and meanwhile
takes nothing new in — updates stay with Telegram, unacknowledged; queued messages stay
queued. All of them share one :class:`WriteFaults`, which makes an episode of it: one log
line when the first write fails, one when a write goes through again, and then staff are
told once, through the outbox like any other trouble (bot/trouble.py).
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

FIRST_WAIT = 1.0
LONGEST_WAIT = 30.0

#: SQLite's primary result codes of a write the storage refused (not a bug in the SQL).
_SQLITE_CODES = {
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_CANTOPEN,
}
_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG}


def is_write_fault(error: BaseException | None) -> bool:
    """Is this the storage refusing to write, rather than a bug?"""
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF in _SQLITE_CODES
        text = str(error).lower()
        return any(
            words in text
            for words in ("disk is full", "disk i/o error", "readonly database", "unable to open")
        )
    return isinstance(error, OSError) and error.errno in _ERRNOS


class NotWritten(Exception):
    """A write waited out (webhook: answer an error, so Telegram posts it again later)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the database cannot be written; next try in {wait:.0f} s")
        self.wait = wait


Recovered = Callable[[BaseException, float], Awaitable[object]]


class WriteFaults:
    """The episode, shared by every :class:`Backoff`: from the first failed write to the
    first one that goes through again."""

    def __init__(self) -> None:
        self.since: float | None = None  # monotonic; None while writes go through
        self.first_error: BaseException | None = None
        self.failures = 0
        #: Told when an episode ends (the first error, its length in seconds): staff hear.
        self.on_recovered: Recovered | None = None

    @property
    def failing(self) -> bool:
        return self.since is not None

    def failed(self, place: str, error: BaseException) -> None:
        self.failures += 1
        if self.since is None:
            self.since, self.first_error = time.monotonic(), error
            log.error(
                "cannot write the database (%s, in the %s): waiting and trying again "
                "every %.0f-%.0f s; updates stay with Telegram, messages stay queued",
                _short(error),
                place,
                FIRST_WAIT,
                LONGEST_WAIT,
            )

    async def wrote(self) -> None:
        if self.since is None:
            return
        seconds, error, failures = time.monotonic() - self.since, self.first_error, self.failures
        self.since, self.first_error, self.failures = None, None, 0
        log.warning(
            "the database can be written again after %.0f s (%d failed writes)", seconds, failures
        )
        if self.on_recovered is not None and error is not None:
            try:
                await self.on_recovered(error, seconds)
            except Exception:
                log.exception("could not report the database's write fault")


class Backoff:
    """One place's wait between tries: 1 s after the first failure, doubling, at most 30."""

    def __init__(self, faults: WriteFaults, place: str) -> None:
        self.faults, self.place = faults, place
        self._wait = 0.0
        self._until = 0.0  # monotonic: no try before

    def failed(self, error: BaseException) -> float:
        """Note a failed write; returns how long to wait before the next try."""
        self._wait = min(LONGEST_WAIT, self._wait * 2) if self._wait else FIRST_WAIT
        self._until = time.monotonic() + self._wait
        self.faults.failed(self.place, error)
        return self._wait

    async def wrote(self) -> None:
        self._wait = self._until = 0.0
        await self.faults.wrote()

    def remaining(self) -> float:
        """Seconds until this place may try to write again (0: now)."""
        return max(0.0, self._until - time.monotonic())


def _short(error: BaseException) -> str:
    first = next(iter(str(error).strip().splitlines()), "")
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
