"""A person sending faster than anyone types is slowed down politely.

Each person may send ``limit`` updates in any ``window`` seconds; the first one over is
answered once ("please wait a moment"), the rest are dropped until the window has room
again. Real time, not the organisation's clock: this is about the pace of fingers (or a
script), and it never touches anyone else's updates.

It is asked as each update arrives (:meth:`Throttle.admit`, from ``bot/updates.py``),
before the update waits for the person's earlier ones: what is dropped never queues, so a
script's two thousand presses cost a dictionary look-up each, not a turn each. The one
update that earns the polite answer goes on to the handlers, which send it
(:meth:`Throttle.to_warn`), in the person's language.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Literal

from telegram import Update

Verdict = Literal["ok", "warn", "drop"]


class Throttle:
    def __init__(self, limit: int = 20, window: float = 10.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._warn: set[int] = set()  # update ids admitted only to be answered "wait"
        self._swept: float | None = None  # when quiet people were last forgotten

    def check(self, user_id: int, now: float | None = None) -> Verdict:
        moment = time.monotonic() if now is None else now
        if self._swept is None:
            self._swept = moment
        elif moment - self._swept > self.window:
            self._forget_quiet(moment)
        recent = self._seen.setdefault(user_id, deque())
        while recent and moment - recent[0] > self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(moment)
            self._warned.discard(user_id)
            return "ok"
        if user_id in self._warned:
            return "drop"
        self._warned.add(user_id)
        return "warn"

    def _forget_quiet(self, moment: float) -> None:
        """Once a window: forget everyone whose last update is older than the window (they
        start afresh anyway), so the memory is who wrote lately, not everyone ever."""
        self._swept = moment
        for quiet in [u for u, d in self._seen.items() if not d or moment - d[-1] > self.window]:
            del self._seen[quiet]
            self._warned.discard(quiet)

    def tracked(self) -> int:
        """How many people it remembers (for tests and `zhibu status`-like checks)."""
        return len(self._seen)

    def admit(self, update: object, now: float | None = None) -> bool:
        """On arrival: False if the update is to be dropped unseen. Messages and presses
        count; a bot's, a blocked chat's or a group's service updates do not."""
        if not isinstance(update, Update) or (update.message is None
                                              and update.callback_query is None):
            return True
        user = update.effective_user
        if user is None or user.is_bot:
            return True
        verdict = self.check(user.id, now)
        if verdict == "warn":
            self._warn.add(update.update_id)
        return verdict != "drop"

    def to_warn(self, update: object) -> bool:
        """Was this update admitted only to tell its person to slow down?"""
        update_id = getattr(update, "update_id", None)
        if update_id in self._warn:
            self._warn.discard(update_id)
            return True
        return False
