"""Telegram's lengths: counted in UTF-16 units after the HTML is parsed; long texts split
and shortened only where the HTML stays whole. Every part is checked by the emulator's
own strict HTML parser, and nothing but the space (or "、") at a cut may go missing."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.markup import chunks, esc, length, shorten, visible
from sandbox.html_parse import parse_html, utf16_len

WORDS = st.text(alphabet=st.sampled_from([*'ab 字<>&"\n、', "😀", "𠀀", "\u200b"]), max_size=300)
TAGS = st.sampled_from(
    [
        "{}",
        "<b>{}</b>",
        "<i>{}</i>",
        "<b>x <i>{}</i> y</b>",
        '<a href="https://example.org/?a=1&amp;b=2">{}</a>',
    ]
)


def escaped_lines(pairs: list[tuple[str, str]]) -> list[str]:
    return [template.format(esc(text)) for text, template in pairs]


def no_space(text: str) -> str:
    """What may go at a cut: the space or list separator it was made at."""
    return re.sub(r"[\s、]", "", text)


def test_length_is_what_telegram_counts() -> None:
    assert length("<b>&amp;</b>") == 1
    assert length("😀字") == 3  # the emoji is a surrogate pair in UTF-16
    assert length('<a href="https://x.org/&amp;">链接</a>') == 2


def test_lines_are_kept_whole_while_they_fit_and_the_header_counts() -> None:
    header = "<b>名单（3）</b>"
    parts = chunks([header, "甲" * 5, "乙" * 5, "丙" * 5], limit=12)
    assert parts == ["<b>名单（3）</b>\n甲甲甲甲甲", "乙乙乙乙乙\n丙丙丙丙丙"]


def test_a_line_that_fits_a_message_of_its_own_is_never_cut() -> None:
    """A short line, then one too long to join it but short enough for its own message:
    it starts the next message whole rather than being cut to fill the first."""
    short, long = "甲 " * 750, "乙 " * 1530  # 1,500 and 3,060 units
    parts = chunks([short.strip(), long.strip()])
    assert parts == [short.strip(), long.strip()]


def test_a_long_line_is_cut_at_a_space_and_its_tags_reopen() -> None:
    parts = chunks(["<b>" + "word " * 10 + "</b>"], limit=12)
    assert parts[0] == "<b>word word</b>" and parts[1] == "<b>word word</b>"
    for part in parts:
        parse_html(part)


def test_an_entity_is_never_cut() -> None:
    parts = chunks([esc("&" * 30)], limit=7)
    assert all(part == "&amp;" * 7 for part in parts[:-1])
    assert sum(length(p) for p in parts) == 30


def test_shorten_keeps_what_fits_and_says_there_is_more() -> None:
    assert shorten("短", 10) == "短"
    assert shorten("<i>" + "😀" * 10 + "</i>", 7) == "<i>😀😀😀…</i>"
    assert shorten("hello world and more", 12) == "hello world…"
    # A break early on is not worth losing the rest for: a long Chinese title keeps its
    # beginning rather than shrink to "•…".
    assert shorten("• " + "学" * 20, 8) == "• 学学学学学…"


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(st.tuples(WORDS, TAGS), min_size=1, max_size=12),
    limit=st.integers(min_value=2, max_value=400),
)
def test_every_part_fits_parses_and_loses_nothing(pairs: list[tuple[str, str]], limit: int) -> None:
    lines = escaped_lines(pairs)
    parts = chunks(lines, limit)
    for part in parts:
        plain, _ = parse_html(part)  # raises on a cut tag or entity, or unbalanced tags
        assert utf16_len(plain) <= limit and plain.strip()
    assert no_space("".join(visible(p) for p in parts)) == no_space(visible("\n".join(lines)))


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(st.tuples(WORDS, TAGS), min_size=1, max_size=6),
    limit=st.integers(min_value=3, max_value=300),
)
def test_a_shortened_text_fits_parses_and_is_the_beginning(
    pairs: list[tuple[str, str]], limit: int
) -> None:
    text = "\n".join(escaped_lines(pairs))
    short = shorten(text, limit)
    plain, _ = parse_html(short)
    assert utf16_len(plain) <= limit
    if short != text:
        assert plain.endswith("…") and visible(text).startswith(plain[:-1])
