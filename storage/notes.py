"""Heartfelt notes: what members were asked to write, what they wrote, the review."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import date, datetime

from storage.db import Conn
from storage.models import Exemption, Member, NewNote, Note, NoteRequest, NoteView, StudyRecord
from storage.rows import fetch_all, fetch_one, fetch_value, insert, ts

# A request is answered by a note on its subject that was not sent back for a rewrite,
# however late it came.
_ANSWERED = """EXISTS (SELECT 1 FROM notes n WHERE n.member_id = r.member_id
                       AND n.subject = r.subject AND n.review != 'rewrite')"""
#: From this age on (reached in the year, by the year of birth) a member is not asked for
#: notes — the number is the guidelines'; bot.notes.exemption_text names it to people.
EXEMPT_AGE = 60
#: Why a member (``m``) is not asked for notes in the year ``:year`` — working away, aged
#: EXEMPT_AGE or over, marked unable to write — or NULL if they must write. The rule in
#: one place: the queries of what is owed ask it of every row (:data:`_REQUIRED`), and
#: :func:`exemptions` of the members a caller holds, with the reason to tell them.
EXEMPTION = f"""CASE WHEN m.flowing = 1 THEN 'flowing'
                    WHEN :year - m.birth_year >= {EXEMPT_AGE} THEN 'age'
                    WHEN m.no_writing = 1 THEN 'no_writing' END"""
# Required to write at the moment of asking or reminding: on the roster and not exempt.
_REQUIRED = f"m.state = 'active' AND ({EXEMPTION}) IS NULL"
# Owed — the one definition that /note, /notes, /record and the evening reminder share:
# unanswered, not lapsed, by a member who must write now (one who became exempt since
# owes nothing). Needs ``r`` (note_requests), ``m`` (its member), :now and :year.
_OWED = f"NOT {_ANSWERED} AND r.expires_at > :now AND {_REQUIRED}"


async def exemptions(c: Conn, member_ids: Iterable[int], year: int) -> dict[int, Exemption]:
    """The members among ``member_ids`` who are not asked for notes in ``year``, and why
    (:data:`EXEMPTION`); those who must write are not in the answer."""
    rows = await c.execute_fetchall(
        f"""SELECT m.id, {EXEMPTION} FROM members m
            WHERE m.id IN (SELECT value FROM json_each(:ids))""",
        {"ids": json.dumps(list(member_ids)), "year": year},
    )
    return {int(row[0]): row[1] for row in rows if row[1] is not None}


def _moment(now: datetime) -> dict[str, object]:
    """:now and :year of a local moment (its year decides who has reached EXEMPT_AGE)."""
    return {"now": ts(now), "year": now.year}


async def ask(
    c: Conn, rows: Iterable[tuple[int, str, str]], now: datetime, expires_at: datetime
) -> None:
    """Asked once per member and subject: asking again changes nothing."""
    await c.executemany(
        """INSERT OR IGNORE INTO note_requests
           (member_id, subject, title, asked_at, expires_at) VALUES (?, ?, ?, ?, ?)""",
        [
            (member_id, subject, title, ts(now), ts(expires_at))
            for member_id, subject, title in rows
        ],
    )


async def owed(c: Conn, member_id: int, now: datetime) -> list[NoteRequest]:
    return await fetch_all(
        c,
        NoteRequest,
        f"""SELECT r.* FROM note_requests r JOIN members m ON m.id = r.member_id
            WHERE r.member_id = :member AND {_OWED} ORDER BY r.asked_at DESC""",
        {"member": member_id, **_moment(now)},
    )


async def reminded_on(c: Conn, member_id: int, day: date, now: datetime) -> list[NoteRequest]:
    """What a member still owes of what that day's evening reminder names."""
    return await fetch_all(
        c,
        NoteRequest,
        f"""SELECT r.* FROM note_requests r JOIN members m ON m.id = r.member_id
            WHERE r.member_id = :member AND r.reminded_on = :day AND {_OWED}
            ORDER BY r.asked_at DESC""",
        {"member": member_id, "day": day.isoformat(), **_moment(now)},
    )


async def unanswered(c: Conn, member_id: int, subject: str) -> NoteRequest | None:
    """The member's request on this subject if no note answers it yet, lapsed or not: a
    late note is welcome and answers it."""
    return await fetch_one(
        c,
        NoteRequest,
        f"SELECT r.* FROM note_requests r WHERE r.member_id = ? AND r.subject = ? "
        f"AND NOT {_ANSWERED}",
        (member_id, subject),
    )


async def owed_in_branches(
    c: Conn, branch_ids: Collection[int] | None, now: datetime
) -> list[tuple[str, NoteRequest]]:
    """(member's name, request) of every note owed in these branches (None: all)."""
    where, params = _branches(branch_ids)
    rows = await c.execute_fetchall(
        f"""SELECT m.name AS member_name, r.* FROM note_requests r
            JOIN members m ON m.id = r.member_id
            WHERE {_OWED} {where}
            ORDER BY m.name, m.id, r.asked_at""",
        {**_moment(now), **params},
    )
    found = []
    for row in rows:
        data = dict(row)
        name = str(data.pop("member_name"))
        found.append((name, NoteRequest.model_validate(data)))
    return found


async def due_reminders(
    c: Conn, day: date, day_start: datetime, now: datetime, most: int, gap_days: int
) -> list[tuple[int, str, int]]:
    """(member id, subject, telegram id) of every owed request due tonight's reminder:
    asked before today, reminded fewer than ``most`` times, the last time at least
    ``gap_days`` ago, and its member reachable. Read on its own (no write), so the list
    can be read outside the write lock and counted a piece at a time."""
    params = {
        "day": day.isoformat(),
        "start": ts(day_start),
        "most": most,
        "gap": _gap(day, gap_days),
        **_moment(now),
    }
    rows = await c.execute_fetchall(
        f"""SELECT r.member_id, r.subject, m.telegram_id FROM note_requests r
            JOIN members m ON m.id = r.member_id
            WHERE r.asked_at < :start AND r.reminders < :most
              AND (r.reminded_on IS NULL OR r.reminded_on <= :gap)
              AND m.telegram_id IS NOT NULL AND {_OWED}
            ORDER BY r.member_id""",
        params,
    )
    return [(int(member), str(subject), int(telegram)) for member, subject, telegram in rows]


async def count_reminded(
    c: Conn, requests: Iterable[tuple[int, str]], day: date, most: int, gap_days: int
) -> None:
    """Count tonight's reminder on these requests — each once: run twice on one evening,
    the second finds them reminded today and counts nothing."""
    await c.executemany(
        """UPDATE note_requests SET reminders = reminders + 1, reminded_on = ?
           WHERE member_id = ? AND subject = ? AND reminders < ?
             AND (reminded_on IS NULL OR reminded_on <= ?)""",
        [
            (day.isoformat(), member_id, subject, most, _gap(day, gap_days))
            for member_id, subject in requests
        ],
    )


def _gap(day: date, gap_days: int) -> str:
    return date.fromordinal(day.toordinal() - gap_days).isoformat()


async def renew(c: Conn, member_id: int, subject: str, until: datetime) -> None:
    """A note sent back for a rewrite is owed again: its request stays open at least
    until then (a rewrite asked on the last day must not lapse the next morning)."""
    await c.execute(
        """UPDATE note_requests SET expires_at = max(expires_at, ?)
           WHERE member_id = ? AND subject = ?""",
        (ts(until), member_id, subject),
    )


async def unable_to_write(c: Conn, branch_ids: Collection[int] | None) -> list[Member]:
    """Active members of these branches (None: all) marked unable to write."""
    where, params = _branches(branch_ids)
    return await fetch_all(
        c,
        Member,
        f"""SELECT m.* FROM members m WHERE m.state = 'active' AND m.no_writing = 1 {where}
            ORDER BY m.name, m.id""",
        params,
    )


async def add_note(c: Conn, new: NewNote, now: datetime) -> Note:
    note = await get_note(c, await insert(c, new, now))
    assert note is not None
    return note


async def get_note(c: Conn, note_id: int) -> Note | None:
    return await fetch_one(c, Note, "SELECT * FROM notes WHERE id = ?", (note_id,))


async def review(
    c: Conn, note_id: int, verdict: str, comment: str | None, by: int, now: datetime
) -> bool:
    """True if the verdict changed (pressing the same button twice changes nothing)."""
    cur = await c.execute(
        """UPDATE notes SET review = ?, comment = ?, reviewed_by = ?, reviewed_at = ?
           WHERE id = ? AND review != ?""",
        (verdict, comment, by, ts(now), note_id, verdict),
    )
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
        {"limit": limit, **params},
    )
    views = []
    for row in rows:
        data = dict(row)
        name, branch = data.pop("author"), data.pop("author_branch")
        views.append(NoteView(note=Note.model_validate(data), name=name, branch_id=branch))
    return views


async def first_record(c: Conn, member_id: int) -> datetime | None:
    """When the member's first session, material or note was: their record starts there."""
    found = await fetch_value(
        c,
        """SELECT min(t) FROM (
                SELECT min(mt.starts_at) AS t FROM attendance a
                  JOIN meetings mt ON mt.id = a.meeting_id WHERE a.member_id = :m
                UNION ALL SELECT min(added_at) FROM material_recipients WHERE member_id = :m
                UNION ALL SELECT min(created_at) FROM notes WHERE member_id = :m)""",
        {"m": member_id},
    )
    return datetime.fromisoformat(found) if found else None


async def member_notes(c: Conn, member_id: int, start: datetime, end: datetime) -> list[Note]:
    """The notes a member wrote in [start, end), oldest first."""
    return await fetch_all(
        c,
        Note,
        """SELECT * FROM notes WHERE member_id = ? AND created_at >= ?
                    AND created_at < ? ORDER BY created_at, id""",
        (member_id, ts(start), ts(end)),
    )


async def record(
    c: Conn, member_id: int, start: datetime, end: datetime, now: datetime
) -> StudyRecord:
    """A member's sessions, materials and notes between two moments, and what they owe
    now."""
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
                AND mt.kind = 'study' AND mt.leadership = 1
                AND mt.starts_at >= :start AND mt.starts_at < :end)
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
              AND n.created_at >= :start AND n.created_at < :end) AS excellent,
             (SELECT count(*) FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
              WHERE a.member_id = :m AND a.status IN ('present', 'remote')
                AND a.recorded_by IS NOT NULL
                AND mt.starts_at >= :start AND mt.starts_at < :end) AS attended_by_hand,
             (SELECT count(*) FROM material_recipients r
              WHERE r.member_id = :m AND r.studied_at IS NOT NULL
                AND r.recorded_by IS NOT NULL
                AND r.added_at >= :start AND r.added_at < :end) AS studied_by_hand""",
        {"m": member_id, "start": ts(start), "end": ts(end)},
    )
    values = dict(next(iter(rows)))
    owed_now = len(await owed(c, member_id, now))
    exempt = await exemptions(c, [member_id], now.year)
    return StudyRecord(
        sessions_invited=values["invited"],
        sessions_attended=values["attended"],
        centralised_attended=values["centralised"],
        materials_received=values["received"],
        materials_studied=values["studied"],
        notes_written=values["written"],
        notes_excellent=values["excellent"],
        notes_owed=owed_now,
        sessions_by_hand=values["attended_by_hand"],
        materials_by_hand=values["studied_by_hand"],
        exemption=exempt.get(member_id),
    )
