"""The names of the files the bot sends and writes: what, whose, and the period with
its last day, as people say a period ("1 to 30 November"), not the day after it."""

from __future__ import annotations

import re
from datetime import date, timedelta


def period_file_name(what: str, start: date, end: date, suffix: str, scope: str = "") -> str:
    """``what-scope-2026-11-01_2026-11-30.suffix`` for the period [start, end)."""
    last = max(start, end - timedelta(days=1))
    words = [_safe(word) for word in (what, scope) if word]
    return "-".join([*words, f"{start.isoformat()}_{last.isoformat()}"]) + suffix


def dated_file_name(what: str, made: date, suffix: str, scope: str = "") -> str:
    """``what-scope-2026-11-24.suffix``: a file of everything on record (a ledger of all
    time), named by the day it was made rather than by a period it does not cover."""
    words = [_safe(word) for word in (what, scope) if word]
    return "-".join([*words, made.isoformat()]) + suffix


def _safe(word: str) -> str:
    """No character that Windows, a phone or a shell would trip over in a file name."""
    return re.sub(r'[\s<>:"/\\|?*\x00-\x1f]+', "_", word).strip("._")[:40] or "_"
