"""The throttle slows one person down and remembers only who wrote lately: a county's
thirty thousand members writing over a day do not stay in its memory."""

from __future__ import annotations

from bot.throttle import Throttle


def test_the_first_over_the_limit_is_warned_the_rest_dropped_until_there_is_room() -> None:
    throttle = Throttle(limit=3, window=10)
    assert [throttle.check(1, now=t) for t in (0, 1, 2, 3, 4)] == [
        "ok", "ok", "ok", "warn", "drop"]
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
