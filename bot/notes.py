"""Heartfelt notes (心得体会): who must write, asking them, the notes, the review, the record.

The guidelines do not ask members working away, members aged 60 or over, or members
without writing ability to write notes. Such members are never asked or reminded — but
a note they send anyway is kept and counts. Everyone else is asked after a session
they attended and after a material they studied; what they still owe is named in the
one evening reminder a day they may get (see :mod:`bot.materials`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from bot.callbacks import pack
from bot.clock import Clock
from bot.delivery import Outgoing, renderer
from bot.i18n import N_
from bot.markup import esc
from bot.recipients import translator_of
from storage import audit
from storage import members as member_repo
from storage import notes as note_repo
from storage import outbox as outbox_repo
from storage.db import Conn, Database, Statement
from storage.models import (
    Meeting,
    Member,
    Note,
    NoteKind,
    NoteRequest,
    NoteView,
    OutboxRow,
    StudyRecord,
)

EXEMPT_AGE = 60
NOTE_MAX = 3000
CENTRALISED_STUDY_TARGET = 20  # sessions a year, for township leadership

Exemption = Literal["flowing", "age", "no_writing"]
EXEMPTIONS: dict[Exemption, str] = {
    "flowing": N_("working away"),
    "age": N_("aged 60 or over"),
    "no_writing": N_("marked as unable to write"),
}


def exemption(member: Member, today: date) -> Exemption | None:
    if member.flowing:
        return "flowing"
    if member.birth_year is not None and today.year - member.birth_year >= EXEMPT_AGE:
        return "age"
    if member.no_writing:
        return "no_writing"
    return None


def subject_of(kind: Literal["meeting", "material"], ref_id: int) -> str:
    return f"{kind}:{ref_id}"


# --- asking -------------------------------------------------------------------------------


async def ask_after_meeting(c: Conn, meeting: Meeting, attended: list[Member], now: datetime
                            ) -> list[outbox_repo.Envelope]:
    """At closing: ask those who attended and must write (inside the closing transaction)."""
    required = [m for m in attended if exemption(m, now.date()) is None]
    subject = subject_of("meeting", meeting.id)
    await note_repo.ask(c, [(m.id, subject, meeting.topic) for m in required], now)
    return [outbox_repo.Envelope(f"note-request:{subject}:member:{m.id}", m.telegram_id,
                                 "note_request", m.id, {"subject": subject,
                                                        "title": meeting.topic})
            for m in required if m.telegram_id is not None]


async def ask_after_material(c: Conn, member: Member, material_id: int, title: str,
                             now: datetime) -> list[outbox_repo.Envelope]:
    """After "Studied", in the transaction that marks it: ask for a note unless exempt."""
    if exemption(member, now.date()) is not None:
        return []
    subject = subject_of("material", material_id)
    await note_repo.ask(c, [(member.id, subject, title)], now)
    return [outbox_repo.Envelope(f"note-request:{subject}:member:{member.id}",
                                 member.telegram_id, "note_request", member.id,
                                 {"subject": subject, "title": title})
            ] if member.telegram_id is not None else []


@renderer("note_request")
async def _render_request(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    tr = await translator_of(db, row.chat_id)
    kind, _, ref = str(row.payload["subject"]).partition(":")
    return Outgoing(
        tr("✍️ Please write a heartfelt note about “{title}”: type it, send a voice message, "
           "or a photo of a handwritten page.", title=esc(str(row.payload["title"]))),
        [[(tr("✍️ Write it now"), pack("note", "write", kind, ref))]])


# --- writing ---------------------------------------------------------------------------------


async def owed(db: Database, member_id: int) -> list[NoteRequest]:
    async with db.read() as c:
        return await note_repo.owed(c, member_id)


async def submit(db: Database, clock: Clock, member: Member, subject: str, title: str,
                 kind: NoteKind, body: str, file_id: str | None,
                 ending: Statement | None = None) -> Note:
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        note = await note_repo.add_note(c, {
            "member_id": member.id, "subject": subject, "title": title, "kind": kind,
            "body": body, "file_id": file_id}, now)
        await audit.record(c, now, f"member:{member.id}", "note.submit", subject,
                           f"note={note.id} {kind}")
    return note


# --- review ------------------------------------------------------------------------------------

Verdict = Literal["read", "excellent", "rewrite"]


async def to_review(db: Database, branch_ids: frozenset[int] | None, limit: int = 5
                    ) -> list[NoteView]:
    async with db.read() as c:
        return await note_repo.to_review(c, branch_ids, limit)


async def owed_in(db: Database, clock: Clock, branch_ids: frozenset[int] | None
                  ) -> list[tuple[int, str, str]]:
    async with db.read() as c:
        return await note_repo.owed_in_branches(c, branch_ids, clock.today().year)


async def note_with_author(db: Database, note_id: int) -> tuple[Note | None, Member | None]:
    async with db.read() as c:
        note = await note_repo.get_note(c, note_id)
        author = await member_repo.get_member(c, note.member_id) if note else None
    return note, author


async def review(db: Database, clock: Clock, note_id: int, verdict: Verdict,
                 comment: str | None, by: int, ending: Statement | None = None) -> bool:
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        changed = await note_repo.review(c, note_id, verdict, comment, by, now)
        if changed:
            await audit.record(c, now, f"tg:{by}", f"note.{verdict}", f"note:{note_id}")
    return changed


async def set_no_writing(db: Database, clock: Clock, member_id: int, by: int) -> None:
    now = clock.now()
    async with db.tx() as c:
        await member_repo.update_member(c, member_id, {"no_writing": True}, now)
        await audit.record(c, now, f"tg:{by}", "member.no_writing", f"member:{member_id}")


# --- the study record --------------------------------------------------------------------------


async def record(db: Database, clock: Clock, member_id: int) -> StudyRecord:
    """This calendar year, in the organisation's time zone."""
    today = clock.today()
    start = datetime(today.year, 1, 1, tzinfo=clock.tz)
    end = datetime(today.year + 1, 1, 1, tzinfo=clock.tz)
    async with db.read() as c:
        return await note_repo.record(c, member_id, start, end)
