"""四议两公开: village matters, their files, their four steps and their two disclosures."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime

from storage.db import Conn
from storage.models import (
    Matter,
    MatterFile,
    MatterPublication,
    MatterState,
    MatterStep,
    Meeting,
    MeetingKind,
    NewMatter,
    NewMatterFile,
    NewMatterPublication,
    NewMatterStep,
    Unit,
)
from storage.rows import fetch_all, fetch_one, insert, ts


async def add_matter(
    c: Conn, new: NewMatter, files: Iterable[tuple[str, str, str]], now: datetime
) -> Matter:
    """The matter and its attachments (kind, Telegram file id, file name)."""
    matter = await insert_matter(c, new, now)
    for kind, file_id, name in files:
        await insert_file(
            c,
            NewMatterFile(
                matter_id=matter.id,
                kind="photo" if kind == "photo" else "document",
                file_id=file_id,
                file_name=name,
            ),
            now,
        )
    return matter


async def insert_matter(c: Conn, new: NewMatter, now: datetime) -> Matter:
    matter = await get(c, await insert(c, new, now))
    assert matter is not None
    return matter


async def insert_file(c: Conn, new: NewMatterFile, now: datetime) -> MatterFile:
    found = await fetch_one(
        c, MatterFile, "SELECT * FROM matter_files WHERE id = ?", (await insert(c, new, now),)
    )
    assert found is not None
    return found


async def insert_step(c: Conn, new: NewMatterStep, now: datetime) -> MatterStep:
    """The step alone (the table's trigger refuses one out of order); :func:`add_step`
    also moves the matter on."""
    await insert(c, new, now)
    found = await fetch_one(
        c,
        MatterStep,
        "SELECT * FROM matter_steps WHERE matter_id = ? AND step = ?",
        (new.matter_id, new.step),
    )
    assert found is not None
    return found


async def insert_publication(
    c: Conn, new: NewMatterPublication, now: datetime
) -> MatterPublication:
    await insert(c, new, now)
    found = await fetch_one(
        c,
        MatterPublication,
        "SELECT * FROM matter_publications WHERE matter_id = ? AND what = ?",
        (new.matter_id, new.what),
    )
    assert found is not None
    return found


async def get(c: Conn, matter_id: int) -> Matter | None:
    return await fetch_one(c, Matter, "SELECT * FROM matters WHERE id = ?", (matter_id,))


async def files(c: Conn, matter_id: int) -> list[MatterFile]:
    return await fetch_all(
        c, MatterFile, "SELECT * FROM matter_files WHERE matter_id = ? ORDER BY id", (matter_id,)
    )


async def file_counts(c: Conn, matter_ids: Collection[int]) -> dict[int, int]:
    rows = await c.execute_fetchall(
        "SELECT matter_id, count(*) FROM matter_files"
        " WHERE matter_id IN (SELECT value FROM json_each(?)) GROUP BY matter_id",
        (_ids(matter_ids),),
    )
    return {int(matter): int(n) for matter, n in rows}


async def steps(c: Conn, matter_ids: Collection[int]) -> list[MatterStep]:
    return await fetch_all(
        c,
        MatterStep,
        "SELECT * FROM matter_steps WHERE matter_id IN (SELECT value FROM json_each(?))"
        " ORDER BY matter_id, step",
        (_ids(matter_ids),),
    )


async def publications(c: Conn, matter_ids: Collection[int]) -> list[MatterPublication]:
    return await fetch_all(
        c,
        MatterPublication,
        "SELECT * FROM matter_publications WHERE matter_id IN (SELECT value FROM json_each(?))"
        " ORDER BY matter_id, what",
        (_ids(matter_ids),),
    )


async def of_branches(
    c: Conn, branch_ids: Collection[int] | None, states: Collection[MatterState] | None = None
) -> list[Matter]:
    """The matters of these branches (None: every branch), in these states (None: any),
    newest first."""
    sql = "SELECT * FROM matters WHERE 1"
    params: list[object] = []
    if branch_ids is not None:
        sql += " AND branch_id IN (SELECT value FROM json_each(?))"
        params.append(_ids(branch_ids))
    if states is not None:
        sql += " AND state IN (SELECT value FROM json_each(?))"
        params.append(_json(sorted(states)))
    return await fetch_all(c, Matter, sql + " ORDER BY id DESC", params)


async def add_step(
    c: Conn, new: NewMatterStep, state: MatterState, at_step: int, now: datetime
) -> None:
    """The step (the table's trigger refuses one out of order) and where it leaves the
    matter."""
    await insert_step(c, new, now)
    await move(c, new.matter_id, state, at_step, now)


async def add_publication(c: Conn, new: NewMatterPublication, now: datetime) -> None:
    await insert_publication(c, new, now)
    await move(c, new.matter_id, "published" if new.what == "decision" else "done", 4, now)


async def withdraw(c: Conn, matter_id: int, by: int, now: datetime) -> bool:
    """Taken off while still open (before a decision); False if it no longer was."""
    cur = await c.execute(
        """UPDATE matters SET state = 'withdrawn', closed_by = ?, closed_at = ?, updated_at = ?
           WHERE id = ? AND state = 'open'""",
        (by, ts(now), ts(now), matter_id),
    )
    return cur.rowcount == 1


async def move(c: Conn, matter_id: int, state: MatterState, at_step: int, now: datetime) -> None:
    await c.execute(
        "UPDATE matters SET state = ?, at_step = ?, updated_at = ? WHERE id = ?",
        (state, at_step, ts(now), matter_id),
    )


async def sessions_between(
    c: Conn,
    branch_id: int,
    start: datetime,
    end: datetime,
    kinds: Collection[MeetingKind],
    now: datetime,
) -> list[Meeting]:
    """The branch's sessions of these kinds starting from ``start`` up to ``end`` that
    have taken place — begun before ``now``, opened or closed (not merely scheduled, not
    called off): those a step held that day may have been. One scheduled for later that
    day has not been held, so a step cannot have been it."""
    return await fetch_all(
        c,
        Meeting,
        """SELECT * FROM meetings WHERE branch_id = ? AND starts_at >= ? AND starts_at < ?
           AND starts_at < ? AND state IN ('open', 'closed')
           AND kind IN (SELECT value FROM json_each(?))
           ORDER BY starts_at, id""",
        (branch_id, ts(start), ts(end), ts(now), _json(sorted(kinds))),
    )


async def session_figures(c: Conn, meeting_id: int, *, committee: bool) -> tuple[int, int]:
    """(invited, present or remote) of a session's record, counting only the body a step
    names: the branch's own committee members (``committee``), else the branch's own full
    members — a vote is theirs alone, so probationary members, activists, guests and
    members of other branches hosted here are left out."""
    row = await c.execute_fetchall(
        """SELECT count(*), coalesce(sum(a.status IN ('present', 'remote')), 0)
           FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
           JOIN members m ON m.id = a.member_id
           WHERE a.meeting_id = ? AND m.branch_id = mt.branch_id
           AND NOT EXISTS (SELECT 1 FROM meeting_guests g
                           WHERE g.meeting_id = mt.id AND g.member_id = m.id)
           AND (CASE WHEN ? THEN m.committee = 1 ELSE m.status = 'full' END)""",
        (meeting_id, 1 if committee else 0),
    )
    (invited, present), *_ = row
    return int(invited), int(present)


async def numbers(c: Conn, matter_ids: Collection[int]) -> dict[int, int]:
    """Each matter's number within its branch: its place among the branch's matters in
    the order they were opened (1, 2, …) — what the branch calls it, rather than an id
    counted across the county."""
    rows = await c.execute_fetchall(
        """SELECT id, number FROM (
               SELECT id, row_number() OVER (PARTITION BY branch_id ORDER BY created_at, id)
                   AS number
               FROM matters WHERE branch_id IN (
                   SELECT branch_id FROM matters
                   WHERE id IN (SELECT value FROM json_each(?))))
           WHERE id IN (SELECT value FROM json_each(?))""",
        (_ids(matter_ids), _ids(matter_ids)),
    )
    return {int(matter): int(number) for matter, number in rows}


async def meetings(c: Conn, meeting_ids: Collection[int]) -> dict[int, Meeting]:
    found = await fetch_all(
        c,
        Meeting,
        "SELECT * FROM meetings WHERE id IN (SELECT value FROM json_each(?))",
        (_ids(meeting_ids),),
    )
    return {m.id: m for m in found}


async def units(c: Conn, unit_ids: Collection[int]) -> dict[int, Unit]:
    found = await fetch_all(
        c,
        Unit,
        "SELECT * FROM units WHERE id IN (SELECT value FROM json_each(?))",
        (_ids(unit_ids),),
    )
    return {u.id: u for u in found}


def _ids(ids: Iterable[int]) -> str:
    return _json(sorted({int(i) for i in ids}))


def _json(values: Iterable[object]) -> str:
    return json.dumps(list(values), ensure_ascii=False)
