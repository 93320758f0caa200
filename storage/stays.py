"""Where members were while working away (``member_stays``), and what that meant for them
at home and at their host branch.

``members.flow_*`` and ``host_*`` describe the stay going on now, and the rest of the code
reads them there; this module keeps the history behind them. :func:`follow` is called by
``storage.members`` whenever those columns are written, whoever writes them (``/flow``,
an approval, a roster import, the demo), so no writer can forget the history.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from storage.db import Conn
from storage.models import Meeting, Member, Stay
from storage.rows import fetch_all, fetch_one, ts

#: The member columns a stay follows.
STAY_FIELDS = frozenset(
    {"flowing", "flow_city", "flow_employer", "flow_since", "host_branch_id", "host_name"}
)


async def follow(c: Conn, before: Member | None, after: Member, now: datetime) -> None:
    """Keep the stays in step with a member row just written (``before`` None: new).

    Leaving opens a stay and coming home closes it; a new city or a new month of leaving
    is another stay (they moved on), while a new work unit or host organisation is the
    same stay told better, so it is corrected in place."""
    was_away = before is not None and before.flowing
    if not after.flowing:
        if was_away:
            await _close(c, after.id, now)
        return
    moved = before is None or (before.flow_city, before.flow_since) != (
        after.flow_city,
        after.flow_since,
    )
    current = await open_stay(c, after.id)
    if current is not None and was_away and not moved:
        await c.execute(
            """UPDATE member_stays SET employer = ?, host_branch_id = ?, host_name = ?
               WHERE id = ?""",
            (after.flow_employer, after.host_branch_id, after.host_name, current.id),
        )
        return
    if current is not None:
        await _close(c, after.id, now)
    await c.execute(
        """INSERT INTO member_stays (member_id, city, employer, host_branch_id, host_name,
                                     since, began_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (
            after.id,
            after.flow_city,
            after.flow_employer,
            after.host_branch_id,
            after.host_name,
            after.flow_since.isoformat() if after.flow_since else None,
            ts(now),
        ),
    )


async def _close(c: Conn, member_id: int, now: datetime) -> None:
    await c.execute(
        "UPDATE member_stays SET ended_at = ? WHERE member_id = ? AND ended_at IS NULL",
        (ts(now), member_id),
    )


async def open_stay(c: Conn, member_id: int) -> Stay | None:
    return await fetch_one(
        c, Stay, "SELECT * FROM member_stays WHERE member_id = ? AND ended_at IS NULL", (member_id,)
    )


async def last_ended(c: Conn, member_id: int) -> Stay | None:
    """The stay that ended last: the one a member just came home from."""
    return await fetch_one(
        c,
        Stay,
        """SELECT * FROM member_stays WHERE member_id = ? AND ended_at IS NOT NULL
           ORDER BY ended_at DESC, id DESC LIMIT 1""",
        (member_id,),
    )


async def of_member(c: Conn, member_id: int) -> list[Stay]:
    """Every stay of a member, the first first."""
    return await fetch_all(
        c,
        Stay,
        "SELECT * FROM member_stays WHERE member_id = ? ORDER BY began_at, id",
        (member_id,),
    )


# A member back home from a stay that ended at or after :since and not invited since to a
# make-up session of their branch (a session for listed guests: 回乡补课) — over members m
# and their last stay s.
_HOME_AGAIN = """
    m.state = 'active' AND m.flowing = 0 AND s.ended_at >= :since
    AND s.id = (SELECT s2.id FROM member_stays s2 WHERE s2.member_id = m.id
                ORDER BY s2.began_at DESC, s2.id DESC LIMIT 1)
    AND NOT EXISTS (
        SELECT 1 FROM meeting_guests g JOIN meetings mt ON mt.id = g.meeting_id
        WHERE g.member_id = m.id AND mt.audience = 'listed' AND mt.state != 'cancelled'
          AND mt.branch_id = m.branch_id AND mt.created_at >= s.ended_at)"""


async def home_again(c: Conn, branch_id: int, since: datetime) -> list[tuple[Member, Stay]]:
    """Members of a branch who came home since ``since`` and are owed a make-up session,
    with the stay they came home from, by name."""
    rows = await c.execute_fetchall(
        f"""SELECT m.id AS member_id, s.id AS stay_id FROM members m
            JOIN member_stays s ON s.member_id = m.id
            WHERE m.branch_id = :branch AND {_HOME_AGAIN}
            ORDER BY m.name, m.id""",
        {"branch": branch_id, "since": ts(since)},
    )
    found = []
    for member_id, stay_id in rows:
        member = await fetch_one(c, Member, "SELECT * FROM members WHERE id = ?", (member_id,))
        stay = await fetch_one(c, Stay, "SELECT * FROM member_stays WHERE id = ?", (stay_id,))
        if member is not None and stay is not None:
            found.append((member, stay))
    return found


async def branches_home_again(c: Conn, since: datetime) -> list[int]:
    """Branches with someone back home since ``since`` and owed a make-up session."""
    rows = await c.execute_fetchall(
        f"""SELECT DISTINCT m.branch_id FROM member_stays s JOIN members m ON m.id = s.member_id
            WHERE {_HOME_AGAIN} ORDER BY m.branch_id""",
        {"since": ts(since)},
    )
    return [int(row[0]) for row in rows]


async def hosted_by(c: Conn, branch_id: int) -> list[tuple[Member, str]]:
    """Members of other branches working away who named this branch their host, with
    the name of their home branch."""
    rows = await c.execute_fetchall(
        """SELECT m.*, b.name AS home FROM members m JOIN units b ON b.id = m.branch_id
           WHERE m.host_branch_id = ? AND m.flowing = 1 AND m.state = 'active'
           ORDER BY b.name, m.name, m.id""",
        (branch_id,),
    )
    found = []
    for row in rows:
        data = dict(row)
        home = str(data.pop("home"))
        found.append((Member.model_validate(data), home))
    return found


async def missed_at_home(c: Conn, member_id: int, start: datetime, end: datetime) -> list[Meeting]:
    """Sessions of the member's own branch between two moments at which they were
    recorded working away or absent."""
    return await fetch_all(
        c,
        Meeting,
        """SELECT mt.* FROM attendance a JOIN meetings mt ON mt.id = a.meeting_id
           JOIN members m ON m.id = a.member_id
           WHERE a.member_id = ? AND mt.branch_id = m.branch_id
             AND a.status IN ('away', 'absent') AND mt.starts_at >= ? AND mt.starts_at < ?
           ORDER BY mt.starts_at, mt.id""",
        (member_id, ts(start), ts(end)),
    )


#: Meeting row ``mt`` was another branch's than member row ``m``'s — a host branch's,
#: for someone working away. A township's centralised study for its leadership
#: (``leadership``, held by the township unit) is not: it is the leadership's own duty,
#: counted in their ledger, and says nothing about where they work.
AT_ANOTHER_BRANCH = "(mt.branch_id != m.branch_id AND mt.leadership = 0)"


async def elsewhere(
    c: Conn, member_id: int, start: datetime, end: datetime
) -> list[tuple[Meeting, str, str]]:
    """Sessions of other branches (a host branch's) the member was recorded at between
    two moments: (session, status, that branch's name). A township's centralised study
    for its leadership is no host branch's session: left out."""
    rows = await c.execute_fetchall(
        f"""SELECT mt.*, a.status AS attended, b.name AS host FROM attendance a
           JOIN meetings mt ON mt.id = a.meeting_id JOIN members m ON m.id = a.member_id
           JOIN units b ON b.id = mt.branch_id
           WHERE a.member_id = ? AND {AT_ANOTHER_BRANCH}
             AND mt.starts_at >= ? AND mt.starts_at < ?
           ORDER BY mt.starts_at, mt.id""",
        (member_id, ts(start), ts(end)),
    )
    found = []
    for row in rows:
        data = dict(row)
        status, host = str(data.pop("attended")), str(data.pop("host"))
        found.append((Meeting.model_validate(data), status, host))
    return found


async def attended_elsewhere(c: Conn, member_ids: list[int], start: datetime) -> dict[int, int]:
    """member → sessions of other branches attended (present or remote) since ``start``
    (a township's leadership session is none: see :data:`AT_ANOTHER_BRANCH`)."""
    if not member_ids:
        return {}
    rows = await c.execute_fetchall(
        f"""SELECT a.member_id, count(*) FROM attendance a
           JOIN meetings mt ON mt.id = a.meeting_id JOIN members m ON m.id = a.member_id
           WHERE a.member_id IN (SELECT value FROM json_each(?)) AND {AT_ANOTHER_BRANCH}
             AND a.status IN ('present', 'remote') AND mt.starts_at >= ?
           GROUP BY a.member_id""",
        (json.dumps(member_ids), ts(start)),
    )
    return {int(member): int(count) for member, count in rows}


# --- a season's list, once per branch ---------------------------------------------------------


async def claim_season(c: Conn, branch_id: int, season: date, now: datetime) -> int | None:
    """Note that a branch gets its list for the season beginning on ``season``: the row's
    id the first time, None after (the list goes once per season)."""
    cur = await c.execute(
        "INSERT OR IGNORE INTO homecomings (branch_id, season, created_at) VALUES (?, ?, ?)",
        (branch_id, season.isoformat(), ts(now)),
    )
    return int(cur.lastrowid) if cur.rowcount and cur.lastrowid else None


async def season_branch(c: Conn, homecoming_id: int) -> int | None:
    """The branch a season's list was for."""
    rows = await c.execute_fetchall(
        "SELECT branch_id FROM homecomings WHERE id = ?", (homecoming_id,)
    )
    return next((int(row[0]) for row in rows), None)
