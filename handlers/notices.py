"""/notice and /notices, and the buttons: received, remind the rest, names.

/notice is a conversation (kind ``notice``): where to (see handlers/scope.py), who (with
counts), the text or a file (the sender's bold and italics are kept), whether the branch
group chats get a copy, when (now or a typed time), then a preview and one button.
Buttons: ``ntc:ack:<id>`` (received), ``ntc:remind:<id>`` (once), ``ntc:who:<id>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update

from bot import by_hand, notices, organisation
from bot.callbacks import STALE, HandNew, NoticePress
from bot.context import ZContext
from bot.delivery import send
from bot.i18n import N_, Translator
from bot.markup import length
from bot.notices import AUDIENCES, BODY_MAX, CAPTION_MAX, SECRETARY_AUDIENCES
from bot.profile import InvalidInput
from bot.when import parse_when
from handlers import dialog, scope
from handlers.dialog import Answer
from handlers.guards import (
    ONLY_MANAGERS,
    ONLY_STAFF,
    Refused,
    Stale,
    managers_only,
    on_press,
    private_only,
)
from handlers.steps import Step, StepTable, Turn
from handlers.todo import unconfirmed_notices
from handlers.ui import button, chunks, esc, inline, mark_pressed
from storage.models import (
    Dialog,
    NewNotice,
    Notice,
    NoticeReceipts,
    NoticeRecipient,
    ReceiptCounts,
    Unit,
)

NOTICE = "notice"
BRANCH_LINES = 20  # per notice in /notices: with names of 60 characters, one message


async def notice_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    await scope.ask(update, context, NOTICE, context.tr("📢 <b>Send a notice</b>"), _chosen)


async def _chosen(update: Update, context: ZContext, current: Dialog, unit: Unit) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    allowed = (
        AUDIENCES
        if context.actor.oversees(unit.id)
        else {key: AUDIENCES[key] for key in SECRETARY_AUDIENCES}
    )
    rows = []
    for key, label in allowed.items():
        count = await notices.size(context.db, unit.id, key)
        rows.append(
            [
                button(
                    tr("{label} ({n})", label=tr(label), n=count),
                    dialog.choice(NOTICE, "audience", key),
                )
            ]
        )
    await dialog.advance(update, context, current, "audience", scope=unit.id, scope_name=unit.name)
    await chat.send_message(
        tr("Who in <b>{unit}</b> should receive it?", unit=esc(unit.name)),
        reply_markup=inline(rows),
    )


async def sends_notice(context: ZContext, current: Dialog) -> bool:
    """To the chosen unit, and (once chosen) that audience: a secretary only their own
    branch's members or flowing members, staff anyone."""
    actor = context.actor
    if not await scope.addresses(context, current):
        return False
    audience = current.data.get("audience")
    return audience is None or notices.may_send(actor, int(current.data["scope"]), audience)


async def notice_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await STEPS.answer(update, context, current, answer)


async def _read_scope(turn: Turn) -> None:
    """Steps ``scope`` and ``township`` (see handlers/scope.py), then :func:`_chosen`."""
    await scope.read(turn.update, turn.context, NOTICE, turn.current, turn.answer, _chosen)


async def _read_audience(turn: Turn) -> None:
    actor = turn.context.actor
    audience = turn.action
    if audience not in AUDIENCES or not notices.may_send(actor, int(turn.data["scope"]), audience):
        raise InvalidInput(N_("Please choose with the buttons."))
    await turn.acknowledge(turn.tr(AUDIENCES[audience]))
    await turn.go("body", audience=audience)


async def _ask_body(turn: Turn) -> None:
    await turn.say(
        turn.tr(
            "Send the notice: a text (bold and italics are kept), or a file or photo with "
            "the text as its caption."
        )
    )


async def _read_body_step(turn: Turn) -> None:
    await turn.go("groups", **_read_body(turn.answer.message))


async def _ask_groups(turn: Turn) -> None:
    """Whether the branch groups get a copy; not asked when the unit has no group."""
    tr = turn.tr
    count = await notices.groups(turn.context.db, int(turn.data["scope"]))
    if count == 0:
        await turn.go("when", to_groups=False)
        return
    await turn.say(
        tr("Also post it in the {n} branch group chat(s)?", n=count), reply_markup=turn.yes_no()
    )


async def _read_groups(turn: Turn) -> None:
    await turn.go("when", to_groups=await turn.yes_or_no())


async def _read_when(turn: Turn) -> None:
    clock = turn.context.clock
    if turn.action == "now":
        await turn.acknowledge(turn.tr("Now"))
        when = clock.now()
    else:
        when = parse_when(turn.text, clock.now())
    await turn.go("confirm", send_at=when.isoformat())


def _read_body(message: Message | None) -> dict[str, Any]:
    if message is None:
        raise InvalidInput(N_("Please send a text or a file."))
    media: tuple[str, str] | None = None
    if message.document:
        media = ("document", message.document.file_id)
    elif message.photo:
        media = ("photo", message.photo[-1].file_id)
    elif message.audio:
        media = ("audio", message.audio.file_id)
    elif message.video:
        media = ("video", message.video.file_id)
    elif message.voice:
        media = ("voice", message.voice.file_id)
    if media is not None:
        body = message.caption_html or ""
        if length(body) > CAPTION_MAX:
            raise InvalidInput(
                N_("A file's text can be at most {limit} characters; send a shorter one."),
                limit=CAPTION_MAX,
            )
        return {"body": body, "media_kind": media[0], "file_id": media[1]}
    body = message.text_html if message.text else ""
    if not body.strip() or body.startswith("/"):
        raise InvalidInput(N_("Please send a text or a file."))
    if length(body) > BODY_MAX:
        raise InvalidInput(
            N_("That is {length} characters; please keep it under {limit}."),
            length=length(body),
            limit=BODY_MAX,
        )
    return {"body": body, "media_kind": None, "file_id": None}


async def _ask_when(update: Update, context: ZContext) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        tr("Send it now, or type when, for example 明天 08:00."),
        reply_markup=inline([[button(tr("Now"), dialog.choice(NOTICE, "when", "now"))]]),
    )


def _draft(current: Dialog, sender: int) -> NewNotice:
    """The notice the form collected, as it is to be stored."""
    data = current.data
    return NewNotice(
        sender=sender,
        scope_unit_id=int(data["scope"]),
        audience=data["audience"],
        body=data["body"],
        media_kind=data.get("media_kind"),
        file_id=data.get("file_id"),
        to_groups=bool(data.get("to_groups")),
        send_at=datetime.fromisoformat(data["send_at"]),
    )


async def _preview(update: Update, context: ZContext, current: Dialog) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    draft = _draft(current, context.actor.telegram_id)
    shaped = Notice(
        **draft.model_dump(),
        id=0,
        state="scheduled",
        reminded_at=None,
        created_at=context.clock.now(),
    )
    await chat.send_message(tr("Preview — recipients will receive this:"))
    await send(
        context.bot,
        chat.id,
        notices.render(tr, shaped, current.data["scope_name"], with_button=False),
    )
    count = await notices.size(context.db, draft.scope_unit_id, draft.audience)
    when = (
        tr("now")
        if draft.send_at <= context.clock.now()
        else draft.send_at.astimezone(context.clock.tz).strftime("%Y-%m-%d %H:%M")
    )
    lines = [
        tr(
            "<b>{unit}</b>, {who}: {n} people, {when}.",
            unit=esc(current.data["scope_name"]),
            who=tr(AUDIENCES[draft.audience]),
            n=count,
            when=when,
        )
    ]
    if draft.to_groups:
        lines.append(tr("A copy goes to the branch group chats."))
    missing = await notices.without_telegram(context.db, draft.scope_unit_id, draft.audience)
    if missing:
        lines.append(
            tr(
                "{n} on the roster have no Telegram and will not get it: tell them in "
                "person, then record it by hand (/notices, 👥, 🖊).",
                n=missing,
            )
        )
    if count == 0:
        await dialog.finish(update, context)
        lines.append(tr("Nobody can receive it, so nothing was sent."))
        await chat.send_message("\n".join(lines))
        return
    await dialog.ask_to_confirm(
        update, context, NOTICE, "\n".join(lines), tr("✅ Send to {n}", n=count)
    )


async def _confirm(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if not await dialog.confirmed(
        update, context, answer, tr("✅ Send"), tr("Cancelled. Nothing was sent.")
    ):
        return
    actor = context.actor
    draft = _draft(current, actor.telegram_id)
    if not notices.may_send(actor, draft.scope_unit_id, draft.audience):
        await dialog.finish(update, context)
        await chat.send_message(tr("This is not yours to manage."))
        return
    notice, queued = await notices.create(
        context.db, context.clock, draft, ending=dialog.ending(update, context)
    )
    context.services.poke_outbox()
    if queued:
        await chat.send_message(
            tr("Sending to {n} people. Send /notices to see who has received it.", n=queued)
        )
    else:
        await chat.send_message(
            tr("Scheduled for {when}.", when=_when(context, notice)),
            reply_markup=_cancel_key(context, notice),
        )


STEPS = StepTable(
    NOTICE,
    {
        "scope": Step(_read_scope, next=("township", "audience")),
        "township": Step(_read_scope, next=("audience",)),
        "audience": Step(_read_audience, next=("body",)),  # asked by _chosen
        "body": Step(_read_body_step, next=("groups",), ask=_ask_body),
        "groups": Step(_read_groups, next=("when",), ask=_ask_groups),
        "when": Step(
            _read_when, next=("confirm",), ask=lambda turn: _ask_when(turn.update, turn.context)
        ),
        "confirm": Step(
            lambda turn: _confirm(turn.update, turn.context, turn.current, turn.answer),
            ask=lambda turn: _preview(turn.update, turn.context, turn.current),
        ),
    },
    first=("scope",),
)


def _when(context: ZContext, notice: Notice) -> str:
    return notice.send_at.astimezone(context.clock.tz).strftime("%Y-%m-%d %H:%M")


def _cancel_key(context: ZContext, notice: Notice) -> InlineKeyboardMarkup:
    return inline(
        [[button(context.tr("🚫 Cancel this notice"), NoticePress("cancel", notice.id).pack())]]
    )


# --- buttons and /notices ------------------------------------------------------------------------


def _branch_scope(context: ZContext) -> frozenset[int] | None:
    return context.actor.branch_scope


@on_press()
async def notice_button(
    update: Update, context: ZContext, query: CallbackQuery, data: NoticePress
) -> None:
    notice_id = data.notice
    tr = context.tr
    if data.action == "ack":
        result = await notices.acknowledge(
            context.db, context.clock, notice_id, context.actor.telegram_id
        )
        answers = {
            "recorded": N_("✅ Thank you, recorded as received."),
            "already": N_("Already recorded as received."),
            "not_yours": N_("This notice was not sent to you."),
        }
        await query.answer(tr(answers[result]), show_alert=result == "not_yours")
        if result == "recorded":
            await mark_pressed(
                query, tr("✅ Received {time}", time=context.clock.now().strftime("%m-%d %H:%M"))
            )
        return
    if data.action == "show":  # read again, with its button (from /todo, a catch-up)
        again = await notices.again(context.db, tr, notice_id, context.actor.telegram_id)
        if again is None:
            await query.answer(tr("This notice was not sent to you."), show_alert=True)
            return
        await query.answer()
        await send(context.bot, context.actor.telegram_id, again)
        return
    if data.action == "mine":
        await unconfirmed_notices(update, context, notice_id)
        return
    actor = context.actor
    if not actor.manages_any:
        raise Refused(ONLY_MANAGERS)
    if data.action == "remind":
        sent = await notices.get(context.db, notice_id)
        if sent is None:
            raise Stale
        if not actor.oversees(sent.scope_unit_id):  # staff; township staff their township's
            raise Refused(ONLY_STAFF)
        count = await notices.remind(context.db, context.clock, notice_id)
        context.services.poke_outbox()
        await query.answer(
            tr("Already reminded once.") if count is None else tr("Reminding {n} people.", n=count)
        )
        return
    if data.action in ("cancel", "stop", "keep"):
        await _cancel_pressed(update, context, query, data.action, notice_id)
        return
    await _names_pressed(update, context, query, notice_id)  # ntc:who


async def _names_pressed(
    update: Update, context: ZContext, query: CallbackQuery, notice_id: int
) -> None:
    """👥 Names: who received a notice and who not yet, in the branches one manages."""
    tr = context.tr
    people = await notices.recipients(context.db, notice_id, _branch_scope(context))
    if not people:
        raise Refused
    await query.answer()
    chat = update.effective_chat
    assert chat is not None
    branches = {p.branch_id: p.branch for p in people}
    lines: list[str] = []
    for branch_id, branch in branches.items():
        if len(branches) > 1:
            lines.append(f"<b>{esc(branch or '—')}</b>")
        lines += _names(
            tr, [p for p in people if p.branch_id == branch_id], brief=len(branches) > 1
        )
    texts = chunks(line for line in lines if line)
    for text in texts[:-1]:
        await chat.send_message(text)
    await chat.send_message(
        texts[-1],
        reply_markup=inline([[button(tr("🖊 Record by hand"), HandNew(f"n{notice_id}").pack())]]),
    )


#: Why a notice cannot be cancelled.
NOT_CANCELLED = {
    "sent": N_(
        "This notice has already gone out and cannot be called back. To correct "
        "it, send a new notice."
    ),
    "already": N_("This notice was cancelled already."),
    "gone": STALE,
}


async def _cancel_pressed(
    update: Update, context: ZContext, query: CallbackQuery, action: str, notice_id: int
) -> None:
    """🚫 asks once (``ntc:cancel``), then ``ntc:stop`` cancels it or ``ntc:keep`` leaves
    it: each for whoever may send that notice (staff; a secretary their branch's)."""
    tr = context.tr
    actor = context.actor
    notice = await notices.get(context.db, notice_id)
    if notice is None:
        raise Stale
    if not notices.may_send(actor, notice.scope_unit_id, notice.audience):
        raise Refused
    if action == "stop":
        result = await notices.cancel(context.db, context.clock, notice.id, actor.telegram_id)
        if result != "cancelled":
            await query.answer(tr(NOT_CANCELLED[result]), show_alert=True)
            return
        await query.answer(tr("Cancelled."))
        await _close_question(
            query, tr("🚫 Cancelled: it will not be sent, and nobody is told anything.")
        )
        return
    if notice.state != "scheduled":
        await query.answer(
            tr(NOT_CANCELLED["sent" if notice.state == "sent" else "already"]), show_alert=True
        )
        return
    await query.answer()
    if action == "keep":
        await _close_question(query, tr("↩️ Kept: it goes out {when}.", when=_when(context, notice)))
        return
    unit = await organisation.get_unit(context.db, notice.scope_unit_id)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        tr(
            "Cancel the notice to {who} of {unit}, due to go out {when}?\n{preview}\nNobody "
            "has received it yet: cancelled now, it is not sent and nobody is told anything.",
            who=tr(AUDIENCES[notice.audience]),
            unit=esc(unit.name if unit else "—"),
            when=_when(context, notice),
            preview=esc(notices.preview(notice.body)),
        ),
        reply_markup=inline(
            [
                [
                    button(tr("🚫 Yes, cancel it"), NoticePress("stop", notice.id).pack()),
                    button(tr("↩️ Keep it"), NoticePress("keep", notice.id).pack()),
                ]
            ]
        ),
    )


async def _close_question(query: CallbackQuery, outcome: str) -> None:
    """Keep the question with its outcome under it, and take its buttons away."""
    original = getattr(query.message, "text_html", "") or ""
    await query.edit_message_text(f"{original}\n<b>{esc(outcome)}</b>")


def _names(tr: Translator, people: list[NoticeRecipient], *, brief: bool = False) -> list[str]:
    """Who acknowledged (or was told in person, recorded by hand), who not yet, who is to
    be told in person (no Telegram), who cannot be reached; ``brief`` leaves out the
    empty ones (one branch among many)."""
    done = [by_hand.marked(tr, p.name, p.by_hand) for p in people if p.acknowledged_at is not None]
    waiting = [
        esc(p.name) for p in people if p.acknowledged_at is None and p.delivery == "delivered"
    ]
    phoneless = [
        esc(p.name) for p in people if p.acknowledged_at is None and p.delivery == "no_telegram"
    ]
    lost = [
        esc(p.name) for p in people if p.acknowledged_at is None and p.delivery == "unreachable"
    ]
    lines = []
    for heading, names, always in (
        (N_("✅ Received ({n})"), done, not brief),
        (N_("⏳ Not acknowledged yet ({n})"), waiting, not brief),
        (N_("🖊 Without Telegram, to tell in person and record ({n})"), phoneless, False),
        (N_("📵 Not reachable ({n})"), lost, not brief),
    ):
        if names or always:
            lines += [tr(heading, n=len(names)), "、".join(names)]
    return lines


def _counts(tr: Translator, counts: ReceiptCounts) -> str:
    return by_hand.counts_line(
        tr,
        counts.delivered,
        tr("acknowledged {n}", n=counts.acknowledged),
        counts.by_hand,
        tr("not acknowledged yet {n}", n=counts.not_yet),
        counts.no_telegram,
        counts.to_record,
        counts.unreachable,
    )


def _by_branch(tr: Translator, item: NoticeReceipts) -> list[str]:
    """A line per branch for a notice to several; past BRANCH_LINES (a county-wide
    notice) only the branches where someone still needs a word, by name, and the names
    button has them all."""
    if len(item.branches) < 2:
        return []
    shown = item.branches
    lines = [tr("By branch:")]
    if len(shown) > BRANCH_LINES:
        waiting = notices.to_follow_up(item)
        shown = waiting[:BRANCH_LINES]
        lines = [
            tr(
                "Branches where someone has not acknowledged yet or cannot be reached: "
                "{waiting} of {total}; the first {n} by name (👥 Names lists every "
                "branch):",
                waiting=len(waiting),
                total=len(item.branches),
                n=len(shown),
            )
        ]
    return lines + [
        tr("{branch}: {counts}", branch=esc(b.branch or "—"), counts=_counts(tr, b)) for b in shown
    ]


async def notices_command(update: Update, context: ZContext) -> None:
    if not await managers_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    actor = context.actor
    found = await notices.overview(context.db, _branch_scope(context))
    waiting = await notices.scheduled(context.db, actor)
    if not found and not waiting:
        await chat.send_message(tr("No notices yet. Send /notice to send one."))
        return
    for notice in waiting[:5]:  # first: what can still be stopped
        unit = await organisation.get_unit(context.db, notice.scope_unit_id)
        await chat.send_message(
            "\n".join(
                [
                    f"⏰ <b>{_when(context, notice)}</b> {esc(notices.preview(notice.body))}",
                    tr(
                        "Scheduled, not sent yet: {who}, {unit}.",
                        who=tr(AUDIENCES[notice.audience]),
                        unit=esc(unit.name if unit else "—"),
                    ),
                ]
            ),
            reply_markup=_cancel_key(context, notice),
        )
    for item in found[:5]:
        notice = item.notice
        when = notice.send_at.astimezone(context.clock.tz).strftime("%m-%d %H:%M")
        preview = notices.preview(notice.body)
        lines = [f"📢 <b>{when}</b> {esc(preview)}", _counts(tr, item), *_by_branch(tr, item)]
        keys = [button(tr("👥 Names"), NoticePress("who", notice.id).pack())]
        if actor.oversees(notice.scope_unit_id) and notice.reminded_at is None and item.not_yet:
            keys.append(
                button(
                    tr("🔔 Remind the {n}", n=item.not_yet), NoticePress("remind", notice.id).pack()
                )
            )
        await chat.send_message("\n".join(lines), reply_markup=inline([keys]))
