"""Heartfelt notes: what members were asked to write, what they wrote, the review."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from storage.db import Conn
from storage.models import Note, NoteRequest, NoteView, StudyRecord
from storage.rows import fetch_all, fetch_one, ts

# A request stays owed until a note on its subject exists that was not sent back.
_OWED = """NOT EXISTS (SELECT 1 FROM notes n WHERE n.member_id = r.member_id
                       AND n.subject = r.subject AND n.review != 'rewrite')"""
# Exempt at the moment of asking or reminding: away, 60 or over, or unable to write.
_REQUIRED = """m.flowing = 0 AND m.no_writing = 0
               AND (m.birth_year IS NULL OR :year - m.birth_year < 60)"""


async def ask(c: Conn, rows: Iterable[tuple[int, str, str]], now: datetime) -> None:
    await c.executemany(
        """INSERT OR IGNORE INTO note_requests (member_id, subject, title, asked_at)
           VALUES (?, ?, ?, ?)""",
        [(member_id, subject, title, ts(now)) for member_id, subject, title in rows])


async def owed(c: Conn, member_id: int) -> list[NoteRequest]:
    return await fetch_all(
        c, NoteRequest,
        f"SELECT r.* FROM note_requests r WHERE r.member_id = ? AND {_OWED} "
        "ORDER BY r.asked_at DESC",
        (member_id,))


async def owed_in_branches(c: Conn, branch_ids: Collection[int] | None, year: int
                           ) -> list[tuple[int, str, str]]:
    """(member id, name, title) of notes still owed by members required to write."""
    where, params = _branches(branch_ids)
    rows = await c.execute_fetchall(
        f"""SELECT m.id, m.name, r.title FROM note_requests r
            JOIN members m ON m.id = r.member_id
            WHERE m.state = 'active' AND {_REQUIRED} AND {_OWED} {where}
            ORDER BY m.name, r.asked_at""",
        {"year": year, **params})
    return [(int(a), str(b), str(t)) for a, b, t in rows]


async def members_owing(c: Conn, asked_before: datetime, year: int) -> list[tuple[int, int]]:
    """(member id, telegram id) of members required to write who owe a note asked for
    before the given moment."""
    rows = await c.execute_fetchall(
        f"""SELECT DISTINCT m.id, m.telegram_id FROM note_requests r
            JOIN members m ON m.id = r.member_id
            WHERE r.asked_at < :before AND m.state = 'active' AND m.telegram_id IS NOT NULL
              AND {_REQUIRED} AND {_OWED}
            ORDER BY m.id""",
        {"before": ts(asked_before), "year": year})
    return [(int(a), int(b)) for a, b in rows]


async def add_note(c: Conn, fields: dict[str, Any], now: datetime) -> Note:
    values = {**fields, "created_at": ts(now)}
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cur = await c.execute(f"INSERT INTO notes ({names}) VALUES ({marks})",
                          tuple(values.values()))
    note = await get_note(c, int(cur.lastrowid or 0))
    assert note is not None
    return note


async def get_note(c: Conn, note_id: int) -> Note | None:
    return await fetch_one(c, Note, "SELECT * FROM notes WHERE id = ?", (note_id,))


async def review(c: Conn, note_id: int, verdict: str, comment: str | None, by: int,
                 now: datetime) -> bool:
    """True if the verdict changed (pressing the same button twice changes nothing)."""
    cur = await c.execute(
        """UPDATE notes SET review = ?, comment = ?, reviewed_by = ?, reviewed_at = ?
           WHERE id = ? AND review != ?""",
        (verdict, comment, by, ts(now), note_id, verdict))
    return cur.rowcount > 0


def _branches(branch_ids: Collection[int] | None) -> tuple[str, dict[str, int]]:
    if branch_ids is None:
        return "", {}
    ids = sorted(branch_ids) or [0]
    names = {f"b{i}": branch for i, branch in enumerate(ids)}
    return f"AND m.branch_id IN ({', '.join(':' + n for n in names)})", names


async def to_review(c: Conn, branch_ids: Collection[int] | None, limit: int) -> list[NoteView]:
    where, params = _branches(branch_ids)
    rows = await c.execute_fetchall(
        f"""SELECT n.*, m.name AS author, m.branch_id AS author_branch FROM notes n
            JOIN members m ON m.id = n.member_id
            WHERE n.review = 'new' {where} ORDER BY n.created_at, n.id LIMIT :limit""",
        {"limit": limit, **params})
    views = []
    for row in rows:
        data = dict(row)
        name, branch = data.pop("author"), data.pop("author_branch")
        views.append(NoteView(note=Note.model_validate(data), name=name, branch_id=branch))
    return views


async def record(c: Conn, member_id: int, start: datetime, end: datetime
                 ) -> StudyRecord:
    """A member's sessions, materials and notes between two moments."""
    rows = await c.execute_fetchall(
        """SELECT
             (SELECT count(*) FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
              WHERE a.member_id = :m AND mt.starts_at >= :start AND mt.starts_at < :end)
               AS invited,
             (SELECT count(*) FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
              WHERE a.member_id = :m AND a.status IN ('present', 'remote')
                AND mt.starts_at >= :start AND mt.starts_at < :end) AS attended,
             (SELECT count(*) FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
              WHERE a.member_id = :m AND a.status IN ('present', 'remote')
                AND mt.kind = 'study' AND mt.starts_at >= :start AND mt.starts_at < :end)
               AS centralised,
             (SELECT count(*) FROM material_recipients r
              WHERE r.member_id = :m AND r.added_at >= :start AND r.added_at < :end)
               AS received,
             (SELECT count(*) FROM material_recipients r
              WHERE r.member_id = :m AND r.studied_at IS NOT NULL
                AND r.added_at >= :start AND r.added_at < :end) AS studied,
             (SELECT count(*) FROM notes n WHERE n.member_id = :m
              AND n.created_at >= :start AND n.created_at < :end) AS written,
             (SELECT count(*) FROM notes n WHERE n.member_id = :m AND n.review = 'excellent'
              AND n.created_at >= :start AND n.created_at < :end) AS excellent""",
        {"m": member_id, "start": ts(start), "end": ts(end)})
    values = dict(next(iter(rows)))
    owed_now = len(await owed(c, member_id))
    return StudyRecord(
        sessions_invited=values["invited"], sessions_attended=values["attended"],
        centralised_attended=values["centralised"], materials_received=values["received"],
        materials_studied=values["studied"], notes_written=values["written"],
        notes_excellent=values["excellent"], notes_owed=owed_now)
