"""A press Telegram hands over twice is answered once; so is a message.

Telegram may deliver the same button press again under a new update id (and a new query
id) when it is unsure the first one arrived, and a person whose phone showed no reaction
taps again. Each handler could guard its own effect — some do, with keyed writes — but
the reply it sends ("already recorded"), a message it sends again (a material shown
again, a form's first question) or a notice to someone else would still come twice.
So every update is recognised here, before any handler, by what it *is*:

* a press: the same person, the same message as they saw it (its id and last edit),
  the same button data, within :data:`WINDOW` — a press on a message the bot has
  changed since is a new press;
* a message: its chat and message id, which Telegram never reuses in a chat.

The second one is answered silently (the spinner stops) and goes no further. If the
first one failed in a handler, it is forgotten, so the person's next try is handled.
Memory only: after a restart the journal (``bot/journal.py``) handles what was
unfinished, and keyed writes keep the rest from counting twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from telegram import Update

WINDOW = 30.0  # seconds
Identity = tuple[object, ...]


def identity(update: object) -> Identity | None:
    if not isinstance(update, Update):
        return None
    query = update.callback_query
    if query is not None:
        message = query.message
        if message is not None:
            edited = getattr(message, "edit_date", None)
            where: Identity = (
                message.chat.id,
                message.message_id,
                edited.timestamp() if edited is not None else None,
            )
        else:
            where = (query.inline_message_id,)
        return ("press", query.from_user.id, *where, query.data)
    if update.message is not None:
        return ("message", update.message.chat.id, update.message.message_id)
    return None


class Repeats:
    """Telegram hands an update over again in real time, whatever the organisation's clock
    says (the demo's stands still until moved): ``seconds`` is a monotonic clock, which
    tests replace with their own."""

    def __init__(
        self, window: float = WINDOW, seconds: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self.seconds = seconds
        self._seen: dict[Identity, float] = {}

    def is_repeat(self, update: object) -> bool:
        """True if this update was seen within the window; else it is noted as seen."""
        key = identity(update)
        if key is None:
            return False
        now = self.seconds()
        first = self._seen.get(key)
        if first is not None and now - first < self.window:
            return True
        if len(self._seen) > 10_000:
            self._seen = {k: t for k, t in self._seen.items() if now - t < self.window}
        self._seen[key] = now
        return False

    def forget(self, update: object) -> None:
        """The update failed: a second try is not a repeat."""
        key = identity(update)
        if key is not None:
            self._seen.pop(key, None)
