"""The explicit registries: every outbox kind has exactly one renderer, and a table with a
name listed twice refuses to start instead of keeping one of the two."""

from __future__ import annotations

from collections import Counter

import pytest

from bot import meetings, notices, renderers
from bot.tables import DuplicateEntry, one_each
from storage.models import OutboxKind


def test_every_outbox_kind_has_exactly_one_renderer() -> None:
    listed = Counter(kind for kind, _ in renderers.RENDERERS)
    assert set(listed) == set(OutboxKind)
    assert [kind for kind, times in listed.items() if times > 1] == []
    table = renderers.build()
    assert set(table) == set(OutboxKind)


def test_a_kind_listed_twice_refuses_to_start() -> None:
    twice = [*renderers.RENDERERS, (OutboxKind.NOTICE, meetings.render_notice)]
    with pytest.raises(DuplicateEntry, match=r"outbox renderers: .*'notice'.* listed twice "
                       r"\(bot\.notices\.render_notice and bot\.meetings\.render_notice\)"):
        renderers.build(twice)


def test_a_kind_without_a_renderer_refuses_to_start() -> None:
    without = [(kind, render) for kind, render in renderers.RENDERERS
               if kind != OutboxKind.NOTICE_REMINDER]
    with pytest.raises(renderers.MissingRenderer, match="notice_reminder"):
        renderers.build(without)


def test_one_each_keeps_the_order_and_every_entry() -> None:
    assert list(one_each([("b", 1), ("a", 2)], "test")) == ["b", "a"]
    with pytest.raises(DuplicateEntry, match="test: 'a' is listed twice"):
        one_each([("a", notices.render_notice), ("b", 1), ("a", 3)], "test")


def test_stored_kinds_are_the_enums_values() -> None:
    """Rows already in a database keep their kind: the values are never renamed."""
    assert OutboxKind("meeting_open") is OutboxKind.MEETING_OPEN
    assert f"{OutboxKind.VISIT_CONFIRM}" == "visit_confirm" == OutboxKind.VISIT_CONFIRM
