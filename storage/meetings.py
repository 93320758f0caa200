"""Meetings, their steps (reminded, opened, closed) and who attended."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from storage.db import Conn
from storage.models import Attendance, AttendeeView, Meeting, Member
from storage.rows import fetch_all, fetch_one, ts

MEETING_FIELDS = ("branch_id", "kind", "group_id", "audience", "starts_at", "place", "topic",
                  "lecturer", "remote_allowed", "created_by")
STEPS = ("reminded_day_at", "reminded_hour_at", "opened_at", "closed_at")

#: Whether member row ``m`` is invited to meeting row ``mt`` — the one place the rule is
#: written (every query below uses it): a removed member is invited to nothing; a guest
#: the secretary added is invited; a 'listed' session (a make-up lesson) invites only its
#: guests; otherwise the kind decides — the committee meeting its committee members, a
#: party group meeting its group's members, every other kind the branch's full and
#: probationary members, and with them the full and probationary members of other
#: branches working away who named this branch their host (流入地党组织: the branch where
#: they live organises them). Activists come only as guests.
INVITED = """(m.state = 'active' AND (
    EXISTS (SELECT 1 FROM meeting_guests g WHERE g.meeting_id = mt.id AND g.member_id = m.id)
    OR (mt.audience = 'kind' AND m.branch_id = mt.branch_id AND CASE mt.kind
        WHEN 'committee' THEN m.committee = 1
        WHEN 'group' THEN m.group_id = mt.group_id AND m.status != 'activist'
        ELSE m.status != 'activist' END)
    OR (mt.audience = 'kind' AND m.flowing = 1 AND m.host_branch_id = mt.branch_id
        AND mt.kind NOT IN ('committee', 'group') AND m.status != 'activist')))"""

#: Whether member row ``m`` could not come to meeting row ``mt``: working away from the
#: session's own branch, and it cannot be joined remotely. Such a member is not reminded
#: of it and is recorded working away, not absent, at closing.
AWAY = "(m.flowing = 1 AND m.branch_id = mt.branch_id AND mt.remote_allowed = 0)"


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


async def check_in(c: Conn, meeting_id: int, member_id: int, status: str,
                   now: datetime, opens_before: timedelta, closes_after: timedelta) -> bool:
    """One statement: record present/remote if the meeting invites this member, is
    still open, inside the check-in window (and, for remote, allows it and the member is
    away from the session's branch: a member working away comes to their host branch's
    sessions in person), and the member is not in yet. True if it changed something; on
    False the caller reads why. A second press, however close, changes nothing."""
    cur = await c.execute(
        f"""INSERT INTO attendance (meeting_id, member_id, status, at)
           SELECT :meeting, :member, :status, :at FROM meetings mt JOIN members m
           WHERE mt.id = :meeting AND m.id = :member AND {INVITED}
             AND mt.state IN ('scheduled', 'open')
             AND julianday(:at) >= julianday(mt.starts_at) - :before
             AND julianday(:at) < julianday(mt.starts_at) + :after
             AND (:status = 'present' OR (mt.remote_allowed = 1 AND m.flowing = 1
                                          AND m.branch_id = mt.branch_id))
           ON CONFLICT (meeting_id, member_id) DO UPDATE SET status = excluded.status,
             at = excluded.at, decided_by = NULL, decided_at = NULL
           WHERE attendance.status NOT IN ('present', 'remote')""",
        {"meeting": meeting_id, "member": member_id, "status": status,
         "at": ts(now), "before": opens_before / timedelta(days=1),
         "after": closes_after / timedelta(days=1)})
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


async def invited(c: Conn, meeting_id: int) -> list[Member]:
    """Everyone the meeting invites now (the rule, applied to today's roster)."""
    return await fetch_all(
        c, Member,
        f"""SELECT m.* FROM meetings mt JOIN members m ON {INVITED}
            WHERE mt.id = ? ORDER BY m.id""", (meeting_id,))


async def invited_with_account(c: Conn, meeting_id: int) -> list[Member]:
    """Those invited whom the bot can write to at all."""
    return [m for m in await invited(c, meeting_id) if m.telegram_id is not None]


async def expected_with_account(c: Conn, meeting_id: int) -> list[Member]:
    """Those invited who could come (not :data:`AWAY`) and whom the bot can write to:
    the reminders' audience — a member working away is not reminded of a session at home
    they cannot join."""
    return await fetch_all(
        c, Member,
        f"""SELECT m.* FROM meetings mt JOIN members m ON {INVITED} AND NOT {AWAY}
            WHERE mt.id = ? AND m.telegram_id IS NOT NULL ORDER BY m.id""", (meeting_id,))


async def is_invited(c: Conn, meeting_id: int, member_id: int) -> bool:
    async with c.execute(
            f"""SELECT 1 FROM meetings mt JOIN members m ON {INVITED}
                WHERE mt.id = ? AND m.id = ?""", (meeting_id, member_id)) as cur:
        return await cur.fetchone() is not None


async def count_invited_by_kind(c: Conn, branch_id: int, kind: str, group_id: int | None,
                                guests: list[int], audience: str = "kind") -> int:
    """How many a session of this kind (with these guests) would invite, before it exists
    (the form's confirmation says it): the same rule, applied to a meeting row built in
    place."""
    async with c.execute(
            f"""WITH mt(id, branch_id, kind, group_id, audience) AS (VALUES (0, ?, ?, ?, ?))
                SELECT count(*) FROM mt JOIN members m
                WHERE {INVITED} OR (m.state = 'active'
                                    AND m.id IN (SELECT value FROM json_each(?)))""",
            (branch_id, kind, group_id, audience, json.dumps(guests))) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def add_guests(c: Conn, meeting_id: int, member_ids: list[int], by: int, now: datetime
                     ) -> None:
    await c.executemany(
        """INSERT OR IGNORE INTO meeting_guests (meeting_id, member_id, added_by, added_at)
           VALUES (?, ?, ?, ?)""", [(meeting_id, member, by, ts(now)) for member in member_ids])


async def attendees(c: Conn, meeting_id: int) -> list[AttendeeView]:
    """Everyone invited, and anyone with a row (an invitation since withdrawn keeps its
    record), with their status."""
    return await fetch_all(
        c, AttendeeView,
        f"""SELECT m.id AS member_id, m.name, m.flowing, a.status,
                   CASE WHEN m.branch_id != mt.branch_id THEN
                     (SELECT b.name FROM units b WHERE b.id = m.branch_id) END AS home_branch
            FROM meetings mt JOIN members m
            LEFT JOIN attendance a ON a.member_id = m.id AND a.meeting_id = mt.id
            WHERE mt.id = ? AND ({INVITED} OR a.meeting_id IS NOT NULL)
            ORDER BY m.name, m.id""", (meeting_id,))


async def mark_absent(c: Conn, meeting_id: int, now: datetime) -> None:
    """At closing: everyone invited who did nothing is recorded — absent, or working away
    when they could not have come (:data:`AWAY`: no fault of theirs). A member working
    away who is invited by their host branch lives there: absent, if they did not come."""
    await c.execute(
        f"""INSERT OR IGNORE INTO attendance (meeting_id, member_id, status, at)
            SELECT mt.id, m.id, CASE WHEN {AWAY} THEN 'away' ELSE 'absent' END, ?
            FROM meetings mt JOIN members m ON {INVITED} WHERE mt.id = ?""",
        (ts(now), meeting_id))


async def attended(c: Conn, meeting_id: int) -> list[Member]:
    """Members present in person or remotely."""
    return await fetch_all(
        c, Member,
        """SELECT m.* FROM members m JOIN attendance a ON a.member_id = m.id
           WHERE a.meeting_id = ? AND a.status IN ('present', 'remote') ORDER BY m.id""",
        (meeting_id,))
