"""Putting a material in members' outboxes, at the level of one open transaction.

Both a push and a make-up (a member who starts working away gets what their branch's
flowing members were sent lately) go through here. The make-up is called inside the
transaction that makes someone a flowing member — an approval, a profile change, an
import — so a crash cannot leave a flowing member without what they missed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from storage import materials as material_repo
from storage import outbox as outbox_repo
from storage.db import Conn
from storage.models import Material, Member, OutboxKind


async def queue_material(
    c: Conn, material: Material, members: list[Member], now: datetime, *, makeup: bool
) -> int:
    """Record them as recipients and queue a copy for each who has Telegram."""
    envelopes = [
        outbox_repo.Envelope(
            f"material:{material.id}:member:{m.id}", m.telegram_id, OutboxKind.MATERIAL, material.id
        )
        for m in members
        if m.telegram_id is not None
    ]
    ids = await outbox_repo.enqueue(c, envelopes, now)
    await material_repo.add_recipients(
        c,
        material.id,
        [(m.id, ids.get(f"material:{material.id}:member:{m.id}")) for m in members],
        now,
        makeup=makeup,
    )
    return len(envelopes)


async def queue_make_up(c: Conn, member: Member, days: int, now: datetime) -> int:
    """What the branch's flowing members were sent in the last ``days`` days and this
    member was not; returns how many materials were queued."""
    if days <= 0 or member.telegram_id is None or not member.flowing:
        return 0
    missed = await material_repo.makeup_for(
        c, member.id, member.branch_id, now - timedelta(days=days)
    )
    for material in missed:
        await queue_material(c, material, [member], now, makeup=True)
    return len(missed)
