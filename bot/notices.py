"""Notices down the tree with receipts (收到), reminders to those who have not.

A notice goes to everyone, only secretaries, only leaders, or only flowing members of a
branch, a township or the county — now, or at a time. When it goes, its recipients are
fixed in one transaction with their outbox rows; each gets it privately with a
"Received" button, and the branch group chats may get a copy. Staff may then remind,
once, everyone it reached who has not acknowledged. A secretary sends only to their own
branch; plain members not at all.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from bot.access import Actor
from bot.callbacks import NoticePress
from bot.chunked import in_chunks
from bot.clock import Clock
from bot.delivery import Outgoing
from bot.i18n import N_, Translator, translator
from bot.markup import esc
from bot.recipients import translator_of
from storage import audit
from storage import notices as notice_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database, Statement
from storage.models import (
    BranchReceipts,
    NewNotice,
    Notice,
    NoticeAudience,
    NoticeReceipts,
    NoticeRecipient,
    OutboxKind,
    OutboxRow,
)


def to_follow_up(item: NoticeReceipts) -> list[BranchReceipts]:
    """The branches of a notice where someone has not acknowledged it yet, is still to be
    told in person, or cannot be reached, in the order of the list (by name): who still
    needs a word, never a ranking of branches by how many clicked."""
    return [b for b in item.branches if b.not_yet or b.to_record or b.unreachable]


def preview(body: str, limit: int = 60) -> str:
    """A notice's first words as plain text (its body is Telegram's HTML): escape it
    again before it goes into a message."""
    return html.unescape(re.sub(r"<[^>]+>", "", body))[:limit]


BODY_MAX = 3500  # the sender's formatted text as Telegram counts it (bot.markup.length)
CAPTION_MAX = 800
AUDIENCES: dict[NoticeAudience, str] = {
    "everyone": N_("Everyone"),
    "secretaries": N_("Branch secretaries only"),
    "leaders": N_("Leaders only"),
    "flowing": N_("Members working away only"),
}
SECRETARY_AUDIENCES: tuple[NoticeAudience, ...] = ("everyone", "flowing")


def may_send(actor: Actor, scope_unit_id: int, audience: NoticeAudience) -> bool:
    """Staff to any audience of a unit they oversee (county staff anywhere, township staff
    their township or one of its branches); a secretary their own branch, to everyone or
    its flowing members."""
    if actor.oversees(scope_unit_id):
        return True
    return scope_unit_id in actor.secretary_of and audience in SECRETARY_AUDIENCES


async def size(db: Database, scope_unit_id: int, audience: NoticeAudience) -> int:
    async with db.read() as c:
        return len(await notice_repo.audience(c, scope_unit_id, audience))


async def without_telegram(db: Database, scope_unit_id: int, audience: NoticeAudience) -> int:
    """How many the notice is for but cannot reach: on the roster, never registered."""
    async with db.read() as c:
        return len(await notice_repo.without_telegram(c, scope_unit_id, audience))


async def groups(db: Database, scope_unit_id: int) -> int:
    async with db.read() as c:
        return len(await notice_repo.group_chats(c, scope_unit_id))


async def create(
    db: Database, clock: Clock, new: NewNotice, ending: Statement | None = None
) -> tuple[Notice, int]:
    """Store it (what the /notice form collected, from ``sender``); if it is due now — a
    time already past counts as now — release it in the same transaction. Returns the
    notice and how many people it was queued for (0 while scheduled)."""
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        notice = await notice_repo.add_notice(
            c, new.model_copy(update={"send_at": max(new.send_at, now)}), now
        )
        await audit.record(
            c,
            now,
            f"tg:{new.sender}",
            "notice.create",
            f"notice:{notice.id}",
            f"{new.audience}@{new.scope_unit_id}",
        )
        queued = await _release(c, notice, now) if new.send_at <= now else 0
    return notice, queued


async def _release(c: Conn, notice: Notice, now: datetime) -> int:
    if not await notice_repo.mark_sent(c, notice.id):
        return 0
    people = await notice_repo.audience(c, notice.scope_unit_id, notice.audience)
    await _queue_to(c, notice, people, now)
    await _queue_rest(
        c,
        notice,
        await _group_chats(c, notice),
        await notice_repo.without_telegram(c, notice.scope_unit_id, notice.audience),
        now,
    )
    return len(people)


async def release_due(db: Database, clock: Clock) -> int:
    """Scheduled notices whose time has come (the tick), each a few hundred recipients per
    transaction (:mod:`bot.chunked`): a county's 30,000 never hold the write lock for
    long. Who it reaches is read on the read connection first. The notice is marked sent
    in the last transaction, so a crash half-way leaves it due and the next tick queues
    the rest (the keys add nothing twice); from the first piece on it can no longer be
    cancelled (:func:`storage.notices.cancel`), since some have it already."""
    now = clock.now()
    queued = 0
    async with db.read() as c:
        due = await notice_repo.due(c, now)
    for notice in due:
        async with db.read() as c:
            people = await notice_repo.audience(c, notice.scope_unit_id, notice.audience)
            chats = await _group_chats(c, notice)
            unreachable = await notice_repo.without_telegram(
                c, notice.scope_unit_id, notice.audience
            )

        async def some(
            c: Conn,
            chunk: Sequence[tuple[int, str, int | None, int | None]],
            notice: Notice = notice,
        ) -> int:
            current = await notice_repo.get_notice(c, notice.id)
            if current is None or current.state != "scheduled":
                return 0  # cancelled before its first piece, or released meanwhile
            await _queue_to(c, notice, chunk, now)
            return len(chunk)

        queued += await in_chunks(db, people, some)
        async with db.tx() as c:
            if await notice_repo.mark_sent(c, notice.id):
                await _queue_rest(c, notice, chats, unreachable, now)
    return queued


async def _group_chats(c: Conn, notice: Notice) -> list[int]:
    return await notice_repo.group_chats(c, notice.scope_unit_id) if notice.to_groups else []


async def _queue_rest(
    c: Conn,
    notice: Notice,
    chats: Sequence[int],
    unreachable: Sequence[tuple[int, str, int]],
    now: datetime,
) -> None:
    """The group posts, and the members on the roster without Telegram counted too, as not
    reachable: the receipts then show the secretary whom to tell by hand."""
    await outbox_repo.enqueue(
        c,
        [
            outbox_repo.Envelope(
                f"notice:{notice.id}:group:{chat}", chat, OutboxKind.NOTICE, notice.id
            )
            for chat in chats
        ],
        now,
    )
    await notice_repo.add_recipients(
        c, notice.id, [(None, member, name, branch, None) for member, name, branch in unreachable]
    )


async def _queue_to(
    c: Conn,
    notice: Notice,
    people: Sequence[tuple[int, str, int | None, int | None]],
    now: datetime,
) -> None:
    """The notice's outbox row and recipient row for each of ``people``."""
    ids = await outbox_repo.enqueue(
        c,
        [
            outbox_repo.Envelope(f"notice:{notice.id}:to:{tg}", tg, OutboxKind.NOTICE, notice.id)
            for tg, _, _, _ in people
        ],
        now,
    )
    await notice_repo.add_recipients(
        c,
        notice.id,
        [
            (tg, member, name, branch, ids.get(f"notice:{notice.id}:to:{tg}"))
            for tg, name, branch, member in people
        ],
    )


NoticeCancel = Literal["cancelled", "sent", "already", "gone"]


async def scheduled(db: Database, actor: Actor) -> list[Notice]:
    """The notices waiting for their time that this person may cancel: those they may
    send (staff any; a secretary their own branch's, to everyone or its flowing members)."""
    scope = actor.branch_scope
    async with db.read() as c:
        found = await notice_repo.scheduled(c, None if scope is None else scope | actor.townships)
    return [n for n in found if may_send(actor, n.scope_unit_id, n.audience)]


async def cancel(db: Database, clock: Clock, notice_id: int, by: int) -> NoticeCancel:
    """Cancel a notice before its time. Its recipients are fixed and queued only when the
    time comes (:func:`release_due`), so a notice cancelled before
    then has nothing queued and reached nobody: nobody is told anything. Once its time
    has come it goes to everyone and cannot be called back (``sent``): stopping it
    half-way would leave some with a notice the others never see."""
    now = clock.now()
    async with db.tx() as c:
        notice = await notice_repo.get_notice(c, notice_id)
        if notice is None:
            return "gone"
        if not await notice_repo.cancel(c, notice_id, by, now):
            # Still "scheduled": its release has begun (bot.notices.release_due).
            return "already" if notice.state == "cancelled" else "sent"
        await audit.record(
            c,
            now,
            f"tg:{by}",
            "notice.cancel",
            f"notice:{notice_id}",
            audit.changes(state=("scheduled", "cancelled")),
        )
    return "cancelled"


Ack = Literal["recorded", "already", "not_yours"]


async def acknowledge(db: Database, clock: Clock, notice_id: int, telegram_id: int) -> Ack:
    async with db.tx() as c:
        done = await notice_repo.acknowledge(c, notice_id, telegram_id, clock.now())
    return "not_yours" if done is None else "recorded" if done else "already"


async def get(db: Database, notice_id: int) -> Notice | None:
    async with db.read() as c:
        return await notice_repo.get_notice(c, notice_id)


async def remind(db: Database, clock: Clock, notice_id: int) -> int | None:
    """Queue one reminder for everyone reached who has not acknowledged; None if this
    notice was reminded about already."""
    now = clock.now()
    async with db.tx() as c:
        if not await notice_repo.mark_reminded(c, notice_id, now):
            return None
        people = await notice_repo.not_acknowledged(c, notice_id)
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope(
                    f"notice:{notice_id}:remind:{tg}", tg, OutboxKind.NOTICE_REMINDER, notice_id
                )
                for tg in people
            ],
            now,
        )
    return len(people)


async def overview(db: Database, branch_ids: frozenset[int] | None) -> list[NoticeReceipts]:
    async with db.read() as c:
        return await notice_repo.receipts(c, branch_ids)


async def recipients(
    db: Database, notice_id: int, branch_ids: frozenset[int] | None
) -> list[NoticeRecipient]:
    async with db.read() as c:
        return await notice_repo.recipients(c, notice_id, branch_ids)


# --- what people see ---------------------------------------------------------------------------


async def _scope_name(db: Database, notice: Notice) -> str:
    async with db.read() as c:
        unit = await org_repo.get_unit(c, notice.scope_unit_id)
    return unit.name if unit else "—"


def render(tr: Translator, notice: Notice, scope: str, *, with_button: bool) -> Outgoing:
    """The notice as sent. ``body`` is HTML Telegram made from the sender's formatting."""
    text = "\n".join([tr("📢 <b>Notice</b>"), notice.body, "", tr("— {unit}", unit=esc(scope))])
    buttons = [[(tr("✅ Received"), NoticePress("ack", notice.id).pack())]] if with_button else []
    return Outgoing(text, buttons, notice.media_kind, notice.file_id)


async def again(db: Database, tr: Translator, notice_id: int, telegram_id: int) -> Outgoing | None:
    """The notice as its recipient got it, with its button, to read again (from /todo);
    None if it was not sent to them."""
    async with db.read() as c:
        if not await notice_repo.is_recipient(c, notice_id, telegram_id):
            return None
        notice = await notice_repo.get_notice(c, notice_id)
    if notice is None or notice.state != "sent":
        return None
    return render(tr, notice, await _scope_name(db, notice), with_button=True)


async def render_notice(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    notice = await get(db, row.ref_id or 0)
    if notice is None or notice.state == "cancelled":
        return None
    person = row.chat_id > 0
    tr = await translator_of(db, row.chat_id) if person else translator(None)
    return render(tr, notice, await _scope_name(db, notice), with_button=person)


async def render_notice_reminder(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    notice = await get(db, row.ref_id or 0)
    if notice is None:
        return None
    async with db.read() as c:
        if await notice_repo.is_acknowledged(c, notice.id, row.chat_id):
            return None
    tr = await translator_of(db, row.chat_id)
    out = render(tr, notice, await _scope_name(db, notice), with_button=True)
    return Outgoing(
        tr("🔔 A reminder: please read this notice and press “Received”.") + "\n\n" + out.text,
        out.buttons,
        out.media_kind,
        out.file_id,
    )
