"""Dates and times as people type them: "明天 19:30", "12-05 19:30", "tomorrow 7:30 pm".

Secretaries type on phones, so the parser accepts the usual Chinese and English forms
and full-width digits, and answers anything else (or a time that has passed, or a date
that does not exist) with :class:`InvalidInput`, never a crash. Staff at a desk type
whole dates in whatever form their office uses: :func:`parse_date` takes them all.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.callbacks import whole
from bot.i18n import N_
from bot.profile import InvalidInput, clean_text

_FULLWIDTH = str.maketrans("０１２３４５６７８９：－／．", "0123456789:-/.")
_RELATIVE = {
    "今天": 0,
    "今日": 0,
    "today": 0,
    "明天": 1,
    "明日": 1,
    "tomorrow": 1,
    "后天": 2,
    "後天": 2,
}
_DATE = re.compile(r"(?:(\d{4})\s*[-./年]\s*)?(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?")
_TIME = re.compile(
    r"(上午|早上|早晨|中午|下午|傍晚|晚上|今晚)?\s*(\d{1,2})\s*(?:[:点時时]\s*(\d{1,2}|半)?\s*分?)?"
    r"\s*(am|pm|a\.m\.|p\.m\.)?"
)
_AFTERNOON = {"下午", "傍晚", "晚上", "今晚"}
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def offset_day(today: date, offset: str | None, *, back: bool = False) -> date:
    """The day a button's day offset names (``back``: that many days before ``today``).

    Callback data can be forged, so the form then judges this day by the rule it applies to
    a typed one. An offset past the calendar's ends gives its first or last day (which every
    rule refuses politely) instead of an OverflowError; one that is not a whole number is
    not a button of ours."""
    days = whole(offset)
    if days is None:
        raise InvalidInput(N_("Please choose with the buttons."))
    if back:
        days = -days
    try:
        return today + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _day_part(text: str, today: date) -> tuple[date | None, str]:
    """The date at the start of ``text`` (or None) and what is left."""
    lowered = text.lower()
    for word, days in _RELATIVE.items():
        if lowered.startswith(word):
            return today + timedelta(days=days), text[len(word) :]
    if lowered.startswith("day after tomorrow"):
        return today + timedelta(days=2), text[len("day after tomorrow") :]
    if text.startswith("今晚"):
        return today, text
    match = _DATE.match(text)
    if match and (match.group(1) or re.match(r"\d{1,2}\s*[-./月]\s*\d{1,2}", text)):
        year = int(match.group(1)) if match.group(1) else today.year
        try:
            day = date(year, int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise InvalidInput(N_("That date does not exist. Please try again.")) from None
        if not match.group(1) and day < today:
            day = day.replace(year=year + 1)  # "01-10" typed in December: next January
        return day, text[match.end() :]
    return None, text


def _time_part(text: str) -> time:
    match = _TIME.fullmatch(text.strip().lower())
    if not match:
        raise InvalidInput(
            N_(
                "Please type the day and time, for example 明天 19:30, 12-05 19:30 "
                "or 2026-12-05 19:30."
            )
        )
    period, hour_text, minute_text, suffix = match.groups()
    hour = int(hour_text)
    minute = 30 if minute_text == "半" else int(minute_text or 0)
    if (period in _AFTERNOON or suffix in ("pm", "p.m.")) and hour < 12:
        hour += 12
    if suffix in ("am", "a.m.") and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidInput(N_("That time does not exist. Please try again."))
    return time(hour, minute)


def offered_day(text: str | None, today: date, *, within_days: int = 366) -> date:
    """The day a button says a moment falls on, held to :func:`parse_when`'s range (from
    today, within ``within_days``) before the form stores it for the time to come."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        raise InvalidInput(N_("Please choose with the buttons.")) from None
    if day < today:
        raise InvalidInput(N_("That time has passed. Please type a later one."))
    if (day - today).days > within_days:
        raise InvalidInput(N_("That is too far ahead. Please type a date within a year."))
    return day


def parse_when(text: str | None, now: datetime, *, within_days: int = 366) -> datetime:
    """A future moment in ``now``'s time zone."""
    raw = clean_text(text).translate(_FULLWIDTH).strip()
    if not raw:
        raise InvalidInput(
            N_(
                "Please type the day and time, for example 明天 19:30, 12-05 19:30 "
                "or 2026-12-05 19:30."
            )
        )
    day, rest = _day_part(raw, now.date())
    rest = rest.strip().lstrip(",，").strip()
    if day is None:
        day = now.date()
    if not rest:
        raise InvalidInput(N_("Please add the time as well, for example 19:30."))
    moment = datetime.combine(day, _time_part(rest), tzinfo=now.tzinfo)
    if moment <= now:
        raise InvalidInput(N_("That time has passed. Please type a later one."))
    if moment - now > timedelta(days=within_days):
        raise InvalidInput(N_("That is too far ahead. Please type a date within a year."))
    return moment


def parse_date(text: str | None) -> date:
    """A whole date as offices write it: 2026-11-01, 2026/11/01, 2026.11.01, 20261101,
    2026年11月1日 (full-width digits too). The year is required: a date for the archive
    must not depend on the day it was typed."""
    raw = clean_text(text).translate(_FULLWIDTH)
    match = _DATE.fullmatch(raw) or _COMPACT_DATE.fullmatch(raw)
    if match is None or match.group(1) is None:
        raise InvalidInput(
            N_(
                "“{text}” is not a date: write it as 2026-11-01 (or 2026/11/01, "
                "20261101, 2026年11月1日)"
            ),
            text=raw,
        )
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidInput(N_("{text} is not a day of the calendar"), text=raw) from None
