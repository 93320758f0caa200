"""Meetings, their steps (reminded, opened, closed) and who attended."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Literal

from storage.db import Conn
from storage.models import (
    Attendance,
    AttendanceCount,
    AttendeeView,
    CheckinCounts,
    ComingSession,
    Meeting,
    Member,
    MemberSession,
    NewMeeting,
)
from storage.rows import fetch_all, fetch_one, fetch_value, insert, ts

STEPS = ("reminded_day_at", "reminded_hour_at", "opened_at", "closed_at")

#: Whether member row ``m`` is invited to meeting row ``mt``, as written — the rule alone:
#: a removed member is invited to nothing; a guest the secretary added is invited; a
#: 'listed' session (a make-up lesson) invites only its guests; otherwise the kind decides —
#: the committee meeting its committee members, a party group meeting its group's members,
#: every other kind the branch's full and probationary members, and with them the full and
#: probationary members of other branches working away who named this branch their host
#: (流入地党组织: the branch where they live organises them). Activists come only as
#: guests. A township's session for its leadership (``leadership``: its branch_id is the
#: township) invites the township's leadership members (乡镇领导班子, marked on the roster)
#: of the branches under it — no branch's members, as no member's branch is a township.
#: Queries use :data:`INVITED`, never this alone: its ORs keep SQLite from any
#: index on members, so it would be tested on every member of the county.
_INVITED_RULE = """(m.state = 'active' AND (
    EXISTS (SELECT 1 FROM meeting_guests g WHERE g.meeting_id = mt.id AND g.member_id = m.id)
    OR (mt.audience = 'kind' AND m.branch_id = mt.branch_id AND CASE mt.kind
        WHEN 'committee' THEN m.committee = 1
        WHEN 'group' THEN m.group_id = mt.group_id AND m.status != 'activist'
        ELSE m.status != 'activist' END)
    OR (mt.audience = 'kind' AND m.flowing = 1 AND m.host_branch_id = mt.branch_id
        AND mt.kind NOT IN ('committee', 'group') AND m.status != 'activist')
    OR (mt.audience = 'kind' AND mt.leadership = 1 AND m.township_leadership = 1
        AND m.status != 'activist' AND m.branch_id IN (
            SELECT b.id FROM units b WHERE b.kind = 'branch' AND b.parent_id = mt.branch_id))))"""

#: Who meeting row ``mt`` could invite at all: the members of its branch, those who named
#: it their host, its guests, and for a leadership session the members of the township's
#: branches. Each arm of the rule requires one of these, so ANDed with it this drops no
#: one; and each is found by an index (members_branch, members_host, the guests' key,
#: units_sibling_name for the township's branches), so SQLite reads the union instead of
#: scanning every member (tests/unit/test_invited_query.py holds both: same people, no scan).
_INVITABLE = """(m.branch_id = mt.branch_id OR m.host_branch_id = mt.branch_id
    OR m.id IN (SELECT g.member_id FROM meeting_guests g WHERE g.meeting_id = mt.id)
    OR m.branch_id IN (SELECT b.id FROM units b WHERE mt.leadership = 1
                       AND ifnull(b.parent_id, 0) = mt.branch_id AND b.kind = 'branch'))"""

#: Whether member row ``m`` is invited to meeting row ``mt`` — the one rule of who a
#: session invites (every query below uses it), found by index.
INVITED = f"({_INVITABLE} AND {_INVITED_RULE})"

#: Member row ``m`` has a row in meeting row ``mt``'s attendance, or :data:`_INVITABLE`:
#: the same prefilter, for a query that reads both who has a row and who is invited.
_HAS_ROW_OR_INVITABLE = f"""(m.id IN (SELECT r.member_id FROM attendance r
                                  WHERE r.meeting_id = mt.id) OR {_INVITABLE})"""

#: Whether member row ``m`` is working away from meeting row ``mt``'s branch: their home
#: branch's session, or their township's for its leadership, which they may join remotely
#: if at all (a member working away who comes to their host branch's session lives
#: there). bot.meetings.away_from says the same of models, for what a member is shown
#: (tests/unit/test_rules_once.py holds both).
AWAY_FROM = "(m.flowing = 1 AND (m.branch_id = mt.branch_id OR mt.leadership = 1))"

#: Whether member row ``m`` could not come to meeting row ``mt``: working away from the
#: session's own branch, and it cannot be joined remotely. Such a member is not reminded
#: of it and is recorded working away, not absent, at closing.
AWAY = f"({AWAY_FROM} AND mt.remote_allowed = 0)"

CheckInRefusal = Literal[
    "gone", "cancelled", "not_invited", "not_open", "closed", "no_remote", "not_flowing"
]

#: The check-in rule — the one place it is written: member row ``m`` may check in to
#: meeting row ``mt`` at :at, as :status ('present' or 'remote'), with check-in open from
#: :before until :after (in days) around the start, when every condition holds. Each is
#: the reason for refusing when it fails, in the order a refusal names them (the first
#: that fails says why): :func:`check_in` writes under all of them in one statement, and
#: :func:`check_in_refusal` reads which one failed.
CHECK_IN_RULE: dict[CheckInRefusal, str] = {
    "cancelled": "mt.state != 'cancelled'",
    "not_invited": INVITED,
    "not_open": "julianday(:at) >= julianday(mt.starts_at) - :before",
    "closed": "mt.state != 'closed' AND julianday(:at) < julianday(mt.starts_at) + :after",
    # Remotely: a session that allows it, by a member working away from its branch.
    "no_remote": ":status = 'present' OR mt.remote_allowed = 1",
    "not_flowing": f":status = 'present' OR {AWAY_FROM}",
}
#: The rule as one condition, for the check-in's statement; and as one column per
#: condition (1 if it holds; a member not found holds none), for reading a refusal.
_CHECK_IN = " AND ".join(f"({condition})" for condition in CHECK_IN_RULE.values())
_CHECK_IN_HELD = ", ".join(f"coalesce(({condition}), 0)" for condition in CHECK_IN_RULE.values())


async def add_meeting(c: Conn, new: NewMeeting, now: datetime) -> Meeting:
    meeting = await get_meeting(c, await insert(c, new, now))
    assert meeting is not None
    return meeting


async def scheduled_by_since(c: Conn, by: int, since: datetime) -> int:
    """Sessions this person scheduled from ``since`` on (cancelled ones too: their
    messages were queued all the same)."""
    async with c.execute(
        "SELECT count(*) FROM meetings WHERE created_by = ? AND created_at >= ?", (by, ts(since))
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def get_meeting(c: Conn, meeting_id: int) -> Meeting | None:
    return await fetch_one(c, Meeting, "SELECT * FROM meetings WHERE id = ?", (meeting_id,))


async def not_closed_before(c: Conn, horizon: datetime) -> list[Meeting]:
    """Scheduled or open meetings starting before ``horizon``: those a tick may act on."""
    return await fetch_all(
        c,
        Meeting,
        """SELECT * FROM meetings WHERE state IN ('scheduled', 'open') AND starts_at <= ?
           ORDER BY starts_at, id""",
        (ts(horizon),),
    )


async def mark_step(c: Conn, meeting_id: int, step: str, now: datetime) -> bool:
    """Record that a step happened; False if it already had (so it is done once)."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    cur = await c.execute(
        f"UPDATE meetings SET {step} = ? WHERE id = ? AND {step} IS NULL", (ts(now), meeting_id)
    )
    return cur.rowcount > 0


async def set_state(c: Conn, meeting_id: int, state: str) -> None:
    await c.execute("UPDATE meetings SET state = ? WHERE id = ?", (state, meeting_id))


#: What the secretary may complete in a session's record after it took place.
COMPLETED_LATER = ("effect", "lecturer")


async def complete(c: Conn, meeting_id: int, field: str, value: str | None) -> None:
    if field not in COMPLETED_LATER:
        raise ValueError(f"not a field completed later: {field!r}")
    await c.execute(f"UPDATE meetings SET {field} = ? WHERE id = ?", (value, meeting_id))


#: A session that is part of the branch's record: it took place (closed at the end of its
#: check-in) or was called off. One in progress is not a record yet.
RECORDED = "state IN ('closed', 'cancelled')"


async def recorded_between(
    c: Conn, branch_id: int, start: datetime, end: datetime
) -> list[Meeting]:
    """The branch's recorded sessions that started in [start, end), in order."""
    return await fetch_all(
        c,
        Meeting,
        f"""SELECT * FROM meetings WHERE branch_id = ? AND {RECORDED}
            AND starts_at >= ? AND starts_at < ? ORDER BY starts_at, id""",
        (branch_id, ts(start), ts(end)),
    )


async def last_recorded_before(c: Conn, branch_id: int, moment: datetime) -> datetime | None:
    """When the branch's latest recorded session before ``moment`` started (an earlier
    month with records: one index lookup)."""
    found = await fetch_value(
        c,
        f"""SELECT max(starts_at) FROM meetings WHERE branch_id = ? AND {RECORDED}
               AND starts_at < ?""",
        (branch_id, ts(moment)),
    )
    return datetime.fromisoformat(found) if found else None


async def first_recorded_since(c: Conn, branch_id: int, moment: datetime) -> datetime | None:
    """When the branch's first recorded session from ``moment`` on started."""
    found = await fetch_value(
        c,
        f"""SELECT min(starts_at) FROM meetings WHERE branch_id = ? AND {RECORDED}
               AND starts_at >= ?""",
        (branch_id, ts(moment)),
    )
    return datetime.fromisoformat(found) if found else None


async def attendance_counts(c: Conn, meeting_ids: list[int]) -> list[AttendanceCount]:
    """Each session's people by status, in one query however many sessions."""
    return await fetch_all(
        c,
        AttendanceCount,
        """SELECT meeting_id, status, count(*) AS count FROM attendance
           WHERE meeting_id IN (SELECT value FROM json_each(?))
           GROUP BY meeting_id, status""",
        (json.dumps(meeting_ids),),
    )


async def attendance_of_meetings(c: Conn, meeting_ids: list[int]) -> list[AttendeeView]:
    """Everyone recorded at these sessions, by session and name (a ledger's sheets)."""
    return await fetch_all(
        c,
        AttendeeView,
        """SELECT a.meeting_id, m.id AS member_id, m.name, m.flowing, a.status, a.at
           FROM attendance a JOIN members m ON m.id = a.member_id
           WHERE a.meeting_id IN (SELECT value FROM json_each(?))
           ORDER BY a.meeting_id, m.name, m.id""",
        (json.dumps(meeting_ids),),
    )


async def guest_count(c: Conn, meeting_id: int) -> int:
    """Members the secretary added to the session beyond its kind's (activists)."""
    return int(
        await fetch_value(
            c, "SELECT count(*) FROM meeting_guests WHERE meeting_id = ?", (meeting_id,)
        )
        or 0
    )


async def member_sessions(
    c: Conn, member_id: int, start: datetime, end: datetime
) -> list[MemberSession]:
    """The sessions in [start, end) a member has a record at, oldest first."""
    return await fetch_all(
        c,
        MemberSession,
        """SELECT mt.id AS meeting_id, mt.starts_at, mt.kind, mt.topic, a.status
           FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
           WHERE a.member_id = ? AND mt.starts_at >= ? AND mt.starts_at < ?
           ORDER BY mt.starts_at, mt.id""",
        (member_id, ts(start), ts(end)),
    )


async def coming(c: Conn, branch_id: int, limit: int) -> list[Meeting]:
    """The branch's sessions that have not closed (scheduled, or open for check-in), the
    soonest first: those that can still be cancelled or moved."""
    return await fetch_all(
        c,
        Meeting,
        """SELECT * FROM meetings WHERE branch_id = ? AND state IN ('scheduled', 'open')
           ORDER BY starts_at, id LIMIT ?""",
        (branch_id, limit),
    )


async def cancel(
    c: Conn, meeting_id: int, by: int, cause: str, reason: str | None, now: datetime
) -> bool:
    """Cancel a session that has not closed; False if it had closed or was cancelled."""
    cur = await c.execute(
        """UPDATE meetings SET state = 'cancelled', cancelled_at = ?, cancelled_by = ?,
             cancel_cause = ?, cancel_reason = ?
           WHERE id = ? AND state IN ('scheduled', 'open')""",
        (ts(now), by, cause, reason, meeting_id),
    )
    return cur.rowcount > 0


async def move(
    c: Conn,
    meeting_id: int,
    starts_at: datetime,
    *,
    day_done: datetime | None,
    hour_done: datetime | None,
) -> bool:
    """Give a session that has not closed a new start: back to scheduled, its steps to do
    again (a reminder whose time has come already is stamped with ``day_done`` /
    ``hour_done`` instead), one more move. False if it had closed or was cancelled."""
    cur = await c.execute(
        """UPDATE meetings SET starts_at = ?, state = 'scheduled', moves = moves + 1,
             reminded_day_at = ?, reminded_hour_at = ?, opened_at = NULL
           WHERE id = ? AND state IN ('scheduled', 'open')""",
        (
            ts(starts_at),
            ts(day_done) if day_done else None,
            ts(hour_done) if hour_done else None,
            meeting_id,
        ),
    )
    return cur.rowcount > 0


async def clear_attendance(c: Conn, meeting_id: int) -> dict[int, str]:
    """Take away what members pressed for a session (check-ins, leave): member → status it
    had."""
    rows = await c.execute_fetchall(
        "DELETE FROM attendance WHERE meeting_id = ? RETURNING member_id, status", (meeting_id,)
    )
    return {int(member): str(status) for member, status in rows}


async def attendance_count(c: Conn, meeting_id: int) -> int:
    rows = await c.execute_fetchall(
        "SELECT count(*) FROM attendance WHERE meeting_id = ?", (meeting_id,)
    )
    return int(next(iter(rows))[0])


async def recent(c: Conn, branch_ids: list[int], limit: int = 10) -> list[Meeting]:
    marks = ",".join("?" for _ in branch_ids) or "NULL"
    return await fetch_all(
        c,
        Meeting,
        f"""SELECT * FROM meetings WHERE branch_id IN ({marks}) AND state != 'cancelled'
            ORDER BY starts_at DESC, id DESC LIMIT ?""",
        (*branch_ids, limit),
    )


# --- attendance ------------------------------------------------------------------------------


async def attendance_of(c: Conn, meeting_id: int, member_id: int) -> Attendance | None:
    return await fetch_one(
        c,
        Attendance,
        "SELECT * FROM attendance WHERE meeting_id = ? AND member_id = ?",
        (meeting_id, member_id),
    )


async def put_attendance(
    c: Conn,
    meeting_id: int,
    member_id: int,
    status: str,
    now: datetime,
    *,
    reason: str | None = None,
    reason_file_id: str | None = None,
    decided_by: int | None = None,
) -> None:
    await c.execute(
        """INSERT INTO attendance (meeting_id, member_id, status, at, reason, reason_file_id,
                                   decided_by, decided_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (meeting_id, member_id) DO UPDATE SET status = excluded.status,
             at = excluded.at, reason = coalesce(excluded.reason, attendance.reason),
             reason_file_id = coalesce(excluded.reason_file_id, attendance.reason_file_id),
             decided_by = excluded.decided_by, decided_at = excluded.decided_at""",
        (
            meeting_id,
            member_id,
            status,
            ts(now),
            reason,
            reason_file_id,
            decided_by,
            ts(now) if decided_by else None,
        ),
    )


def _check_in_params(
    meeting_id: int,
    member_id: int | None,
    status: str,
    now: datetime,
    opens_before: timedelta,
    closes_after: timedelta,
) -> dict[str, object]:
    return {
        "meeting": meeting_id,
        "member": member_id,
        "status": status,
        "at": ts(now),
        "before": opens_before / timedelta(days=1),
        "after": closes_after / timedelta(days=1),
    }


async def check_in(
    c: Conn,
    meeting_id: int,
    member_id: int,
    status: str,
    now: datetime,
    opens_before: timedelta,
    closes_after: timedelta,
) -> bool:
    """One statement: record present/remote under :data:`CHECK_IN_RULE`, unless the
    member is in already. True if it changed something; on False the caller reads why
    (:func:`check_in_refusal`). A second press, however close, changes nothing."""
    cur = await c.execute(
        f"""INSERT INTO attendance (meeting_id, member_id, status, at)
           SELECT :meeting, :member, :status, :at FROM meetings mt JOIN members m
           WHERE mt.id = :meeting AND m.id = :member AND {_CHECK_IN}
           ON CONFLICT (meeting_id, member_id) DO UPDATE SET status = excluded.status,
             at = excluded.at, decided_by = NULL, decided_at = NULL
           WHERE attendance.status NOT IN ('present', 'remote')""",
        _check_in_params(meeting_id, member_id, status, now, opens_before, closes_after),
    )
    return cur.rowcount > 0


async def check_in_refusal(
    c: Conn,
    meeting_id: int,
    member_id: int | None,
    status: str,
    now: datetime,
    opens_before: timedelta,
    closes_after: timedelta,
) -> CheckInRefusal | None:
    """Why :data:`CHECK_IN_RULE` refuses this check-in: its first condition that fails
    ("gone": no such meeting; no member: not invited), or None if none does (the member
    is in already)."""
    async with c.execute(
        f"""SELECT {_CHECK_IN_HELD} FROM meetings mt LEFT JOIN members m ON m.id = :member
                WHERE mt.id = :meeting""",
        _check_in_params(meeting_id, member_id, status, now, opens_before, closes_after),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return "gone"
    return next(
        (refusal for refusal, held in zip(CHECK_IN_RULE, row, strict=True) if not held), None
    )


async def decide_leave(
    c: Conn, meeting_id: int, member_id: int, approve: bool, by: int, now: datetime
) -> bool:
    """Only a pending request is decided, once."""
    if approve:
        cur = await c.execute(
            """UPDATE attendance SET status = 'leave', decided_by = ?, decided_at = ?
               WHERE meeting_id = ? AND member_id = ? AND status = 'leave_requested'""",
            (by, ts(now), meeting_id, member_id),
        )
    else:
        cur = await c.execute(
            """DELETE FROM attendance WHERE meeting_id = ? AND member_id = ?
               AND status = 'leave_requested'""",
            (meeting_id, member_id),
        )
    return cur.rowcount > 0


async def invited(c: Conn, meeting_id: int) -> list[Member]:
    """Everyone the meeting invites now (the rule, applied to today's roster)."""
    return await fetch_all(
        c,
        Member,
        f"""SELECT m.* FROM meetings mt JOIN members m ON {INVITED}
            WHERE mt.id = ? ORDER BY m.id""",
        (meeting_id,),
    )


async def invited_with_account(c: Conn, meeting_id: int) -> list[Member]:
    """Those invited whom the bot can write to at all."""
    return [m for m in await invited(c, meeting_id) if m.telegram_id is not None]


async def expected_with_account(c: Conn, meeting_id: int) -> list[Member]:
    """Those invited who could come (not :data:`AWAY`) and whom the bot can write to:
    the reminders' audience — a member working away is not reminded of a session at home
    they cannot join."""
    return await fetch_all(
        c,
        Member,
        f"""SELECT m.* FROM meetings mt JOIN members m ON {INVITED} AND NOT {AWAY}
            WHERE mt.id = ? AND m.telegram_id IS NOT NULL ORDER BY m.id""",
        (meeting_id,),
    )


async def is_invited(c: Conn, meeting_id: int, member_id: int) -> bool:
    async with c.execute(
        f"""SELECT 1 FROM meetings mt JOIN members m ON {INVITED}
                WHERE mt.id = ? AND m.id = ?""",
        (meeting_id, member_id),
    ) as cur:
        return await cur.fetchone() is not None


async def count_invited_by_kind(
    c: Conn,
    branch_id: int,
    kind: str,
    group_id: int | None,
    guests: list[int],
    audience: str = "kind",
    leadership: bool = False,
) -> int:
    """How many a session of this kind (with these guests) would invite, before it exists
    (the form's confirmation says it): the same rule, applied to a meeting row built in
    place."""
    async with c.execute(
        f"""WITH mt(id, branch_id, kind, group_id, audience, leadership)
                  AS (VALUES (0, ?, ?, ?, ?, ?))
                SELECT count(*) FROM mt JOIN members m
                WHERE {INVITED} OR (m.state = 'active'
                                    AND m.id IN (SELECT value FROM json_each(?)))""",
        (branch_id, kind, group_id, audience, int(leadership), json.dumps(guests)),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def add_guests(
    c: Conn, meeting_id: int, member_ids: list[int], by: int, now: datetime
) -> None:
    await c.executemany(
        """INSERT OR IGNORE INTO meeting_guests (meeting_id, member_id, added_by, added_at)
           VALUES (?, ?, ?, ?)""",
        [(meeting_id, member, by, ts(now)) for member in member_ids],
    )


async def attendees(c: Conn, meeting_id: int) -> list[AttendeeView]:
    """Everyone invited, and anyone with a row (an invitation since withdrawn keeps its
    record), with their status. Once a session is closed (or called off) its rows are its
    record: someone who joined the branch, or the committee, later was not invited then."""
    return await fetch_all(
        c,
        AttendeeView,
        f"""SELECT mt.id AS meeting_id, m.id AS member_id, m.name, m.flowing, a.status, a.at,
                   CASE WHEN m.branch_id != mt.branch_id THEN
                     (SELECT b.name FROM units b WHERE b.id = m.branch_id) END AS home_branch
            FROM meetings mt JOIN members m
            LEFT JOIN attendance a ON a.member_id = m.id AND a.meeting_id = mt.id
            WHERE mt.id = ? AND {_HAS_ROW_OR_INVITABLE} AND (a.meeting_id IS NOT NULL
                                 OR (mt.state IN ('scheduled', 'open') AND {INVITED}))
            ORDER BY m.name, m.id""",
        (meeting_id,),
    )


async def mark_absent(c: Conn, meeting_id: int, now: datetime) -> None:
    """At closing: everyone invited who did nothing is recorded — absent, or working away
    when they could not have come (:data:`AWAY`: no fault of theirs). A member working
    away who is invited by their host branch lives there: absent, if they did not come."""
    await c.execute(
        f"""INSERT OR IGNORE INTO attendance (meeting_id, member_id, status, at)
            SELECT mt.id, m.id, CASE WHEN {AWAY} THEN 'away' ELSE 'absent' END, ?
            FROM meetings mt JOIN members m ON {INVITED} WHERE mt.id = ?""",
        (ts(now), meeting_id),
    )


async def attended(c: Conn, meeting_id: int) -> list[Member]:
    """Members present in person or remotely."""
    return await fetch_all(
        c,
        Member,
        """SELECT m.* FROM members m JOIN attendance a ON a.member_id = m.id
           WHERE a.meeting_id = ? AND a.status IN ('present', 'remote') ORDER BY m.id""",
        (meeting_id,),
    )


async def coming_for(
    c: Conn, member_id: int, since: datetime, until: datetime | None = None
) -> list[ComingSession]:
    """Sessions this member is invited to that start after ``since`` (and before
    ``until``) and are neither closed nor cancelled, soonest first, with where the member
    stands; those they checked into or have leave for are done, and left out."""
    rows = await c.execute_fetchall(
        f"""SELECT mt.*, a.status AS member_status FROM members m
            JOIN meetings mt ON {INVITED}
            LEFT JOIN attendance a ON a.meeting_id = mt.id AND a.member_id = m.id
            WHERE m.id = :member AND mt.state IN ('scheduled', 'open')
              AND mt.starts_at > :since AND (:until IS NULL OR mt.starts_at < :until)
              AND (a.status IS NULL OR a.status NOT IN ('present', 'remote', 'leave'))
            ORDER BY mt.starts_at, mt.id""",
        {"member": member_id, "since": ts(since), "until": ts(until) if until else None},
    )
    found = []
    for row in rows:
        data = dict(row)
        status = data.pop("member_status")
        found.append(ComingSession(meeting=Meeting.model_validate(data), status=status))
    return found


# --- the live count on the check-in post -------------------------------------------------


async def start_counts(c: Conn, meeting_id: int, shown: str, now: datetime) -> None:
    """The check-in post is queued showing ``shown``: edits are counted from now."""
    await c.execute(
        """INSERT OR IGNORE INTO checkin_counts (meeting_id, shown, edited_at)
           VALUES (?, ?, ?)""",
        (meeting_id, shown, ts(now)),
    )


async def open_counts(c: Conn) -> list[tuple[Meeting, CheckinCounts]]:
    """Open meetings whose check-in post is in a group, with what it last showed."""
    rows = await c.execute_fetchall(
        """SELECT m.*, k.meeting_id AS k_meeting_id, k.shown AS k_shown, k.edits AS k_edits,
                  k.edited_at AS k_edited_at
           FROM meetings m JOIN checkin_counts k ON k.meeting_id = m.id
           WHERE m.state = 'open' ORDER BY m.id"""
    )
    found = []
    for row in rows:
        data = dict(row)
        counts = CheckinCounts.model_validate(
            {key[2:]: data.pop(key) for key in list(data) if key.startswith("k_")}
        )
        found.append((Meeting.model_validate(data), counts))
    return found


async def note_counts(
    c: Conn, meeting_id: int, edits: int, shown: str, now: datetime
) -> int | None:
    """An edit showing ``shown`` is queued now, after ``edits`` before it; returns its
    number (1, 2, …), or None if another edit was noted since ``edits`` was read."""
    cur = await c.execute(
        """UPDATE checkin_counts SET shown = ?, edits = edits + 1, edited_at = ?
           WHERE meeting_id = ? AND edits = ?""",
        (shown, ts(now), meeting_id, edits),
    )
    return edits + 1 if cur.rowcount > 0 else None
