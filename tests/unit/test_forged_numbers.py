"""Numbers and day offsets a button claims, read in bot/ (the forms' own tests are in
tests/hostile/test_forged_values.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.callbacks import unpack, whole
from bot.profile import InvalidInput
from bot.when import offset_day

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("12", 12),
        ("-3", -3),
        ("0", 0),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        (str(10**30), None),
        ("²", None),
        ("٣", None),
        ("1_0", None),
        (" 1", None),
        ("+1", None),
        ("", None),
        (None, None),
    ],
)
def test_whole_numbers_only_as_buttons_make_them(raw: str | None, value: int | None) -> None:
    assert whole(raw) == value


def test_an_id_past_sqlite_is_no_id() -> None:
    parsed = unpack(f"mtg:show:{10**30}")
    assert parsed is not None and parsed.int_arg() is None and parsed.int_arg(5) is None


def test_a_day_offset_past_the_calendar_is_its_end() -> None:
    assert offset_day(TODAY, "400", back=True) == date(2025, 10, 20)
    assert offset_day(TODAY, "-1") == date(2026, 11, 23)
    assert offset_day(TODAY, str(10**12)) == date.max
    assert offset_day(TODAY, str(10**12), back=True) == date.min
    with pytest.raises(InvalidInput):
        offset_day(TODAY, "abc")
