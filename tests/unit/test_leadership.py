"""When the reminder after a quarter's end is due, and the pace it is measured against."""

from __future__ import annotations

from datetime import date

from bot.centralised import expected_by
from bot.leadership import first_working_day, quarter_due


def test_the_first_working_morning_after_each_quarter() -> None:
    # 2027: 1 January is a holiday and 2-3 a weekend; 1 April a Thursday; 1 July a
    # Thursday; 1 October a Friday, but the National Day holiday runs to the 7th: the
    # first working day is Friday 8 October (2028: the 8th a Sunday, so the 9th).
    # 2028: 1 April a Saturday.
    assert first_working_day(2027, 1) == date(2027, 1, 4)
    assert first_working_day(2027, 4) == date(2027, 4, 1)
    assert first_working_day(2027, 10) == date(2027, 10, 8)
    assert first_working_day(2028, 10) == date(2028, 10, 9)
    assert first_working_day(2028, 4) == date(2028, 4, 3)
    assert quarter_due(date(2027, 1, 1)) is None
    assert quarter_due(date(2027, 1, 4)) == date(2026, 12, 31)
    assert quarter_due(date(2027, 4, 1)) == date(2027, 3, 31)
    assert quarter_due(date(2027, 4, 7)) == date(2027, 3, 31)  # a bot down that week
    assert quarter_due(date(2027, 4, 8)) is None  # then no more
    assert quarter_due(date(2028, 4, 1)) is None  # a Saturday
    assert quarter_due(date(2027, 5, 3)) is None
    assert quarter_due(date(2027, 10, 1)) is None  # in the holiday
    assert quarter_due(date(2027, 10, 8)) == date(2027, 9, 30)
    assert quarter_due(date(2027, 10, 14)) == date(2027, 9, 30)
    assert quarter_due(date(2027, 10, 15)) is None


def test_the_pace_at_each_quarters_end() -> None:
    assert [expected_by(date(2027, m, d)) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))] == [
        5,
        10,
        15,
        20,
    ]


def test_the_pace_of_one_marked_during_the_year() -> None:
    # Marked on 1 July 2027: the twenty prorated by the 184 days left of 365 (about 10),
    # spread over those days — by 30 September 92 of them, about 5.
    marked = date(2027, 7, 1)
    assert expected_by(date(2027, 9, 30), marked) == 5  # 20 × 92 / 365 = 5.04
    assert expected_by(date(2027, 12, 31), marked) == 10  # 20 × 184 / 365 = 10.08
    assert expected_by(date(2027, 6, 30), marked) == 0  # before they were marked
    # Marked on 1 January, or in an earlier year: the whole year.
    for since in (date(2027, 1, 1), date(2025, 3, 3), None):
        assert expected_by(date(2027, 6, 30), since) == 10
