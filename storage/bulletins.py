"""The figures behind the bulletins: one aggregate query per measure, per branch.

Periods are [start, end) as UTC timestamps (``ts``) for moments, and local ISO dates for
visit days. Every query groups by branch, so a county of 600 branches and tens of
thousands of members is a handful of scans, not a loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from storage import members as members_repo
from storage.db import Conn
from storage.delivered import STATE
from storage.models import MemberFigures
from storage.rows import ts


async def _by_branch(
    c: Conn, sql: str, params: dict[str, object]
) -> dict[int, tuple[float, float]]:
    rows = await c.execute_fetchall(sql, params)
    return {int(branch): (float(a or 0), float(b or 0)) for branch, a, b in rows}


async def meetings(c: Conn, start: datetime, end: datetime) -> dict[int, tuple[float, float]]:
    """branch → (held, scheduled): sessions in the period, and those that took place —
    closed with somebody there in person or remotely (a session nobody came to is closed
    by the clock, but was not held)."""
    return await _by_branch(
        c,
        """
        SELECT mt.branch_id,
               sum(mt.state = 'closed' AND EXISTS (
                   SELECT 1 FROM attendance a WHERE a.meeting_id = mt.id
                   AND a.status IN ('present', 'remote'))),
               count(*)
        FROM meetings mt
        WHERE mt.state != 'cancelled' AND mt.starts_at >= :start AND mt.starts_at < :end
        GROUP BY mt.branch_id""",
        {"start": ts(start), "end": ts(end)},
    )


async def held_sessions(c: Conn, start: datetime, end: datetime) -> list[tuple[int, str, str]]:
    """(branch, kind, stored start) of every session held in the period: closed with
    somebody there in person or remotely — what fills a slot of the branch's rhythm."""
    rows = await c.execute_fetchall(
        """
        SELECT mt.branch_id, mt.kind, mt.starts_at FROM meetings mt
        WHERE mt.state = 'closed' AND mt.starts_at >= :start AND mt.starts_at < :end
          AND EXISTS (SELECT 1 FROM attendance a WHERE a.meeting_id = mt.id
                      AND a.status IN ('present', 'remote'))""",
        {"start": ts(start), "end": ts(end)},
    )
    return [(int(branch), str(kind), str(starts_at)) for branch, kind, starts_at in rows]


async def cancelled_sessions(
    c: Conn, start: datetime, end: datetime
) -> list[tuple[int, str, str, str | None, str | None]]:
    """(branch, kind, stored start, cause, typed reason) of every session in the period
    that was cancelled: the reason a slot of the rhythm was left unheld."""
    rows = await c.execute_fetchall(
        """
        SELECT branch_id, kind, starts_at, cancel_cause, cancel_reason FROM meetings
        WHERE state = 'cancelled' AND starts_at >= :start AND starts_at < :end
        ORDER BY starts_at, id""",
        {"start": ts(start), "end": ts(end)},
    )
    return [
        (int(branch), str(kind), str(starts_at), cause, reason)
        for branch, kind, starts_at, cause, reason in rows
    ]


async def branches_with_groups(c: Conn) -> set[int]:
    """Branches that have party groups, and so a party group meeting a month to hold."""
    rows = await c.execute_fetchall(
        "SELECT DISTINCT parent_id FROM units WHERE kind = 'group' AND parent_id IS NOT NULL"
    )
    return {int(row[0]) for row in rows}


async def attendance(c: Conn, start: datetime, end: datetime) -> dict[int, tuple[float, float]]:
    """branch → (present or remote, invited minus approved leave and those working away)
    over closed sessions."""
    return await _by_branch(
        c,
        """
        SELECT mt.branch_id, sum(a.status IN ('present', 'remote')),
               sum(a.status NOT IN ('leave', 'away'))
        FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
        WHERE mt.state = 'closed' AND mt.starts_at >= :start AND mt.starts_at < :end
        GROUP BY mt.branch_id""",
        {"start": ts(start), "end": ts(end)},
    )


async def study(c: Conn, start: datetime, end: datetime) -> dict[int, tuple[float, float]]:
    """branch → (studied, received) of materials that reached members in the period."""
    return await _by_branch(
        c,
        """
        SELECT m.branch_id, sum(r.studied_at IS NOT NULL), count(*)
        FROM material_recipients r JOIN members m ON m.id = r.member_id
        WHERE r.added_at >= :start AND r.added_at < :end
        GROUP BY m.branch_id""",
        {"start": ts(start), "end": ts(end)},
    )


#: The note subjects of the township's centralised study for its leadership: those notes
#: are the leadership's ledger (storage/leadership.py), not their village branch's work,
#: so a branch's figures — and the yearly review drafted from them — leave them out.
LEADERSHIP_SUBJECTS = "(SELECT 'meeting:' || id FROM meetings WHERE leadership = 1)"


async def notes(c: Conn, start: datetime, end: datetime) -> dict[int, tuple[float, float]]:
    """branch → (requests answered by a note, requests) for notes asked in the period;
    not those about the township's sessions for its leadership (:data:`LEADERSHIP_SUBJECTS`)."""
    return await _by_branch(
        c,
        f"""
        SELECT m.branch_id,
               sum(EXISTS (SELECT 1 FROM notes n WHERE n.member_id = r.member_id
                           AND n.subject = r.subject AND n.review != 'rewrite')),
               count(*)
        FROM note_requests r JOIN members m ON m.id = r.member_id
        WHERE r.asked_at >= :start AND r.asked_at < :end
          AND r.subject NOT IN {LEADERSHIP_SUBJECTS}
        GROUP BY m.branch_id""",
        {"start": ts(start), "end": ts(end)},
    )


async def notices(c: Conn, start: datetime, end: datetime) -> dict[int, tuple[float, float]]:
    """branch → (acknowledged, expected) of notices sent in the period: expected are those
    it was delivered to, and members on the roster without Telegram, whom the secretary
    tells in person and records by hand (so they are nobody's "unreachable"); an
    acknowledgement counts on both sides."""
    return await _by_branch(
        c,
        f"""
        SELECT r.branch_id, sum(r.acknowledged_at IS NOT NULL),
               sum({STATE} = 'sent' OR r.telegram_id IS NULL OR r.acknowledged_at IS NOT NULL)
        FROM notice_recipients r JOIN notices n ON n.id = r.notice_id
        LEFT JOIN outbox o ON o.id = r.outbox_id
        WHERE r.branch_id IS NOT NULL AND n.send_at >= :start AND n.send_at < :end
        GROUP BY r.branch_id""",
        {"start": ts(start), "end": ts(end)},
    )


async def members_figures(
    c: Conn, branch_ids: list[int], start: datetime, end: datetime
) -> list[MemberFigures]:
    """One row per active member of these branches: sessions, materials, notes.

    Four grouped scans of the period's rows, joined here, rather than a subquery per
    member: a county of 30,000 members takes a fraction of a second this way.
    """
    if not branch_ids:
        return []
    marks = ",".join(str(int(b)) for b in branch_ids)
    window = {"start": ts(start), "end": ts(end)}
    people = await c.execute_fetchall(
        f"""SELECT id, branch_id, name FROM members WHERE state = 'active'
            AND branch_id IN ({marks}) ORDER BY branch_id, name, id"""
    )
    sessions = await _by_member(
        c,
        f"""
        SELECT a.member_id, sum(a.status IN ('present', 'remote')), count(*),
               sum(a.recorded_by IS NOT NULL AND a.status IN ('present', 'remote')),
               group_concat(DISTINCT a.recorded_by)
        FROM meetings mt JOIN attendance a ON a.meeting_id = mt.id
        WHERE mt.branch_id IN ({marks}) AND mt.state = 'closed'
          AND mt.starts_at >= :start AND mt.starts_at < :end
        GROUP BY a.member_id""",
        window,
    )
    study = await _by_member(
        c,
        """
        SELECT member_id, sum(studied_at IS NOT NULL), count(*),
               sum(recorded_by IS NOT NULL AND studied_at IS NOT NULL),
               group_concat(DISTINCT recorded_by)
        FROM material_recipients
        WHERE added_at >= :start AND added_at < :end GROUP BY member_id""",
        window,
    )
    written = await _by_member(
        c,
        f"""
        SELECT member_id, count(*), 0 FROM notes
        WHERE created_at >= :start AND created_at < :end
          AND subject NOT IN {LEADERSHIP_SUBJECTS} GROUP BY member_id""",
        window,
    )
    asked = await _by_member(
        c,
        f"""
        SELECT member_id, count(*), 0 FROM note_requests
        WHERE asked_at >= :start AND asked_at < :end
          AND subject NOT IN {LEADERSHIP_SUBJECTS} GROUP BY member_id""",
        window,
    )
    recorders = await members_repo.names_of_users(
        c, sorted({by for found in (sessions, study) for row in found.values() for by in row.by})
    )
    none = Counts()
    figures = []
    for member, branch, name in people:
        attended, studied = sessions.get(member, none), study.get(member, none)
        by = sorted({recorders.get(who, str(who)) for who in (*attended.by, *studied.by)})
        figures.append(
            MemberFigures(
                branch_id=int(branch),
                member_id=int(member),
                name=str(name),
                attended=attended.done,
                invited=attended.possible,
                studied=studied.done,
                received=studied.possible,
                notes_written=written.get(member, none).done,
                notes_asked=asked.get(member, none).done,
                attended_by_hand=attended.by_hand,
                studied_by_hand=studied.by_hand,
                recorded_by="、".join(by),
            )
        )
    return figures


@dataclass(frozen=True)
class Counts:
    """A member's figure: done of possible, of them entered by hand, and by whom."""

    done: int = 0
    possible: int = 0
    by_hand: int = 0
    by: tuple[int, ...] = ()


async def _by_member(c: Conn, sql: str, params: Mapping[str, object]) -> dict[int, Counts]:
    """member → counts, from rows of (member, done, possible[, by hand, recorders])."""
    found = {}
    for member, done, possible, *hand in await c.execute_fetchall(sql, params):
        by_hand, by = [*hand, 0, None][:2]
        found[int(member)] = Counts(
            int(done or 0),
            int(possible or 0),
            int(by_hand or 0),
            tuple(int(b) for b in str(by).split(",")) if by else (),
        )
    return found
