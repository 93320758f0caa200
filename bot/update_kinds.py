"""What an update is, in words that carry nothing a person wrote or shared: its id, its
kind (a message, a button press …), and the command or the button's kind. Logs and the
staff's error reports use these, never the update itself (its text, a shared phone
number, a leave reason)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import UpdateType


def handled(update: object) -> str:
    """Where a handler failed, without what the person wrote: the command, or the button's
    kind (its callback data up to the ids), or nothing for other updates."""
    if not isinstance(update, Update):
        return ""
    if update.callback_query is not None and update.callback_query.data:
        kind = update.callback_query.data.split(":")[:2]
        return ":".join(part for part in kind if not part.lstrip("-").isdigit())[:40]
    message = update.effective_message
    text = message.text if message is not None else None
    if text and text.startswith("/"):
        return text.split()[0].split("@")[0][:33]
    return ""


def described(update: object) -> str:
    """ "update 17 (message /help)", "update 18 (callback_query att:in)"; anything that is
    not an update by its type alone."""
    if not isinstance(update, Update):
        return "no update" if update is None else type(update).__name__
    kinds = [kind.value for kind in UpdateType if getattr(update, kind.value, None) is not None]
    what = " ".join(part for part in (",".join(kinds) or "unknown", handled(update)) if part)
    return f"update {update.update_id} ({what})"
