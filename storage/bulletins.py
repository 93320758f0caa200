"""The figures behind the bulletins: one aggregate query per measure, per branch.

Periods are [start, end) as UTC timestamps (``ts``) for moments, and local ISO dates for
visit days. Every query groups by branch, so a county of 600 branches and tens of
thousands of members is a handful of scans, not a loop.
"""

from __future__ import annotations

from datetime import date, datetime

from storage.db import Conn
from storage.models import MemberFigures
from storage.rows import fetch_all, ts


async def _by_branch(c: Conn, sql: str, params: dict[str, object]
                     ) -> dict[int, tuple[float, float]]:
    rows = await c.execute_fetchall(sql, params)
    return {int(branch): (float(a or 0), float(b or 0)) for branch, a, b in rows}


async def meetings(c: Conn, start: datetime, end: datetime) -> dict[int, tuple[float, float]]:
    """branch → (held, scheduled): sessions in the period, and those that took place —
    closed with somebody there in person or remotely (a session nobody came to is closed
    by the clock, but was not held)."""
    return await _by_branch(c, """
        SELECT mt.branch_id,
               sum(mt.state = 'closed' AND EXISTS (
                   SELECT 1 FROM attendance a WHERE a.meeting_id = mt.id
                   AND a.status IN ('present', 'remote'))),
               count(*)
        FROM meetings mt
        WHERE mt.state != 'cancelled' AND mt.starts_at >= :start AND mt.starts_at < :end
        GROUP BY mt.branch_id""", {"start": ts(start), "end": ts(end)})


async def attendance(c: Conn, start: datetime, end: datetime) -> dict[int, tuple[float, float]]:
    """branch → (present or remote, invited minus approved leave) over closed sessions."""
    return await _by_branch(c, """
        SELECT mt.branch_id, sum(a.status IN ('present', 'remote')),
               sum(a.status != 'leave')
        FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
        WHERE mt.state = 'closed' AND mt.starts_at >= :start AND mt.starts_at < :end
        GROUP BY mt.branch_id""", {"start": ts(start), "end": ts(end)})


async def study(c: Conn, start: datetime, end: datetime) -> dict[int, tuple[float, float]]:
    """branch → (studied, received) of materials that reached members in the period."""
    return await _by_branch(c, """
        SELECT m.branch_id, sum(r.studied_at IS NOT NULL), count(*)
        FROM material_recipients r JOIN members m ON m.id = r.member_id
        WHERE r.added_at >= :start AND r.added_at < :end
        GROUP BY m.branch_id""", {"start": ts(start), "end": ts(end)})


async def notes(c: Conn, start: datetime, end: datetime) -> dict[int, tuple[float, float]]:
    """branch → (requests answered by a note, requests) for notes asked in the period."""
    return await _by_branch(c, """
        SELECT m.branch_id,
               sum(EXISTS (SELECT 1 FROM notes n WHERE n.member_id = r.member_id
                           AND n.subject = r.subject AND n.review != 'rewrite')),
               count(*)
        FROM note_requests r JOIN members m ON m.id = r.member_id
        WHERE r.asked_at >= :start AND r.asked_at < :end
        GROUP BY m.branch_id""", {"start": ts(start), "end": ts(end)})


async def visit_days(c: Conn, start: date, end: date) -> dict[int, tuple[float, float]]:
    """branch (as a contact point) → (days logged, leaders with it as contact point)."""
    return await _by_branch(c, """
        SELECT p.branch_id,
               (SELECT coalesce(sum(v.days), 0) FROM visits v WHERE v.branch_id = p.branch_id
                AND v.state = 'active' AND v.day >= :start AND v.day < :end),
               count(*)
        FROM contact_points p GROUP BY p.branch_id""",
        {"start": start.isoformat(), "end": end.isoformat()})


async def notices(c: Conn, start: datetime, end: datetime) -> dict[int, tuple[float, float]]:
    """branch → (acknowledged, delivered) of notices sent in the period."""
    return await _by_branch(c, """
        SELECT r.branch_id, sum(r.acknowledged_at IS NOT NULL), sum(o.state = 'sent')
        FROM notice_recipients r JOIN notices n ON n.id = r.notice_id
        JOIN outbox o ON o.id = r.outbox_id
        WHERE r.branch_id IS NOT NULL AND n.send_at >= :start AND n.send_at < :end
        GROUP BY r.branch_id""", {"start": ts(start), "end": ts(end)})


async def members_figures(c: Conn, branch_ids: list[int], start: datetime, end: datetime
                          ) -> list[MemberFigures]:
    """One row per active member of these branches: sessions, materials, notes."""
    marks = ",".join(str(int(b)) for b in branch_ids) or "0"
    return await fetch_all(c, MemberFigures, f"""
        SELECT m.branch_id, m.id AS member_id, m.name,
          (SELECT count(*) FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
           WHERE a.member_id = m.id AND mt.state = 'closed' AND a.status IN ('present', 'remote')
             AND mt.starts_at >= :start AND mt.starts_at < :end) AS attended,
          (SELECT count(*) FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
           WHERE a.member_id = m.id AND mt.state = 'closed'
             AND mt.starts_at >= :start AND mt.starts_at < :end) AS invited,
          (SELECT count(*) FROM material_recipients r WHERE r.member_id = m.id
             AND r.studied_at IS NOT NULL AND r.added_at >= :start AND r.added_at < :end)
             AS studied,
          (SELECT count(*) FROM material_recipients r WHERE r.member_id = m.id
             AND r.added_at >= :start AND r.added_at < :end) AS received,
          (SELECT count(*) FROM notes n WHERE n.member_id = m.id
             AND n.created_at >= :start AND n.created_at < :end) AS notes_written,
          (SELECT count(*) FROM note_requests q WHERE q.member_id = m.id
             AND q.asked_at >= :start AND q.asked_at < :end) AS notes_asked
        FROM members m WHERE m.state = 'active' AND m.branch_id IN ({marks})
        ORDER BY m.branch_id, m.name, m.id""", {"start": ts(start), "end": ts(end)})
