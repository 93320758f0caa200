"""The yearly review of branches (五个好): the draft, the assessments, the confirmation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.db import Conn
from storage.models import GOODS, Review, ReviewBranch, ReviewVerdict
from storage.rows import fetch_all, fetch_one, ts

FIGURES = (
    "composite",
    "sessions_held",
    "sessions_expected",
    "attended",
    "attendance_possible",
    "studied",
    "received",
    "drafted",
)

_BRANCHES = """
    SELECT rb.*, u.name AS name, coalesce(t.name, '') AS township
    FROM review_branches rb JOIN units u ON u.id = rb.branch_id
    LEFT JOIN units t ON t.id = u.parent_id
    WHERE rb.review_id = :review"""


async def get(c: Conn, review_id: int) -> Review | None:
    return await fetch_one(c, Review, "SELECT * FROM reviews WHERE id = ?", (review_id,))


async def find(c: Conn, year: int, scope_unit_id: int) -> Review | None:
    return await fetch_one(
        c,
        Review,
        "SELECT * FROM reviews WHERE year = ? AND scope_unit_id = ?",
        (year, scope_unit_id),
    )


async def create(
    c: Conn,
    year: int,
    scope_unit_id: int,
    share: int,
    rows: Sequence[dict[str, Any]],
    now: datetime,
) -> tuple[Review, bool]:
    """A new draft with a row per branch compared (``FIGURES`` and ``branch_id``), and
    True; an existing review of that year and scope as it is, and False."""
    cur = await c.execute(
        """INSERT INTO reviews (year, scope_unit_id, compared, share, created_at)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT (year, scope_unit_id) DO NOTHING""",
        (year, scope_unit_id, len(rows), share, ts(now)),
    )
    if cur.rowcount:
        review_id = int(cur.lastrowid or 0)
        await c.executemany(
            f"""INSERT INTO review_branches (review_id, branch_id, {", ".join(FIGURES)})
                VALUES (?, ?, {", ".join("?" for _ in FIGURES)})""",
            [(review_id, row["branch_id"], *(row[name] for name in FIGURES)) for row in rows],
        )
    found = await find(c, year, scope_unit_id)
    assert found is not None
    return found, bool(cur.rowcount)


async def branches(c: Conn, review_id: int) -> list[ReviewBranch]:
    """Every branch compared, lowest composite first, then by name."""
    return await fetch_all(
        c, ReviewBranch, _BRANCHES + " ORDER BY rb.composite, u.name, u.id", {"review": review_id}
    )


async def branch(c: Conn, review_id: int, branch_id: int) -> ReviewBranch | None:
    return await fetch_one(
        c,
        ReviewBranch,
        _BRANCHES + " AND rb.branch_id = :branch",
        {"review": review_id, "branch": branch_id},
    )


async def set_good(c: Conn, review_id: int, branch_id: int, item: int, value: bool) -> bool:
    """Answer one of the five good; a verdict given before is taken back, since what it
    was given on has changed. False if it already had that answer, or once the review is
    confirmed."""
    column = GOODS[item]
    cur = await c.execute(
        f"""UPDATE review_branches SET {column} = :value, verdict = NULL, decided_by = NULL,
                decided_at = NULL
            WHERE review_id = :review AND branch_id = :branch AND (drafted = 1 OR added = 1)
              AND {column} IS NOT :value
              AND (SELECT state FROM reviews WHERE id = :review) = 'draft'""",
        {"value": int(value), "review": review_id, "branch": branch_id},
    )
    return cur.rowcount > 0


async def set_comment(c: Conn, review_id: int, branch_id: int, comment: str | None) -> bool:
    cur = await c.execute(
        """UPDATE review_branches SET comment = :comment
           WHERE review_id = :review AND branch_id = :branch AND (drafted = 1 OR added = 1)
             AND (SELECT state FROM reviews WHERE id = :review) = 'draft'""",
        {"comment": comment, "review": review_id, "branch": branch_id},
    )
    return cur.rowcount > 0


async def add(c: Conn, review_id: int, branch_id: int) -> bool:
    """Put a branch the draft left out on the list, for the staff to assess."""
    cur = await c.execute(
        """UPDATE review_branches SET added = 1
           WHERE review_id = :review AND branch_id = :branch AND drafted = 0 AND added = 0
             AND (SELECT state FROM reviews WHERE id = :review) = 'draft'""",
        {"review": review_id, "branch": branch_id},
    )
    return cur.rowcount > 0


async def decide(
    c: Conn, review_id: int, branch_id: int, verdict: ReviewVerdict, by: int, now: datetime
) -> bool:
    """The verdict on a listed branch whose five good are all answered."""
    answered = " AND ".join(f"{column} IS NOT NULL" for column in GOODS)
    cur = await c.execute(
        f"""UPDATE review_branches SET verdict = :verdict, decided_by = :by, decided_at = :now
            WHERE review_id = :review AND branch_id = :branch AND (drafted = 1 OR added = 1)
              AND {answered} AND (SELECT state FROM reviews WHERE id = :review) = 'draft'""",
        {"verdict": verdict, "by": by, "now": ts(now), "review": review_id, "branch": branch_id},
    )
    return cur.rowcount > 0


async def confirm(c: Conn, review_id: int, by: int, now: datetime) -> bool:
    """The list as decided becomes the record; only when every listed branch is decided."""
    cur = await c.execute(
        """UPDATE reviews SET state = 'confirmed', confirmed_by = :by, confirmed_at = :now
           WHERE id = :review AND state = 'draft' AND NOT EXISTS (
               SELECT 1 FROM review_branches WHERE review_id = :review
               AND (drafted = 1 OR added = 1) AND verdict IS NULL)""",
        {"by": by, "now": ts(now), "review": review_id},
    )
    return cur.rowcount > 0
