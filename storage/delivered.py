"""What the outbox keeps of a message once it is done (README "Privacy", docs/design.md).

A delivered row older than ``ZHIBU_KEEP_DELIVERED_DAYS`` is deleted: nothing reads its
payload, error or Telegram message id by then (only the live count's edits do, while the
session is open). What outlives it:

- a notice's or a material's receipts: how delivery ended is folded into the recipient row
  (``delivery``) in the same statement that lets go of the outbox row, so every count of
  delivered / unreachable / not yet reads the same before and after;
- the keys a scheduler asks about over a long period ("was the year's review sent?", the
  half-year bulletin whose locations may be erased): bulletins, reviews and the half-year
  bulletin are never pruned (a few rows a year);
- everything about a session that is not over (a cancellation asks whether its group was
  told; the live count edits its check-in post): kept until the session closes or is
  cancelled, and then for the age like the rest.

Other scheduled messages are guarded by their own records (a session's steps, a note
request, a material's recipients) or carry their day in their key (evening and visit
reminders), so a late tick cannot queue a pruned key again.

Readers of the receipts use :data:`STATE` and :data:`NO_MESSAGE` over ``r`` (the
recipient row) and ``o`` (its outbox row, LEFT JOINed) instead of ``o.state`` and
``r.outbox_id IS NULL``.
"""

from __future__ import annotations

from datetime import datetime

from storage.db import Conn
from storage.models import OutboxKind
from storage.rows import ts

#: How a recipient's message ended, or that it waits: its outbox row's state while the
#: row is kept, the state folded into the recipient row after.
STATE = "coalesce(o.state, r.delivery)"
#: A recipient the bot had no chat to write to when it was sent (no outbox row ever).
NO_MESSAGE = "(r.outbox_id IS NULL AND r.delivery IS NULL)"

#: Kinds never pruned: their keys answer "already sent?" for a whole period (the yearly
#: review all January, a half-year bulletin for the location erasure), and they are few.
KEPT_KINDS = (OutboxKind.BULLETIN, OutboxKind.VISIT_BULLETIN, OutboxKind.REVIEW)

#: Rows of a session are kept while it is not over (see the module's docstring).
_SESSION_OVER = """(kind NOT LIKE 'meeting\\_%' ESCAPE '\\' OR ref_id IN (
    SELECT id FROM meetings WHERE state IN ('closed', 'cancelled')))"""

_PRUNABLE = f"""SELECT id FROM outbox
    WHERE done_at < :before AND state <> 'queued'
      AND kind NOT IN ({", ".join(f"'{kind}'" for kind in KEPT_KINDS)})
      AND {_SESSION_OVER}
    ORDER BY done_at LIMIT :limit"""


async def prune(c: Conn, before: datetime, limit: int) -> int:
    """Delete at most ``limit`` of the oldest finished rows done before ``before``,
    folding how each ended into the notice or material recipient row that points at it;
    returns how many went. Short enough to hold the write lock for a moment: the caller
    repeats it, one transaction each, until it returns less than ``limit``."""
    params = {"before": ts(before), "limit": limit}
    await c.execute("CREATE TEMP TABLE IF NOT EXISTS pruned (id INTEGER PRIMARY KEY)")
    await c.execute("DELETE FROM temp.pruned")
    await c.execute(f"INSERT INTO temp.pruned {_PRUNABLE}", params)
    for table in ("material_recipients", "notice_recipients"):
        await c.execute(
            f"""UPDATE {table} SET outbox_id = NULL,
                   delivery = (SELECT state FROM outbox WHERE id = {table}.outbox_id)
                WHERE outbox_id IN (SELECT id FROM temp.pruned)"""
        )
    cur = await c.execute("DELETE FROM outbox WHERE id IN (SELECT id FROM temp.pruned)")
    gone = cur.rowcount
    await c.execute("DELETE FROM temp.pruned")
    return gone
