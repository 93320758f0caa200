"""Callback data: short, typed, parsed in one place.

Telegram allows 1-64 bytes of callback data. Every button's data is built by
:func:`pack` (which refuses anything longer) and read back by :func:`unpack`, so a
forged or stale button is just data that fails to parse or fails the access check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
#: SQLite's integers are 64-bit: a larger id would crash the query instead of finding nothing.
_LARGEST = 2**63 - 1
_WHOLE = re.compile(r"-?[0-9]{1,19}")


def whole(raw: str | None) -> int | None:
    """The whole number a button claims, or None. Only ASCII digits: ``str.isdigit`` also
    passes "²" (which ``int`` refuses) and ``int`` takes "1_0" and "٣"; within SQLite's
    range, so a forged 10**30 finds nothing rather than overflowing a query."""
    if raw is None or not _WHOLE.fullmatch(raw):
        return None
    number = int(raw)
    return number if -_LARGEST - 1 <= number <= _LARGEST else None


@dataclass(frozen=True)
class Callback:
    prefix: str
    action: str
    args: tuple[str, ...]

    def int_arg(self, index: int = 0) -> int | None:
        return whole(self.args[index]) if index < len(self.args) else None


def pack(prefix: str, action: str, *args: object) -> str:
    parts = [prefix, action, *(str(arg) for arg in args)]
    if any(":" in part for part in parts[:2]):
        raise ValueError("prefix and action must not contain ':'")
    data = ":".join(parts)
    if not 1 <= len(data.encode("utf-8")) <= MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None) -> Callback | None:
    if not data:
        return None
    parts = data.split(":")
    if len(parts) < 2:
        return None
    return Callback(parts[0], parts[1], tuple(parts[2:]))
