"""Telegram users, members of branches, and applications to join."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from storage import stays
from storage.db import Conn
from storage.models import Application, Member, MemberView, NewApplication, NewMember, User
from storage.rows import fetch_all, fetch_one, insert, settable, ts

# --- users ---------------------------------------------------------------------------


async def get_user(c: Conn, telegram_id: int) -> User | None:
    return await fetch_one(c, User, "SELECT * FROM users WHERE telegram_id = ?", (telegram_id,))


async def users(c: Conn, telegram_ids: Iterable[int]) -> list[User]:
    """The users among these ids, in one query (one parameter however many)."""
    return await fetch_all(
        c,
        User,
        "SELECT * FROM users WHERE telegram_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(telegram_ids))),),
    )


async def touch_user(
    c: Conn,
    telegram_id: int,
    first_name: str,
    username: str | None,
    tg_language: str | None,
    now: datetime,
    *,
    private: bool,
) -> None:
    """Remember who wrote; a private message means the bot may now write back to them."""
    started = ts(now) if private else None
    await c.execute(
        """INSERT INTO users (telegram_id, first_name, username, tg_language, started_at,
                              created_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (telegram_id) DO UPDATE SET first_name = excluded.first_name,
             username = excluded.username, tg_language = excluded.tg_language,
             started_at = coalesce(users.started_at, excluded.started_at),
             blocked_at = CASE WHEN excluded.started_at IS NULL THEN users.blocked_at END""",
        (telegram_id, first_name[:64], username, tg_language, started, ts(now)),
    )


async def ensure_user(c: Conn, telegram_id: int, now: datetime) -> None:
    """A row for someone known only by id (staff named before they ever wrote)."""
    await c.execute(
        "INSERT OR IGNORE INTO users (telegram_id, created_at) VALUES (?, ?)",
        (telegram_id, ts(now)),
    )


async def reachable(c: Conn, telegram_ids: list[int]) -> list[int]:
    """Those of ``telegram_ids`` the bot may write to (they opened it and did not block
    it), in the order given."""
    if not telegram_ids:
        return []
    marks = ",".join("?" for _ in telegram_ids)
    async with c.execute(
        f"""SELECT telegram_id FROM users WHERE telegram_id IN ({marks})
                AND started_at IS NOT NULL AND blocked_at IS NULL""",
        telegram_ids,
    ) as cur:
        found = {int(row[0]) for row in await cur.fetchall()}
    return [telegram_id for telegram_id in telegram_ids if telegram_id in found]


async def set_language(c: Conn, telegram_id: int, language: str | None) -> None:
    await c.execute("UPDATE users SET language = ? WHERE telegram_id = ?", (language, telegram_id))


async def set_blocked(c: Conn, telegram_id: int, at: datetime | None) -> None:
    await c.execute(
        "UPDATE users SET blocked_at = ? WHERE telegram_id = ?",
        (ts(at) if at else None, telegram_id),
    )


# --- members -------------------------------------------------------------------------


async def insert_member(c: Conn, new: NewMember, now: datetime) -> Member:
    if new.township_leadership and "township_leadership_since" not in new.model_fields_set:
        new = new.model_copy(update={"township_leadership_since": now.date()})
    member = await get_member(c, await insert(c, new, now))
    assert member is not None
    if member.flowing:
        await stays.follow(c, None, member, now)
    return member


def leadership_since(before: Member, marked: bool, now: datetime) -> date | None:
    """The day someone became township leadership (乡镇领导班子): ``now``'s local date when
    the mark goes on, kept while it stays, cleared when it comes off — what is expected of
    them in centralised study is counted from that day (bot/centralised.py). ``now`` is
    the clock's, in the county's time zone."""
    if not marked:
        return None
    return before.township_leadership_since if before.township_leadership else now.date()


async def update_member(
    c: Conn, member_id: int, changes: Mapping[str, object], now: datetime
) -> None:
    """Write the given columns — those a caller may set, NewMember's fields; a change to
    where someone works away is followed in their history of stays (storage/stays.py),
    and a change to the leadership mark sets or clears the day it was made (unless the
    caller gives that day), in the same transaction."""
    if not changes:
        return
    values = settable(NewMember, changes)
    marking = "township_leadership" in values and "township_leadership_since" not in values
    before = await get_member(c, member_id) if marking or stays.STAY_FIELDS & set(values) else None
    if marking and before is not None:
        since = leadership_since(before, bool(values["township_leadership"]), now)
        values["township_leadership_since"] = since.isoformat() if since else None
    values["updated_at"] = ts(now)
    assignments = ", ".join(f"{name} = ?" for name in values)
    await c.execute(f"UPDATE members SET {assignments} WHERE id = ?", (*values.values(), member_id))
    if before is not None and stays.STAY_FIELDS & set(values):
        after = await get_member(c, member_id)
        assert after is not None
        await stays.follow(c, before, after, now)


async def get_member(c: Conn, member_id: int) -> Member | None:
    return await fetch_one(c, Member, "SELECT * FROM members WHERE id = ?", (member_id,))


async def member_of_user(c: Conn, telegram_id: int) -> Member | None:
    """The member record a Telegram account is tied to (any state but rejected)."""
    return await fetch_one(
        c,
        Member,
        "SELECT * FROM members WHERE telegram_id = ? AND state != 'rejected'",
        (telegram_id,),
    )


async def names_of_users(c: Conn, telegram_ids: list[int]) -> dict[int, str]:
    """What to call these people: their member record's name, else their Telegram name."""
    marks = ",".join("?" for _ in telegram_ids)
    if not marks:
        return {}
    async with c.execute(
        f"""SELECT u.telegram_id, coalesce(
                  (SELECT m.name FROM members m WHERE m.telegram_id = u.telegram_id
                   AND m.state != 'rejected'), nullif(u.first_name, ''), u.telegram_id)
                FROM users u WHERE u.telegram_id IN ({marks})""",
        telegram_ids,
    ) as cur:
        found = {int(tid): str(name) for tid, name in await cur.fetchall()}
    return {tid: found.get(tid, str(tid)) for tid in telegram_ids}


async def unclaimed_by_name(c: Conn, branch_id: int, name: str) -> list[Member]:
    """Roster rows of a branch with this name that no Telegram account has claimed yet."""
    return await fetch_all(
        c,
        Member,
        """SELECT * FROM members WHERE branch_id = ? AND name = ? AND telegram_id IS NULL
           AND state = 'active' ORDER BY id""",
        (branch_id, name),
    )


async def branch_roster(c: Conn, branch_id: int) -> list[MemberView]:
    async with c.execute(
        """SELECT m.*, u.started_at IS NOT NULL AS started, u.blocked_at IS NOT NULL AS blocked
           FROM members m LEFT JOIN users u ON u.telegram_id = m.telegram_id
           WHERE m.branch_id = ? AND m.state = 'active' ORDER BY m.name, m.id""",
        (branch_id,),
    ) as cur:
        rows = await cur.fetchall()
    views = []
    for row in rows:
        data = dict(row)
        started, blocked = bool(data.pop("started")), bool(data.pop("blocked"))
        views.append(
            MemberView(member=Member.model_validate(data), started=started, blocked=blocked)
        )
    return views


async def members_with_account(c: Conn, branch_id: int | None = None) -> list[Member]:
    if branch_id is None:
        return await fetch_all(
            c,
            Member,
            """SELECT * FROM members WHERE state = 'active' AND telegram_id IS NOT NULL
               ORDER BY name, id""",
        )
    return await fetch_all(
        c,
        Member,
        """SELECT * FROM members WHERE state = 'active' AND telegram_id IS NOT NULL
           AND branch_id = ? ORDER BY name, id""",
        (branch_id,),
    )


async def all_members(c: Conn) -> list[Member]:
    return await fetch_all(c, Member, "SELECT * FROM members ORDER BY id")


# --- applications ----------------------------------------------------------------------


async def add_application(c: Conn, new: NewApplication, now: datetime) -> Application:
    app = await get_application(c, await insert(c, new, now))
    assert app is not None
    return app


async def get_application(c: Conn, app_id: int) -> Application | None:
    return await fetch_one(c, Application, "SELECT * FROM applications WHERE id = ?", (app_id,))


async def pending_application_of(c: Conn, telegram_id: int) -> Application | None:
    return await fetch_one(
        c,
        Application,
        "SELECT * FROM applications WHERE telegram_id = ? AND state = 'pending'",
        (telegram_id,),
    )


async def pending_applications(c: Conn, branch_id: int | None) -> list[Application]:
    """Pending requests of one branch, or of every branch (``None``), oldest first."""
    if branch_id is None:
        return await fetch_all(
            c, Application, "SELECT * FROM applications WHERE state = 'pending' ORDER BY id"
        )
    return await fetch_all(
        c,
        Application,
        "SELECT * FROM applications WHERE branch_id = ? AND state = 'pending' ORDER BY id",
        (branch_id,),
    )


async def decide_application(c: Conn, app_id: int, state: str, by: int, now: datetime) -> bool:
    """Only a pending application can be decided, once: the second press changes nothing."""
    cur = await c.execute(
        """UPDATE applications SET state = ?, decided_by = ?, decided_at = ?
           WHERE id = ? AND state = 'pending'""",
        (state, by, ts(now), app_id),
    )
    return cur.rowcount > 0


# --- roster import -----------------------------------------------------------------------


async def keyed_members(c: Conn) -> list[Member]:
    """Every member that came from a roster (has a 编号), whatever their state."""
    return await fetch_all(
        c, Member, "SELECT * FROM members WHERE roster_key IS NOT NULL ORDER BY roster_key"
    )


async def unkeyed_by_name(c: Conn, branch_id: int, name: str) -> list[Member]:
    """Active members of a branch with this name who joined in the bot, not from a roster."""
    return await fetch_all(
        c,
        Member,
        """SELECT * FROM members WHERE branch_id = ? AND name = ? AND roster_key IS NULL
           AND state = 'active' ORDER BY id""",
        (branch_id, name),
    )
