"""Heartfelt notes (心得体会): who must write, asking them, the notes, the review, the record.

The guidelines ask for notes after study — party lessons, centralised study, the party
activity day (which kinds is a setting) — and after study materials, not after the
business of a committee or group meeting. They do not ask members working away, members
aged 60 or over (:data:`~storage.notes.EXEMPT_AGE`), or members without writing ability.
Such members are never asked or reminded — but a note they send anyway is kept and counts.

The rules against formalism say reminders are few and end: a request is named in at
most :data:`NOTE_REMINDERS` evening reminders (bundled in the one study reminder a day,
see :mod:`bot.materials`), and lapses ``ZHIBU_NOTE_DAYS`` after it was asked. After its
reminders it is only listed for the secretary; once lapsed it is owed nowhere, but stays
as history (asked, not written) and a late note still answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from bot.callbacks import NoteStart, NoteWrite
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import Outgoing
from bot.i18n import N_, Translator
from bot.markup import MESSAGE_LIMIT, esc, shorten
from bot.recipients import translator_of
from storage import audit
from storage import members as member_repo
from storage import notes as note_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database, Statement
from storage.models import (
    Exemption,
    Meeting,
    MeetingKind,
    Member,
    NewNote,
    Note,
    NoteKind,
    NoteRequest,
    NoteView,
    OutboxKind,
    OutboxRow,
)
from storage.notes import EXEMPT_AGE

NOTE_MAX = 3000
CENTRALISED_STUDY_TARGET = 20  # sessions a year, for township leadership
NOTE_REMINDERS = 2  # evening reminders that may name one request, at most
REMINDER_GAP_DAYS = 3  # between them: a member busy for a day or two still hears once more

EXEMPTIONS: dict[Exemption, str] = {
    "flowing": N_("working away"),
    "age": N_("aged {age} or over"),  # EXEMPT_AGE
    "no_writing": N_("marked as unable to write"),
}


def exemption_text(tr: Translator, why: Exemption) -> str:
    return tr(EXEMPTIONS[why], age=EXEMPT_AGE)


def subject_of(kind: Literal["meeting", "material"], ref_id: int) -> str:
    return f"{kind}:{ref_id}"


@dataclass(frozen=True)
class NotePolicy:
    """After which sessions notes are asked for, and how long a request stays owed."""

    after: frozenset[MeetingKind]
    days: int

    @classmethod
    def of(cls, settings: Settings) -> NotePolicy:
        return cls(frozenset(settings.note_after), settings.note_days)

    def expires(self, now: datetime) -> datetime:
        """Owed through the last of ``days`` whole days after the day of asking; lapsed at
        the local midnight after it (a date a member and a secretary can be told)."""
        last = now.date() + timedelta(days=self.days)
        return datetime.combine(last + timedelta(days=1), time(0), tzinfo=now.tzinfo)


def last_day(request: NoteRequest, tz: tzinfo) -> date:
    """The last local day a request is owed."""
    return (request.expires_at.astimezone(tz) - timedelta(seconds=1)).date()


# --- asking -------------------------------------------------------------------------------


async def ask_after_meeting(
    c: Conn, meeting: Meeting, attended: list[Member], now: datetime, policy: NotePolicy
) -> list[outbox_repo.Envelope]:
    """At closing: if the session is of a kind that asks for notes, ask those who attended
    and must write (inside the closing transaction)."""
    if meeting.kind not in policy.after:
        return []
    exempt = await note_repo.exemptions(c, [m.id for m in attended], now.year)
    required = [m for m in attended if m.id not in exempt]
    subject = subject_of("meeting", meeting.id)
    await note_repo.ask(
        c, [(m.id, subject, meeting.topic) for m in required], now, policy.expires(now)
    )
    return [
        outbox_repo.Envelope(
            f"note-request:{subject}:member:{m.id}",
            m.telegram_id,
            OutboxKind.NOTE_REQUEST,
            m.id,
            {"subject": subject, "title": meeting.topic},
        )
        for m in required
        if m.telegram_id is not None
    ]


async def ask_after_material(
    c: Conn, member: Member, material_id: int, title: str, now: datetime, policy: NotePolicy
) -> list[outbox_repo.Envelope]:
    """After "Studied", in the transaction that marks it: ask for a note unless exempt."""
    if await note_repo.exemptions(c, [member.id], now.year):
        return []
    subject = subject_of("material", material_id)
    await note_repo.ask(c, [(member.id, subject, title)], now, policy.expires(now))
    return (
        [
            outbox_repo.Envelope(
                f"note-request:{subject}:member:{member.id}",
                member.telegram_id,
                OutboxKind.NOTE_REQUEST,
                member.id,
                {"subject": subject, "title": title},
            )
        ]
        if member.telegram_id is not None
        else []
    )


async def render_request(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    tr = await translator_of(db, row.chat_id)
    return Outgoing(
        tr(
            "✍️ Please write a heartfelt note about “{title}”: type it, send a voice message, "
            "or a photo of a handwritten page.",
            title=esc(str(row.payload["title"])),
        ),
        [[(tr("✍️ Write it now"), NoteWrite.about(str(row.payload["subject"])).pack())]],
    )


# --- writing ---------------------------------------------------------------------------------


async def owed(db: Database, clock: Clock, member_id: int) -> list[NoteRequest]:
    async with db.read() as c:
        return await note_repo.owed(c, member_id, clock.now())


async def request_for(db: Database, member_id: int, subject: str) -> NoteRequest | None:
    """The member's unanswered request on a subject, even lapsed: a note pressed for from
    an old message still answers what was asked."""
    async with db.read() as c:
        return await note_repo.unanswered(c, member_id, subject)


async def submit(
    db: Database,
    clock: Clock,
    member: Member,
    subject: str,
    title: str,
    kind: NoteKind,
    body: str,
    file_id: str | None,
    ending: Statement | None = None,
) -> Note:
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        note = await note_repo.add_note(
            c,
            NewNote(
                member_id=member.id,
                subject=subject,
                title=title,
                kind=kind,
                body=body,
                file_id=file_id,
            ),
            now,
        )
        await audit.record(
            c, now, f"member:{member.id}", "note.submit", subject, f"note={note.id} {kind}"
        )
    return note


# --- review ------------------------------------------------------------------------------------

Verdict = Literal["read", "excellent", "rewrite"]


async def to_review(
    db: Database, branch_ids: frozenset[int] | None, limit: int = 5
) -> list[NoteView]:
    async with db.read() as c:
        return await note_repo.to_review(c, branch_ids, limit)


async def owed_in(
    db: Database, clock: Clock, branch_ids: frozenset[int] | None
) -> list[tuple[str, NoteRequest]]:
    """(member's name, request) of every note still owed in these branches."""
    async with db.read() as c:
        return await note_repo.owed_in_branches(c, branch_ids, clock.now())


async def unable_to_write(db: Database, branch_ids: frozenset[int] | None) -> list[Member]:
    async with db.read() as c:
        return await note_repo.unable_to_write(c, branch_ids)


async def note_with_author(db: Database, note_id: int) -> tuple[Note | None, Member | None]:
    async with db.read() as c:
        note = await note_repo.get_note(c, note_id)
        author = await member_repo.get_member(c, note.member_id) if note else None
    return note, author


async def review(
    db: Database,
    clock: Clock,
    policy: NotePolicy,
    note_id: int,
    verdict: Verdict,
    comment: str | None,
    by: int,
    ending: Statement | None = None,
) -> bool:
    """A note sent back for a rewrite is owed again, for as long as a new request. The
    author hears of "excellent" and of a rewrite through the outbox, queued with the
    verdict (keyed by its audit entry: a later verdict is told again)."""
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        changed = await note_repo.review(c, note_id, verdict, comment, by, now)
        if not changed:
            return False
        entry = await audit.record(c, now, f"tg:{by}", f"note.{verdict}", f"note:{note_id}")
        note = await note_repo.get_note(c, note_id)
        if note is None:
            return True
        if verdict == "rewrite" and note.subject:
            await note_repo.renew(c, note.member_id, note.subject, policy.expires(now))
        author = await member_repo.get_member(c, note.member_id)
        if verdict in TOLD and author is not None and author.telegram_id is not None:
            await outbox_repo.enqueue(
                c,
                [
                    outbox_repo.Envelope(
                        f"note-verdict:{entry}", author.telegram_id, TOLD[verdict], note.id
                    )
                ],
                now,
            )
    return True


#: The verdicts the author is told of, and the outbox kind that tells them.
TOLD: dict[Verdict, OutboxKind] = {
    "excellent": OutboxKind.NOTE_EXCELLENT,
    "rewrite": OutboxKind.NOTE_REWRITE,
}


async def _verdict_told(db: Database, row: OutboxRow, verdict: Verdict) -> Note | None:
    """The note, if it still has the verdict the row tells (a secretary who changed their
    mind at once sends nothing stale)."""
    async with db.read() as c:
        note = await note_repo.get_note(c, row.ref_id or 0)
    return note if note is not None and note.review == verdict else None


def _about(tr: Translator, note: Note) -> str:
    return tr(" about “{title}”", title=esc(note.title)) if note.title else ""


async def render_excellent(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    note = await _verdict_told(db, row, "excellent")
    if note is None:
        return None
    tr = await translator_of(db, row.chat_id)
    return Outgoing(
        tr(
            "⭐ Your heartfelt note{about} was marked excellent by your branch. Well done!",
            about=_about(tr, note),
        )
    )


async def render_rewrite(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    note = await _verdict_told(db, row, "rewrite")
    if note is None:
        return None
    tr = await translator_of(db, row.chat_id)
    return Outgoing(
        shorten(
            tr(
                "↩️ Your branch secretary asks you to rewrite your note{about}: {comment}",
                about=_about(tr, note),
                comment=esc(note.comment or ""),
            ),
            MESSAGE_LIMIT,
        ),
        [[(tr("✍️ Write it again"), NoteStart().pack())]],
    )


async def set_unable_to_write(
    db: Database, clock: Clock, member_id: int, unable: bool, by: int
) -> bool:
    """Mark a member unable to write, or lift it (a secretary's judgement, either way in
    the audit with before and after). False if it already was so."""
    now = clock.now()
    async with db.tx() as c:
        member = await member_repo.get_member(c, member_id)
        if member is None or member.no_writing == unable:
            return False
        await member_repo.update_member(c, member_id, {"no_writing": unable}, now)
        await audit.record(
            c,
            now,
            f"tg:{by}",
            "member.no_writing" if unable else "member.can_write",
            f"member:{member_id}",
            audit.changes(no_writing=(member.no_writing, unable)),
        )
    return True
