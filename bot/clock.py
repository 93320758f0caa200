"""The one source of "now".

Everything that asks what time it is asks a :class:`Clock`, so tests and the demo can
move time forward instead of sleeping. Times are always tz-aware; the zone is the
organisation's (default Asia/Shanghai), because "20:00" means evening where the members
live, not on the server.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo


class Clock:
    """Wall-clock time in the organisation's time zone."""

    def __init__(self, tz: tzinfo | str = "Asia/Shanghai") -> None:
        self.tz: tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz

    def now(self) -> datetime:
        return datetime.now(self.tz)

    def today(self) -> date:
        return self.now().date()


class FrozenClock(Clock):
    """A clock that stands still until told to move: for tests and the demo."""

    def __init__(self, start: datetime, tz: tzinfo | str = "Asia/Shanghai") -> None:
        super().__init__(tz)
        if start.tzinfo is None:
            start = start.replace(tzinfo=self.tz)
        self._now = start.astimezone(self.tz)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        if moment < self._now:
            raise ValueError("time only moves forward")
        self._now = moment.astimezone(self.tz)
        return self._now
