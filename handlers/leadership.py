"""/leadership (a township's study ledger, for its staff) and /research (a leadership
member's research reports, 调研文章).

Township staff see their own township's ledger; county staff choose the township. From
the ledger they schedule centralised study for the leadership (the /meeting form,
begun at its start time: handlers/meetings.start_leadership), change a coming one, open
the records, the spreadsheet and the research reports. Every press asks again whether
the township is theirs.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot import leadership, organisation
from bot.access import Actor
from bot.callbacks import LeadershipPress, ResearchNew, ResearchOpen, SessionList, SessionMonth
from bot.context import ZContext
from bot.delivery import Outgoing, send
from bot.i18n import N_
from bot.markup import MESSAGE_LIMIT, shorten
from bot.profile import InvalidInput, clean_body
from bot.session_records import Month
from handlers import dialog, meetings
from handlers.dialog import Answer
from handlers.guards import Refused, Stale, on_press, private_only
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, esc, grid, inline
from storage.models import Dialog, ResearchMedia, Unit

RESEARCH = "research"
ONLY_TOWNSHIPS = N_("Only township and county staff can do this.")
ONLY_LEADERSHIP = N_(
    "Research reports (调研文章) are filed by the township leadership, as marked on the "
    "roster (column 乡镇领导班子)."
)


# --- /leadership ------------------------------------------------------------------------


async def leadership_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    actor = context.actor
    chat = update.effective_chat
    assert chat is not None
    if not actor.oversees_any:
        await chat.send_message(context.tr(ONLY_TOWNSHIPS))
        return
    townships = [t for t in await organisation.townships(context.db) if actor.oversees(t.id)]
    if len(townships) == 1:
        await _show(context, townships[0])
        return
    if not townships:
        await chat.send_message(
            context.tr("The organisation is empty. Import a roster first: zhibu import roster.xlsx")
        )
        return
    await chat.send_message(
        context.tr("Which township?"),
        reply_markup=inline(
            grid([button(t.name, LeadershipPress("show", t.id).pack()) for t in townships])
        ),
    )


async def _show(context: ZContext, township: Unit) -> None:
    tr = context.tr
    study = await leadership.ledger(context.db, context.clock, township)
    coming = await leadership.coming(context.db, context.clock, township.id)
    text = shorten(
        "\n".join(leadership.ledger_lines(tr, study, township, coming, context.clock)),
        MESSAGE_LIMIT,
    )
    rows = [
        [button(tr("📅 Schedule centralised study"), LeadershipPress("new", township.id).pack())],
        [
            button(tr("📥 Spreadsheet"), LeadershipPress("xlsx", township.id).pack()),
            button(tr("📄 Research reports"), LeadershipPress("rsr", township.id).pack()),
        ],
    ]
    if coming:
        rows.append([button(tr("✏️ Change a coming session"), SessionList(township.id).pack())])
    month = Month.of(context.clock.today())
    rows.append([button(tr("🗂 Session records"), SessionMonth(township.id, month.code).pack())])
    await context.bot.send_message(context.actor.telegram_id, text, reply_markup=inline(rows))


@on_press(role=lambda actor: actor.oversees_any, refusal=ONLY_TOWNSHIPS)
async def leadership_button(
    update: Update, context: ZContext, query: CallbackQuery, data: LeadershipPress
) -> None:
    township = await organisation.get_unit(context.db, data.township)
    if township is None or township.kind != "township":
        raise Stale
    if not context.actor.oversees(township.id):
        raise Refused
    await query.answer()
    tr = context.tr
    if data.action == "show":
        await _show(context, township)
    elif data.action == "new":
        study = await leadership.ledger(context.db, context.clock, township)
        if not study.townships:  # a session that would invite nobody is not begun
            await context.bot.send_message(
                context.actor.telegram_id, tr(leadership.NOBODY_MARKED, township=esc(township.name))
            )
            return
        await meetings.start_leadership(update, context, township)
    elif data.action == "xlsx":
        await send(
            context.bot,
            context.actor.telegram_id,
            await leadership.ledger_spreadsheet(context.db, context.clock, tr, township),
        )
    else:
        lines, found = await leadership.township_list(context.db, context.clock, tr, township)
        await send(
            context.bot,
            context.actor.telegram_id,
            Outgoing(shorten("\n".join(lines), MESSAGE_LIMIT), leadership.open_buttons(found)),
        )


# --- /research --------------------------------------------------------------------------


async def research_command(update: Update, context: ZContext) -> None:
    if not await private_only(update, context):
        return
    chat = update.effective_chat
    assert chat is not None
    tr = context.tr
    member = context.actor.active_member
    if member is None:
        await chat.send_message(tr(ONLY_LEADERSHIP))
        return
    lines, found = await leadership.own_list(context.db, context.clock, tr, member)
    files = leadership.files_reports(member)
    if not files and not found:  # never filed this year, and not theirs to file
        await chat.send_message(tr(ONLY_LEADERSHIP))
        return
    # Someone no longer on the leadership still reads what they filed; filing is the
    # leadership's.
    keys = leadership.open_buttons(found)
    if files:
        keys.append([(tr("➕ File a research report"), ResearchNew().pack())])
    else:
        lines += ["", tr(ONLY_LEADERSHIP)]
    await send(context.bot, chat.id, Outgoing(shorten("\n".join(lines), MESSAGE_LIMIT), keys))


@on_press()
async def research_open_button(
    update: Update, context: ZContext, query: CallbackQuery, data: ResearchOpen
) -> None:
    """The author's own report, or one of their township's for its staff."""
    found = await leadership.opened(context.db, data.report)
    if found is None:
        raise Stale
    actor = context.actor
    own = found.author.telegram_id == actor.telegram_id
    if not own and (found.township_id is None or not actor.oversees(found.township_id)):
        raise Refused
    await query.answer()
    await send(
        context.bot, actor.telegram_id, leadership.report_message(context.tr, found, context.clock)
    )


def _files_reports(actor: Actor) -> bool:
    return leadership.files_reports(actor.active_member)


@on_press(role=_files_reports, refusal=ONLY_LEADERSHIP)
async def research_button(
    update: Update, context: ZContext, query: CallbackQuery, data: ResearchNew
) -> None:
    await query.answer()
    await dialog.begin(update, context, RESEARCH, "title", {}, in_private=True)
    await context.bot.send_message(
        context.actor.telegram_id, context.tr("📄 <b>A research report</b>\nWhat is its title?")
    )


async def files_research(context: ZContext, current: Dialog) -> bool:
    """The form is for a leadership member, at every answer."""
    return leadership.files_reports(context.actor.active_member)


async def research_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await RESEARCH_STEPS.answer(update, context, current, answer)


async def _read_title(turn: Turn) -> None:
    await turn.go("body", title=meetings.few_words(turn.text, leadership.TITLE_MAX))


async def _ask_body(turn: Turn) -> None:
    await turn.say(
        turn.tr(
            "Send the report: type its text, or send it as a document or a photo (a caption "
            "is kept with it)."
        )
    )


async def _read_body(turn: Turn) -> None:
    """The text typed, or a document or photo (its caption as the text); stored with the
    end of the form."""
    context = turn.context
    message = turn.answer.message
    media: tuple[ResearchMedia, str, str | None] | None = None
    text = turn.text
    if message is not None and message.document is not None:
        media = ("document", message.document.file_id, message.document.file_name)
        text = message.caption
    elif message is not None and message.photo:
        media = ("photo", message.photo[-1].file_id, None)
        text = message.caption
    body = clean_body(text, leadership.BODY_MAX)
    if not body and media is None:
        raise InvalidInput(N_("Please type the report, or send it as a document or a photo."))
    member = context.actor.active_member
    if member is None:
        await turn.finish()
        return
    report = await leadership.file_report(
        context.db,
        context.clock,
        member,
        str(turn.data["title"]),
        body,
        media,
        context.actor.telegram_id,
        ending=turn.ending(),
    )
    await turn.say(
        turn.tr("Filed: “{title}”. /research lists your reports.", title=esc(report.title))
    )


RESEARCH_STEPS = StepTable(
    RESEARCH,
    {
        "title": Step(_read_title, next=("body",)),  # asked by the button
        "body": Step(_read_body, ask=_ask_body),
    },
    first=("title",),
)
