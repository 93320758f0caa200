"""The explicit registries: every outbox kind has exactly one renderer, every form and
branch purpose the handlers use is listed, and a table with a name listed twice refuses
to start instead of keeping one of the two."""

from __future__ import annotations

import ast
import importlib
from collections import Counter
from pathlib import Path

import pytest

from bot import meetings, notices, renderers
from bot.tables import DuplicateEntry, one_each
from handlers import dialog, members, notes, org, picker, tables
from handlers.dialog import Form
from handlers.picker import OnBranch
from storage.models import OutboxKind


def test_every_outbox_kind_has_exactly_one_renderer() -> None:
    listed = Counter(kind for kind, _ in renderers.RENDERERS)
    assert set(listed) == set(OutboxKind)
    assert [kind for kind, times in listed.items() if times > 1] == []
    table = renderers.build()
    assert set(table) == set(OutboxKind)


def test_a_kind_listed_twice_refuses_to_start() -> None:
    twice = [*renderers.RENDERERS, (OutboxKind.NOTICE, meetings.render_notice)]
    with pytest.raises(
        DuplicateEntry,
        match=r"outbox renderers: .*'notice'.* listed twice "
        r"\(bot\.notices\.render_notice and bot\.meetings\.render_notice\)",
    ):
        renderers.build(twice)


def test_a_kind_without_a_renderer_refuses_to_start() -> None:
    without = [
        (kind, render) for kind, render in renderers.RENDERERS if kind != OutboxKind.NOTICE_REMINDER
    ]
    with pytest.raises(renderers.MissingRenderer, match="notice_reminder"):
        renderers.build(without)


def test_one_each_keeps_the_order_and_every_entry() -> None:
    assert list(one_each([("b", 1), ("a", 2)], "test")) == ["b", "a"]
    with pytest.raises(DuplicateEntry, match="test: 'a' is listed twice"):
        one_each([("a", notices.render_notice), ("b", 1), ("a", 3)], "test")


def test_stored_kinds_are_the_enums_values() -> None:
    """Rows already in a database keep their kind: the values are never renamed."""
    assert OutboxKind("meeting_open") is OutboxKind.MEETING_OPEN
    assert f"{OutboxKind.VISIT_CONFIRM}" == str(OutboxKind.VISIT_CONFIRM) == "visit_confirm"


def _named_in_calls(function: str, position: int) -> set[tuple[str, str]]:
    """(module, value) of every module-level name or string given as argument ``position``
    to ``<something>.function(...)`` in handlers/ — the kinds forms are begun with, the
    purposes branches are picked for."""
    found = set()
    for path in sorted(Path("handlers").glob("*.py")):
        module = importlib.import_module(f"handlers.{path.stem}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == function
                and len(node.args) > position
            ):
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add((path.stem, arg.value))
            elif isinstance(arg, ast.Name) and isinstance(getattr(module, arg.id, None), str):
                found.add((path.stem, getattr(module, arg.id)))
    return found


def test_every_form_begun_and_every_branch_purpose_offered_is_listed() -> None:
    """A form begun (or a purpose offered) but left out of the lists would take no answers:
    every one the handlers name is in handlers/tables.py, and nothing listed is unused."""
    begun = _named_in_calls("begin", 2)
    picked = _named_in_calls("choose_branch", 2)
    assert len(begun) >= 15 and len(picked) >= 8  # the scan sees the calls
    assert {kind for _, kind in begun} <= {form.kind for form in tables.FORMS}
    assert {purpose for _, purpose in picked} == {on.purpose for on in tables.BRANCH_PURPOSES}


def test_a_form_or_a_purpose_listed_twice_refuses_to_start() -> None:
    twice = (*tables.FORMS, Form(notes.NOTE, notes.redo_step, dialog.members))
    with pytest.raises(DuplicateEntry, match=r"dialogs: 'note' is listed twice"):
        dialog.install(twice)
    purposes = (*tables.BRANCH_PURPOSES, OnBranch("invite", members.show_roster))
    with pytest.raises(
        DuplicateEntry,
        match=r"branch picker purposes: 'invite' is listed "
        r"twice \(.*show_invites.*show_roster\)",
    ):
        picker.install(purposes)
    tables.install()  # as the handlers left it
    assert picker.ACTIONS["invite"] is org.show_invites
    assert dialog.DIALOGS[notes.NOTE] is notes.note_step
