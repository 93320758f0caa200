"""Meetings, their steps (reminded, opened, closed) and who attended."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from storage.db import Conn
from storage.models import Attendance, AttendeeView, CheckinCounts, Meeting, Member
from storage.rows import fetch_all, fetch_one, ts

MEETING_FIELDS = ("branch_id", "kind", "starts_at", "place", "topic", "lecturer",
                  "remote_allowed", "created_by")
STEPS = ("reminded_day_at", "reminded_hour_at", "opened_at", "closed_at")


async def add_meeting(c: Conn, fields: dict[str, Any], now: datetime) -> Meeting:
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise ValueError(f"unknown meeting fields: {sorted(unknown)}")
    values = dict(fields)
    values["starts_at"] = ts(values["starts_at"])
    values["remote_allowed"] = int(bool(values.get("remote_allowed")))
    values["created_at"] = ts(now)
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cur = await c.execute(f"INSERT INTO meetings ({names}) VALUES ({marks})",
                          tuple(values.values()))
    meeting = await get_meeting(c, int(cur.lastrowid or 0))
    assert meeting is not None
    return meeting


async def scheduled_by_since(c: Conn, by: int, since: datetime) -> int:
    """Sessions this person scheduled from ``since`` on (cancelled ones too: their
    messages were queued all the same)."""
    async with c.execute("SELECT count(*) FROM meetings WHERE created_by = ? AND created_at >= ?",
                         (by, ts(since))) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def get_meeting(c: Conn, meeting_id: int) -> Meeting | None:
    return await fetch_one(c, Meeting, "SELECT * FROM meetings WHERE id = ?", (meeting_id,))


async def not_closed_before(c: Conn, horizon: datetime) -> list[Meeting]:
    """Scheduled or open meetings starting before ``horizon``: those a tick may act on."""
    return await fetch_all(
        c, Meeting,
        """SELECT * FROM meetings WHERE state IN ('scheduled', 'open') AND starts_at <= ?
           ORDER BY starts_at, id""",
        (ts(horizon),))


async def mark_step(c: Conn, meeting_id: int, step: str, now: datetime) -> bool:
    """Record that a step happened; False if it already had (so it is done once)."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    cur = await c.execute(
        f"UPDATE meetings SET {step} = ? WHERE id = ? AND {step} IS NULL", (ts(now), meeting_id))
    return cur.rowcount > 0


async def set_state(c: Conn, meeting_id: int, state: str) -> None:
    await c.execute("UPDATE meetings SET state = ? WHERE id = ?", (state, meeting_id))


async def set_effect(c: Conn, meeting_id: int, effect: str) -> None:
    await c.execute("UPDATE meetings SET effect = ? WHERE id = ?", (effect, meeting_id))


async def recent(c: Conn, branch_ids: list[int], limit: int = 10) -> list[Meeting]:
    marks = ",".join("?" for _ in branch_ids) or "NULL"
    return await fetch_all(
        c, Meeting,
        f"""SELECT * FROM meetings WHERE branch_id IN ({marks}) AND state != 'cancelled'
            ORDER BY starts_at DESC, id DESC LIMIT ?""",
        (*branch_ids, limit))


# --- attendance ------------------------------------------------------------------------------


async def attendance_of(c: Conn, meeting_id: int, member_id: int) -> Attendance | None:
    return await fetch_one(
        c, Attendance, "SELECT * FROM attendance WHERE meeting_id = ? AND member_id = ?",
        (meeting_id, member_id))


async def put_attendance(c: Conn, meeting_id: int, member_id: int, status: str, now: datetime,
                         *, reason: str | None = None, reason_file_id: str | None = None,
                         decided_by: int | None = None) -> None:
    await c.execute(
        """INSERT INTO attendance (meeting_id, member_id, status, at, reason, reason_file_id,
                                   decided_by, decided_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (meeting_id, member_id) DO UPDATE SET status = excluded.status,
             at = excluded.at, reason = coalesce(excluded.reason, attendance.reason),
             reason_file_id = coalesce(excluded.reason_file_id, attendance.reason_file_id),
             decided_by = excluded.decided_by, decided_at = excluded.decided_at""",
        (meeting_id, member_id, status, ts(now), reason, reason_file_id, decided_by,
         ts(now) if decided_by else None))


async def check_in(c: Conn, meeting_id: int, member_id: int, branch_id: int, status: str,
                   now: datetime, opens_before: timedelta, closes_after: timedelta,
                   flowing: bool) -> bool:
    """One statement: record present/remote if the meeting is this member's branch's,
    still open, inside the check-in window (and, for remote, allows it and the member is
    away), and the member is not in yet. True if it changed something; on False the
    caller reads why. A second press, however close, changes nothing."""
    cur = await c.execute(
        """INSERT INTO attendance (meeting_id, member_id, status, at)
           SELECT :meeting, :member, :status, :at FROM meetings m
           WHERE m.id = :meeting AND m.branch_id = :branch
             AND m.state IN ('scheduled', 'open')
             AND julianday(:at) >= julianday(m.starts_at) - :before
             AND julianday(:at) < julianday(m.starts_at) + :after
             AND (:status = 'present' OR (m.remote_allowed = 1 AND :flowing = 1))
           ON CONFLICT (meeting_id, member_id) DO UPDATE SET status = excluded.status,
             at = excluded.at, decided_by = NULL, decided_at = NULL
           WHERE attendance.status NOT IN ('present', 'remote')""",
        {"meeting": meeting_id, "member": member_id, "branch": branch_id, "status": status,
         "at": ts(now), "before": opens_before / timedelta(days=1),
         "after": closes_after / timedelta(days=1), "flowing": int(flowing)})
    return cur.rowcount > 0


async def decide_leave(c: Conn, meeting_id: int, member_id: int, approve: bool, by: int,
                       now: datetime) -> bool:
    """Only a pending request is decided, once."""
    if approve:
        cur = await c.execute(
            """UPDATE attendance SET status = 'leave', decided_by = ?, decided_at = ?
               WHERE meeting_id = ? AND member_id = ? AND status = 'leave_requested'""",
            (by, ts(now), meeting_id, member_id))
    else:
        cur = await c.execute(
            """DELETE FROM attendance WHERE meeting_id = ? AND member_id = ?
               AND status = 'leave_requested'""", (meeting_id, member_id))
    return cur.rowcount > 0


async def attendees(c: Conn, meeting_id: int, branch_id: int) -> list[AttendeeView]:
    """Everyone invited (the branch's active members, and anyone with a row) and status."""
    return await fetch_all(
        c, AttendeeView,
        """SELECT m.id AS member_id, m.name, m.flowing, a.status
           FROM members m LEFT JOIN attendance a ON a.member_id = m.id AND a.meeting_id = :mt
           WHERE (m.branch_id = :branch AND m.state = 'active') OR a.meeting_id IS NOT NULL
           ORDER BY m.name, m.id""",
        {"mt": meeting_id, "branch": branch_id})


async def mark_absent(c: Conn, meeting_id: int, branch_id: int, now: datetime) -> None:
    """At closing: everyone invited who did nothing is recorded absent."""
    await c.execute(
        """INSERT OR IGNORE INTO attendance (meeting_id, member_id, status, at)
           SELECT ?, id, 'absent', ? FROM members WHERE branch_id = ? AND state = 'active'""",
        (meeting_id, ts(now), branch_id))


async def attended(c: Conn, meeting_id: int) -> list[Member]:
    """Members present in person or remotely."""
    return await fetch_all(
        c, Member,
        """SELECT m.* FROM members m JOIN attendance a ON a.member_id = m.id
           WHERE a.meeting_id = ? AND a.status IN ('present', 'remote') ORDER BY m.id""",
        (meeting_id,))


async def invited_with_account(c: Conn, branch_id: int) -> list[Member]:
    return await fetch_all(
        c, Member,
        """SELECT * FROM members WHERE branch_id = ? AND state = 'active'
           AND telegram_id IS NOT NULL ORDER BY id""",
        (branch_id,))


# --- the live count on the check-in post -------------------------------------------------


async def start_counts(c: Conn, meeting_id: int, shown: str, now: datetime) -> None:
    """The check-in post is queued showing ``shown``: edits are counted from now."""
    await c.execute(
        """INSERT OR IGNORE INTO checkin_counts (meeting_id, shown, edited_at)
           VALUES (?, ?, ?)""", (meeting_id, shown, ts(now)))


async def open_counts(c: Conn) -> list[tuple[Meeting, CheckinCounts]]:
    """Open meetings whose check-in post is in a group, with what it last showed."""
    rows = await c.execute_fetchall(
        """SELECT m.*, k.meeting_id AS k_meeting_id, k.shown AS k_shown, k.edits AS k_edits,
                  k.edited_at AS k_edited_at
           FROM meetings m JOIN checkin_counts k ON k.meeting_id = m.id
           WHERE m.state = 'open' ORDER BY m.id""")
    found = []
    for row in rows:
        data = dict(row)
        counts = CheckinCounts.model_validate(
            {key[2:]: data.pop(key) for key in list(data) if key.startswith("k_")})
        found.append((Meeting.model_validate(data), counts))
    return found


async def note_counts(c: Conn, meeting_id: int, edits: int, shown: str, now: datetime
                      ) -> int | None:
    """An edit showing ``shown`` is queued now, after ``edits`` before it; returns its
    number (1, 2, …), or None if another edit was noted since ``edits`` was read."""
    cur = await c.execute(
        """UPDATE checkin_counts SET shown = ?, edits = edits + 1, edited_at = ?
           WHERE meeting_id = ? AND edits = ?""", (shown, ts(now), meeting_id, edits))
    return edits + 1 if cur.rowcount > 0 else None
