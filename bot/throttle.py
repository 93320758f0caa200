"""A person sending faster than anyone types is slowed down politely.

Each person may send ``limit`` updates in any ``window`` seconds; the first one over is
answered once ("please wait a moment"), the rest are dropped until the window has room
again. Real time, not the organisation's clock: this is about the pace of fingers (or a
script), and it never touches anyone else's updates.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Literal

Verdict = Literal["ok", "warn", "drop"]


class Throttle:
    def __init__(self, limit: int = 20, window: float = 10.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, user_id: int, now: float | None = None) -> Verdict:
        moment = time.monotonic() if now is None else now
        recent = self._seen.setdefault(user_id, deque())
        while recent and moment - recent[0] > self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(moment)
            self._warned.discard(user_id)
            if len(self._seen) > 10_000:  # forget the quiet ones
                for quiet in [u for u, d in self._seen.items() if not d]:
                    del self._seen[quiet]
            return "ok"
        if user_id in self._warned:
            return "drop"
        self._warned.add(user_id)
        return "warn"
