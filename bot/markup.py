"""Telegram HTML: the one escape for everything a person typed."""

from __future__ import annotations

import html


def esc(text: object) -> str:
    """Escape for Telegram HTML: user text is data, never markup."""
    return html.escape(str(text), quote=False)
