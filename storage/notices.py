"""Notices, their recipients, receipts and acknowledgements."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime

from storage.by_hand import recorder_name
from storage.db import Conn
from storage.delivered import NO_MESSAGE, STATE
from storage.models import (
    BranchReceipts,
    NewNotice,
    Notice,
    NoticeReceipts,
    NoticeRecipient,
    ReceiptCounts,
)
from storage.rows import fetch_all, fetch_one, insert, ts

# The branches under a unit (itself if a branch, its branches if a township, all if the
# county), as a subquery bound to :scope.
BRANCHES_IN_SCOPE = """
    SELECT b.id FROM units b LEFT JOIN units t ON t.id = b.parent_id
    WHERE b.kind = 'branch' AND (b.id = :scope OR t.id = :scope OR t.parent_id = :scope)
"""


async def add_notice(c: Conn, new: NewNotice, now: datetime) -> Notice:
    notice = await get_notice(c, await insert(c, new, now))
    assert notice is not None
    return notice


async def get_notice(c: Conn, notice_id: int) -> Notice | None:
    return await fetch_one(c, Notice, "SELECT * FROM notices WHERE id = ?", (notice_id,))


async def due(c: Conn, now: datetime) -> list[Notice]:
    return await fetch_all(
        c,
        Notice,
        "SELECT * FROM notices WHERE state = 'scheduled' AND send_at <= ? ORDER BY id",
        (ts(now),),
    )


async def cancel(c: Conn, notice_id: int, by: int, now: datetime) -> bool:
    """Cancel a notice whose time has not come (nothing of it queued yet); False once it
    went out — or began to: released a piece at a time, it has recipients before it is
    marked sent — or if it was cancelled already."""
    cur = await c.execute(
        """UPDATE notices SET state = 'cancelled', cancelled_at = ?, cancelled_by = ?
           WHERE id = ? AND state = 'scheduled'
             AND NOT EXISTS (SELECT 1 FROM notice_recipients WHERE notice_id = notices.id)""",
        (ts(now), by, notice_id),
    )
    return cur.rowcount > 0


async def scheduled(c: Conn, scope_unit_ids: Collection[int] | None) -> list[Notice]:
    """Notices waiting for their time, to these units (all, if None), soonest first."""
    if scope_unit_ids is None:
        return await fetch_all(
            c, Notice, "SELECT * FROM notices WHERE state = 'scheduled' ORDER BY send_at, id"
        )
    return await fetch_all(
        c,
        Notice,
        """SELECT * FROM notices WHERE state = 'scheduled'
           AND scope_unit_id IN (SELECT value FROM json_each(?)) ORDER BY send_at, id""",
        (json.dumps(sorted(scope_unit_ids)),),
    )


async def mark_sent(c: Conn, notice_id: int) -> bool:
    cur = await c.execute(
        "UPDATE notices SET state = 'sent' WHERE id = ? AND state = 'scheduled'", (notice_id,)
    )
    return cur.rowcount > 0


async def mark_reminded(c: Conn, notice_id: int, now: datetime) -> bool:
    """Once per notice: True the first time."""
    cur = await c.execute(
        "UPDATE notices SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL",
        (ts(now), notice_id),
    )
    return cur.rowcount > 0


async def audience(
    c: Conn, scope_unit_id: int, audience: str
) -> list[tuple[int, str, int | None, int | None]]:
    """(telegram id, name, branch id, member id) of who a notice to this scope and
    audience reaches: people the bot can write to."""
    if audience in ("everyone", "flowing"):
        flowing = "AND m.flowing = 1" if audience == "flowing" else ""
        sql = f"""SELECT m.telegram_id, m.name, m.branch_id, m.id FROM members m
                  WHERE m.state = 'active' AND m.telegram_id IS NOT NULL {flowing}
                    AND m.branch_id IN ({BRANCHES_IN_SCOPE}) ORDER BY m.id"""
    elif audience == "secretaries":
        sql = f"""SELECT DISTINCT r.telegram_id, coalesce(m.name, ''), r.unit_id, m.id
                  FROM roles r
                  LEFT JOIN members m ON m.telegram_id = r.telegram_id AND m.state = 'active'
                  WHERE r.role = 'secretary' AND r.unit_id IN ({BRANCHES_IN_SCOPE})
                  ORDER BY r.telegram_id"""
    else:
        sql = f"""SELECT DISTINCT p.leader_telegram_id, coalesce(m.name, ''), m.branch_id, m.id
                  FROM contact_points p JOIN roles r ON r.telegram_id = p.leader_telegram_id
                    AND r.role = 'leader'
                  LEFT JOIN members m ON m.telegram_id = p.leader_telegram_id
                    AND m.state = 'active'
                  WHERE p.branch_id IN ({BRANCHES_IN_SCOPE}) ORDER BY p.leader_telegram_id"""
    rows = await c.execute_fetchall(sql, {"scope": scope_unit_id})
    seen: dict[int, tuple[int, str, int | None, int | None]] = {}
    for telegram_id, name, branch, member in rows:
        seen.setdefault(
            int(telegram_id),
            (
                int(telegram_id),
                str(name or telegram_id),
                int(branch) if branch is not None else None,
                int(member) if member is not None else None,
            ),
        )
    return list(seen.values())


async def without_telegram(
    c: Conn, scope_unit_id: int, audience: str
) -> list[tuple[int, str, int]]:
    """(member id, name, branch id) of the roster members a notice to everyone or to the
    flowing members would be for but cannot reach: they never registered in the bot.
    Secretaries and leaders are chosen by Telegram account, so none are missing there."""
    if audience not in ("everyone", "flowing"):
        return []
    flowing = "AND m.flowing = 1" if audience == "flowing" else ""
    rows = await c.execute_fetchall(
        f"""SELECT m.id, m.name, m.branch_id FROM members m
            WHERE m.state = 'active' AND m.telegram_id IS NULL {flowing}
              AND m.branch_id IN ({BRANCHES_IN_SCOPE}) ORDER BY m.id""",
        {"scope": scope_unit_id},
    )
    return [(int(member), str(name), int(branch)) for member, name, branch in rows]


async def group_chats(c: Conn, scope_unit_id: int) -> list[int]:
    rows = await c.execute_fetchall(
        f"""SELECT chat_id FROM group_chats WHERE state = 'bound'
            AND branch_id IN ({BRANCHES_IN_SCOPE}) ORDER BY chat_id""",
        {"scope": scope_unit_id},
    )
    return [int(row[0]) for row in rows]


async def add_recipients(
    c: Conn,
    notice_id: int,
    rows: Iterable[tuple[int | None, int | None, str, int | None, int | None]],
) -> None:
    """Rows of (telegram id, member id, name, branch id, outbox id); a member without
    Telegram has neither a telegram id nor an outbox row."""
    await c.executemany(
        """INSERT OR IGNORE INTO notice_recipients
           (notice_id, telegram_id, member_id, name, branch_id, outbox_id)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [(notice_id, *row) for row in rows],
    )


async def acknowledge(c: Conn, notice_id: int, telegram_id: int, now: datetime) -> bool | None:
    """True: recorded now; False: already; None: not a recipient."""
    cur = await c.execute(
        """UPDATE notice_recipients SET acknowledged_at = ?
           WHERE notice_id = ? AND telegram_id = ? AND acknowledged_at IS NULL""",
        (ts(now), notice_id, telegram_id),
    )
    if cur.rowcount:
        return True
    return False if await is_recipient(c, notice_id, telegram_id) else None


def _branches(branch_ids: Collection[int] | None) -> tuple[str, dict[str, int]]:
    if branch_ids is None:
        return "", {}
    names = {f"b{i}": b for i, b in enumerate(sorted(branch_ids) or [0])}
    return f"AND r.branch_id IN ({', '.join(':' + n for n in names)})", names


# What a notice's receipts count, over notice_recipients r LEFT JOIN outbox o: a member
# with no Telegram account (no telegram_id) is to be told in person and recorded by hand,
# never "not reachable" — that is someone with Telegram the bot could not deliver to.
RECEIPT_COUNTS = f"""count(*) AS recipients, sum({STATE} = 'sent') AS delivered,
    sum(r.acknowledged_at IS NOT NULL) AS acknowledged, sum({STATE} = 'queued') AS queued,
    sum(r.telegram_id IS NOT NULL AND ({NO_MESSAGE}
        OR {STATE} IN ('unreachable', 'failed'))) AS unreachable,
    sum({STATE} = 'sent' AND r.acknowledged_at IS NULL) AS not_yet,
    sum(r.telegram_id IS NULL) AS no_telegram,
    sum(r.telegram_id IS NULL AND r.acknowledged_at IS NULL) AS to_record,
    sum(r.recorded_by IS NOT NULL AND r.acknowledged_at IS NOT NULL) AS by_hand"""


async def receipts(
    c: Conn, branch_ids: Collection[int] | None, limit: int = 10
) -> list[NoticeReceipts]:
    """The newest notices that reached these branches (all, if None), with their counts
    in total and per branch, limited to those branches."""
    where, params = _branches(branch_ids)
    notices = await fetch_all(
        c,
        Notice,
        f"""SELECT n.* FROM notices n WHERE EXISTS (
              SELECT 1 FROM notice_recipients r WHERE r.notice_id = n.id {where})
            ORDER BY n.send_at DESC, n.id DESC LIMIT :limit""",
        {"limit": limit, **params},
    )
    if not notices:
        return []
    ids = {f"n{i}": notice.id for i, notice in enumerate(notices)}
    rows = await c.execute_fetchall(
        f"""SELECT r.notice_id, r.branch_id, coalesce(u.name, '') AS branch, {RECEIPT_COUNTS}
            FROM notice_recipients r LEFT JOIN outbox o ON o.id = r.outbox_id
            LEFT JOIN units u ON u.id = r.branch_id
            WHERE r.notice_id IN ({", ".join(":" + n for n in ids)}) {where}
            GROUP BY r.notice_id, r.branch_id
            ORDER BY r.branch_id IS NULL, u.name, r.branch_id""",
        {**ids, **params},
    )
    by_notice: dict[int, list[BranchReceipts]] = {notice.id: [] for notice in notices}
    for row in rows:
        data = dict(row)
        notice_id = int(data.pop("notice_id"))
        counts = {field: int(data.pop(field) or 0) for field in ReceiptCounts.model_fields}
        by_notice[notice_id].append(BranchReceipts.model_validate({**counts, **data}))
    found = []
    for notice in notices:
        branches = by_notice[notice.id]
        totals = {
            field: sum(getattr(b, field) for b in branches) for field in ReceiptCounts.model_fields
        }
        found.append(NoticeReceipts(notice=notice, branches=branches, **totals))
    return found


async def recipients(
    c: Conn, notice_id: int, branch_ids: Collection[int] | None
) -> list[NoticeRecipient]:
    where, params = _branches(branch_ids)
    return await fetch_all(
        c,
        NoticeRecipient,
        f"""SELECT r.telegram_id, r.name, r.branch_id, coalesce(u.name, '') AS branch,
              r.acknowledged_at,
              CASE WHEN r.telegram_id IS NULL THEN 'no_telegram'
                   WHEN {STATE} = 'sent' THEN 'delivered' WHEN {STATE} = 'queued'
                   THEN 'queued' ELSE 'unreachable' END AS delivery,
              CASE WHEN r.recorded_by IS NOT NULL THEN {recorder_name("r.recorded_by")}
              END AS by_hand
            FROM notice_recipients r LEFT JOIN outbox o ON o.id = r.outbox_id
            LEFT JOIN units u ON u.id = r.branch_id
            WHERE r.notice_id = :notice {where}
            ORDER BY r.branch_id IS NULL, u.name, r.branch_id, r.name""",
        {"notice": notice_id, **params},
    )


async def not_acknowledged(c: Conn, notice_id: int) -> list[int]:
    """Telegram ids of recipients it reached who have not acknowledged."""
    rows = await c.execute_fetchall(
        f"""SELECT r.telegram_id FROM notice_recipients r LEFT JOIN outbox o ON o.id = r.outbox_id
           WHERE r.notice_id = ? AND r.acknowledged_at IS NULL AND {STATE} = 'sent'
           ORDER BY r.telegram_id""",
        (notice_id,),
    )
    return [int(row[0]) for row in rows]


async def is_acknowledged(c: Conn, notice_id: int, telegram_id: int) -> bool:
    rows = await c.execute_fetchall(
        """SELECT 1 FROM notice_recipients WHERE notice_id = ? AND telegram_id = ?
           AND acknowledged_at IS NOT NULL""",
        (notice_id, telegram_id),
    )
    return bool(rows)


# --- a person's notices not acknowledged yet ---------------------------------------------

# A notice this person got (its message was delivered) and has not acknowledged, over
# notices n, notice_recipients r (bound to :tg) and outbox o. Notices come first in the
# plan: a person's receipts are found through the (notice, telegram id) key.
_UNCONFIRMED = f"""FROM notices n CROSS JOIN notice_recipients r
    LEFT JOIN outbox o ON o.id = r.outbox_id
    WHERE r.notice_id = n.id AND r.telegram_id = :tg
      AND n.state = 'sent' AND r.acknowledged_at IS NULL AND {STATE} = 'sent'"""


# Past the notice :after in the order of the list (sent, then id); 0: from the start.
_AFTER = """AND (:after = 0 OR (n.send_at, n.id) >
                 (SELECT send_at, id FROM notices WHERE id = :after))"""


def _sent_in(periods: Collection[tuple[datetime, datetime]]) -> tuple[str, dict[str, str]]:
    """``AND`` the notice was sent in one of these periods (start included)."""
    params = {
        f"p{i}{end}": ts(moment)
        for i, period in enumerate(periods)
        for end, moment in zip("se", period, strict=True)
    }
    ranges = " OR ".join(
        f"(n.send_at >= :p{i}s AND n.send_at < :p{i}e)" for i in range(len(periods))
    )
    return f"AND ({ranges or '0'})", params


async def unconfirmed(
    c: Conn,
    telegram_id: int,
    *,
    after: int = 0,
    limit: int = -1,
    sent_in: Collection[tuple[datetime, datetime]] | None = None,
) -> list[Notice]:
    """This person's notices not acknowledged yet, oldest first: those after the notice
    ``after`` in that order (a page of a list that shrinks as they confirm), or those sent
    in the given periods."""
    where, params = _sent_in(sent_in) if sent_in is not None else ("", {})
    return await fetch_all(
        c,
        Notice,
        f"""SELECT n.* {_UNCONFIRMED} {_AFTER} {where}
            ORDER BY n.send_at, n.id LIMIT :limit""",
        {"tg": telegram_id, "after": after, "limit": limit, **params},
    )


async def count_unconfirmed(c: Conn, telegram_id: int, *, after: int = 0) -> int:
    """How many :func:`unconfirmed` lists (after the notice ``after``)."""
    rows = await c.execute_fetchall(
        f"SELECT count(*) {_UNCONFIRMED} {_AFTER}", {"tg": telegram_id, "after": after}
    )
    return int(next(iter(rows))[0])


async def unconfirmed_by_members(
    c: Conn, sent_in: Collection[tuple[datetime, datetime]]
) -> list[tuple[int, int]]:
    """(member id, telegram id) of the active members who got a notice sent in one of
    these periods and have not acknowledged it."""
    where, params = _sent_in(sent_in)
    rows = await c.execute_fetchall(
        f"""SELECT DISTINCT m.id, m.telegram_id FROM notices n
            JOIN notice_recipients r ON r.notice_id = n.id
            LEFT JOIN outbox o ON o.id = r.outbox_id
            JOIN members m ON m.telegram_id = r.telegram_id AND m.state = 'active'
            WHERE n.state = 'sent' AND r.acknowledged_at IS NULL AND {STATE} = 'sent' {where}
            ORDER BY m.id""",
        params,
    )
    return [(int(member), int(telegram)) for member, telegram in rows]


async def is_recipient(c: Conn, notice_id: int, telegram_id: int) -> bool:
    rows = await c.execute_fetchall(
        "SELECT 1 FROM notice_recipients WHERE notice_id = ? AND telegram_id = ?",
        (notice_id, telegram_id),
    )
    return bool(rows)
