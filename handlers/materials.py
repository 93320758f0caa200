"""/push and /study, and the buttons under a material: studied, later, show, who.

/push is a conversation (kind ``push``): where to (staff choose county, township or
branch; a secretary's branch is known), who (flowing members or everyone, with counts),
a title, the material itself (text, a link, or a file Telegram carries), a due date, then
a preview exactly as members will see it and one button to send. Nothing is queued until
that button is pressed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from telegram import CallbackQuery, Message, Update

from bot import by_hand, materials, notes
from bot.callbacks import HandNew, MaterialPress
from bot.context import ZContext
from bot.delivery import send
from bot.i18n import N_, Translator
from bot.materials import BODY_MAX, CAPTION_BODY_MAX, TITLE_MAX
from bot.profile import InvalidInput, check_due_date, clean_body, clean_text, parse_due_date
from bot.when import offset_day
from handlers import away, dialog, scope
from handlers.dialog import Answer
from handlers.guards import ONLY_MANAGERS, Refused, not_a_member_yet, on_press, private_only
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, chunks, esc, grid, inline
from storage.models import Dialog, Material, MaterialStats, Member, NewMaterial, RecipientView, Unit

PUSH = "push"
DUE_CHOICES = (3, 7, 14)
OPEN_SHOWN = 10


# --- /push -------------------------------------------------------------------------------


async def push_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    await scope.ask(update, context, PUSH, context.tr("📚 <b>Send a study material</b>"), _chosen)


async def _chosen(update: Update, context: ZContext, current: Dialog, unit: Unit) -> None:
    await _ask_audience(update, context, current, unit.id, unit.name)


async def _ask_audience(
    update: Update, context: ZContext, current: Dialog, unit_id: int, unit_name: str
) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    flowing = await materials.audience_size(context.db, unit_id, "flowing")
    everyone = await materials.audience_size(context.db, unit_id, "all")
    await dialog.advance(update, context, current, "audience", scope=unit_id, scope_name=unit_name)
    await chat.send_message(
        tr("Who in <b>{unit}</b> should receive it?", unit=esc(unit_name)),
        reply_markup=inline(
            [
                [
                    button(
                        tr("🚶 Members working away ({n})", n=flowing.total),
                        dialog.choice(PUSH, "audience", "flowing"),
                    )
                ],
                [
                    button(
                        tr("👥 All members ({n})", n=everyone.total),
                        dialog.choice(PUSH, "audience", "all"),
                    )
                ],
            ]
        ),
    )


async def push_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await STEPS.answer(update, context, current, answer)


async def _read_scope(turn: Turn) -> None:
    """Steps ``scope`` and ``township`` (see handlers/scope.py), then :func:`_chosen`."""
    await scope.read(turn.update, turn.context, PUSH, turn.current, turn.answer, _chosen)


async def _read_audience(turn: Turn) -> None:
    tr = turn.tr
    if turn.action not in ("flowing", "all"):
        raise InvalidInput(N_("Please choose with the buttons."))
    await turn.acknowledge(
        tr("Members working away") if turn.action == "flowing" else tr("All members")
    )
    await turn.go("title", audience=turn.action)


async def _ask_title(turn: Turn) -> None:
    await turn.say(turn.tr("What is its title? (at most {limit} characters)", limit=TITLE_MAX))


async def _read_title(turn: Turn) -> None:
    title = clean_text(turn.text)
    if not title or title.startswith("/"):
        raise InvalidInput(N_("Please type a title."))
    if len(title) > TITLE_MAX:
        raise InvalidInput(N_("Please keep it under {limit} characters."), limit=TITLE_MAX)
    await turn.go("content", title=title)


async def _ask_content(turn: Turn) -> None:
    await turn.say(
        turn.tr(
            "Now send the material itself: a text or a link, or a document (PDF, Word), "
            "a photo, audio or a video. A file may carry a short description as its "
            "caption."
        )
    )


async def _read_content_step(turn: Turn) -> None:
    await turn.go("due", **_read_content(turn.answer.message))


async def _read_due_step(turn: Turn) -> None:
    due = await _read_due(turn.answer, turn.today, turn.tr)
    await turn.go("confirm", due=due.isoformat() if due else None)


def _read_content(message: Message | None) -> dict[str, Any]:
    if message is None:
        raise InvalidInput(N_("Please send a text or a file."))
    media: tuple[str, str, str | None] | None = None
    if message.document:
        media = ("document", message.document.file_id, message.document.file_name)
    elif message.photo:
        media = ("photo", message.photo[-1].file_id, None)
    elif message.audio:
        media = ("audio", message.audio.file_id, message.audio.file_name)
    elif message.video:
        media = ("video", message.video.file_id, message.video.file_name)
    elif message.voice:
        media = ("voice", message.voice.file_id, None)
    if media is not None:
        body = clean_body(message.caption, CAPTION_BODY_MAX)
        return {"body": body, "media_kind": media[0], "file_id": media[1], "file_name": media[2]}
    if message.text:
        body = clean_body(message.text, BODY_MAX)
        if body and not body.startswith("/"):
            return {"body": body, "media_kind": None, "file_id": None, "file_name": None}
    raise InvalidInput(N_("Please send a text, a link, a document, a photo, audio or a video."))


async def _ask_due(update: Update, context: ZContext) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    buttons = [
        button(tr("Within {n} days", n=n), dialog.choice(PUSH, "due", n)) for n in DUE_CHOICES
    ]
    await chat.send_message(
        tr("By when should it be studied? Press a button, or type a date such as 12-05."),
        reply_markup=inline(
            [*grid(buttons, 3), [button(tr("No due date"), dialog.choice(PUSH, "due", 0))]]
        ),
    )


async def _read_due(answer: Answer, today: date, tr: Translator) -> date | None:
    if answer.action is not None:  # a button's day meets the typed day's rule
        due = (
            None
            if answer.action == "0"
            else check_due_date(offset_day(today, answer.action), today)
        )
        await away.acknowledge(answer, due.isoformat() if due else tr("No due date"))
        return due
    return parse_due_date(answer.text, today)


def _draft(current: Dialog, by: int) -> NewMaterial:
    """The material the form collected, as it is to be stored."""
    data = current.data
    return NewMaterial(
        scope_unit_id=int(data["scope"]),
        audience=data["audience"],
        title=data["title"],
        body=data.get("body", ""),
        media_kind=data.get("media_kind"),
        file_id=data.get("file_id"),
        file_name=data.get("file_name"),
        due_date=date.fromisoformat(data["due"]) if data.get("due") else None,
        created_by=by,
    )


def _as_material(draft: NewMaterial, context: ZContext) -> Material:
    """The draft shaped like a stored material, so the preview is rendered by the very
    code that renders what members get."""
    return Material(**draft.model_dump(), id=0, created_at=context.clock.now())


async def _preview(update: Update, context: ZContext, current: Dialog) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    draft = _draft(current, context.actor.telegram_id)
    size = await materials.audience_size(context.db, draft.scope_unit_id, draft.audience)
    out = materials.outgoing(tr, _as_material(draft, context), current.data["scope_name"])
    await chat.send_message(tr("Preview — members will receive this:"))
    await send(context.bot, chat.id, replace(out, buttons=[]))
    who = tr("members working away") if draft.audience == "flowing" else tr("all members")
    lines = [
        tr(
            "<b>{unit}</b>, {who}: {n} people.",
            unit=esc(current.data["scope_name"]),
            who=who,
            n=size.total,
        )
    ]
    if size.total - size.reachable:
        lines.append(
            tr(
                "{n} of them have no Telegram in the bot and cannot receive it: bring "
                "it to them, then record it by hand (/study, 🖊).",
                n=size.total - size.reachable,
            )
        )
    if size.reachable == 0:
        await dialog.finish(update, context)
        lines.append(tr("Nobody can receive it, so nothing was sent."))
        await chat.send_message("\n".join(lines))
        return
    await dialog.ask_to_confirm(
        update, context, PUSH, "\n".join(lines), tr("✅ Send to {n}", n=size.reachable)
    )


async def _confirm(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if not await dialog.confirmed(
        update, context, answer, tr("✅ Send"), tr("Cancelled. Nothing was sent.")
    ):
        return
    result = await materials.push(
        context.db,
        context.clock,
        _draft(current, context.actor.telegram_id),
        ending=dialog.ending(update, context),
    )
    context.services.poke_outbox()
    await chat.send_message(
        tr(
            "Sending to {n} members. Send /study to see who has received and studied it.",
            n=result.queued,
        )
    )


STEPS = StepTable(
    PUSH,
    {
        "scope": Step(_read_scope, next=("township", "audience")),
        "township": Step(_read_scope, next=("audience",)),
        "audience": Step(_read_audience, next=("title",)),  # asked by _chosen
        "title": Step(_read_title, next=("content",), ask=_ask_title),
        "content": Step(_read_content_step, next=("due",), ask=_ask_content),
        "due": Step(
            _read_due_step, next=("confirm",), ask=lambda turn: _ask_due(turn.update, turn.context)
        ),
        "confirm": Step(
            lambda turn: _confirm(turn.update, turn.context, turn.current, turn.answer),
            ask=lambda turn: _preview(turn.update, turn.context, turn.current),
        ),
    },
    first=("scope",),
)


# --- buttons under a material ------------------------------------------------------------


@on_press()
async def material_button(
    update: Update, context: ZContext, query: CallbackQuery, data: MaterialPress
) -> None:
    material_id = data.material
    tr = context.tr
    member = context.actor.active_member
    if data.action == "done":
        mark = await materials.mark_studied(
            context.db, context.clock, material_id, member, notes.NotePolicy.of(context.settings)
        )
        if mark == "not_yours":
            await query.answer(tr("This material was not sent to you."), show_alert=True)
        elif mark == "already":
            await query.answer(tr("Already recorded as studied."))
        else:
            await query.answer(tr("Recorded. Thank you for studying!"))
            await query.edit_message_reply_markup(
                inline(
                    [
                        [
                            button(
                                tr(
                                    "✅ Studied {time}",
                                    time=context.clock.now().strftime("%m-%d %H:%M"),
                                ),
                                query.data or "",
                            )
                        ]
                    ]
                )
            )
            context.services.poke_outbox()  # the note request, if one is owed
    elif data.action == "later":
        material = await materials.received(context.db, material_id, member)
        if material is None:
            await query.answer(tr("This material was not sent to you."), show_alert=True)
        else:
            await query.answer(tr("All right. Send /study to find it again."))
    elif data.action == "show":
        material = await materials.received(context.db, material_id, member)
        if material is None:
            await query.answer(tr("This material was not sent to you."), show_alert=True)
            return
        await query.answer()
        chat = update.effective_chat
        assert chat is not None
        await send(
            context.bot,
            chat.id,
            await materials.render_for(context.db, material, context.actor.telegram_id),
        )
    else:
        await _who(update, context, material_id)


def _branch_scope(context: ZContext) -> frozenset[int] | None:
    """Whose results a person may see: staff everyone's, a secretary their branches'."""
    return context.actor.branch_scope


async def _who(update: Update, context: ZContext, material_id: int) -> None:
    query = update.callback_query
    assert query is not None
    tr = context.tr
    actor = context.actor
    if not actor.manages_any:
        raise Refused(ONLY_MANAGERS)
    material, people = await materials.who(context.db, material_id, _branch_scope(context))
    if material is None or not people:
        raise Refused
    await query.answer()
    chat = update.effective_chat
    assert chat is not None
    texts = chunks(_who_lines(tr, material, people, show_branch=actor.oversees_any))
    for text in texts[:-1]:
        await chat.send_message(text)
    await chat.send_message(
        texts[-1],
        reply_markup=inline([[button(tr("🖊 Record by hand"), HandNew(f"s{material.id}").pack())]]),
    )


def _who_lines(
    tr: Translator, material: Material, people: list[RecipientView], *, show_branch: bool
) -> list[str]:
    def name(person: RecipientView) -> str:
        label = by_hand.marked(tr, person.name, person.by_hand)
        return f"{label}（{esc(person.branch_name)}）" if show_branch else label

    studied = [p for p in people if p.studied_at is not None]
    waiting = [p for p in people if p.studied_at is None and p.delivery == "delivered"]
    sending = [p for p in people if p.studied_at is None and p.delivery == "queued"]
    phoneless = [p for p in people if p.studied_at is None and p.delivery == "no_telegram"]
    unreachable = [p for p in people if p.studied_at is None and p.delivery == "unreachable"]
    lines = [tr("📚 <b>{title}</b>", title=esc(material.title))]
    for heading, group in (
        (N_("✅ Studied ({n})"), studied),
        (N_("⏳ Not yet ({n})"), waiting),
        (N_("📤 Still being sent ({n})"), sending),
        (N_("🖊 Without Telegram, to record by hand when studied ({n})"), phoneless),
        (N_("📵 Not reachable ({n})"), unreachable),
    ):
        if group:
            lines += ["", tr(heading, n=len(group)), "、".join(name(p) for p in group)]
    return lines


# --- /study --------------------------------------------------------------------------------


async def study_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    actor = context.actor
    member = actor.active_member
    manager = actor.manages_any
    if member is None and not manager:
        await not_a_member_yet(update, context)
        return
    if member is not None:
        await _own_materials(update, context, member)
    if manager:
        overview = await materials.overview(context.db, _branch_scope(context))
        await _overview(update, context, overview)


async def _own_materials(update: Update, context: ZContext, member: Member) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    open_ = await materials.open_materials(context.db, member.id)
    if not open_:
        await chat.send_message(tr("📚 You have no study materials waiting. Well done!"))
        return
    shown = open_[:OPEN_SHOWN]
    lines = [tr("📚 <b>Waiting to be studied ({n})</b>", n=len(open_))]
    for material in shown:
        due = tr(" — by {date}", date=material.due_date.isoformat()) if material.due_date else ""
        lines.append(f"• {esc(material.title)}{due}")
    if len(open_) > len(shown):
        lines.append(tr("… and {n} more", n=len(open_) - len(shown)))
    lines.append(tr("Press one to read it again."))
    await chat.send_message(
        "\n".join(lines),
        reply_markup=inline(
            [[button(f"📖 {m.title}", MaterialPress("show", m.id).pack())] for m in shown]
        ),
    )


async def _overview(update: Update, context: ZContext, overview: list[MaterialStats]) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if not overview:
        await chat.send_message(
            tr("No study materials have been sent yet. Send /push to send one.")
        )
        return
    lines = [tr("<b>Study materials sent</b> (newest first)")]
    for item in overview:
        material = item.material
        lines += [
            "",
            f"<b>{esc(material.title)}</b> · "
            f"{material.created_at.astimezone(context.clock.tz):%m-%d}",
            by_hand.counts_line(
                tr,
                item.delivered,
                tr("studied {n}", n=item.studied),
                item.by_hand,
                tr("not studied yet {n}", n=item.not_yet),
                item.no_telegram,
                item.to_record,
                item.unreachable,
            ),
        ]
        if item.queued:
            lines.append(tr("still being sent: {n}", n=item.queued))
    buttons = [
        button(f"👥 {item.material.title}", MaterialPress("who", item.material.id).pack())
        for item in overview
    ]
    await chat.send_message("\n".join(lines), reply_markup=inline(grid(buttons, 1)))
