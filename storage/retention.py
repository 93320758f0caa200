"""Erasing personal data once it is no longer needed (README "Privacy"): each function is
one statement, safe to run again (a second run finds nothing left to erase), and leaves
every row that a figure counts — attendance, visits' days, notes — in place."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from storage.db import Conn
from storage.models import Visit
from storage.rows import fetch_all, ts


async def forget_rejected_applications(c: Conn, before: datetime) -> int:
    cur = await c.execute(
        "DELETE FROM applications WHERE state = 'rejected' AND decided_at < ?", (ts(before),)
    )
    return cur.rowcount


async def forget_abandoned_forms(c: Conn, before: datetime) -> int:
    """Forms (dialogs) nobody touched since ``before``, with what was typed into them."""
    cur = await c.execute("DELETE FROM dialogs WHERE updated_at < ?", (ts(before),))
    return cur.rowcount


async def forget_removed_contacts(c: Conn, before: datetime) -> int:
    """Contact details of members taken off the roster before ``before`` (removal is their
    last change). Name, branch and status stay: past sessions keep their people."""
    cur = await c.execute(
        """UPDATE members SET phone = NULL, birth_year = NULL, flow_city = NULL,
                  flow_employer = NULL, flow_since = NULL, host_name = NULL
            WHERE state = 'removed' AND updated_at < ?
              AND (phone IS NOT NULL OR birth_year IS NOT NULL OR flow_city IS NOT NULL
                   OR flow_employer IS NOT NULL OR flow_since IS NOT NULL
                   OR host_name IS NOT NULL)""",
        (ts(before),),
    )
    return cur.rowcount


async def forget_removed_stays(c: Conn, before: datetime) -> int:
    """Where members taken off the roster before ``before`` worked away (their history of
    stays): places and dates go, the rows stay as the bare fact that they were away."""
    cur = await c.execute(
        """UPDATE member_stays SET city = NULL, employer = NULL, host_name = NULL, since = NULL
            WHERE member_id IN (SELECT id FROM members WHERE state = 'removed'
                                AND updated_at < ?)
              AND (city IS NOT NULL OR employer IS NOT NULL OR host_name IS NOT NULL
                   OR since IS NOT NULL)""",
        (ts(before),),
    )
    return cur.rowcount


async def forget_strangers(c: Conn, before: datetime, keep: Collection[int]) -> int:
    """Telegram accounts first seen before ``before`` that never became anything: no
    member, application, form, role, contact point, visit or audit entry of theirs, and
    not in ``keep`` (ZHIBU_ADMINS). Coming back later, they are met as new."""
    marks = ",".join("?" for _ in keep) or "NULL"
    cur = await c.execute(
        f"""DELETE FROM users
             WHERE created_at < ? AND telegram_id NOT IN ({marks})
               AND telegram_id NOT IN (SELECT telegram_id FROM members
                                        WHERE telegram_id IS NOT NULL)
               AND telegram_id NOT IN (SELECT telegram_id FROM applications)
               AND telegram_id NOT IN (SELECT telegram_id FROM dialogs)
               AND telegram_id NOT IN (SELECT telegram_id FROM roles)
               AND telegram_id NOT IN (SELECT leader_telegram_id FROM contact_points)
               AND telegram_id NOT IN (SELECT leader_telegram_id FROM visits)
               AND telegram_id NOT IN (SELECT CAST(substr(actor, 4) AS INTEGER) FROM audit
                                        WHERE actor LIKE 'tg:%')""",
        (ts(before), *keep),
    )
    gone = cur.rowcount
    await c.execute(
        "DELETE FROM personal_menus WHERE telegram_id NOT IN (SELECT telegram_id FROM users)"
    )
    # Who of them was seen in a branch group: asked again should they join after all.
    await c.execute(
        "DELETE FROM group_members WHERE telegram_id NOT IN (SELECT telegram_id FROM users)"
    )
    return gone


async def located_visits(c: Conn) -> list[Visit]:
    """Visits that still carry a location."""
    return await fetch_all(
        c,
        Visit,
        "SELECT * FROM visits WHERE latitude IS NOT NULL OR longitude IS NOT NULL ORDER BY id",
    )


async def all_sent(c: Conn, key_prefix: str) -> bool:
    """Were messages with keys starting so queued, and none of them still waits?"""
    async with c.execute(
        "SELECT count(*), count(*) FILTER (WHERE state = 'queued') FROM outbox "
        "WHERE key >= ? AND key < ?",
        (key_prefix, key_prefix + "\uffff"),
    ) as cur:
        row = await cur.fetchone()
    return row is not None and row[0] > 0 and row[1] == 0


async def forget_locations(c: Conn, visit_ids: Collection[int]) -> int:
    marks = ",".join("?" for _ in visit_ids)
    if not marks:
        return 0
    cur = await c.execute(
        f"UPDATE visits SET latitude = NULL, longitude = NULL WHERE id IN ({marks})",
        tuple(visit_ids),
    )
    return cur.rowcount


async def erase_member(c: Conn, member_id: int, placeholder: str, now: datetime) -> int | None:
    """Everything that says who the member was, on their request: the row keeps its id,
    branch and status (so attendance and counts stay), under ``placeholder``. Their notes
    keep their kind and review, not their words; leave reasons go; their applications
    and forms go. Returns the Telegram id they had, if any."""
    async with c.execute("SELECT telegram_id, name FROM members WHERE id = ?", (member_id,)) as cur:
        row = await cur.fetchone()
    telegram_id = row[0] if row is not None else None
    name = str(row[1]) if row is not None else None
    await c.execute(
        """UPDATE members SET name = ?, phone = NULL, birth_year = NULL, flow_city = NULL,
                  flow_employer = NULL, flow_since = NULL, host_name = NULL,
                  host_branch_id = NULL, telegram_id = NULL,
                  roster_key = NULL, state = CASE WHEN state = 'active' THEN 'removed'
                  ELSE state END, updated_at = ?
            WHERE id = ?""",
        (placeholder, ts(now), member_id),
    )
    await c.execute(
        "UPDATE member_stays SET city = NULL, employer = NULL, host_name = NULL, "
        "since = NULL WHERE member_id = ?",
        (member_id,),
    )
    await c.execute(
        "UPDATE notes SET body = '', file_id = NULL, comment = NULL WHERE member_id = ?",
        (member_id,),
    )
    await c.execute(
        "UPDATE attendance SET reason = NULL, reason_file_id = NULL WHERE member_id = ?",
        (member_id,),
    )
    await c.execute(  # research reports keep their date (the count), not their words
        "UPDATE research_reports SET title = '—', body = '', file_id = NULL, file_name = NULL "
        "WHERE member_id = ?",
        (member_id,),
    )
    # Copies of the name: receipts of notices, and messages that named them to others.
    await c.execute(
        "UPDATE notice_recipients SET name = ? WHERE member_id = ?"
        + (" OR telegram_id = ?" if telegram_id is not None else ""),
        (placeholder, member_id) + ((telegram_id,) if telegram_id is not None else ()),
    )
    if telegram_id is not None:  # the person responsible for rectification items
        await c.execute(
            "UPDATE rectifications SET responsible_name = ? WHERE responsible = ?",
            (placeholder, telegram_id),
        )
        # What they wrote and sent on the ledger goes; the steps stay (what, when), so
        # the item's history and counts still read.
        await c.execute(
            """UPDATE rectification_events SET body = '', files = '[]'
               WHERE actor = ? AND kind IN ('progress', 'asked')""",
            (telegram_id,),
        )
    if name:  # a change of the person responsible names both
        await c.execute(
            """UPDATE rectification_events SET body = replace(body, ?, ?)
               WHERE kind = 'responsible' AND instr(body, ?) > 0""",
            (name, placeholder, name),
        )
    if name is not None:
        await c.execute(
            """UPDATE outbox SET payload = json_set(payload, '$.name', ?)
               WHERE json_valid(payload) AND json_extract(payload, '$.name') = ?""",
            (placeholder, name),
        )
    if telegram_id is not None:
        await c.execute("DELETE FROM applications WHERE telegram_id = ?", (telegram_id,))
        await c.execute("DELETE FROM dialogs WHERE telegram_id = ?", (telegram_id,))
        await c.execute("DELETE FROM group_members WHERE telegram_id = ?", (telegram_id,))
        # The account's own name and handle, as Telegram told them (other names of the
        # person in the audit and exports fall back to these).
        await c.execute(
            "UPDATE users SET first_name = '', username = NULL WHERE telegram_id = ?",
            (telegram_id,),
        )
    await c.execute(
        "UPDATE applications SET match_member_id = NULL WHERE match_member_id = ?", (member_id,)
    )
    return int(telegram_id) if telegram_id is not None else None
