"""The township leadership's study ledger: research reports, and each leadership member's
year in figures (centralised study attended, notes about it, research reports)."""

from __future__ import annotations

from datetime import datetime

from storage.db import Conn
from storage.models import LedgerRow, Meeting, NewResearchReport, ResearchReport
from storage.rows import fetch_all, fetch_one, insert, ts

#: A session of the township's centralised study for its leadership (meeting row ``mt``:
#: held by the township, ``leadership``) member row ``m`` attended, in person or remotely,
#: in [:start, :end): what the twenty a year count. The twenty are the township
#: leadership studying together; a village branch's centralised study is not that, so it
#: does not count, nor does anything else a leadership member attends.
_STUDIED = """(mt.leadership = 1 AND mt.kind = 'study' AND a.status IN ('present', 'remote')
    AND mt.starts_at >= :start AND mt.starts_at < :end)"""


async def add_report(c: Conn, new: NewResearchReport, now: datetime) -> ResearchReport:
    found = await fetch_one(
        c,
        ResearchReport,
        "SELECT * FROM research_reports WHERE id = ?",
        (await insert(c, new, now),),
    )
    assert found is not None
    return found


async def get_report(c: Conn, report_id: int) -> ResearchReport | None:
    return await fetch_one(
        c, ResearchReport, "SELECT * FROM research_reports WHERE id = ?", (report_id,)
    )


async def reports_of(
    c: Conn, member_ids: list[int], start: datetime, end: datetime
) -> list[ResearchReport]:
    """These members' reports filed in [start, end), newest first."""
    marks = ",".join("?" for _ in member_ids) or "NULL"
    return await fetch_all(
        c,
        ResearchReport,
        f"""SELECT * FROM research_reports WHERE member_id IN ({marks})
            AND created_at >= ? AND created_at < ? ORDER BY created_at DESC, id DESC""",
        (*member_ids, ts(start), ts(end)),
    )


async def township_reports(
    c: Conn, township_id: int, start: datetime, end: datetime
) -> list[tuple[ResearchReport, str]]:
    """(report, author's name) filed in [start, end) by members of the township's
    branches, newest first — whether or not the author is still marked as leadership (a
    report filed stays in the township's list)."""
    rows = await c.execute_fetchall(
        """SELECT r.*, m.name AS author FROM research_reports r
           JOIN members m ON m.id = r.member_id JOIN units b ON b.id = m.branch_id
           WHERE b.parent_id = ? AND r.created_at >= ? AND r.created_at < ?
           ORDER BY r.created_at DESC, r.id DESC""",
        (township_id, ts(start), ts(end)),
    )
    found = []
    for row in rows:
        data = dict(row)
        author = str(data.pop("author"))
        found.append((ResearchReport.model_validate(data), author))
    return found


async def ledger(c: Conn, start: datetime, end: datetime) -> list[LedgerRow]:
    """Every active leadership member (乡镇领导班子) of every township, in the roster's
    order within it (branch, then name), with the day they were marked: their township's
    centralised study sessions for the leadership attended in [start, end), their notes
    about those sessions, and research reports filed then."""
    return await fetch_all(
        c,
        LedgerRow,
        f"""SELECT t.id AS township_id, t.name AS township, m.id AS member_id, m.name,
                   m.telegram_id,
                   b.name AS branch, m.township_leadership_since AS since,
                   (SELECT count(*) FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
                    WHERE a.member_id = m.id AND {_STUDIED}) AS sessions,
                   (SELECT count(*) FROM notes n WHERE n.member_id = m.id
                    AND n.subject IN (SELECT 'meeting:' || mt.id FROM attendance a
                                      JOIN meetings mt ON mt.id = a.meeting_id
                                      WHERE a.member_id = m.id AND {_STUDIED})) AS notes,
                   (SELECT count(*) FROM research_reports r WHERE r.member_id = m.id
                    AND r.created_at >= :start AND r.created_at < :end) AS reports
            FROM members m JOIN units b ON b.id = m.branch_id JOIN units t ON t.id = b.parent_id
            WHERE m.state = 'active' AND m.township_leadership = 1 AND t.kind = 'township'
            ORDER BY t.name, t.id, b.name, b.id, m.name, m.id""",
        {"start": ts(start), "end": ts(end)},
    )


async def coming_sessions(c: Conn, township_id: int, since: datetime, limit: int) -> list[Meeting]:
    """The township's leadership sessions after ``since`` that have not closed, soonest
    first."""
    return await fetch_all(
        c,
        Meeting,
        """SELECT * FROM meetings WHERE branch_id = ? AND leadership = 1
           AND state IN ('scheduled', 'open') AND starts_at > ? ORDER BY starts_at, id LIMIT ?""",
        (township_id, ts(since), limit),
    )
