"""Contact-point days counted as calendar days at the point, and the quota they answer to.

The guidelines ask each leader to work at least 3 days a month at the contact point. A
figure a leader is judged by must mean days there, so:

- A visit is logged as its first day and a number of days (half days allowed). It covers
  calendar days from the first: whole days first, a half day last — 2.5 days from 30
  November is 30 November and 1 December whole, 2 December half.
- Each calendar date counts **at most one day**, however many visits cover it: the same
  day logged twice counts once, two half days on one date (a morning at one point, an
  afternoon at another) add up to one, a half and a whole day make one.
- A date counts in its own month (and in its own period): a visit across a month's end
  is split between the two months.
- The quota is the leader's, not each point's: days at any of their contact points count
  towards it, and a contact point added later adds a place to go, not a second quota.
- It starts with the appointment as a leader: months before it ask nothing (never
  "short"); the month of the appointment asks the quota's share for the days left in it,
  counting the day itself, rounded **down** to a half day (3 days a month, appointed on
  20 November: 3 × 11 / 30 = 1.1, so 1 day).
- The month in progress is "so far": it is never short before it ends.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def covered(first: date, days: float) -> list[tuple[date, float]]:
    """The calendar days a visit covers and how much of each: whole days, then a half."""
    whole = int(days)
    found = [(first + timedelta(days=offset), 1.0) for offset in range(whole)]
    if days > whole:
        found.append((first + timedelta(days=whole), days - whole))
    return found


def last_day(first: date, days: float) -> date:
    return first + timedelta(days=math.ceil(days) - 1)


def shares(visits: Iterable[tuple[date, float]]) -> dict[date, float]:
    """Calendar date → the share of it spent at contact points (at most 1), from
    (first day, days) of each visit."""
    found: dict[date, float] = {}
    for first, days in visits:
        for day, share in covered(first, days):
            found[day] = min(1.0, found.get(day, 0.0) + share)
    return found


def total(days: dict[date, float], start: date, end: date) -> float:
    """Days from ``start`` up to (not including) ``end``."""
    return sum(share for day, share in days.items() if start <= day < end)


def month_quota(
    quota: float, appointed: date, month: date, start: date | None = None, end: date | None = None
) -> float | None:
    """What the month of ``month`` asks of a leader appointed on ``appointed``: None for a
    month before the appointment (nothing asked), the quota for a whole month, and for a
    part of one (the appointment within it, or a period that starts or ends within it)
    the quota's share for the days of that part, rounded down to a half day."""
    month_start, month_end = month_bounds(month)
    first = max(appointed, month_start, start or month_start)
    after = min(month_end, end or month_end)
    if first >= after:
        return None
    if (first, after) == (month_start, month_end):
        return quota
    share = quota * (after - first).days / (month_end - month_start).days
    return math.floor(share * 2) / 2


@dataclass(frozen=True)
class Month:
    """One month of a leader's contact-point days."""

    start: date
    days: float
    quota: float | None  # None: the leader was not appointed yet
    in_progress: bool  # the month of today: "so far", never short

    @property
    def label(self) -> str:
        return self.start.strftime("%Y-%m")

    @property
    def short(self) -> bool:
        return not self.in_progress and self.quota is not None and self.days < self.quota


def months(
    days: dict[date, float], quota: float, appointed: date, start: date, end: date, today: date
) -> list[Month]:
    """Each month from the one of ``start`` until ``end`` (exclusive), none after today's;
    a period that begins or ends within a month counts that part of it."""
    found = []
    cursor = start.replace(day=1)
    while cursor < end and cursor <= today:
        following = month_bounds(cursor)[1]
        part_end = min(following, end)
        in_progress = cursor <= today < part_end
        # The month under way asks its whole quota (by its end), shown as so far.
        found.append(
            Month(
                cursor,
                total(days, max(cursor, start), part_end),
                month_quota(quota, appointed, cursor, start, None if in_progress else end),
                in_progress,
            )
        )
        cursor = following
    return found
