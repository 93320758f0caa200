"""Entries a secretary or staff make for a member by hand (代登记): present at a session,
a material studied at the door (送学上门), a notice told in person.

Each is the same row the member's own press writes, with ``recorded_by`` (a Telegram
user id) and ``recorded_at`` beside it, so every count that reads the row counts it and
every view can say who entered it. Only an entry made by hand is taken back by hand: a
member's own press is theirs.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Literal

from storage.db import Conn
from storage.delivered import NO_MESSAGE
from storage.models import HandEntry, HandMark, Meeting, Member, OpenItem
from storage.rows import fetch_all, ts


def recorder_name(column: str) -> str:
    """SQL naming whoever ``column`` (a Telegram user id) is: their member record's name,
    else the name Telegram gave them, else the id."""
    return f"""coalesce(
        (SELECT rm.name FROM members rm WHERE rm.telegram_id = {column}
         AND rm.state != 'rejected' ORDER BY rm.state = 'active' DESC LIMIT 1),
        (SELECT nullif(ru.first_name, '') FROM users ru WHERE ru.telegram_id = {column}),
        CAST({column} AS TEXT))"""


# --- sessions --------------------------------------------------------------------------------


async def attendance_marks(c: Conn, meeting_id: int) -> list[HandMark]:
    """Who was recorded at this session by hand, by whom and when."""
    return await fetch_all(
        c,
        HandMark,
        f"""SELECT a.member_id, a.recorded_by, {recorder_name("a.recorded_by")} AS by_name,
              a.recorded_at
            FROM attendance a WHERE a.meeting_id = ? AND a.recorded_by IS NOT NULL
            ORDER BY a.member_id""",
        (meeting_id,),
    )


async def record_present(c: Conn, meeting_id: int, member_id: int, by: int, now: datetime) -> bool:
    """Present, entered by hand: over no entry yet or "absent" only (a leave is decided
    on its own buttons; a member in already is in). True if it changed something."""
    cur = await c.execute(
        """INSERT INTO attendance (meeting_id, member_id, status, at, recorded_by, recorded_at)
           VALUES (:meeting, :member, 'present', :now, :by, :now)
           ON CONFLICT (meeting_id, member_id) DO UPDATE SET status = 'present',
             at = excluded.at, recorded_by = excluded.recorded_by,
             recorded_at = excluded.recorded_at
           WHERE attendance.status = 'absent'""",
        {"meeting": meeting_id, "member": member_id, "by": by, "now": ts(now)},
    )
    return cur.rowcount > 0


async def undo_present(
    c: Conn, meeting_id: int, member_id: int, closed: bool, now: datetime
) -> bool:
    """Take back a presence entered by hand: absent once the session has closed (as
    closing would have recorded them), no entry while it is still open."""
    if closed:
        cur = await c.execute(
            """UPDATE attendance SET status = 'absent', at = ?, recorded_by = NULL,
                 recorded_at = NULL
               WHERE meeting_id = ? AND member_id = ? AND recorded_by IS NOT NULL""",
            (ts(now), meeting_id, member_id),
        )
    else:
        cur = await c.execute(
            """DELETE FROM attendance WHERE meeting_id = ? AND member_id = ?
               AND recorded_by IS NOT NULL""",
            (meeting_id, member_id),
        )
    return cur.rowcount > 0


async def without_telegram(c: Conn, member_ids: Collection[int]) -> set[int]:
    """Those of these members who have no Telegram account in the bot."""
    if not member_ids:
        return set()
    rows = await c.execute_fetchall(
        """SELECT id FROM members WHERE telegram_id IS NULL
           AND id IN (SELECT value FROM json_each(?))""",
        (_json(member_ids),),
    )
    return {int(row[0]) for row in rows}


# --- materials -------------------------------------------------------------------------------


# A material's and a notice's recipients are marked alike: (table, key, the "done" column).
_DONE = {
    "material": ("material_recipients", "material_id", "studied_at"),
    "notice": ("notice_recipients", "notice_id", "acknowledged_at"),
}


async def record_done(
    c: Conn,
    what: Literal["material", "notice"],
    ref_id: int,
    member_id: int,
    by: int,
    now: datetime,
) -> bool:
    """Studied (a material) or told (a notice), entered by hand; True if it was open."""
    table, key, done = _DONE[what]
    cur = await c.execute(
        f"""UPDATE {table} SET {done} = :now, recorded_by = :by, recorded_at = :now
            WHERE {key} = :ref AND member_id = :member AND {done} IS NULL""",
        {"now": ts(now), "by": by, "ref": ref_id, "member": member_id},
    )
    return cur.rowcount > 0


async def undo_done(
    c: Conn, what: Literal["material", "notice"], ref_id: int, member_id: int
) -> bool:
    """Take back what was entered by hand (never the member's own press)."""
    table, key, done = _DONE[what]
    cur = await c.execute(
        f"""UPDATE {table} SET {done} = NULL, recorded_by = NULL, recorded_at = NULL
            WHERE {key} = ? AND member_id = ? AND recorded_by IS NOT NULL""",
        (ref_id, member_id),
    )
    return cur.rowcount > 0


def _branches(branch_ids: Collection[int] | None, column: str) -> tuple[str, dict[str, str]]:
    if branch_ids is None:
        return "", {}
    return (
        f"AND {column} IN (SELECT value FROM json_each(:branches))",
        {"branches": _json(branch_ids)},
    )


async def material_entries(
    c: Conn, material_id: int, branch_ids: Collection[int] | None
) -> list[HandEntry]:
    """The material's recipients in these branches (all, if None), by name."""
    where, params = _branches(branch_ids, "m.branch_id")
    return await fetch_all(
        c,
        HandEntry,
        f"""SELECT m.id AS member_id, m.name, m.branch_id, {NO_MESSAGE} AS no_telegram,
              r.studied_at IS NOT NULL AS done, r.recorded_by,
              CASE WHEN r.recorded_by IS NOT NULL THEN {recorder_name("r.recorded_by")}
              END AS by_name, r.recorded_at
            FROM material_recipients r JOIN members m ON m.id = r.member_id
            WHERE r.material_id = :material {where}
            ORDER BY m.name, m.id""",
        {"material": material_id, **params},
    )


# --- notices ---------------------------------------------------------------------------------


async def notice_entries(
    c: Conn, notice_id: int, branch_ids: Collection[int] | None
) -> list[HandEntry]:
    """The notice's recipients who are members of these branches (all, if None)."""
    where, params = _branches(branch_ids, "r.branch_id")
    return await fetch_all(
        c,
        HandEntry,
        f"""SELECT r.member_id, r.name, r.branch_id, r.telegram_id IS NULL AS no_telegram,
              r.acknowledged_at IS NOT NULL AS done, r.recorded_by,
              CASE WHEN r.recorded_by IS NOT NULL THEN {recorder_name("r.recorded_by")}
              END AS by_name, r.recorded_at
            FROM notice_recipients r
            WHERE r.notice_id = :notice AND r.member_id IS NOT NULL
              AND r.branch_id IS NOT NULL {where}
            ORDER BY r.name, r.member_id""",
        {"notice": notice_id, **params},
    )


# --- what is open for members without Telegram -----------------------------------------------


async def closed_sessions(c: Conn, branch_id: int, since: datetime) -> list[Meeting]:
    """The branch's sessions that started since a moment and have closed, oldest first."""
    return await fetch_all(
        c,
        Meeting,
        """SELECT * FROM meetings WHERE branch_id = ? AND state = 'closed' AND starts_at >= ?
           ORDER BY starts_at, id""",
        (branch_id, ts(since)),
    )


async def members_without_telegram(c: Conn, branch_id: int) -> list[Member]:
    return await fetch_all(
        c,
        Member,
        """SELECT * FROM members WHERE branch_id = ? AND state = 'active'
           AND telegram_id IS NULL ORDER BY name, id""",
        (branch_id,),
    )


async def open_materials(c: Conn, member_ids: Collection[int], since: datetime) -> list[OpenItem]:
    """Materials these members were sent since a moment and have not studied."""
    return await fetch_all(
        c,
        OpenItem,
        """SELECT r.member_id, 's' AS kind, mt.id AS ref_id, mt.title, r.added_at AS at
           FROM material_recipients r JOIN materials mt ON mt.id = r.material_id
           WHERE r.member_id IN (SELECT value FROM json_each(?)) AND r.studied_at IS NULL
             AND r.added_at >= ?
           ORDER BY r.member_id, r.added_at, mt.id""",
        (_json(member_ids), ts(since)),
    )


async def open_notices(c: Conn, member_ids: Collection[int], since: datetime) -> list[OpenItem]:
    """Notices that went to these members since a moment and nobody recorded as told."""
    return await fetch_all(
        c,
        OpenItem,
        """SELECT r.member_id, 'n' AS kind, n.id AS ref_id, n.body AS title, n.send_at AS at
           FROM notice_recipients r JOIN notices n ON n.id = r.notice_id
           WHERE r.member_id IN (SELECT value FROM json_each(?))
             AND r.acknowledged_at IS NULL AND n.state = 'sent' AND n.send_at >= ?
           ORDER BY r.member_id, n.send_at, n.id""",
        (_json(member_ids), ts(since)),
    )


def _json(ids: Collection[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in sorted(ids)) + "]"
