"""/note, /notes and /record: writing heartfelt notes, reviewing them, the study record.

Buttons: ``note:start`` (choose what to write about), ``note:write:<meeting|material>:<id>``
(write about that), ``note:<read|star|redo>:<note id>`` (a secretary's verdict),
``note:exempt:<member id>`` (mark a member unable to write), ``note:lift:<member id>`` and
``note:lift:<member id>:<yes|no>`` (lift it, confirmed by a second press),
``note:full:<note id>`` (the whole of a note shortened in the list), ``rec:<member id>``
(show a member's record).
"""

from __future__ import annotations

from typing import Literal

from telegram import CallbackQuery, InlineKeyboardButton, Update

from bot import leadership, migrants, notes, registry, study_record
from bot.callbacks import (
    NoteExempt,
    NoteFull,
    NoteLift,
    NoteStart,
    NoteVerdict,
    NoteWrite,
    ResearchNew,
    StudyRecord,
)
from bot.context import ZContext
from bot.delivery import Outgoing, send
from bot.i18n import N_
from bot.markup import CAPTION_LIMIT, MESSAGE_LIMIT, length, shorten
from bot.notes import NOTE_MAX, Verdict
from bot.profile import InvalidInput, clean_body
from handlers import dialog, picker
from handlers.dialog import Answer
from handlers.guards import Refused, Stale, managers_only, not_a_member_yet, on_press, private_only
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, chunks, esc, grid, inline, take_buttons_away
from storage.models import Dialog, Member, Note, NoteKind, NoteRequest, NoteView, Unit

NOTE = "note"
REDO = "redo"
REVIEW_SHOWN = 5
NOTE_PREVIEW = 600  # units of a note shown in the /notes list; "Read all" has the rest
PEOPLE_BUTTONS = 20  # people with a button in one /notes list; the list names everyone


# --- writing ---------------------------------------------------------------------------------


async def note_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    await _choose_subject(update, context)


async def _choose_subject(update: Update, context: ZContext) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    member = context.actor.active_member
    if member is None:
        await chat.send_message(tr("Only members of a branch can send heartfelt notes."))
        return
    owed = await notes.owed(context.db, context.clock, member.id)
    if not owed:
        await _ask_body(update, context, "", "")
        return
    rows = [[button(f"✍️ {r.title}", NoteWrite.about(r.subject).pack())] for r in owed[:10]]
    rows.append([button(tr("Something else"), NoteWrite("free", 0).pack())])
    await chat.send_message(tr("What is your note about?"), reply_markup=inline(rows))


async def _ask_body(update: Update, context: ZContext, subject: str, title: str) -> None:
    tr = context.tr
    await dialog.begin(
        update, context, NOTE, "body", {"subject": subject, "title": title}, in_private=True
    )
    about = tr(" about “{title}”", title=esc(title)) if title else ""
    await context.bot.send_message(
        context.actor.telegram_id,
        tr(
            "✍️ Your heartfelt note{about}: type it, send a voice message, or a photo of a "
            "handwritten page.",
            about=about,
        ),
    )


async def note_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    if context.actor.active_member is None or answer.message is None:
        await dialog.finish(update, context)
        return
    await NOTE_STEPS.answer(update, context, current, answer)


async def _read_note(turn: Turn) -> None:
    """A text, a voice message, or a photo of a handwritten page (with a caption)."""
    message = turn.answer.message
    assert message is not None  # note_step took only messages
    kind: NoteKind
    if message.voice is not None:
        kind, body, file_id = "voice", "", message.voice.file_id
    elif message.photo:
        kind, file_id = "photo", message.photo[-1].file_id
        body = clean_body(message.caption, 900)
    else:
        kind, file_id = "text", None
        body = clean_body(message.text, NOTE_MAX)
        if not body or body.startswith("/"):
            raise InvalidInput(N_("Please type your note, or send a voice message or a photo."))
    context = turn.context
    await notes.submit(
        context.db,
        context.clock,
        turn.member,
        turn.data["subject"],
        turn.data["title"],
        kind,
        body,
        file_id,
        ending=turn.ending(),
    )
    await turn.say(turn.tr("Thank you! Your note has been received."))


# Begun by _ask_body, which asks the question.
NOTE_STEPS = StepTable(NOTE, {"body": Step(_read_note)}, first=("body",))


# --- buttons -----------------------------------------------------------------------------------


NoteButton = NoteStart | NoteWrite | NoteVerdict | NoteFull | NoteExempt | NoteLift


@on_press()
async def note_button(
    update: Update, context: ZContext, query: CallbackQuery, data: NoteButton
) -> None:
    if isinstance(data, NoteStart):
        await query.answer()
        await _choose_subject(update, context)
    elif isinstance(data, NoteWrite):
        await _write_pressed(update, context, query, data)
    elif isinstance(data, NoteVerdict):
        await _verdict(update, context, query, data)
    elif isinstance(data, NoteFull):
        await _full_note(update, context, data.note)
    else:
        member = await registry.member(context.db, data.member)
        if member is None or not context.actor.manages(member.branch_id):
            raise Refused
        if isinstance(data, NoteExempt):
            await notes.set_unable_to_write(
                context.db, context.clock, member.id, True, context.actor.telegram_id
            )
            await query.answer(
                context.tr("{name} will no longer be asked for notes.", name=member.name)
            )
        else:
            await _lift(query, context, member, data.answer)


async def _write_pressed(
    update: Update, context: ZContext, query: CallbackQuery, data: NoteWrite
) -> None:
    tr = context.tr
    member = context.actor.active_member
    if member is None:
        await query.answer(
            tr("Only members of a branch can send heartfelt notes."), show_alert=True
        )
        return
    subject, title = "", ""
    if data.kind in ("meeting", "material") and data.ref is not None:
        asked = await notes.request_for(context.db, member.id, f"{data.kind}:{data.ref}")
        if asked is not None:  # else written already, or never asked: a note of its own
            subject, title = asked.subject, asked.title
    await query.answer()
    await _ask_body(update, context, subject, title)


def _scope(context: ZContext) -> frozenset[int] | None:
    return context.actor.branch_scope


def _policy(context: ZContext) -> notes.NotePolicy:
    return notes.NotePolicy.of(context.settings)


VERDICTS: dict[str, tuple[Verdict, str]] = {
    "read": ("read", N_("✓ Marked as read.")),
    "star": ("excellent", N_("⭐ Marked as excellent.")),
    "redo": ("rewrite", N_("↩️ Asked for a rewrite.")),
}


async def _verdict(
    update: Update, context: ZContext, query: CallbackQuery, data: NoteVerdict
) -> None:
    tr = context.tr
    action = data.verdict
    note, author = await notes.note_with_author(context.db, data.note)
    if note is None or author is None or not context.actor.manages(author.branch_id):
        raise Refused
    if action == "redo":
        await query.answer()
        await dialog.begin(update, context, REDO, "comment", {"note": note.id}, in_private=True)
        await context.bot.send_message(
            context.actor.telegram_id,
            tr(
                "What should {name} change? Your comment is sent with the request.",
                name=esc(author.name),
            ),
        )
        return
    verdict, said = VERDICTS[action]
    changed = await notes.review(
        context.db,
        context.clock,
        _policy(context),
        note.id,
        verdict,
        None,
        context.actor.telegram_id,
    )
    if changed:
        context.services.poke_outbox()  # "excellent" is told, queued with the verdict
    await query.answer(tr(said) if changed else tr("Already recorded."))


async def reviews_note(context: ZContext, current: Dialog) -> bool:
    """The note's author is (still) in a branch this person manages."""
    _, author = await notes.note_with_author(context.db, int(current.data["note"]))
    return author is not None and context.actor.manages(author.branch_id)


async def redo_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await REDO_STEPS.answer(update, context, current, answer)


async def _read_redo(turn: Turn) -> None:
    """Why the author should write the note again, sent to them with the verdict."""
    context = turn.context
    note, author = await notes.note_with_author(context.db, int(turn.data["note"]))
    if note is None or author is None:
        await turn.finish()
        return
    comment = clean_body(turn.text, 500)
    if not comment:
        raise InvalidInput(N_("Please type a few sentences."))
    await notes.review(
        context.db,
        context.clock,
        _policy(context),
        note.id,
        "rewrite",
        comment,
        context.actor.telegram_id,
        ending=turn.ending(),
    )
    context.services.poke_outbox()  # the author's request to rewrite, queued with it
    await turn.say(turn.tr("Sent to {name}.", name=esc(author.name)))


# Begun by the "↩️ rewrite" button under a note, which asks the question.
REDO_STEPS = StepTable(REDO, {"comment": Step(_read_redo)}, first=("comment",))


async def _lift(
    query: CallbackQuery, context: ZContext, member: Member, answer: Literal["yes", "no"] | None
) -> None:
    """Lifting "unable to write" takes two presses: the name, then "yes" (or "no"). The
    right is checked at each; the change and its audit entry commit together."""
    tr = context.tr
    if answer is None:
        await query.answer()
        await query.edit_message_reply_markup(
            inline(
                [
                    [
                        button(
                            tr("✅ Yes: {name} can write", name=member.name),
                            NoteLift(member.id, "yes").pack(),
                        )
                    ],
                    [button(tr("✖ No, leave it"), NoteLift(member.id, "no").pack())],
                ]
            )
        )
        return
    if answer == "yes":
        lifted = await notes.set_unable_to_write(
            context.db, context.clock, member.id, False, context.actor.telegram_id
        )
        await query.answer(
            tr("{name} will be asked for notes again after study.", name=member.name)
            if lifted
            else tr("Already recorded.")
        )
    else:
        await query.answer(tr("Nothing was changed."))
    await take_buttons_away(query)


# --- /notes --------------------------------------------------------------------------------------


async def notes_command(update: Update, context: ZContext) -> None:
    if not await managers_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    waiting = await notes.to_review(context.db, _scope(context), REVIEW_SHOWN)
    if not waiting:
        await chat.send_message(tr("No new notes to review."))
    for view in waiting:
        await _show_note(update, context, view)
    owed = await notes.owed_in(context.db, context.clock, _scope(context))
    if owed:
        lines = [tr("<b>Notes still owed ({n})</b>", n=len(owed))]
        lines += [_owed_line(context, name, request) for name, request in owed]
        lines.append(
            tr(
                "<i>Each is reminded in at most {n} evening reminders; after its "
                "last day it is no longer asked.</i>",
                n=notes.NOTE_REMINDERS,
            )
        )
        people = list(dict.fromkeys((request.member_id, name) for name, request in owed))
        buttons = [
            button(tr("🚫 {name} cannot write", name=name), NoteExempt(member_id).pack())
            for member_id, name in people[:PEOPLE_BUTTONS]
        ]
        await _send_list(update, lines, buttons)
    unable = await notes.unable_to_write(context.db, _scope(context))
    if unable:
        lines = [tr("<b>Marked unable to write ({n})</b>", n=len(unable))]
        lines += [f"• {esc(member.name)}" for member in unable]
        lines.append(
            tr(
                "<i>They are not asked for notes. If one of them can write after "
                "all, press their name.</i>"
            )
        )
        await _send_list(
            update,
            lines,
            [
                button(tr("✍️ {name} can write", name=member.name), NoteLift(member.id).pack())
                for member in unable[:PEOPLE_BUTTONS]
            ],
        )


def _owed_line(context: ZContext, name: str, request: NoteRequest) -> str:
    """Who owes what, until when, and whether the bot still reminds them."""
    tr = context.tr
    line = f"• {esc(name)} — {esc(request.title)}" + tr(
        " · until {date}", date=notes.last_day(request, context.clock.tz).strftime("%m-%d")
    )
    if request.reminders >= notes.NOTE_REMINDERS:
        line += tr(" · no more reminders")
    return line


async def _send_list(update: Update, lines: list[str], buttons: list[InlineKeyboardButton]) -> None:
    """A list in as many messages as it takes, the buttons under the last."""
    chat = update.effective_chat
    assert chat is not None
    texts = chunks(lines)
    for text in texts[:-1]:
        await chat.send_message(text)
    await chat.send_message(texts[-1], reply_markup=inline(grid(buttons, 1)))


def _note_head(context: ZContext, note: Note, name: str) -> str:
    about = f" · {esc(note.title)}" if note.title else ""
    when = note.created_at.astimezone(context.clock.tz).strftime("%m-%d %H:%M")
    return f"📝 <b>{esc(name)}</b>{about} · {when}"


async def _show_note(update: Update, context: ZContext, view: NoteView) -> None:
    """One note in the review list: a long one shortened (a list must never fail on one
    note), with "Read all" to have it whole."""
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    note = view.note
    head = _note_head(context, note, view.name)
    body = esc(note.body) if note.body else ""
    media = None if note.kind == "text" else note.kind
    room = min(NOTE_PREVIEW, (CAPTION_LIMIT if media else MESSAGE_LIMIT) - length(head) - 1)
    shown = shorten(body, room)
    keys = [
        [
            (tr("⭐ Excellent"), NoteVerdict("star", note.id).pack()),
            (tr("✓ Read"), NoteVerdict("read", note.id).pack()),
            (tr("↩️ Rewrite"), NoteVerdict("redo", note.id).pack()),
        ]
    ]
    if shown != body:
        keys.append([(tr("📖 Read all"), NoteFull(note.id).pack())])
    text = f"{head}\n{shown}" if shown else head
    await send(context.bot, chat.id, Outgoing(text, keys, media, note.file_id))


async def _full_note(update: Update, context: ZContext, note_id: int) -> None:
    """The whole of a note shortened in the list, in as many messages as it takes."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    note, author = await notes.note_with_author(context.db, note_id)
    if note is None or author is None or not context.actor.manages(author.branch_id):
        raise Refused
    await query.answer()
    for text in chunks([_note_head(context, note, author.name), esc(note.body)]):
        await chat.send_message(text)


# --- /record -------------------------------------------------------------------------------------


async def record_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    actor = context.actor
    if actor.manages_any:
        await picker.choose_branch(update, context, "record")
        return
    if actor.active_member is None:
        await not_a_member_yet(update, context)
        return
    await _show_record(update, context, actor.active_member)


async def record_of_branch(update: Update, context: ZContext, branch: Unit) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    roster = await registry.roster(context.db, branch.id)
    if not roster:
        await chat.send_message(tr("{branch} has no members yet.", branch=esc(branch.name)))
        return
    buttons = [button(view.member.name, StudyRecord(view.member.id).pack()) for view in roster[:60]]
    await chat.send_message(tr("Whose study record?"), reply_markup=inline(grid(buttons, 3)))


@on_press()
async def record_button(
    update: Update, context: ZContext, query: CallbackQuery, data: StudyRecord
) -> None:
    """``rec:show:<member>`` this year's record, ``rec:show:<member>:<year>`` another's."""
    member = await registry.member(context.db, data.member)
    own = context.actor.active_member
    if member is None or not (
        context.actor.manages(member.branch_id) or (own is not None and own.id == member.id)
    ):
        raise Refused
    year = data.year
    if year is not None and year not in await study_record.years(
        context.db, context.clock, member.id
    ):
        raise Stale
    await query.answer()
    await _show_record(update, context, member, year)


async def _show_record(
    update: Update, context: ZContext, member: Member, year: int | None = None
) -> None:
    """A year's record (this one unless ``year`` says), with buttons for the other years
    under its last part."""
    chat = update.effective_chat
    assert chat is not None
    clock = context.clock
    year = year or clock.today().year
    found = await study_record.record(context.db, clock, member.id, year)
    lines = study_record.lines(
        context.tr, study_record.Shown(member, year, found), clock.today(), clock.tz
    )
    lines += migrants.history_lines(
        context.tr, await migrants.history(context.db, clock, member.id), clock.tz
    )
    texts = chunks(lines)
    years = [
        other for other in await study_record.years(context.db, clock, member.id) if other != year
    ]
    rows = grid(
        [
            button(context.tr("📒 {year}", year=other), StudyRecord(member.id, other).pack())
            for other in years
        ],
        5,
    )
    if member.telegram_id == context.actor.telegram_id and leadership.files_reports(member):
        # The leadership's own record leads to their research reports (调研文章).
        rows.append([button(context.tr("➕ File a research report"), ResearchNew().pack())])
    keys = inline(rows)
    for number, text in enumerate(texts, start=1):
        last = number == len(texts) and any(rows)
        await chat.send_message(text, reply_markup=keys if last else None)
