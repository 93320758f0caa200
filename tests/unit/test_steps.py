"""A form's table of steps is checked when the form is built (at start-up), and a move the
table does not list is refused when it is tried."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from telegram import Update

from bot.app import ZContext
from handlers.dialog import Answer
from handlers.steps import Form, Step, Turn
from storage.models import Dialog


async def _read(turn: Turn) -> None:
    await turn.go("b")


def test_a_sound_table_is_built() -> None:
    form = Form("t", {"a": Step(_read, next=("b",)), "b": Step(_read, next=("a",))},
                first=("a",))
    assert set(form.steps) == {"a", "b"}


def test_a_step_leading_nowhere_is_refused() -> None:
    with pytest.raises(ValueError, match="step 'a' leads to 'c', which is not in the table"):
        Form("t", {"a": Step(_read, next=("b", "c")), "b": Step(_read)}, first=("a",))


def test_a_step_nothing_leads_to_is_refused() -> None:
    with pytest.raises(ValueError, match="no step leads to 'orphan'"):
        Form("t", {"a": Step(_read, next=("b",)), "b": Step(_read), "orphan": Step(_read)},
             first=("a",))


def test_a_first_step_missing_from_the_table_is_refused() -> None:
    with pytest.raises(ValueError, match="the first step 'start' is not in the table"):
        Form("t", {"a": Step(_read)}, first=("start",))
    with pytest.raises(ValueError, match="no first step"):
        Form("t", {"a": Step(_read)}, first=())


class _Context:
    """Only what a Turn reads before it stores anything: the translator."""

    @staticmethod
    def tr(message: str, **fields: object) -> str:
        return message.format(**fields)


async def test_a_move_the_step_does_not_list_is_refused() -> None:
    form = Form("t", {"a": Step(_read, next=("b",)), "b": Step(_read, next=("c",)),
                      "c": Step(_read)}, first=("a",))
    update = Update.de_json({"update_id": 1, "message": {
        "message_id": 1, "date": 0, "text": "x", "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "A"}}}, None)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    current = Dialog(telegram_id=5, chat_id=5, kind="t", step="a", data={}, updated_at=at)
    turn = Turn(form, update, cast(ZContext, _Context()), current, Answer(text="x"))
    with pytest.raises(ValueError, match="step 'a' does not lead to 'c'"):
        await turn.go("c")
