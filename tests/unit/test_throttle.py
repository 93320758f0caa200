"""The throttle slows one person down and remembers only who wrote lately: a county's
thirty thousand members writing over a day do not stay in its memory."""

from __future__ import annotations

import random

from bot.throttle import Throttle


def test_the_first_over_the_limit_is_warned_the_rest_dropped_until_there_is_room() -> None:
    throttle = Throttle(limit=3, window=10)
    assert [throttle.check(1, now=t) for t in (0, 1, 2, 3, 4)] == ["ok", "ok", "ok", "warn", "drop"]
    assert throttle.check(2, now=4) == "ok"  # someone else is not slowed
    assert throttle.check(1, now=10.5) == "ok"  # the first has left the window


def test_people_quiet_for_a_window_are_forgotten() -> None:
    throttle = Throttle(limit=20, window=10)
    for person in range(30_000):
        throttle.check(person, now=person / 10_000)  # thirty thousand in three seconds
    assert throttle.tracked() == 30_000
    throttle.check(99_999, now=20.0)  # a window later: only who wrote lately stays
    assert throttle.tracked() == 1
    warned = Throttle(limit=1, window=10)
    assert [warned.check(7, now=t) for t in (0, 1)] == ["ok", "warn"]
    warned.check(8, now=30)
    assert warned.check(7, now=31) == "ok"  # forgotten, warned state included


class _Remembers:
    """The rule itself, remembering everyone for ever: what the throttle must answer."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.times: dict[int, list[float]] = {}
        self.warned: set[int] = set()

    def check(self, user_id: int, now: float) -> str:
        recent = [t for t in self.times.get(user_id, []) if now - t <= self.window]
        self.times[user_id] = recent
        if len(recent) < self.limit:
            recent.append(now)
            self.warned.discard(user_id)
            return "ok"
        if user_id in self.warned:
            return "drop"
        self.warned.add(user_id)
        return "warn"


def test_many_people_over_a_moving_clock_same_verdicts_memory_only_the_window() -> None:
    """Sixty thousand people over ten minutes, a few of them hammering: every verdict is
    the one a throttle that never forgets gives, and it remembers no more than the people
    who wrote within the last window."""
    rng = random.Random(16)
    throttle, rule = Throttle(limit=5, window=10), _Remembers(limit=5, window=10)
    hammering = [rng.randrange(60_000) for _ in range(20)]
    now, most = 0.0, 0
    last_seen: dict[int, float] = {}
    for step in range(120_000):
        now += rng.expovariate(200)  # ~200 updates a second
        person = rng.choice(hammering) if step % 7 == 0 else rng.randrange(60_000)
        assert throttle.check(person, now=now) == rule.check(person, now), (step, person)
        last_seen[person] = now
        if step % 5_000 == 0:
            lately = sum(1 for t in last_seen.values() if now - t <= 10)
            assert throttle.tracked() <= lately
            most = max(most, throttle.tracked())
    assert len(last_seen) > 45_000  # nearly everyone wrote at some point
    assert most < 2_500  # ~200 a second for a 10-second window, not everyone ever
