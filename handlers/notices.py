"""/notice and /notices, and the buttons: received, remind the rest, names.

/notice is a conversation (kind ``notice``): where to (see handlers/scope.py), who (with
counts), the text or a file (the sender's bold and italics are kept), whether the branch
group chats get a copy, when (now or a typed time), then a preview and one button.
Buttons: ``ntc:ack:<id>`` (received), ``ntc:remind:<id>`` (once), ``ntc:who:<id>``.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from telegram import Message, Update

from bot import notices
from bot.app import ZContext
from bot.callbacks import pack
from bot.delivery import send
from bot.i18n import N_, Translator
from bot.markup import length
from bot.notices import AUDIENCES, BODY_MAX, CAPTION_MAX, SECRETARY_AUDIENCES, NoticeDraft
from bot.profile import InvalidInput
from bot.when import parse_when
from handlers import away, dialog, scope
from handlers.dialog import Answer
from handlers.guards import button_with_id, managers_only, private_only
from handlers.ui import button, chunks, esc, inline
from storage.models import (
    Dialog,
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
    allowed = AUDIENCES if context.actor.staff else {
        key: AUDIENCES[key] for key in SECRETARY_AUDIENCES}
    rows = []
    for key, label in allowed.items():
        count = await notices.size(context.db, unit.id, key)
        rows.append([button(tr("{label} ({n})", label=tr(label), n=count),
                            dialog.choice(NOTICE, "audience", key))])
    await dialog.advance(update, context, current, "audience", scope=unit.id,
                         scope_name=unit.name)
    await chat.send_message(tr("Who in <b>{unit}</b> should receive it?", unit=esc(unit.name)),
                            reply_markup=inline(rows))


async def _sends(context: ZContext, current: Dialog) -> bool:
    """To the chosen unit, and (once chosen) that audience: a secretary only their own
    branch's members or flowing members, staff anyone."""
    actor = context.actor
    if not await scope.addresses(context, current):
        return False
    audience = current.data.get("audience")
    return audience is None or notices.may_send(actor.staff, actor.secretary_of,
                                                int(current.data["scope"]), audience)


@dialog.dialog(NOTICE, right=_sends)
async def notice_step(update: Update, context: ZContext, current: Dialog, answer: Answer
                      ) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    actor = context.actor
    try:
        if current.step in ("scope", "township"):
            await scope.read(update, context, NOTICE, current, answer, _chosen)
        elif current.step == "audience":
            audience = answer.action
            if audience not in AUDIENCES or not notices.may_send(
                    actor.staff, actor.secretary_of, int(current.data["scope"]), audience):
                await chat.send_message(tr("Please choose with the buttons."))
                return
            await away.acknowledge(answer, tr(AUDIENCES[audience]))
            await dialog.advance(update, context, current, "body", audience=audience)
            await chat.send_message(tr(
                "Send the notice: a text (bold and italics are kept), or a file or photo with "
                "the text as its caption."))
        elif current.step == "body":
            current = await dialog.advance(update, context, current, "groups",
                                           **_read_body(answer.message))
            count = await notices.groups(context.db, int(current.data["scope"]))
            if count == 0:
                current = await dialog.advance(update, context, current, "when",
                                               to_groups=False)
                await _ask_when(update, context)
                return
            await chat.send_message(
                tr("Also post it in the {n} branch group chat(s)?", n=count),
                reply_markup=inline([[button(tr("Yes"), dialog.choice(NOTICE, "groups", "yes")),
                                      button(tr("No"), dialog.choice(NOTICE, "groups", "no"))]]))
        elif current.step == "groups":
            if answer.action not in ("yes", "no"):
                await chat.send_message(tr("Please choose with the buttons."))
                return
            await away.acknowledge(answer, tr("Yes") if answer.action == "yes" else tr("No"))
            await dialog.advance(update, context, current, "when",
                                 to_groups=answer.action == "yes")
            await _ask_when(update, context)
        elif current.step == "when":
            if answer.action == "now":
                await away.acknowledge(answer, tr("Now"))
                when = context.clock.now()
            else:
                when = parse_when(answer.text, context.clock.now())
            current = await dialog.advance(update, context, current, "confirm",
                                           send_at=when.isoformat())
            await _preview(update, context, current)
        elif current.step == "confirm":
            await _confirm(update, context, current, answer)
    except InvalidInput as problem:
        await chat.send_message(tr(problem.message, **problem.fields))


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
            raise InvalidInput(N_("A file's text can be at most {limit} characters; send a "
                                  "shorter one."), limit=CAPTION_MAX)
        return {"body": body, "media_kind": media[0], "file_id": media[1]}
    body = message.text_html if message.text else ""
    if not body.strip() or body.startswith("/"):
        raise InvalidInput(N_("Please send a text or a file."))
    if length(body) > BODY_MAX:
        raise InvalidInput(N_("That is {length} characters; please keep it under {limit}."),
                           length=length(body), limit=BODY_MAX)
    return {"body": body, "media_kind": None, "file_id": None}


async def _ask_when(update: Update, context: ZContext) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        tr("Send it now, or type when, for example 明天 08:00."),
        reply_markup=inline([[button(tr("Now"), dialog.choice(NOTICE, "when", "now"))]]))


def _draft(current: Dialog) -> NoticeDraft:
    data = current.data
    return NoticeDraft(scope_unit_id=int(data["scope"]), audience=data["audience"],
                       body=data["body"], media_kind=data.get("media_kind"),
                       file_id=data.get("file_id"), to_groups=bool(data.get("to_groups")),
                       send_at=datetime.fromisoformat(data["send_at"]))


async def _preview(update: Update, context: ZContext, current: Dialog) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    draft = _draft(current)
    shaped = Notice(id=0, sender=context.actor.telegram_id, scope_unit_id=draft.scope_unit_id,
                    audience=draft.audience, body=draft.body, media_kind=draft.media_kind,
                    file_id=draft.file_id, to_groups=draft.to_groups, send_at=draft.send_at,
                    state="scheduled", reminded_at=None, created_at=context.clock.now())
    await chat.send_message(tr("Preview — recipients will receive this:"))
    await send(context.bot, chat.id,
               notices.render(tr, shaped, current.data["scope_name"], with_button=False))
    count = await notices.size(context.db, draft.scope_unit_id, draft.audience)
    when = (tr("now") if draft.send_at <= context.clock.now()
            else draft.send_at.astimezone(context.clock.tz).strftime("%Y-%m-%d %H:%M"))
    lines = [tr("<b>{unit}</b>, {who}: {n} people, {when}.",
                unit=esc(current.data["scope_name"]), who=tr(AUDIENCES[draft.audience]),
                n=count, when=when)]
    if draft.to_groups:
        lines.append(tr("A copy goes to the branch group chats."))
    missing = await notices.without_telegram(context.db, draft.scope_unit_id, draft.audience)
    if missing:
        lines.append(tr("{n} on the roster have no Telegram and will not get it: they count "
                        "as not reachable.", n=missing))
    if count == 0:
        await dialog.finish(update, context)
        lines.append(tr("Nobody can receive it, so nothing was sent."))
        await chat.send_message("\n".join(lines))
        return
    await dialog.ask_to_confirm(update, context, NOTICE, "\n".join(lines),
                                tr("✅ Send to {n}", n=count))


async def _confirm(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    if not await dialog.confirmed(update, context, answer, tr("✅ Send"),
                                  tr("Cancelled. Nothing was sent.")):
        return
    draft = _draft(current)
    actor = context.actor
    if not notices.may_send(actor.staff, actor.secretary_of, draft.scope_unit_id,
                            draft.audience):
        await dialog.finish(update, context)
        await chat.send_message(tr("This is not yours to manage."))
        return
    notice, queued = await notices.create(context.db, context.clock, draft, actor.telegram_id,
                                          ending=dialog.ending(update, context))
    context.services.poke_outbox()
    if queued:
        await chat.send_message(tr("Sending to {n} people. Send /notices to see who has "
                                   "received it.", n=queued))
    else:
        await chat.send_message(tr("Scheduled for {when}.", when=notice.send_at.astimezone(
            context.clock.tz).strftime("%Y-%m-%d %H:%M")))


# --- buttons and /notices ------------------------------------------------------------------------


def _branch_scope(context: ZContext) -> frozenset[int] | None:
    return None if context.actor.staff else context.actor.secretary_of


async def notice_button(update: Update, context: ZContext) -> None:
    pressed = await button_with_id(update, context)
    if pressed is None:
        return
    query, parsed, notice_id = pressed
    tr = context.tr
    if parsed.action == "ack":
        result = await notices.acknowledge(context.db, context.clock, notice_id,
                                           context.actor.telegram_id)
        answers = {"recorded": N_("✅ Thank you, recorded as received."),
                   "already": N_("Already recorded as received."),
                   "not_yours": N_("This notice was not sent to you.")}
        await query.answer(tr(answers[result]), show_alert=result == "not_yours")
        if result == "recorded":
            await query.edit_message_reply_markup(inline([[button(
                tr("✅ Received {time}", time=context.clock.now().strftime("%m-%d %H:%M")),
                query.data or "")]]))
        return
    if parsed.action == "show":  # read again, with its own button (from a catch-up)
        again = await notices.again(context.db, tr, notice_id, context.actor.telegram_id)
        if again is None:
            await query.answer(tr("This notice was not sent to you."), show_alert=True)
            return
        await query.answer()
        await send(context.bot, context.actor.telegram_id, again)
        return
    actor = context.actor
    if not actor.manages_any:
        await query.answer(tr("Only branch secretaries and organisation staff can do this."),
                           show_alert=True)
        return
    if parsed.action == "remind":
        if not actor.staff:
            await query.answer(tr("Only organisation staff can do this."), show_alert=True)
            return
        count = await notices.remind(context.db, context.clock, notice_id)
        context.services.poke_outbox()
        await query.answer(tr("Already reminded once.") if count is None
                           else tr("Reminding {n} people.", n=count))
        return
    if parsed.action == "who":
        people = await notices.recipients(context.db, notice_id, _branch_scope(context))
        if not people:
            await query.answer(tr("This is not yours to manage."), show_alert=True)
            return
        await query.answer()
        chat = update.effective_chat
        assert chat is not None
        branches = {p.branch_id: p.branch for p in people}
        lines: list[str] = []
        for branch_id, branch in branches.items():
            if len(branches) > 1:
                lines.append(f"<b>{esc(branch or '—')}</b>")
            lines += _names(tr, [p for p in people if p.branch_id == branch_id],
                            brief=len(branches) > 1)
        for text in chunks(line for line in lines if line):
            await chat.send_message(text)
        return
    await query.answer(tr("This button is no longer active."))


def _names(tr: Translator, people: list[NoticeRecipient], *, brief: bool = False
           ) -> list[str]:
    """Who acknowledged, who not yet, who cannot be reached; ``brief`` leaves out the
    empty ones (one branch among many)."""
    done = [esc(p.name) for p in people if p.acknowledged_at is not None]
    waiting = [esc(p.name) for p in people
               if p.acknowledged_at is None and p.delivery == "delivered"]
    lost = [esc(p.name) for p in people if p.delivery == "unreachable"]
    lines = []
    for heading, names in ((N_("✅ Received ({n})"), done),
                           (N_("⏳ Not acknowledged yet ({n})"), waiting),
                           (N_("📵 Not reachable ({n})"), lost)):
        if names or not brief:
            lines += [tr(heading, n=len(names)), "、".join(names)]
    return lines


def _counts(tr: Translator, counts: ReceiptCounts) -> str:
    return tr("received {delivered} · acknowledged {ack} · not yet {not_yet} · "
              "not reachable {lost}", delivered=counts.delivered, ack=counts.acknowledged,
              not_yet=counts.not_yet, lost=counts.unreachable)


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
        lines = [tr("Branches where someone has not acknowledged yet or cannot be reached: "
                    "{waiting} of {total}; the first {n} by name (👥 Names lists every "
                    "branch):", waiting=len(waiting), total=len(item.branches), n=len(shown))]
    return lines + [tr("{branch}: {counts}", branch=esc(b.branch or "—"), counts=_counts(tr, b))
                    for b in shown]


async def notices_command(update: Update, context: ZContext) -> None:
    if not await managers_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    actor = context.actor
    found = await notices.overview(context.db, _branch_scope(context))
    if not found:
        await chat.send_message(tr("No notices yet. Send /notice to send one."))
        return
    for item in found[:5]:
        notice = item.notice
        when = notice.send_at.astimezone(context.clock.tz).strftime("%m-%d %H:%M")
        preview = html.unescape(re.sub(r"<[^>]+>", "", notice.body))[:60]
        lines = [f"📢 <b>{when}</b> {esc(preview)}", _counts(tr, item), *_by_branch(tr, item)]
        keys = [button(tr("👥 Names"), pack("ntc", "who", notice.id))]
        if actor.staff and notice.reminded_at is None and item.not_yet:
            keys.append(button(tr("🔔 Remind the {n}", n=item.not_yet),
                               pack("ntc", "remind", notice.id)))
        await chat.send_message("\n".join(lines), reply_markup=inline([keys]))
