"""Parsers, callback data, message chunks: the small rules every handler leans on."""

from __future__ import annotations

from datetime import date

import pytest

from bot.callbacks import pack, unpack
from bot.profile import (
    InvalidInput,
    clean_text,
    normalise_phone,
    parse_birth_year,
    parse_month,
    parse_name,
)
from handlers.ui import MESSAGE_LIMIT, chunks, esc

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "year"),
    [("1975", 1975), (" 1975年 ", 1975), ("１９７５", 1975), ("1900", 1900), ("2010", 2010)],
)
def test_birth_year_accepted(text: str, year: int) -> None:
    assert parse_birth_year(text, TODAY) == year


@pytest.mark.parametrize("text", ["abc", "", None, "75", "1850", "2011", "19 75", "1975.5"])
def test_birth_year_refused(text: str | None) -> None:
    with pytest.raises(InvalidInput):
        parse_birth_year(text, TODAY)


def test_names_are_cleaned_and_bounded() -> None:
    assert parse_name("  王\u200b  芳\x00 ") == "王 芳"
    assert parse_name("<b>王</b>") == "<b>王</b>"  # kept as typed; escaped when shown
    for bad in ("", "   ", "\u200b", "/start", "王" * 33):
        with pytest.raises(InvalidInput):
            parse_name(bad)


def test_clean_text_drops_controls_keeps_rtl_letters() -> None:
    assert clean_text("مرحبا\u202e") == "مرحبا"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03", date(2026, 3, 1)),
        ("2026年3月", date(2026, 3, 1)),
        ("2026-3-15", date(2026, 3, 15)),
        ("2026/11", date(2026, 11, 1)),
    ],
)
def test_month_accepted(text: str, expected: date) -> None:
    assert parse_month(text, TODAY) == expected


@pytest.mark.parametrize("text", ["2026-13", "2027-01", "March", "2026-02-30", "1899-01"])
def test_month_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_month(text, TODAY)


def test_phone_numbers() -> None:
    assert normalise_phone("+86 138-0000-1111") == "+8613800001111"
    assert normalise_phone("13800001111") == "13800001111"
    for bad in ("abc", "12", "+" + "1" * 20):
        with pytest.raises(InvalidInput):
            normalise_phone(bad)


def test_callback_data_is_bounded_and_round_trips() -> None:
    data = pack("app", "ok", 123)
    parsed = unpack(data)
    assert parsed is not None and (parsed.prefix, parsed.action, parsed.int_arg()) == (
        "app",
        "ok",
        123,
    )
    with pytest.raises(ValueError, match="64 bytes"):
        pack("x", "y", "张" * 30)
    assert unpack("") is None and unpack("nocolon") is None
    assert unpack("app:ok:abc") is not None and unpack("app:ok:abc").int_arg() is None  # type: ignore[union-attr]


def test_chunks_respect_the_limit_and_keep_every_line() -> None:
    lines = [f"• 党员{i:04d} · 正式党员 — 深圳，自 2026-03" for i in range(600)]
    messages = chunks(lines)
    assert len(messages) > 1
    assert all(len(m) <= MESSAGE_LIMIT for m in messages)
    assert "\n".join(messages).split("\n") == lines
    assert chunks(["x" * 9000]) == ["x" * 4096, "x" * 4096, "x" * 808]


def test_escape() -> None:
    assert esc('<b>王</b> & "x"') == '&lt;b&gt;王&lt;/b&gt; &amp; "x"'


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-01",
        "2026/11/01",
        "2026.11.01",
        "20261101",
        "2026年11月1日",
        "2026年11月1号",
        "2026-11-1",
        " 2026/11/01 ",
        "２０２６－１１－０１",
        "２０２６．１１．０１",
    ],
)
def test_whole_dates_in_the_forms_offices_write(text: str) -> None:
    from bot.when import parse_date

    assert parse_date(text) == date(2026, 11, 1)


@pytest.mark.parametrize(
    "text",
    [
        "11-01",
        "2026-13-01",
        "2026-02-30",
        "202611",
        "2026110",
        "yesterday",
        "",
        None,
        "2026-11-01 09:00",
    ],
)
def test_what_is_not_a_whole_date_is_refused(text: str | None) -> None:
    from bot.when import parse_date

    with pytest.raises(InvalidInput):
        parse_date(text)
