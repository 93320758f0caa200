"""Study materials: pushing one to an audience, marking it studied, make-up.

A push is one transaction: the material, one outbox row per reachable recipient (keyed
``material:<id>:member:<id>``, so nobody can get it queued twice) and one recipient row
per member, including those the bot cannot write to, who count as unreachable. The
outbox sender does the sending; this module only decides who gets what. Reminders come
in the evening reminder with everything else open (bot/todo.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot import notes, round_memo
from bot.callbacks import MaterialPress
from bot.clock import Clock
from bot.delivery import Outgoing
from bot.i18n import Translator
from bot.makeup import queue_material
from bot.markup import esc
from bot.recipients import translator_of
from storage import audit
from storage import materials as material_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Database, Statement
from storage.models import (
    Material,
    MaterialAudience,
    MaterialStats,
    Member,
    NewMaterial,
    OutboxRow,
    RecipientView,
)

TITLE_MAX = 60
BODY_MAX = 3000  # a text material: room for the title and date within 4096
CAPTION_BODY_MAX = 800  # a file's caption is at most 1024 characters


@dataclass(frozen=True)
class AudienceSize:
    total: int
    reachable: int  # has a Telegram account the bot can write to


@dataclass(frozen=True)
class PushResult:
    material: Material
    queued: int
    unreachable: int


def outgoing(tr: Translator, material: Material, scope_name: str) -> Outgoing:
    """The material as a member sees it; its length is bounded by TITLE_MAX and BODY_MAX."""
    lines = [tr("📚 <b>Study material: {title}</b>", title=esc(material.title))]
    if material.body:
        lines += ["", esc(material.body)]
    lines.append("")
    if material.due_date is not None:
        lines.append(tr("Please study it by {date}.", date=material.due_date.isoformat()))
    lines.append(tr("From: {unit}", unit=esc(scope_name)))
    buttons = [
        [
            (tr("✅ Studied"), MaterialPress("done", material.id).pack()),
            (tr("⏰ Later"), MaterialPress("later", material.id).pack()),
        ]
    ]
    return Outgoing("\n".join(lines), buttons, material.media_kind, material.file_id)


async def render_for(db: Database, material: Material, telegram_id: int) -> Outgoing:
    tr = await translator_of(db, telegram_id)

    async def build() -> Outgoing:
        async with db.read() as c:
            unit = await org_repo.get_unit(c, material.scope_unit_id)
        return outgoing(tr, material, unit.name if unit else "—")

    # The same for every recipient in a language: built once for a batch of the outbox.
    return await round_memo.remember(("material-body", material.id, tr.language), build)


async def render_material(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    async def load() -> Material | None:
        async with db.read() as c:
            return await material_repo.get_material(c, row.ref_id or 0)

    material = await round_memo.remember(("material-row", row.ref_id), load)
    if material is None:
        return None
    return await render_for(db, material, row.chat_id)


# --- pushing ------------------------------------------------------------------------------


async def audience_size(
    db: Database, scope_unit_id: int, audience: MaterialAudience
) -> AudienceSize:
    async with db.read() as c:
        members = await material_repo.audience(c, scope_unit_id, audience == "flowing")
    return AudienceSize(len(members), sum(1 for m in members if m.telegram_id is not None))


async def push(
    db: Database, clock: Clock, new: NewMaterial, ending: Statement | None = None
) -> PushResult:
    """Store the material (what the /push form collected, by ``created_by``) and queue it
    to its audience, in one transaction."""
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        material = await material_repo.add_material(c, new, now)
        members = await material_repo.audience(c, new.scope_unit_id, new.audience == "flowing")
        queued = await queue_material(c, material, members, now, makeup=False)
        await audit.record(
            c,
            now,
            f"tg:{new.created_by}",
            "material.push",
            f"material:{material.id}",
            f"{new.audience}@{new.scope_unit_id}: {len(members)}",
        )
    return PushResult(material, queued, len(members) - queued)


# --- members' side ------------------------------------------------------------------------

StudyMark = Literal["marked", "already", "not_yours"]


async def mark_studied(
    db: Database, clock: Clock, material_id: int, member: Member | None, policy: notes.NotePolicy
) -> StudyMark:
    if member is None:
        return "not_yours"
    now = clock.now()
    async with db.tx() as c:
        if not await material_repo.is_recipient(c, material_id, member.id):
            return "not_yours"
        if not await material_repo.mark_studied(c, material_id, member.id, now):
            return "already"
        # The note request commits with the mark, and its message goes through the outbox:
        # a crash in between can neither lose it nor send it twice.
        material = await material_repo.get_material(c, material_id)
        if material is not None:
            await outbox_repo.enqueue(
                c,
                await notes.ask_after_material(c, member, material.id, material.title, now, policy),
                now,
            )
    return "marked"


async def received(db: Database, material_id: int, member: Member | None) -> Material | None:
    """The material, if this member was sent it (for showing it again)."""
    if member is None:
        return None
    async with db.read() as c:
        if not await material_repo.is_recipient(c, material_id, member.id):
            return None
        return await material_repo.get_material(c, material_id)


async def open_materials(db: Database, member_id: int) -> list[Material]:
    async with db.read() as c:
        return await material_repo.open_for_member(c, member_id)


# --- secretaries' side ---------------------------------------------------------------------


async def overview(db: Database, branch_ids: frozenset[int] | None) -> list[MaterialStats]:
    """Newest materials reaching these branches (None: every branch) with their counts."""
    async with db.read() as c:
        return await material_repo.stats(c, branch_ids)


async def who(
    db: Database, material_id: int, branch_ids: frozenset[int] | None
) -> tuple[Material | None, list[RecipientView]]:
    async with db.read() as c:
        material = await material_repo.get_material(c, material_id)
        people = await material_repo.recipients(c, material_id, branch_ids)
    return material, people
