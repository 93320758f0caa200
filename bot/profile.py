"""What a member's profile may hold, and how typed answers become values.

Each parser returns the value or raises :class:`InvalidInput` carrying an English message
id (translated where it is shown), so every handler answers bad input the same way.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from pydantic import BaseModel

from bot.i18n import N_
from bot.markup import utf16_len
from storage.models import MemberStatus

NAME_MAX = 32
PLACE_MAX = 60
OLDEST_BIRTH_YEAR = 1900
YOUNGEST_AGE = 16  # the youngest an activist can be; members are 18+
#: Why a member leaves the roster; their records stay either way.
REMOVAL_REASONS = {
    "left": N_("left the party"),
    "moved": N_("moved to another branch"),
    "died": N_("passed away"),
}

STATUSES: dict[MemberStatus, str] = {
    "full": N_("Full member"),
    "probationary": N_("Probationary member"),
    "activist": N_("Activist applying to join"),
}


class InvalidInput(ValueError):
    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


class Profile(BaseModel):
    """What an applicant tells about themselves."""

    name: str
    birth_year: int
    status: MemberStatus
    phone: str | None = None
    flowing: bool = False
    flow_city: str | None = None
    flow_employer: str | None = None
    flow_since: date | None = None


def clean_text(text: str | None) -> str:
    """Collapse whitespace and drop control and zero-width characters."""
    if not text:
        return ""
    kept = "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"} or ch in "\n\t"
    )
    return " ".join(kept.split())


def parse_name(text: str | None) -> str:
    name = clean_text(text)
    if not name:
        raise InvalidInput(N_("Please type your name."))
    if name.startswith("/"):
        raise InvalidInput(N_("That looks like a command, not a name. Please type your name."))
    if len(name) > NAME_MAX:
        raise InvalidInput(N_("A name can be at most {limit} characters."), limit=NAME_MAX)
    return name


def parse_birth_year(text: str | None, today: date) -> int:
    raw = clean_text(text).translate(_FULLWIDTH_DIGITS).removesuffix("年").strip()
    if not re.fullmatch(r"\d{4}", raw):
        raise InvalidInput(
            N_("Please type the year you were born as four digits, for example 1975.")
        )
    year = int(raw)
    latest = today.year - YOUNGEST_AGE
    if not OLDEST_BIRTH_YEAR <= year <= latest:
        raise InvalidInput(
            N_("The year of birth must be between {first} and {last}."),
            first=OLDEST_BIRTH_YEAR,
            last=latest,
        )
    return year


def parse_place(text: str | None) -> str:
    place = clean_text(text)
    if not place or place.startswith("/"):
        raise InvalidInput(N_("Please type the name of the place."))
    if len(place) > PLACE_MAX:
        raise InvalidInput(N_("Please keep it under {limit} characters."), limit=PLACE_MAX)
    return place


def parse_month(text: str | None, today: date) -> date:
    """'2026-03', '2026-3-15', '2026年3月' → a date; not in the future."""
    raw = clean_text(text).translate(_FULLWIDTH_DIGITS)
    match = _MONTH.fullmatch(raw)
    if not match:
        raise InvalidInput(N_("Please type the month as year-month, for example 2026-03."))
    year, month = int(match.group(1)), int(match.group(2))
    day = int(match.group(3) or 1)
    try:
        when = date(year, month, day)
    except ValueError:
        raise InvalidInput(N_("That date does not exist. Please try again.")) from None
    return check_month(when, today)


def check_month(when: date, today: date) -> date:
    """The rule for a month (working away since …), typed or pressed: not in the future,
    not before anyone's birth."""
    if when > today:
        raise InvalidInput(N_("That date is in the future. Please try again."))
    if when.year < OLDEST_BIRTH_YEAR:
        raise InvalidInput(N_("Please type the month as year-month, for example 2026-03."))
    return when


def parse_due_date(text: str | None, today: date, *, within_days: int = 366) -> date:
    """'2026-12-05', '12-05', '12月5日', '2026年12月5日' → a date from today on."""
    raw = clean_text(text).translate(_FULLWIDTH_DIGITS)
    match = _DAY.fullmatch(raw)
    if not match:
        raise InvalidInput(
            N_("Please type the date as month-day, for example 12-05, or as year-month-day.")
        )
    year = int(match.group(1)) if match.group(1) else today.year
    try:
        when = date(year, int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidInput(N_("That date does not exist. Please try again.")) from None
    if when < today and not match.group(1):
        when = when.replace(year=year + 1)  # "01-10" typed in December means next January
    return check_due_date(when, today, within_days=within_days)


def check_due_date(when: date, today: date, *, within_days: int = 366) -> date:
    """The rule for a due date, typed or pressed: from today on, within a year."""
    if when < today:
        raise InvalidInput(N_("That date has passed. Please type a later one."))
    if (when - today).days > within_days:
        raise InvalidInput(N_("That is too far ahead. Please type a date within a year."))
    return when


def clean_body(text: str | None, limit: int) -> str:
    """A longer text kept with its line breaks; control characters dropped."""
    if not text:
        return ""
    lines = [clean_text(line) for line in text.replace("\r\n", "\n").split("\n")]
    body = "\n".join(lines).strip()
    while "\n\n\n" in body:
        body = body.replace("\n\n\n", "\n\n")
    # Counted as Telegram counts the message it will go into: an emoji is two.
    if utf16_len(body) > limit:
        raise InvalidInput(
            N_("That is {length} characters; please keep it under {limit}."),
            length=utf16_len(body),
            limit=limit,
        )
    return body


def normalise_phone(text: str | None) -> str:
    raw = clean_text(text)
    digits = re.sub(r"[\s\-()]", "", raw)
    if not re.fullmatch(r"\+?\d{5,15}", digits):
        raise InvalidInput(N_("That does not look like a phone number."))
    return digits


def age_in(year: int, birth_year: int | None) -> int | None:
    return None if birth_year is None else year - birth_year


_MONTH = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*(?:[-./月]\s*(\d{1,2})\s*日?)?\s*月?")
_DAY = re.compile(r"(?:(\d{4})\s*[-./年]\s*)?(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
