"""The organisation tree, group-chat bindings, roles, contact points, invites, bind codes."""

from __future__ import annotations

from datetime import datetime

from storage.db import Conn
from storage.models import BindCode, ContactPoint, GroupChat, Invite, Role, RoleName, Unit, UnitKind
from storage.rows import fetch_all, fetch_one, fetch_value, ts

# --- units ---------------------------------------------------------------------------


async def get_unit(c: Conn, unit_id: int) -> Unit | None:
    return await fetch_one(c, Unit, "SELECT * FROM units WHERE id = ?", (unit_id,))


async def find_unit(c: Conn, kind: UnitKind, name: str, parent_id: int | None) -> Unit | None:
    return await fetch_one(
        c,
        Unit,
        "SELECT * FROM units WHERE kind = ? AND name = ? AND ifnull(parent_id, 0) = ifnull(?, 0)",
        (kind, name, parent_id),
    )


async def add_unit(
    c: Conn, kind: UnitKind, name: str, parent_id: int | None, now: datetime
) -> Unit:
    cur = await c.execute(
        "INSERT INTO units (kind, name, parent_id, created_at) VALUES (?, ?, ?, ?)",
        (kind, name, parent_id, ts(now)),
    )
    unit = await get_unit(c, int(cur.lastrowid or 0))
    assert unit is not None
    return unit


async def units_of_kind(c: Conn, kind: UnitKind) -> list[Unit]:
    return await fetch_all(c, Unit, "SELECT * FROM units WHERE kind = ? ORDER BY name, id", (kind,))


async def children(c: Conn, parent_id: int, kind: UnitKind | None = None) -> list[Unit]:
    if kind is None:
        return await fetch_all(
            c, Unit, "SELECT * FROM units WHERE parent_id = ? ORDER BY name, id", (parent_id,)
        )
    return await fetch_all(
        c,
        Unit,
        "SELECT * FROM units WHERE parent_id = ? AND kind = ? ORDER BY name, id",
        (parent_id, kind),
    )


async def county(c: Conn) -> Unit | None:
    return await fetch_one(c, Unit, "SELECT * FROM units WHERE kind = 'county'")


async def count_units(c: Conn) -> dict[str, int]:
    async with c.execute("SELECT kind, count(*) FROM units GROUP BY kind") as cur:
        return {str(kind): int(n) for kind, n in await cur.fetchall()}


# --- group chats ---------------------------------------------------------------------


async def group_chat(c: Conn, chat_id: int) -> GroupChat | None:
    return await fetch_one(c, GroupChat, "SELECT * FROM group_chats WHERE chat_id = ?", (chat_id,))


async def live_group_of_branch(c: Conn, branch_id: int) -> GroupChat | None:
    return await fetch_one(
        c,
        GroupChat,
        "SELECT * FROM group_chats WHERE branch_id = ? AND state = 'bound'",
        (branch_id,),
    )


async def bind_group(
    c: Conn, chat_id: int, branch_id: int, title: str, by: int, now: datetime
) -> None:
    """Point a chat at a branch; the branch's previous live chat, if another, is let go."""
    await c.execute(
        "UPDATE group_chats SET state = 'gone' WHERE branch_id = ? AND chat_id != ?",
        (branch_id, chat_id),
    )
    await c.execute(
        """INSERT INTO group_chats (chat_id, branch_id, title, state, bound_by, bound_at)
           VALUES (?, ?, ?, 'bound', ?, ?)
           ON CONFLICT (chat_id) DO UPDATE SET branch_id = excluded.branch_id,
             title = excluded.title, state = 'bound', bound_by = excluded.bound_by,
             bound_at = excluded.bound_at, bot_admin = NULL, can_invite = NULL,
             invite_link = NULL""",
        (chat_id, branch_id, title, by, ts(now)),
    )


async def set_group_state(c: Conn, chat_id: int, state: str) -> None:
    await c.execute("UPDATE group_chats SET state = ? WHERE chat_id = ?", (state, chat_id))


async def move_group(c: Conn, old_chat_id: int, new_chat_id: int) -> None:
    """A supergroup is a new chat: what the bot may do there, and its links, are asked
    and made again."""
    await c.execute(
        """UPDATE group_chats SET chat_id = ?, bot_admin = NULL, can_invite = NULL,
             invite_link = NULL WHERE chat_id = ?""",
        (new_chat_id, old_chat_id),
    )


async def set_bot_rights(c: Conn, chat_id: int, admin: bool, can_invite: bool) -> bool:
    """What the bot may do in a bound group; a link it can no longer stand behind is
    dropped. True if this changed anything."""
    cur = await c.execute(
        """UPDATE group_chats SET bot_admin = :admin, can_invite = :invite,
             invite_link = CASE WHEN :invite THEN invite_link END
           WHERE chat_id = :chat AND state = 'bound'
             AND (bot_admin IS NOT :admin OR can_invite IS NOT :invite)""",
        {"chat": chat_id, "admin": int(admin), "invite": int(can_invite)},
    )
    return cur.rowcount > 0


async def set_invite_link(c: Conn, chat_id: int, link: str | None) -> None:
    await c.execute("UPDATE group_chats SET invite_link = ? WHERE chat_id = ?", (link, chat_id))


async def groups_to_ask(c: Conn) -> list[GroupChat]:
    """Bound groups where the bot does not know yet what it may do."""
    return await fetch_all(
        c, GroupChat, "SELECT * FROM group_chats WHERE state = 'bound' AND bot_admin IS NULL"
    )


async def groups_wanting_link(c: Conn) -> list[GroupChat]:
    """Bound groups where the bot may make an invite link and has none."""
    return await fetch_all(
        c,
        GroupChat,
        """SELECT * FROM group_chats WHERE state = 'bound' AND can_invite = 1
           AND invite_link IS NULL""",
    )


# --- roles and contact points ----------------------------------------------------------


async def roles_of(c: Conn, telegram_id: int) -> list[Role]:
    return await fetch_all(
        c, Role, "SELECT * FROM roles WHERE telegram_id = ? ORDER BY role, unit_id", (telegram_id,)
    )


async def holders(c: Conn, role: RoleName, unit_id: int | None = None) -> list[Role]:
    if unit_id is None:
        return await fetch_all(c, Role, "SELECT * FROM roles WHERE role = ? ORDER BY id", (role,))
    return await fetch_all(
        c, Role, "SELECT * FROM roles WHERE role = ? AND unit_id = ? ORDER BY id", (role, unit_id)
    )


async def grant(
    c: Conn, telegram_id: int, role: RoleName, unit_id: int | None, by: int | None, now: datetime
) -> bool:
    """True if the role is new."""
    cur = await c.execute(
        """INSERT OR IGNORE INTO roles (telegram_id, role, unit_id, granted_by, granted_at)
           VALUES (?, ?, ?, ?, ?)""",
        (telegram_id, role, unit_id, by, ts(now)),
    )
    return cur.rowcount > 0


async def revoke(c: Conn, telegram_id: int, role: RoleName, unit_id: int | None) -> bool:
    cur = await c.execute(
        """DELETE FROM roles
           WHERE telegram_id = ? AND role = ? AND ifnull(unit_id, 0) = ifnull(?, 0)""",
        (telegram_id, role, unit_id),
    )
    return cur.rowcount > 0


async def secretary_units(c: Conn, telegram_id: int) -> list[int]:
    async with c.execute(
        "SELECT unit_id FROM roles WHERE telegram_id = ? AND role = 'secretary' "
        "AND unit_id IS NOT NULL ORDER BY unit_id",
        (telegram_id,),
    ) as cur:
        return [int(row[0]) for row in await cur.fetchall()]


async def leaders_at(c: Conn, branch_id: int) -> list[int]:
    """Leaders whose contact point this branch is, or who are members of it."""
    async with c.execute(
        """SELECT DISTINCT telegram_id FROM roles WHERE role = 'leader' AND (
                 telegram_id IN (SELECT leader_telegram_id FROM contact_points
                                 WHERE branch_id = :branch)
                 OR telegram_id IN (SELECT telegram_id FROM members
                                    WHERE branch_id = :branch AND state = 'active'))
               ORDER BY telegram_id""",
        {"branch": branch_id},
    ) as cur:
        return [int(row[0]) for row in await cur.fetchall()]


async def contact_points_of(c: Conn, leader_id: int) -> list[ContactPoint]:
    return await fetch_all(
        c, ContactPoint, "SELECT * FROM contact_points WHERE leader_telegram_id = ?", (leader_id,)
    )


async def add_contact_point(
    c: Conn, leader_id: int, branch_id: int, by: int | None, now: datetime
) -> bool:
    cur = await c.execute(
        """INSERT OR IGNORE INTO contact_points
           (leader_telegram_id, branch_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?)""",
        (leader_id, branch_id, by, ts(now)),
    )
    return cur.rowcount > 0


async def remove_contact_point(c: Conn, leader_id: int, branch_id: int) -> bool:
    cur = await c.execute(
        "DELETE FROM contact_points WHERE leader_telegram_id = ? AND branch_id = ?",
        (leader_id, branch_id),
    )
    return cur.rowcount > 0


async def remove_contact_points(c: Conn, leader_id: int) -> int:
    cur = await c.execute("DELETE FROM contact_points WHERE leader_telegram_id = ?", (leader_id,))
    return cur.rowcount


# --- invites -----------------------------------------------------------------------------


async def add_invite(
    c: Conn, code: str, branch_id: int, by: int, now: datetime, expires_at: datetime, max_uses: int
) -> Invite:
    await c.execute(
        """INSERT INTO invites (code, branch_id, created_by, created_at, expires_at, max_uses)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (code, branch_id, by, ts(now), ts(expires_at), max_uses),
    )
    invite = await get_invite(c, code)
    assert invite is not None
    return invite


async def get_invite(c: Conn, code: str) -> Invite | None:
    return await fetch_one(c, Invite, "SELECT * FROM invites WHERE code = ?", (code,))


async def live_invites(c: Conn, branch_id: int, now: datetime) -> list[Invite]:
    return await fetch_all(
        c,
        Invite,
        """SELECT * FROM invites WHERE branch_id = ? AND revoked_at IS NULL AND expires_at > ?
           AND uses < max_uses ORDER BY created_at DESC""",
        (branch_id, ts(now)),
    )


async def use_invite(c: Conn, code: str) -> None:
    await c.execute("UPDATE invites SET uses = uses + 1 WHERE code = ?", (code,))


async def revoke_invite(c: Conn, code: str, now: datetime) -> bool:
    cur = await c.execute(
        "UPDATE invites SET revoked_at = ? WHERE code = ? AND revoked_at IS NULL", (ts(now), code)
    )
    return cur.rowcount > 0


# --- bind codes ----------------------------------------------------------------------------


async def add_bind_code(
    c: Conn, code: str, branch_id: int, by: int, now: datetime, expires_at: datetime
) -> BindCode:
    await c.execute(
        """INSERT INTO bind_codes (code, branch_id, created_by, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?)""",
        (code, branch_id, by, ts(now), ts(expires_at)),
    )
    bind = await get_bind_code(c, code)
    assert bind is not None
    return bind


async def get_bind_code(c: Conn, code: str) -> BindCode | None:
    return await fetch_one(c, BindCode, "SELECT * FROM bind_codes WHERE code = ?", (code,))


async def use_bind_code(c: Conn, code: str, chat_id: int, now: datetime) -> bool:
    cur = await c.execute(
        "UPDATE bind_codes SET used_at = ?, used_in_chat = ? WHERE code = ? AND used_at IS NULL",
        (ts(now), chat_id, code),
    )
    return cur.rowcount > 0


async def branch_count(c: Conn) -> int:
    return int(await fetch_value(c, "SELECT count(*) FROM units WHERE kind = 'branch'") or 0)
