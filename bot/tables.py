"""Lookup tables built from one explicit list, refusing a name given twice.

The renderers of outbox rows (bot/renderers.py), the forms and the branch picker's actions
(handlers/tables.py) are each written as one list, in one place, and turned into a table
at start-up by :func:`one_each`: a name listed twice stops the bot before it answers
anyone, instead of the later entry silently replacing the earlier one (what a registry
filled by decorators at import time did, and what a dict literal does with a repeated key).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class DuplicateEntry(ValueError):
    """The same name twice in one table: a mistake in the code, refused at start-up."""


def one_each(entries: Iterable[tuple[K, V]], what: str) -> dict[K, V]:
    """The table of ``(name, value)`` entries; :class:`DuplicateEntry` if a name repeats
    (``what`` names the table in the error)."""
    table: dict[K, V] = {}
    for name, value in entries:
        if name in table:
            raise DuplicateEntry(
                f"{what}: {name!r} is listed twice ({_name(table[name])} and {_name(value)})"
            )
        table[name] = value
    return table


def _name(value: object) -> str:
    module = getattr(value, "__module__", None)
    name = getattr(value, "__qualname__", None)
    return f"{module}.{name}" if module and name else repr(value)
