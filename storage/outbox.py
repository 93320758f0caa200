"""The outbox: messages waiting to be sent, and how each one ended."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.db import Conn
from storage.models import OutboxKind, OutboxRow
from storage.rows import fetch_all, fetch_one, ts


@dataclass(frozen=True)
class Envelope:
    """A message to queue: what it is for whom (``key``), and what renders it."""

    key: str
    chat_id: int
    kind: OutboxKind
    ref_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)


async def enqueue(c: Conn, envelopes: Iterable[Envelope], now: datetime) -> dict[str, int]:
    """Queue each envelope whose key is new; returns key → outbox id for every key given.

    A key already in the outbox keeps its row (and its id), so queueing the same thing
    twice — a double press, a retried request — sends it once.
    """
    given = list(envelopes)
    await enqueue_new(c, given, now)
    ids: dict[str, int] = {}
    keys = [e.key for e in given]
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        marks = ",".join("?" for _ in part)
        async with c.execute(f"SELECT key, id FROM outbox WHERE key IN ({marks})", part) as cur:
            ids.update({str(key): int(row_id) for key, row_id in await cur.fetchall()})
    return ids


async def enqueue_new(c: Conn, envelopes: Iterable[Envelope], now: datetime) -> int:
    """Queue each envelope whose key is new; returns how many were (no ids looked up)."""
    cur = await c.executemany(
        """INSERT OR IGNORE INTO outbox (key, chat_id, kind, ref_id, payload, created_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [
            (e.key, e.chat_id, e.kind, e.ref_id, json.dumps(e.payload, ensure_ascii=False), ts(now))
            for e in envelopes
        ],
    )
    return max(0, cur.rowcount)


async def due(
    c: Conn, limit: int, skip: Iterable[int] = (), skip_chats: Iterable[int] = ()
) -> list[OutboxRow]:
    """Queued rows, oldest first, leaving out those already being handled and every row
    of the chats that cannot take a message now (a group at its twenty a minute), so that
    a long backlog in one chat never hides the rows of the others behind it."""
    skipped = list(skip)
    marks = ",".join("?" for _ in skipped)
    where = f"AND id NOT IN ({marks})" if skipped else ""
    chats = sorted(set(skip_chats))
    if chats:  # one parameter however many chats wait (SQLite caps the count of them)
        where += " AND chat_id NOT IN (SELECT value FROM json_each(?))"
    return await fetch_all(
        c,
        OutboxRow,
        f"SELECT * FROM outbox WHERE state = 'queued' {where} ORDER BY id LIMIT ?",
        (*skipped, *([json.dumps(chats)] if chats else []), limit),
    )


async def get(c: Conn, row_id: int) -> OutboxRow | None:
    return await fetch_one(c, OutboxRow, "SELECT * FROM outbox WHERE id = ?", (row_id,))


async def by_key(c: Conn, key: str) -> OutboxRow | None:
    return await fetch_one(c, OutboxRow, "SELECT * FROM outbox WHERE key = ?", (key,))


async def finish(
    c: Conn,
    row_id: int,
    state: str,
    now: datetime,
    *,
    message_id: int | None = None,
    error: str | None = None,
) -> None:
    await c.execute(
        """UPDATE outbox SET state = ?, message_id = ?, error = ?, done_at = ?,
           attempts = attempts + 1 WHERE id = ? AND state = 'queued'""",
        (state, message_id, error, ts(now), row_id),
    )


async def finish_many(
    c: Conn, outcomes: Iterable[tuple[int, str, int | None, str | None]], now: datetime
) -> None:
    """Several rows' outcomes (id, state, message id, error) in one statement's batch:
    what :func:`finish` does for one."""
    await c.executemany(
        """UPDATE outbox SET state = ?, message_id = ?, error = ?, done_at = ?,
           attempts = attempts + 1 WHERE id = ? AND state = 'queued'""",
        [
            (state, message_id, error, ts(now), row_id)
            for row_id, state, message_id, error in outcomes
        ],
    )


async def count_attempt(c: Conn, row_id: int, error: str) -> int:
    """Note a failed try that will be retried; returns the tries so far."""
    await c.execute(
        "UPDATE outbox SET attempts = attempts + 1, error = ? WHERE id = ?", (error, row_id)
    )
    async with c.execute("SELECT attempts FROM outbox WHERE id = ?", (row_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def move_chat(c: Conn, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: what waits for the old id goes to the new one."""
    await c.execute(
        "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND state = 'queued'",
        (new_chat_id, old_chat_id),
    )


#: Messages someone receives because they manage a branch, by what ``ref_id`` points at:
#: a request to join (applications), a visit to confirm with its voice record and location
#: (visits), a session's record and a request for leave from it (meetings), a member
#: leaving or coming home (members), a season's list of members back home (homecomings).
#: Ending the role drops what still waits.
BRANCH_WORK = {
    OutboxKind.APPLICATION: "applications",
    OutboxKind.VISIT_CONFIRM: "visits",
    OutboxKind.VISIT_VOICE: "visits",
    OutboxKind.VISIT_LOCATION: "visits",
    OutboxKind.MEETING_RECORD: "meetings",
    OutboxKind.LEAVE_VOICE: "meetings",
    OutboxKind.LEAVE_REQUEST: "meetings",
    OutboxKind.WENT_AWAY: "members",
    OutboxKind.RETURNED: "members",
    OutboxKind.HOMECOMING: "homecomings",
}
#: Messages someone receives because they manage a branch, about the branch itself
#: (``ref_id`` is the branch): the bot removed from its group.
BRANCH_ALERTS = (OutboxKind.GROUP_LOST,)
#: Messages someone receives because they are staff.
STAFF_WORK = (
    OutboxKind.BULLETIN,
    OutboxKind.VISIT_BULLETIN,
    OutboxKind.REVIEW,
    OutboxKind.TROUBLE,
    OutboxKind.OFF_ROSTER_LEADER,
)
#: A request to cross off an item (ref_id: the branch's township), to confirm: county
#: staff's work only where they are not township staff of that township — township staff
#: are not staff, and what they were asked goes only with their township role
#: (TOWNSHIP_WORK), not at a restart that finds them outside the county's staff.
RECTIFY_REQUESTS = (OutboxKind.RECTIFY_EVIDENCE, OutboxKind.RECTIFY_CHECK)
_STAFF_RECTIFY = f"""(kind IN ({", ".join(f"'{kind}'" for kind in RECTIFY_REQUESTS)})
    AND ifnull(ref_id, 0) NOT IN
    (SELECT ifnull(r.unit_id, 0) FROM roles r
     WHERE r.telegram_id = outbox.chat_id AND r.role = 'township'))"""
#: Messages someone receives because they are a leader.
LEADER_WORK = (OutboxKind.VISIT_REMINDER,)
#: Messages someone receives because they are township staff (ref_id: the township).
TOWNSHIP_WORK = (
    OutboxKind.TOWNSHIP_BULLETIN,
    OutboxKind.RECTIFY_EVIDENCE,  # a request to cross off an item of the township's
    OutboxKind.RECTIFY_CHECK,
)
#: A request to join that is someone's as staff: not from a branch they are secretary of.
_STAFF_APPLICATION = """(kind = 'application' AND ref_id NOT IN
    (SELECT a.id FROM applications a JOIN roles r ON r.unit_id = a.branch_id
     WHERE r.telegram_id = outbox.chat_id AND r.role = 'secretary'))"""


async def drop_branch_work(c: Conn, chat_id: int, branch_id: int, now: datetime) -> int:
    """What still waits for someone about a branch they no longer manage is not sent."""
    about_branch = " OR ".join(
        [
            *(
                f"(kind = '{kind}' AND ref_id IN "
                f"(SELECT id FROM {table} WHERE branch_id = :branch))"
                for kind, table in BRANCH_WORK.items()
            ),
            *(f"(kind = '{kind}' AND ref_id = :branch)" for kind in BRANCH_ALERTS),
        ]
    )
    cur = await c.execute(
        f"""UPDATE outbox SET state = 'dropped', error = 'role ended', done_at = :now
            WHERE state = 'queued' AND chat_id = :chat AND ({about_branch})""",
        {"now": ts(now), "chat": chat_id, "branch": branch_id},
    )
    return cur.rowcount


def _staff_work() -> str:
    kinds = ", ".join(f"'{kind}'" for kind in STAFF_WORK)
    return f"(kind IN ({kinds}) OR {_STAFF_APPLICATION} OR {_STAFF_RECTIFY})"


async def drop_staff_work(c: Conn, chat_id: int, now: datetime) -> int:
    """What still waits for someone who is no longer staff: bulletins, error reports,
    requests to join from branches they are not secretary of, and requests to cross off
    items of townships whose staff they are not."""
    cur = await c.execute(
        f"""UPDATE outbox SET state = 'dropped', error = 'role ended', done_at = :now
            WHERE state = 'queued' AND chat_id = :chat AND {_staff_work()}""",
        {"now": ts(now), "chat": chat_id},
    )
    return cur.rowcount


async def awaiting_staff_work(c: Conn) -> list[int]:
    """Everyone something still waits for as staff (after a restart: are they still?)."""
    rows = await c.execute_fetchall(
        f"SELECT DISTINCT chat_id FROM outbox WHERE state = 'queued' AND {_staff_work()}"
    )
    return [int(row[0]) for row in rows]


async def drop_township_work(c: Conn, chat_id: int, township_id: int, now: datetime) -> int:
    """What still waits for someone about a township whose staff they no longer are."""
    kinds = ", ".join(f"'{kind}'" for kind in TOWNSHIP_WORK)
    cur = await c.execute(
        f"""UPDATE outbox SET state = 'dropped', error = 'role ended', done_at = ?
            WHERE state = 'queued' AND chat_id = ? AND ref_id = ? AND kind IN ({kinds})""",
        (ts(now), chat_id, township_id),
    )
    return cur.rowcount


async def drop_kind(c: Conn, chat_id: int, kind: OutboxKind, now: datetime) -> int:
    cur = await c.execute(
        """UPDATE outbox SET state = 'dropped', error = 'role ended', done_at = ?
           WHERE state = 'queued' AND chat_id = ? AND kind = ?""",
        (ts(now), chat_id, kind),
    )
    return cur.rowcount


async def drop_about(
    c: Conn, ref_id: int, kinds: Iterable[OutboxKind], now: datetime, why: str
) -> int:
    """What still waits to be sent about one thing (a session cancelled or moved) is not
    sent: dropped, with why."""
    names = sorted(set(kinds))
    marks = ",".join("?" for _ in names)
    cur = await c.execute(
        f"""UPDATE outbox SET state = 'dropped', error = ?, done_at = ?
            WHERE state = 'queued' AND ref_id = ? AND kind IN ({marks})""",
        (why, ts(now), ref_id, *names),
    )
    return cur.rowcount


async def any_sent(c: Conn, keys: Iterable[str]) -> bool:
    """Whether any of these messages went out (by key: one index lookup each)."""
    given = sorted(set(keys))
    if not given:
        return False
    marks = ",".join("?" for _ in given)
    rows = await c.execute_fetchall(
        f"SELECT 1 FROM outbox WHERE key IN ({marks}) AND state = 'sent' LIMIT 1", given
    )
    return bool(rows)


async def counts(c: Conn) -> dict[str, int]:
    async with c.execute("SELECT state, count(*) FROM outbox GROUP BY state") as cur:
        return {str(state): int(n) for state, n in await cur.fetchall()}


async def queued_count(c: Conn) -> int:
    async with c.execute("SELECT count(*) FROM outbox WHERE state = 'queued'") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0
