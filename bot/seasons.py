"""Homecoming seasons (ZHIBU_HOMECOMING_SEASONS): the windows of the year in which members
working away come home — Spring Festival, the autumn harvest — and make-up lessons
(回乡补课) are held. Written as month-day ranges, ``01-10..03-05, 09-15..10-15``; a range
may run over the new year (``12-20..01-10``).

The lunar Spring Festival moves between late January and late February, so its window
is wide by default and each county may set its own.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from bot.i18n import N_
from bot.profile import InvalidInput

DEFAULT = "01-10..03-05, 09-15..10-15"
_RANGE = re.compile(
    r"(\d{1,2})[-/.月](\d{1,2})日?\s*(?:\.\.|~|～|至|—|–)\s*"
    r"(\d{1,2})[-/.月](\d{1,2})日?"
)


@dataclass(frozen=True)
class Season:
    """From one month-day to another, every year."""

    start: tuple[int, int]
    end: tuple[int, int]

    def window(self, year: int) -> tuple[date, date]:
        """The window that begins in ``year`` (its end may fall in the next year)."""
        first = _day(year, *self.start)
        last = _day(year, *self.end)
        if last < first:
            last = _day(year + 1, *self.end)
        return first, last


def _day(year: int, month: int, day: int) -> date:
    """29 February in a year without one is the 28th."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def parse_seasons(text: str) -> list[Season]:
    """``"01-10..03-05, 09-15..10-15"`` → seasons; raises InvalidInput. Empty: none."""
    seasons = []
    for part in re.split(r"[,，;；]", text):
        if not part.strip():
            continue
        found = _RANGE.fullmatch(part.strip())
        numbers = [int(n) for n in found.groups()] if found else []
        if not numbers or not all(_valid(m, d) for m, d in (numbers[:2], numbers[2:])):
            raise InvalidInput(
                N_("“{value}” is not a range of days of the year: write it like “01-10..03-05”"),
                value=part.strip(),
            )
        seasons.append(Season((numbers[0], numbers[1]), (numbers[2], numbers[3])))
    return seasons


def _valid(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2024, month)[1]


def current(seasons: list[Season], today: date) -> tuple[date, date] | None:
    """The season window ``today`` is in (first and last day), if any."""
    for season in seasons:
        for year in (today.year - 1, today.year):
            first, last = season.window(year)
            if first <= today <= last:
                return first, last
    return None
