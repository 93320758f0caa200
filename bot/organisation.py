"""Group-chat bindings and staff: the organisation's own wiring (appointments: bot/roles)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from bot import roles
from bot.access import Actor
from bot.clock import Clock
from bot.delivery import Outgoing
from bot.markup import esc
from bot.recipients import managers, translator_of
from bot.registry import new_code
from storage import audit
from storage import group_members as presence_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database
from storage.models import AuditEntry, BindCode, OutboxKind, OutboxRow, Unit

BIND_CODE_HOURS = 24


async def create_bind_code(db: Database, clock: Clock, branch_id: int, by: Actor) -> BindCode:
    if not by.manages(branch_id):
        raise PermissionError("not a manager of this branch")
    now = clock.now()
    async with db.tx() as c:
        return await org_repo.add_bind_code(
            c, new_code(), branch_id, by.telegram_id, now, now + timedelta(hours=BIND_CODE_HOURS)
        )


BindResult = Literal["bound", "unknown", "used", "expired", "forbidden", "taken"]


@dataclass(frozen=True)
class Binding:
    result: BindResult
    branch: Unit | None = None


async def bind_group(
    db: Database, clock: Clock, code: str, chat_id: int, title: str, by: Actor
) -> Binding:
    """Tie a group chat to the code's branch, if ``by`` manages it (and the chat's old one)."""
    now = clock.now()
    async with db.tx() as c:
        bind = await org_repo.get_bind_code(c, code)
        if bind is None:
            return Binding("unknown")
        branch = await org_repo.get_unit(c, bind.branch_id)
        if not by.manages(bind.branch_id):
            return Binding("forbidden", branch)
        if bind.used_at is not None:
            return Binding("used", branch)
        if bind.expires_at <= now:
            return Binding("expired", branch)
        current = await org_repo.group_chat(c, chat_id)
        if (
            current is not None
            and current.state == "bound"
            and current.branch_id != bind.branch_id
            and not by.manages(current.branch_id)
        ):
            return Binding("taken", branch)
        await org_repo.use_bind_code(c, code, chat_id, now)
        await org_repo.bind_group(c, chat_id, bind.branch_id, title[:128], by.telegram_id, now)
        await audit.record(
            c,
            now,
            f"tg:{by.telegram_id}",
            "group.bind",
            f"branch:{bind.branch_id}",
            f"chat={chat_id}",
        )
    return Binding("bound", branch)


async def branch_of_chat(db: Database, chat_id: int) -> Unit | None:
    async with db.read() as c:
        chat = await org_repo.group_chat(c, chat_id)
        if chat is None or chat.state != "bound":
            return None
        return await org_repo.get_unit(c, chat.branch_id)


async def add_staff(db: Database, clock: Clock, telegram_id: int, actor: str = "cli") -> bool:
    """`zhibu admin add`: True if the person was not staff before."""
    async with db.tx() as c:
        return await roles.begin_staff_in(c, clock.now(), actor, telegram_id)


async def remove_staff(
    db: Database, clock: Clock, telegram_id: int, actor: str = "cli", *, still_admin: bool = False
) -> bool:
    """`zhibu admin remove`: the running bot refuses them from their next update on (rights
    are read fresh each time); they are told, and their menu follows at the next tick —
    unless ``ZHIBU_ADMINS`` still names them (``still_admin``): then they are staff still."""
    async with db.tx() as c:
        return await roles.end_staff_in(c, clock.now(), actor, telegram_id, still_admin=still_admin)


async def _township_named(c: Conn, name: str) -> Unit | None:
    return next((t for t in await org_repo.units_of_kind(c, "township") if t.name == name), None)


async def add_township_staff(
    db: Database, clock: Clock, telegram_id: int, township: str, actor: str = "cli"
) -> bool | None:
    """`zhibu admin add-township`: True if new, False if they were already township staff
    of it, None if no township has that name."""
    async with db.tx() as c:
        unit = await _township_named(c, township)
        if unit is None:
            return None
        return await roles.begin_township_in(c, clock.now(), actor, telegram_id, unit.id, None)


async def remove_township_staff(
    db: Database, clock: Clock, telegram_id: int, township: str, actor: str = "cli"
) -> bool | None:
    """`zhibu admin remove-township`: their powers end at their next update; they are
    told. None if no township has that name."""
    async with db.tx() as c:
        unit = await _township_named(c, township)
        if unit is None:
            return None
        return await roles.end_township_in(c, clock.now(), actor, telegram_id, unit.id)


async def township_staff_list(db: Database) -> list[tuple[int, str]]:
    """Every township staff member with their township's name, for `zhibu admin list`."""
    async with db.read() as c:
        found = []
        for role in await org_repo.holders(c, "township"):
            unit = await org_repo.get_unit(c, role.unit_id) if role.unit_id else None
            found.append((role.telegram_id, unit.name if unit else "—"))
    return found


async def staff_ids(db: Database) -> list[int]:
    async with db.read() as c:
        return [r.telegram_id for r in await org_repo.holders(c, "staff")]


async def county(db: Database) -> Unit | None:
    async with db.read() as c:
        return await org_repo.county(c)


async def townships(db: Database) -> list[Unit]:
    async with db.read() as c:
        return await org_repo.units_of_kind(c, "township")


async def branches_under(db: Database, township_id: int) -> list[Unit]:
    async with db.read() as c:
        return await org_repo.children(c, township_id, "branch")


async def get_unit(db: Database, unit_id: int) -> Unit | None:
    async with db.read() as c:
        return await org_repo.get_unit(c, unit_id)


async def group_migrated(db: Database, clock: Clock, old_chat_id: int, new_chat_id: int) -> bool:
    """A group became a supergroup (a new id): its binding, who is in it and queued
    messages follow."""
    async with db.tx() as c:
        chat = await org_repo.group_chat(c, old_chat_id)
        if chat is None:
            return False
        await org_repo.move_group(c, old_chat_id, new_chat_id)
        await presence_repo.move_chat(c, old_chat_id, new_chat_id)
        await outbox_repo.move_chat(c, old_chat_id, new_chat_id)
        await audit.record(
            c,
            clock.now(),
            "telegram",
            "group.migrated",
            f"branch:{chat.branch_id}",
            f"{old_chat_id} -> {new_chat_id}",
        )
    return True


async def group_lost(
    db: Database, clock: Clock, chat_id: int, title: str, admins: list[int]
) -> Unit | None:
    """The bot was removed from a bound group: the binding is gone, and the branch's
    secretaries (else staff) are told through the outbox, in the same transaction;
    returns its branch."""
    now = clock.now()
    async with db.tx() as c:
        chat = await org_repo.group_chat(c, chat_id)
        if chat is None or chat.state != "bound":
            return None
        await org_repo.set_group_state(c, chat_id, "gone")
        entry = await audit.record(
            c, now, "telegram", "group.lost", f"branch:{chat.branch_id}", str(chat_id)
        )
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope(
                    f"group-lost:{entry}:{to}",
                    to,
                    OutboxKind.GROUP_LOST,
                    chat.branch_id,
                    {"title": title},
                )
                for to in await managers(c, chat.branch_id, admins)
            ],
            now,
        )
        return await org_repo.get_unit(c, chat.branch_id)


async def render_group_lost(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    async with db.read() as c:
        branch = await org_repo.get_unit(c, row.ref_id or 0)
    if branch is None:
        return None
    tr = await translator_of(db, row.chat_id)
    return Outgoing(
        tr(
            "⚠️ I was removed from the group “{title}” of {branch}. To use a group "
            "again, add me to it and send /bind there.",
            title=esc(str(row.payload.get("title", ""))),
            branch=esc(branch.name),
        )
    )


async def audit_between(db: Database, clock: Clock, start: date, end: date) -> list[AuditEntry]:
    """The audit trail from the first day up to (not including) ``end``, local days."""
    async with db.read() as c:
        return await audit.between(
            c,
            datetime.combine(start, time(0), tzinfo=clock.tz),
            datetime.combine(end, time(0), tzinfo=clock.tz),
        )
