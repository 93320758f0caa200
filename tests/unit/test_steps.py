"""A form's table of steps is checked when the form is built (at start-up), and a move the
table does not list is refused when it is tried."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import cast

import pytest
from telegram import Update

import handlers
from bot.context import ZContext
from handlers.dialog import Answer
from handlers.steps import Step, StepTable, Turn
from storage.models import Dialog


async def _read(turn: Turn) -> None:
    await turn.go("b")


def test_a_sound_table_is_built() -> None:
    form = StepTable(
        "t", {"a": Step(_read, next=("b",)), "b": Step(_read, next=("a",))}, first=("a",)
    )
    assert set(form.steps) == {"a", "b"}


def test_a_step_leading_nowhere_is_refused() -> None:
    with pytest.raises(ValueError, match="step 'a' leads to 'c', which is not in the table"):
        StepTable("t", {"a": Step(_read, next=("b", "c")), "b": Step(_read)}, first=("a",))


def test_a_step_nothing_leads_to_is_refused() -> None:
    with pytest.raises(ValueError, match="no step leads to 'orphan'"):
        StepTable(
            "t",
            {"a": Step(_read, next=("b",)), "b": Step(_read), "orphan": Step(_read)},
            first=("a",),
        )


def test_a_first_step_missing_from_the_table_is_refused() -> None:
    with pytest.raises(ValueError, match="the first step 'start' is not in the table"):
        StepTable("t", {"a": Step(_read)}, first=("start",))
    with pytest.raises(ValueError, match="no first step"):
        StepTable("t", {"a": Step(_read)}, first=())


def test_a_name_too_long_for_the_forms_buttons_is_refused() -> None:
    """A form's kind and step names travel in its buttons (FormChoice, 64 bytes in all):
    a name that could not is refused when the table is built, not when a button is."""
    with pytest.raises(ValueError, match="'rectification' is over 11 bytes"):
        StepTable("rectification", {"a": Step(_read)}, first=("a",))
    with pytest.raises(ValueError, match="'responsibility' is over 11 bytes"):
        StepTable("t", {"responsibility": Step(_read)}, first=("responsibility",))


class _Context:
    """Only what a Turn reads before it stores anything: the translator."""

    @staticmethod
    def tr(message: str, **fields: object) -> str:
        return message.format(**fields)


async def test_a_move_the_step_does_not_list_is_refused() -> None:
    form = StepTable(
        "t",
        {"a": Step(_read, next=("b",)), "b": Step(_read, next=("c",)), "c": Step(_read)},
        first=("a",),
    )
    update = Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": "x",
                "chat": {"id": 5, "type": "private"},
                "from": {"id": 5, "is_bot": False, "first_name": "A"},
            },
        },
        None,
    )
    at = datetime(2026, 12, 1, tzinfo=UTC)
    current = Dialog(telegram_id=5, chat_id=5, kind="t", step="a", data={}, updated_at=at)
    turn = Turn(form, update, cast(ZContext, _Context()), current, Answer(text="x"))
    with pytest.raises(ValueError, match="step 'a' does not lead to 'c'"):
        await turn.go("c")


# --- the bot's own forms against their buttons and beginnings ---------------------------------


def _modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"handlers.{info.name}")
        for info in pkgutil.iter_modules(handlers.__path__)
    ]


def _tables() -> dict[str, StepTable]:
    return {
        value.kind: value
        for module in _modules()
        for value in vars(module).values()
        if isinstance(value, StepTable)
    }


def _named_steps(call: str, kind_at: int) -> list[tuple[str, str, str]]:
    """Every ``dialog.<call>(…)`` in handlers/ whose kind is a module's constant and whose
    step is written out: (where, kind, step)."""
    found = []
    for module in _modules():
        assert module.__file__ is not None
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == call
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "dialog"
                and len(node.args) > kind_at + 1
            ):
                continue
            kind, step = node.args[kind_at], node.args[kind_at + 1]
            value = getattr(module, kind.id, None) if isinstance(kind, ast.Name) else None
            if (
                isinstance(value, str)
                and isinstance(step, ast.Constant)
                and isinstance(step.value, str)
            ):
                found.append((f"{module.__name__}:{node.lineno}", value, step.value))
    return found


def test_every_button_of_a_form_names_a_step_of_its_table() -> None:
    forms = _tables()
    checked = [
        (where, kind, step) for where, kind, step in _named_steps("choice", 0) if kind in forms
    ]
    assert len(checked) > 30  # the search still finds the buttons
    assert [
        (where, kind, step) for where, kind, step in checked if step not in forms[kind].steps
    ] == []


def test_every_form_begins_at_a_first_step_of_its_table() -> None:
    forms = _tables()
    begun = _named_steps("begin", 2)
    assert len(begun) > 10
    assert [(where, kind) for where, kind, _ in begun if kind not in forms] == []
    assert [
        (where, kind, step) for where, kind, step in begun if step not in forms[kind].first
    ] == []
