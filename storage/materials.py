"""Study materials, who they went to, and who studied them."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime

from storage.by_hand import recorder_name
from storage.db import Conn
from storage.delivered import NO_MESSAGE, STATE
from storage.models import (
    Material,
    MaterialStats,
    Member,
    MemberMaterial,
    NewMaterial,
    RecipientView,
)
from storage.rows import fetch_all, fetch_one, insert, ts


async def add_material(c: Conn, new: NewMaterial, now: datetime) -> Material:
    material = await get_material(c, await insert(c, new, now))
    assert material is not None
    return material


async def get_material(c: Conn, material_id: int) -> Material | None:
    return await fetch_one(c, Material, "SELECT * FROM materials WHERE id = ?", (material_id,))


_IN_SCOPE = """
    m.state = 'active' AND m.branch_id IN (
        SELECT b.id FROM units b LEFT JOIN units t ON t.id = b.parent_id
        WHERE b.kind = 'branch' AND (b.id = :scope OR t.id = :scope OR t.parent_id = :scope))
"""


async def audience(c: Conn, scope_unit_id: int, flowing_only: bool) -> list[Member]:
    """Active members of the branches under a unit (a branch, a township, the county)."""
    flowing = "AND m.flowing = 1" if flowing_only else ""
    return await fetch_all(
        c,
        Member,
        f"SELECT m.* FROM members m WHERE {_IN_SCOPE} {flowing} ORDER BY m.id",
        {"scope": scope_unit_id},
    )


async def add_recipients(
    c: Conn,
    material_id: int,
    rows: Iterable[tuple[int, int | None]],
    now: datetime,
    *,
    makeup: bool = False,
) -> None:
    """(member id, outbox id or None) pairs; a member already listed stays as they were."""
    await c.executemany(
        """INSERT OR IGNORE INTO material_recipients
           (material_id, member_id, outbox_id, makeup, added_at) VALUES (?, ?, ?, ?, ?)""",
        [
            (material_id, member_id, outbox_id, int(makeup), ts(now))
            for member_id, outbox_id in rows
        ],
    )


async def is_recipient(c: Conn, material_id: int, member_id: int) -> bool:
    async with c.execute(
        "SELECT 1 FROM material_recipients WHERE material_id = ? AND member_id = ?",
        (material_id, member_id),
    ) as cur:
        return await cur.fetchone() is not None


async def studied_at(c: Conn, material_id: int, member_id: int) -> str | None:
    async with c.execute(
        "SELECT studied_at FROM material_recipients WHERE material_id = ? AND member_id = ?",
        (material_id, member_id),
    ) as cur:
        row = await cur.fetchone()
    return None if row is None else row[0]


async def mark_studied(c: Conn, material_id: int, member_id: int, now: datetime) -> bool:
    """True the first time; a second press finds it marked and changes nothing."""
    cur = await c.execute(
        """UPDATE material_recipients SET studied_at = ?
           WHERE material_id = ? AND member_id = ? AND studied_at IS NULL""",
        (ts(now), material_id, member_id),
    )
    return cur.rowcount > 0


async def open_for_member(c: Conn, member_id: int) -> list[Material]:
    """What this member received and has not marked studied, newest first."""
    return await fetch_all(
        c,
        Material,
        """SELECT mt.* FROM materials mt JOIN material_recipients r ON r.material_id = mt.id
           WHERE r.member_id = ? AND r.studied_at IS NULL
           ORDER BY mt.created_at DESC, mt.id DESC""",
        (member_id,),
    )


async def due_open_for_member(c: Conn, member_id: int, days: Collection[date]) -> list[Material]:
    """Open materials of a member whose due date is one of ``days``."""
    wanted = [day.isoformat() for day in days]
    marks = ",".join("?" for _ in wanted)
    return await fetch_all(
        c,
        Material,
        f"""SELECT mt.* FROM materials mt JOIN material_recipients r ON r.material_id = mt.id
            WHERE r.member_id = ? AND r.studied_at IS NULL AND mt.due_date IN ({marks})
            ORDER BY mt.due_date, mt.id""",
        (member_id, *wanted),
    )


async def members_to_remind(c: Conn, days: Collection[date]) -> list[tuple[int, int]]:
    """(member id, telegram id) of everyone with an open material due on one of ``days``
    who can be written to."""
    wanted = [day.isoformat() for day in days]
    marks = ",".join("?" for _ in wanted)
    async with c.execute(
        f"""SELECT DISTINCT m.id, m.telegram_id FROM material_recipients r
            JOIN materials mt ON mt.id = r.material_id
            JOIN members m ON m.id = r.member_id
            LEFT JOIN outbox o ON o.id = r.outbox_id
            WHERE r.studied_at IS NULL AND mt.due_date IN ({marks}) AND {STATE} = 'sent'
              AND m.state = 'active' AND m.telegram_id IS NOT NULL
            ORDER BY m.id""",
        wanted,
    ) as cur:
        return [(int(a), int(b)) for a, b in await cur.fetchall()]


async def makeup_for(c: Conn, member_id: int, branch_id: int, since: datetime) -> list[Material]:
    """Materials for flowing members that reached this member's branch since a moment and
    that this member has not received."""
    return await fetch_all(
        c,
        Material,
        """SELECT mt.* FROM materials mt
           WHERE mt.audience = 'flowing' AND mt.created_at >= :since
             AND mt.scope_unit_id IN (
                 SELECT b.id FROM units b WHERE b.id = :branch
                 UNION SELECT t.id FROM units b JOIN units t ON t.id = b.parent_id
                       WHERE b.id = :branch
                 UNION SELECT t.parent_id FROM units b JOIN units t ON t.id = b.parent_id
                       WHERE b.id = :branch)
             AND NOT EXISTS (SELECT 1 FROM material_recipients r
                             WHERE r.material_id = mt.id AND r.member_id = :member)
           ORDER BY mt.created_at, mt.id""",
        {"since": ts(since), "branch": branch_id, "member": member_id},
    )


def _branch_filter(branch_ids: Collection[int] | None) -> tuple[str, list[int]]:
    if branch_ids is None:
        return "", []
    ids = sorted(branch_ids) or [0]
    return f"AND mm.branch_id IN ({','.join('?' for _ in ids)})", ids


async def stats(
    c: Conn, branch_ids: Collection[int] | None, limit: int = 10
) -> list[MaterialStats]:
    """The newest materials that reached these branches (all, if None), with counts
    limited to the members of those branches."""
    where, params = _branch_filter(branch_ids)
    async with c.execute(
        f"""SELECT mt.*, count(*) AS n,
              sum({STATE} = 'sent') AS delivered,
              sum(r.studied_at IS NOT NULL) AS studied,
              sum({STATE} = 'queued') AS queued,
              sum({STATE} IN ('unreachable', 'failed')) AS unreachable,
              sum({STATE} = 'sent' AND r.studied_at IS NULL) AS not_yet,
              sum({NO_MESSAGE}) AS no_telegram,
              sum({NO_MESSAGE} AND r.studied_at IS NULL) AS to_record,
              sum(r.recorded_by IS NOT NULL AND r.studied_at IS NOT NULL) AS by_hand
            FROM materials mt JOIN material_recipients r ON r.material_id = mt.id
            JOIN members mm ON mm.id = r.member_id
            LEFT JOIN outbox o ON o.id = r.outbox_id
            WHERE 1 = 1 {where}
            GROUP BY mt.id ORDER BY mt.created_at DESC, mt.id DESC LIMIT ?""",
        (*params, limit),
    ) as cur:
        rows = await cur.fetchall()
    result = []
    for row in rows:
        data = dict(row)
        recipients = int(data.pop("n") or 0)
        counts = {
            name: int(data.pop(name) or 0)
            for name in (
                "delivered",
                "studied",
                "queued",
                "unreachable",
                "not_yet",
                "no_telegram",
                "to_record",
                "by_hand",
            )
        }
        result.append(
            MaterialStats(material=Material.model_validate(data), recipients=recipients, **counts)
        )
    return result


async def recipients(
    c: Conn, material_id: int, branch_ids: Collection[int] | None
) -> list[RecipientView]:
    where, params = _branch_filter(branch_ids)
    return await fetch_all(
        c,
        RecipientView,
        f"""SELECT mm.id AS member_id, mm.name, b.name AS branch_name, r.studied_at,
              CASE WHEN {NO_MESSAGE} THEN 'no_telegram'
                   WHEN {STATE} = 'sent' THEN 'delivered'
                   WHEN {STATE} = 'queued' THEN 'queued'
                   ELSE 'unreachable' END AS delivery,
              CASE WHEN r.recorded_by IS NOT NULL THEN {recorder_name("r.recorded_by")}
              END AS by_hand
            FROM material_recipients r JOIN members mm ON mm.id = r.member_id
            JOIN units b ON b.id = mm.branch_id
            LEFT JOIN outbox o ON o.id = r.outbox_id
            WHERE r.material_id = ? {where}
            ORDER BY b.name, mm.name, mm.id""",
        (material_id, *params),
    )


async def member_materials(
    c: Conn, member_id: int, start: datetime, end: datetime
) -> list[MemberMaterial]:
    """What a member received in [start, end) and when they studied each, oldest first."""
    return await fetch_all(
        c,
        MemberMaterial,
        """SELECT r.material_id, mt.title, r.added_at, r.studied_at
           FROM material_recipients r JOIN materials mt ON mt.id = r.material_id
           WHERE r.member_id = ? AND r.added_at >= ? AND r.added_at < ?
           ORDER BY r.added_at, r.material_id""",
        (member_id, ts(start), ts(end)),
    )
