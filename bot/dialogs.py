"""Forms in progress: the state machine under every conversation, kept in the database.

PTB's ConversationHandler keeps its state in memory (or in a persistence flushed on an
interval), so a restart mid-form loses the form. Here each step is a row in ``dialogs``,
one per person and chat: written before the bot asks the next question, read when the
answer arrives. This module owns those rows — begin, move, end, and what an answer
handled again after a crash should see; handlers/dialog.py turns Telegram's messages and
button presses into these calls and routes each answer to its form's step.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from bot.clock import Clock
from storage import dialogs as dialog_repo
from storage.db import Conn, Database, Statement
from storage.models import Dialog

#: The end of a form as a write for the transaction that stores its result (:func:`ending`).
Ending: TypeAlias = Statement


class DialogEnded(RuntimeError):
    """The form was finished by an earlier update: roll back instead of acting twice."""


async def begin(
    db: Database,
    clock: Clock,
    user_id: int,
    chat_id: int,
    kind: str,
    step: str,
    data: dict[str, Any],
    update_id: int,
) -> None:
    """Open a dialog of ``kind`` at ``step`` for this person in this chat (replacing one
    of another kind)."""
    async with db.tx() as c:
        await dialog_repo.put(c, user_id, chat_id, kind, step, data, clock.now(), update_id)


async def advance(
    db: Database, clock: Clock, dialog_: Dialog, step: str, data: dict[str, Any], update_id: int
) -> Dialog:
    """Move the dialog to ``step`` with ``data`` merged into what it holds."""
    merged = {**dialog_.data, **data}
    async with db.tx() as c:
        await dialog_repo.put(
            c,
            dialog_.telegram_id,
            dialog_.chat_id,
            dialog_.kind,
            step,
            merged,
            clock.now(),
            update_id,
        )
    return dialog_.model_copy(update={"step": step, "data": merged})


def ending(clock: Clock, user_id: int, chat_id: int, update_id: int) -> Ending:
    """The end of this chat's dialog, as a write for the transaction that stores what the
    form made: both commit or neither does, so a crash cannot leave a finished form
    without its result, nor a result whose form would create it again."""
    now = clock.now()

    async def end(c: Conn) -> None:
        if not await dialog_repo.end(c, user_id, chat_id, update_id, now):
            raise DialogEnded(f"the dialog of {user_id} in {chat_id} has already ended")

    return end


async def finish(db: Database, user_id: int, chat_id: int) -> bool:
    """Drop the dialog (stopped, cancelled, no longer allowed); False if there was none."""
    async with db.tx() as c:
        return await dialog_repo.drop(c, user_id, chat_id)


async def current(db: Database, user_id: int, chat_id: int) -> Dialog | None:
    async with db.read() as c:
        return await dialog_repo.get(c, user_id, chat_id)


async def as_found(
    db: Database, user_id: int, chat_id: int, update_id: int, *, replay: bool
) -> Dialog | None:
    """The dialog as the answer of ``update_id`` should see it. An answer handled again
    after a crash (``replay``) may already have moved it; it then sees the dialog where it
    found it the first time, so the same step runs once more (and sends the reply the
    crash cut off) instead of the answer being taken for the next question."""
    found = await current(db, user_id, chat_id)
    if found is None or found.moved_by != update_id or not replay:
        return found
    if found.prev_step is None or found.prev_data is None:
        return None  # this very update began the dialog: there is nothing to answer
    return found.model_copy(update={"step": found.prev_step, "data": found.prev_data})


async def ended_by(db: Database, user_id: int, chat_id: int, update_id: int) -> bool:
    """Whether ``update_id`` is the update that finished this chat's last form."""
    async with db.read() as c:
        return await dialog_repo.ended_by(c, user_id, chat_id) == update_id
