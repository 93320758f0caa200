"""Telegram HTML: the one escape for everything a person typed."""

from __future__ import annotations

import html
from collections.abc import Iterable

MESSAGE_LIMIT = 4096


def esc(text: object) -> str:
    """Escape for Telegram HTML: user text is data, never markup."""
    return html.escape(str(text), quote=False)


def chunks(lines: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join lines into messages that each fit Telegram's limit (a line never splits
    unless it alone is too long)."""
    messages: list[str] = []
    current = ""
    for line in lines:
        while len(line) > limit:
            if current:
                messages.append(current)
                current = ""
            messages.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            messages.append(current)
            current = line
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages
