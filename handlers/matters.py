"""/matters: 四议两公开 — a branch's village matters through their four meetings and two
disclosures, and the township's view of every open one.

A branch secretary sees their branch's matters and opens new ones; township staff (and
county staff) see every open matter of the branches they oversee, how many days each
has stood at its step, and export the ledger. Only the branch's own secretary records
a step, makes a decision or a result public, or withdraws a matter: the township reads.

Buttons: ``mtr:new:<branch>`` (a new matter: title, description, attachments, confirm),
``mtr:card:<matter>`` (a matter's card), ``mtr:step:<matter>:<n>`` (record step n: day,
the zhibu session it was, expected, present, votes, note, confirm), ``mtr:pub:<matter>:d|r``
(make the decision or the result public: in the group, or on the notice board by hand),
``mtr:drop:<matter>`` (withdraw, confirmed), ``mtr:xlsx:<unit>`` (the ledger),
``mtr:ls:<branch>:<page>`` (another page of a branch's list; branch 0: of the overview).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, Update

from bot import matters, organisation
from bot.callbacks import (
    MatterCard,
    MatterDrop,
    MatterLedger,
    MatterNew,
    MatterPage,
    MatterPublish,
    MatterStepPress,
    SessionCard,
    whole,
)
from bot.context import ZContext
from bot.delivery import Outgoing, send
from bot.i18n import N_, Translator
from bot.markup import MESSAGE_LIMIT, short, shorten, visible
from bot.matters import STEPS, View
from bot.meetings import KINDS as MEETING_KINDS
from bot.profile import InvalidInput, clean_body
from bot.when import offset_day
from handlers import dialog
from handlers.dialog import Answer
from handlers.guards import Refused, Stale, managers_only, on_press
from handlers.steps import Step, StepTable, Turn
from handlers.ui import button, esc, inline
from storage.models import Dialog, PublicationWhat, Unit

NEW = "matter"
STEP = "mstep"
PUBLISH = "mpub"
DROP = "mdrop"
LABEL = matters.TITLE_SHOWN  # characters of a title on a button


# --- /matters -----------------------------------------------------------------------------------


async def matters_command(update: Update, context: ZContext) -> None:
    """Township and county staff: the open matters of their branches; a secretary: their
    branch's matters (someone who is both gets both)."""
    if not await managers_only(update, context):
        return
    actor = context.actor
    if actor.oversees_any:
        await _overview(update, context, 0, in_place=False)
    for branch_id in sorted(actor.secretary_of):
        branch = await organisation.get_unit(context.db, branch_id)
        if branch is not None:
            await _branch_list(update, context, branch, 0, in_place=False)


async def _scopes(context: ZContext) -> list[Unit]:
    """The units whose ledger an overseer exports: the county, or their townships."""
    actor = context.actor
    if actor.staff:
        county = await organisation.county(context.db)
        return [county] if county is not None else []
    found = [await organisation.get_unit(context.db, t) for t in sorted(actor.townships)]
    return [t for t in found if t is not None]


async def _overview(update: Update, context: ZContext, page: int, *, in_place: bool) -> None:
    """A page of the open matters of every branch the person oversees, a button each,
    ◀/▶ to the other pages, and the ledgers."""
    tr = context.tr
    scopes = await _scopes(context)
    standing = await matters.open_in(context.db, context.clock, context.actor.branch_scope)
    shown, page, pages = matters.page_of(standing, page)
    text = matters.overview_text(
        tr, "、".join(u.name for u in scopes), shown, page, pages, total=len(standing)
    )
    rows = [
        [button(_label(found.view), MatterCard(found.view.matter.id).pack())] for found in shown
    ]
    rows += _pages(tr, 0, page, pages)
    rows += [
        [button(tr("📥 Ledger (Excel): {scope}", scope=u.name), MatterLedger(u.id).pack())]
        for u in scopes
    ]
    await _show_list(update, context, text, rows, in_place=in_place)


def _label(found: View) -> str:
    return short(f"{found.branch.name} · {found.matter.title}", 2 * LABEL)


def _pages(tr: Translator, unit: int, page: int, pages: int) -> list[list[InlineKeyboardButton]]:
    """The row of ◀/▶ buttons to the pages before and after (none for a single page)."""
    nav = []
    if page > 0:
        nav.append(button(tr("◀ Page {page}", page=page), MatterPage(unit, page - 1).pack()))
    if page + 1 < pages:
        nav.append(button(tr("Page {page} ▶", page=page + 2), MatterPage(unit, page + 1).pack()))
    return [nav] if nav else []


async def _show_list(
    update: Update,
    context: ZContext,
    text: str,
    rows: list[list[InlineKeyboardButton]],
    *,
    in_place: bool,
) -> None:
    """A list's page: sent, or (a page pressed) put in place of the page shown."""
    keys = inline(rows) if rows else None
    query = update.callback_query
    if in_place and query is not None and query.message is not None:
        shown = query.message
        if (
            getattr(shown, "text", None) == visible(text)
            and getattr(shown, "reply_markup", None) == keys
        ):
            return  # the page asked for is the one shown (Telegram refuses such an edit)
        await query.edit_message_text(text, reply_markup=keys)
        return
    await context.bot.send_message(context.actor.telegram_id, text, reply_markup=keys)


async def _branch_list(
    update: Update, context: ZContext, branch: Unit, page: int, *, in_place: bool
) -> None:
    """A page of the branch's matters (those not finished first, the newest first), a
    button each; its secretary can open a new one."""
    tr = context.tr
    views = await matters.of_branch(context.db, branch.id)
    ordered = sorted(views, key=lambda v: (v.matter.state not in matters.OPEN_STATES, -v.number))
    shown, page, pages = matters.page_of(ordered, page)
    text = matters.branch_text(tr, branch, shown, page, pages)
    rows = [
        [button(short(found.matter.title, LABEL), MatterCard(found.matter.id).pack())]
        for found in shown
    ]
    rows += _pages(tr, branch.id, page, pages)
    if branch.id in context.actor.secretary_of:
        rows.append([button(tr("➕ New matter"), MatterNew(branch.id).pack())])
    if views:
        rows.append([button(tr("📥 Ledger (Excel)"), MatterLedger(branch.id).pack())])
    await _show_list(update, context, text, rows, in_place=in_place)


async def _show_card(context: ZContext, found: View, *, with_files: bool = False) -> None:
    """The card, and its buttons for the branch's secretary (the township reads)."""
    tr = context.tr
    if with_files:
        for attached in found.files:
            await send(
                context.bot,
                context.actor.telegram_id,
                Outgoing("", media_kind=attached.kind, file_id=attached.file_id),
            )
    matter = found.matter
    rows = [
        [
            button(
                tr("🗂 Step {n}: the session's record", n=number),
                SessionCard(record.meeting_id).pack(),
            )
        ]
        for number, record in sorted(found.steps.items())
        if record.meeting_id is not None
    ]
    if matter.branch_id in context.actor.secretary_of:
        if matter.state == "open":
            step = matter.at_step
            rows.append(
                [
                    button(
                        tr("✍️ Record step {n}: {name}", n=step, name=tr(STEPS[step])),
                        MatterStepPress(matter.id, step).pack(),
                    )
                ]
            )
            rows.append([button(tr("🗑 Withdraw"), MatterDrop(matter.id).pack())])
        elif matter.state == "decided":
            rows.append(
                [button(tr("📢 Make the decision public"), MatterPublish(matter.id, "d").pack())]
            )
        elif matter.state == "published":
            rows.append(
                [button(tr("📢 Make the result public"), MatterPublish(matter.id, "r").pack())]
            )
    await context.bot.send_message(
        context.actor.telegram_id,
        matters.card_text(tr, found, context.clock.tz),
        reply_markup=inline(rows) if rows else None,
    )


# --- buttons ------------------------------------------------------------------------------------


@on_press()
async def matter_button(
    update: Update,
    context: ZContext,
    query: CallbackQuery,
    data: MatterNew
    | MatterCard
    | MatterStepPress
    | MatterPublish
    | MatterDrop
    | MatterLedger
    | MatterPage,
) -> None:
    tr = context.tr
    actor = context.actor
    if isinstance(data, MatterPage):
        await _page(update, context, query, data)
        return
    if isinstance(data, MatterLedger):
        await _ledger(query, context, data.unit)
        return
    if isinstance(data, MatterNew):
        branch = await organisation.get_unit(context.db, data.branch)
        if branch is None or branch.kind != "branch":
            raise Stale
        if branch.id not in actor.secretary_of:
            raise Refused
        await query.answer()
        await dialog.begin(update, context, NEW, "title", {"branch": branch.id}, in_private=True)
        await context.bot.send_message(
            actor.telegram_id,
            tr(
                "🗳 New matter for {branch}.\nIts title, in a few words (up to {most} characters)?",
                branch=esc(branch.name),
                most=matters.TITLE_MAX,
            ),
        )
        return
    found = await matters.view(context.db, data.matter)
    if found is None:
        raise Stale
    matter = found.matter
    if isinstance(data, MatterCard):
        if not actor.manages(matter.branch_id):
            raise Refused
        await query.answer()
        await _show_card(context, found, with_files=True)
        return
    if matter.branch_id not in actor.secretary_of:  # the township reads, the secretary records
        raise Refused
    if isinstance(data, MatterStepPress):
        if matter.state != "open":
            await query.answer(
                tr("This matter is not open: {where}.", where=matters.where_it_stands(tr, matter)),
                show_alert=True,
            )
            return
        if data.step != matter.at_step:
            await query.answer(
                tr(
                    "Step {asked} cannot be recorded now: this matter is waiting for step "
                    "{step}: {name}. Steps are recorded in order.",
                    asked=data.step,
                    step=matter.at_step,
                    name=tr(STEPS[matter.at_step]),
                ),
                show_alert=True,
            )
            return
        await query.answer()
        await dialog.begin(
            update,
            context,
            STEP,
            "day",
            {"matter": matter.id, "step": matter.at_step, "branch": matter.branch_id},
            in_private=True,
        )
        await _ask_step_day(context, found)
        return
    if isinstance(data, MatterPublish):
        what: PublicationWhat = "decision" if data.what == "d" else "result"
        wanted = "decided" if what == "decision" else "published"
        if matter.state != wanted:
            await query.answer(
                tr(
                    "This cannot be made public now: {where}.",
                    where=matters.where_it_stands(tr, matter),
                ),
                show_alert=True,
            )
            return
        await query.answer()
        await _begin_publication(update, context, found, what)
        return
    if matter.state != "open":  # MatterDrop
        await query.answer(tr("Only an open matter can be withdrawn."), show_alert=True)
        return
    await query.answer()
    await dialog.begin(
        update,
        context,
        DROP,
        "confirm",
        {"matter": matter.id, "branch": matter.branch_id},
        in_private=True,
    )
    await context.bot.send_message(
        actor.telegram_id,
        tr("Withdraw “{title}”? It stays in the ledger as withdrawn.", title=esc(matter.title)),
        reply_markup=inline(
            [
                [
                    button(tr("🗑 Withdraw"), dialog.choice(DROP, "confirm", "yes")),
                    button(tr("↩️ Keep it"), dialog.choice(DROP, "confirm", "no")),
                ]
            ]
        ),
    )


async def _page(update: Update, context: ZContext, query: CallbackQuery, data: MatterPage) -> None:
    """Another page of a list: a branch's (for whoever manages the branch, as its cards),
    or the overview (for whoever oversees branches; each sees their own)."""
    if data.unit == 0:
        if not context.actor.oversees_any:
            raise Refused
        await query.answer()
        await _overview(update, context, data.page, in_place=True)
        return
    branch = await organisation.get_unit(context.db, data.unit)
    if branch is None or branch.kind != "branch" or not context.actor.manages(branch.id):
        raise Refused
    await query.answer()
    await _branch_list(update, context, branch, data.page, in_place=True)


async def _ledger(query: CallbackQuery, context: ZContext, unit_id: int) -> None:
    actor = context.actor
    unit = await organisation.get_unit(context.db, unit_id)
    if unit is None:
        raise Stale
    if unit.kind == "branch":
        allowed = actor.manages(unit.id)
        branches: list[int] | None = [unit.id]
    elif unit.kind == "township":
        allowed = actor.oversees(unit.id)
        branches = [b.id for b in await organisation.branches_under(context.db, unit.id)]
    else:
        allowed = actor.staff
        branches = None
    if not allowed:
        raise Refused
    await query.answer()
    found = await matters.ledger_file(context.db, context.clock, context.tr, unit, branches)
    if found is None:
        await context.bot.send_message(
            actor.telegram_id,
            context.tr("{scope} has no matters on record yet.", scope=esc(unit.name)),
        )
        return
    await send(context.bot, actor.telegram_id, found)


# --- the rights of the forms ----------------------------------------------------------------------


async def secretary_of_branch(context: ZContext, current: Dialog) -> bool:
    """Each answer: still the secretary of the matter's branch (the township reads only)."""
    return int(current.data["branch"]) in context.actor.secretary_of


# --- a new matter -------------------------------------------------------------------------------


async def new_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await NEW_STEPS.answer(update, context, current, answer)


def _one_line(text: str | None, most: int) -> str:
    return " ".join(clean_body(text, most).split())


async def _read_title(turn: Turn) -> None:
    title = _one_line(turn.text, matters.TITLE_MAX)
    if not title:
        raise InvalidInput(N_("Please type a title."))
    await turn.go("desc", title=title)


async def _ask_description(turn: Turn) -> None:
    await turn.say(
        turn.tr(
            "Describe the matter: what is proposed, why, and what it costs (up to {most} "
            "characters).",
            most=matters.DESCRIPTION_MAX,
        )
    )


async def _read_description(turn: Turn) -> None:
    description = clean_body(turn.text, matters.DESCRIPTION_MAX)
    if not description:
        raise InvalidInput(N_("Please type a few sentences."))
    await turn.go("files", description=description, files=[])


def _done(turn: Turn) -> Any:
    return inline([[button(turn.tr("✅ Done"), dialog.choice(NEW, "files", "done"))]])


async def _ask_files(turn: Turn) -> None:
    await turn.say(
        turn.tr(
            "Attach photos or documents (a plan, a budget, a photo of the site): send them "
            "one by one, then press “Done”. Nothing to attach? Press “Done”."
        ),
        reply_markup=_done(turn),
    )


async def _read_files(turn: Turn) -> None:
    files: list[list[str]] = list(turn.data.get("files", []))
    if turn.action == "done":
        await turn.acknowledge(turn.tr("✅ Done"))
        await turn.go("confirm")
        return
    message = turn.answer.message
    if message is not None and message.photo:
        files.append(["photo", message.photo[-1].file_id, ""])
    elif message is not None and message.document is not None:
        files.append(["document", message.document.file_id, message.document.file_name or ""])
    else:
        raise InvalidInput(N_("Please send a photo or a document, or press “Done”."))
    if len(files) > matters.FILES_MAX:
        raise InvalidInput(
            N_("At most {most} attachments; please press “Done”."), most=matters.FILES_MAX
        )
    await turn.keep(files=files)
    await turn.say(
        turn.tr("📎 {n} attached. Send more, or press “Done”.", n=len(files)),
        reply_markup=_done(turn),
    )


async def _ask_new_confirm(turn: Turn) -> None:
    tr = turn.tr
    data = turn.data
    lines = [
        tr("<b>Please check:</b>"),
        tr("Title: {title}", title=esc(data["title"])),
        shorten(esc(data["description"]), 1000),
        tr("📎 Attachments: {n}", n=len(data.get("files", []))),
        tr("It starts at step 1: {name}.", name=tr(STEPS[1])),
    ]
    await dialog.ask_to_confirm(
        turn.update, turn.context, NEW, "\n".join(lines), tr("✅ Open the matter")
    )


async def _save_new(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    if not await dialog.confirmed(
        turn.update,
        context,
        turn.answer,
        tr("✅ Open the matter"),
        tr("Cancelled. Nothing was saved."),
    ):
        return
    data = turn.data
    matter = await matters.open_matter(
        context.db,
        context.clock,
        int(data["branch"]),
        data["title"],
        data["description"],
        [(str(k), str(f), str(n)) for k, f, n in data.get("files", [])],
        context.actor.telegram_id,
        ending=turn.ending(),
    )
    await turn.say(tr("Saved: the matter is open. Record each meeting as it is held."))
    found = await matters.view(context.db, matter.id)
    assert found is not None
    await _show_card(context, found)


NEW_STEPS = StepTable(
    NEW,
    {
        "title": Step(_read_title, next=("desc",)),  # asked by the button
        "desc": Step(_read_description, next=("files",), ask=_ask_description),
        "files": Step(_read_files, next=("confirm",), ask=_ask_files),
        "confirm": Step(_save_new, ask=_ask_new_confirm),
    },
    first=("title",),
)


# --- recording a step ---------------------------------------------------------------------------


async def step_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await STEP_STEPS.answer(update, context, current, answer)


async def _ask_step_day(context: ZContext, found: View) -> None:
    tr = context.tr
    step = found.matter.at_step
    await context.bot.send_message(
        context.actor.telegram_id,
        tr(
            "🗳 {title}\nStep {n}: {name}.\nOn which day was the meeting held? Press a "
            "button or type the date (11-20).",
            title=esc(found.matter.title),
            n=step,
            name=tr(STEPS[step]),
        ),
        reply_markup=inline(
            [
                [
                    button(tr("Today"), dialog.choice(STEP, "day", 0)),
                    button(tr("Yesterday"), dialog.choice(STEP, "day", 1)),
                ]
            ]
        ),
    )


async def _matter(turn: Turn) -> View:
    """The matter the form records a step of, still at that step; else the form ends."""
    found = await matters.view(turn.context.db, int(turn.data["matter"]))
    if (
        found is None
        or found.matter.state != "open"
        or found.matter.at_step != int(turn.data["step"])
    ):
        await turn.finish()
        raise InvalidInput(matters.NOT_AT_STEP)
    return found


async def _read_step_day(turn: Turn) -> None:
    found = await _matter(turn)
    context = turn.context
    after = found.after(context.clock.tz)
    if turn.action is not None:
        day = matters.check_day(offset_day(turn.today, turn.action, back=True), turn.today, after)
        await turn.acknowledge(day.isoformat())
    else:
        day = matters.parse_day(turn.text, turn.today, after)
    sessions = await matters.sessions_for(
        context.db, context.clock, found.matter.branch_id, int(turn.data["step"]), day
    )
    if sessions:
        await turn.go("meeting", day=day.isoformat())
    else:
        await turn.go("expected", day=day.isoformat(), meeting=None)


async def _ask_meeting(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    sessions = await matters.sessions_for(
        context.db,
        context.clock,
        int(turn.data["branch"]),
        int(turn.data["step"]),
        date.fromisoformat(turn.data["day"]),
    )
    tz = context.clock.tz
    rows = [
        [
            button(
                f"{s.starts_at.astimezone(tz):%H:%M} {tr(MEETING_KINDS[s.kind])} · {s.topic}",
                dialog.choice(STEP, "meeting", s.id),
            )
        ]
        for s in sessions
    ]
    rows.append([button(tr("None of these"), dialog.choice(STEP, "meeting", "none"))])
    await turn.say(tr("Was it one of these sessions in zhibu?"), reply_markup=inline(rows))


async def _read_meeting(turn: Turn) -> None:
    tr = turn.tr
    if turn.action == "none":
        await turn.acknowledge(tr("None of these"))
        await turn.go("expected", meeting=None)
        return
    context = turn.context
    sessions = {
        s.id: s
        for s in await matters.sessions_for(
            context.db,
            context.clock,
            int(turn.data["branch"]),
            int(turn.data["step"]),
            date.fromisoformat(turn.data["day"]),
        )
    }
    chosen = sessions.get(whole(turn.action) or 0)
    if chosen is None:
        raise InvalidInput(N_("Please choose with the buttons."))
    await turn.acknowledge(chosen.topic)
    figures = await matters.session_figures(context.db, chosen.id, int(turn.data["step"]))
    await turn.go("expected", meeting=chosen.id, figures=list(figures) if figures else None)


def _from_record(turn: Turn, index: int) -> Any:
    """A button with the linked session's figure (its people, or those present), if any."""
    figures = turn.data.get("figures")
    if not figures:
        return None
    number = int(figures[index])
    label = turn.tr("{n} (from the session's record)", n=number)
    return inline([[button(label, dialog.choice(STEP, turn.current.step, number))]])


async def _count(turn: Turn, least: int, most: int) -> int:
    """A number typed, or pressed on the session's figure (judged by the same rule)."""
    number = matters.parse_count(turn.action or turn.text, least=least, most=most)
    if turn.action is not None:
        await turn.acknowledge(str(number))
    return number


async def _ask_expected(turn: Turn) -> None:
    step = int(turn.data["step"])
    await turn.say(
        turn.tr(
            "How many are in {body}, that is, expected at the meeting? Type the number.",
            body=turn.tr(matters.BODIES[step]),
        ),
        reply_markup=_from_record(turn, 0),
    )


async def _read_expected(turn: Turn) -> None:
    expected = await _count(turn, 1, matters.BODY_MAX)
    await turn.go("attended", expected=expected)


async def _ask_attended(turn: Turn) -> None:
    await turn.say(
        turn.tr("How many of the {expected} were present?", expected=turn.data["expected"]),
        reply_markup=_from_record(turn, 1),
    )


async def _read_attended(turn: Turn) -> None:
    expected = int(turn.data["expected"])
    attended = await _count(turn, 0, expected)
    matters.check_quorum(int(turn.data["step"]), attended, expected)
    await turn.go("votes", attended=attended)


async def _ask_votes(turn: Turn) -> None:
    attended = int(turn.data["attended"])
    await turn.say(
        turn.tr(
            "The vote: how many for, against, abstaining? Type three numbers, for example "
            "{example}.",
            example=f"{attended} 0 0",
        )
    )


async def _read_votes(turn: Turn) -> None:
    votes = matters.parse_votes(turn.text, int(turn.data["attended"]))
    await turn.go("note", votes=list(votes))


async def _ask_note(turn: Turn) -> None:
    await turn.say(
        turn.tr("A note for the record (what was proposed or changed)? Type it, or press “Skip”."),
        reply_markup=inline([[button(turn.tr("Skip"), dialog.choice(STEP, "note", "skip"))]]),
    )


async def _read_note(turn: Turn) -> None:
    if turn.action == "skip":
        await turn.acknowledge(turn.tr("Skip"))
        note = ""
    else:
        note = clean_body(turn.text, matters.NOTE_MAX)
        if not note:
            raise InvalidInput(N_("Please type a few sentences."))
    await turn.go("confirm", note=note)


def _draft(data: dict[str, Any]) -> matters.StepDraft:
    votes = [int(v) for v in data["votes"]]
    return matters.StepDraft(
        matter_id=int(data["matter"]),
        step=int(data["step"]),
        held_on=date.fromisoformat(data["day"]),
        expected=int(data["expected"]),
        attended=int(data["attended"]),
        votes=(votes[0], votes[1], votes[2]),
        meeting_id=int(data["meeting"]) if data.get("meeting") else None,
        note=str(data.get("note", "")),
    )


async def _ask_step_confirm(turn: Turn) -> None:
    tr = turn.tr
    found = await _matter(turn)
    draft = _draft(turn.data)
    votes_for, against, abstain = draft.votes
    lines = [
        tr("<b>Please check:</b>"),
        tr("🗳 {title}", title=esc(found.matter.title)),
        tr("Step {n}: {name}", n=draft.step, name=tr(STEPS[draft.step])),
        tr("Held on {day}", day=draft.held_on.isoformat()),
    ]
    if draft.meeting_id is not None:
        meeting = await matters.meeting(turn.context.db, draft.meeting_id)
        if meeting is not None:
            lines.append(tr("Session: {topic}", topic=esc(meeting.topic)))
    lines += [
        tr(
            "{attended} of {expected} present; for {for_}, against {against}, abstain {abstain}",
            attended=draft.attended,
            expected=draft.expected,
            for_=votes_for,
            against=against,
            abstain=abstain,
        )
    ]
    if draft.note:
        lines.append(tr("Note: {note}", note=esc(draft.note)))
    if matters.passes(draft.attended, votes_for):
        lines.append(tr("✅ It passes: more than half of those present voted for it."))
        if draft.step == 4:
            lines.append(tr("The matter is then decided, to be made public."))
    else:
        lines.append(
            tr(
                "❌ It does not pass: {for_} of {attended} present is not more than half. "
                "The matter stops here, recorded as not passed.",
                for_=votes_for,
                attended=draft.attended,
            )
        )
    await dialog.ask_to_confirm(turn.update, turn.context, STEP, "\n".join(lines), tr("✅ Save"))


async def _save_step(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    if not await dialog.confirmed(
        turn.update, context, turn.answer, tr("✅ Save"), tr("Cancelled. Nothing was saved.")
    ):
        return
    draft = _draft(turn.data)
    try:
        matter = await matters.record_step(
            context.db, context.clock, draft, context.actor.telegram_id, ending=turn.ending()
        )
    except InvalidInput:
        await turn.finish()
        raise
    if matter.state == "rejected":
        said = tr("Saved. Step {n} did not pass: the matter stops here.", n=draft.step)
    elif matter.state == "decided":
        said = tr("Saved. The matter is decided: make the decision public with the button below.")
    else:
        said = tr(
            "Saved. Step {n} passed; next, step {next}: {name}.",
            n=draft.step,
            next=matter.at_step,
            name=tr(STEPS[matter.at_step]),
        )
    await turn.say(said)
    found = await matters.view(context.db, matter.id)
    assert found is not None
    await _show_card(context, found)


STEP_STEPS = StepTable(
    STEP,
    {
        "day": Step(_read_step_day, next=("meeting", "expected")),  # asked by the button
        "meeting": Step(_read_meeting, next=("expected",), ask=_ask_meeting),
        "expected": Step(_read_expected, next=("attended",), ask=_ask_expected),
        "attended": Step(_read_attended, next=("votes",), ask=_ask_attended),
        "votes": Step(_read_votes, next=("note",), ask=_ask_votes),
        "note": Step(_read_note, next=("confirm",), ask=_ask_note),
        "confirm": Step(_save_step, ask=_ask_step_confirm),
    },
    first=("day",),
)


# --- making it public -----------------------------------------------------------------------------


async def _begin_publication(
    update: Update, context: ZContext, found: View, what: PublicationWhat
) -> None:
    tr = context.tr
    group = await matters.group_of(context.db, found.matter.branch_id)
    data = {"matter": found.matter.id, "branch": found.matter.branch_id, "what": what}
    heading = tr("📢 {what}: {title}", what=tr(matters.WHAT[what]), title=esc(found.matter.title))
    if group is not None:
        await dialog.begin(update, context, PUBLISH, "how", data, in_private=True)
        await context.bot.send_message(
            context.actor.telegram_id,
            tr("{heading}\nWhere is it made public?", heading=heading),
            reply_markup=inline(
                [
                    [
                        button(
                            tr("📢 Post it in the group {group}", group=group[1]),
                            dialog.choice(PUBLISH, "how", "group"),
                        )
                    ],
                    [
                        button(
                            tr("📋 Put up on the notice board, by hand"),
                            dialog.choice(PUBLISH, "how", "board"),
                        )
                    ],
                ]
            ),
        )
        return
    await dialog.begin(update, context, PUBLISH, "day", {**data, "group": False}, in_private=True)
    await context.bot.send_message(
        context.actor.telegram_id,
        tr(
            "{heading}\nThe branch has no group chat tied to it (/bind ties one), so record "
            "it as put up on the notice board: on which day? Press a button or type the date "
            "(11-20).",
            heading=heading,
        ),
        reply_markup=_day_buttons(tr),
    )


def _day_buttons(tr: Translator) -> Any:
    return inline(
        [
            [
                button(tr("Today"), dialog.choice(PUBLISH, "day", 0)),
                button(tr("Yesterday"), dialog.choice(PUBLISH, "day", 1)),
            ]
        ]
    )


async def publish_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await PUBLISH_STEPS.answer(update, context, current, answer)


async def _publishing(turn: Turn) -> View:
    """The matter still waiting for this publication; else the form ends."""
    found = await matters.view(turn.context.db, int(turn.data["matter"]))
    wanted = "decided" if turn.data["what"] == "decision" else "published"
    if found is None or found.matter.state != wanted:
        await turn.finish()
        raise InvalidInput(N_("This has been made public already. Nothing was saved."))
    return found


async def _read_how(turn: Turn) -> None:
    tr = turn.tr
    if turn.action == "group":
        await turn.acknowledge(tr("In the group"))
        await turn.go("text", group=True, day=None)  # the day of the post: when confirmed
    elif turn.action == "board":
        await turn.acknowledge(tr("On the notice board"))
        await turn.go("day", group=False)
    else:
        raise InvalidInput(N_("Please choose with the buttons."))


async def _ask_publication_day(turn: Turn) -> None:
    await turn.say(
        turn.tr("On which day was it put up? Press a button or type the date (11-20)."),
        reply_markup=_day_buttons(turn.tr),
    )


async def _read_publication_day(turn: Turn) -> None:
    found = await _publishing(turn)
    after = found.since(turn.context.clock.tz)
    if turn.action is not None:
        day = matters.check_day(offset_day(turn.today, turn.action, back=True), turn.today, after)
        await turn.acknowledge(day.isoformat())
    else:
        day = matters.parse_day(turn.text, turn.today, after)
    await turn.go("text", day=day.isoformat())


async def _ask_text(turn: Turn) -> None:
    tr = turn.tr
    await turn.say(
        tr(
            "Type the decision as it is made public (up to {most} characters).",
            most=matters.PUBLIC_MAX,
        )
        if turn.data["what"] == "decision"
        else tr(
            "Type the result to make public: what was done, what it cost, how it ended "
            "(up to {most} characters).",
            most=matters.PUBLIC_MAX,
        )
    )


async def _read_text(turn: Turn) -> None:
    body = clean_body(turn.text, matters.PUBLIC_MAX)
    if not body:
        raise InvalidInput(N_("Please type a few sentences."))
    await turn.go("confirm", body=body)


def _yes(tr: Translator, data: dict[str, Any]) -> str:
    return tr("📢 Post it") if data.get("group") else tr("✅ Save")


async def _ask_publish_confirm(turn: Turn) -> None:
    tr = turn.tr
    found = await _publishing(turn)
    data = turn.data
    # A post's day is the day it is confirmed (read in the transaction that records it),
    # so its preview names no date; a notice put up by hand was on the day typed.
    day = None if data.get("group") or not data.get("day") else date.fromisoformat(data["day"])
    post = matters.public_text(tr, found, data["what"], data["body"], day)
    if day is None:
        group = await matters.group_of(turn.context.db, found.matter.branch_id)
        heading = tr(
            "This will be posted in the group {group}, and recorded as made public today:",
            group=esc(group[1] if group else ""),
        )
    else:
        heading = tr(
            "This will be recorded as put up on the notice board on {day}:", day=day.isoformat()
        )
    await dialog.ask_to_confirm(
        turn.update,
        turn.context,
        PUBLISH,
        shorten(f"{heading}\n\n{post}", MESSAGE_LIMIT),
        _yes(tr, data),
    )


async def _save_publication(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    data = turn.data
    if not await dialog.confirmed(
        turn.update, context, turn.answer, _yes(tr, data), tr("Cancelled. Nothing was saved.")
    ):
        return
    typed = None if data.get("group") or not data.get("day") else date.fromisoformat(data["day"])
    try:
        chat_id, day = await matters.publish(
            context.db,
            context.clock,
            int(data["matter"]),
            "decision" if data["what"] == "decision" else "result",
            typed,
            data["body"],
            context.actor.telegram_id,
            to_group=bool(data.get("group")),
            ending=turn.ending(),
        )
    except InvalidInput:
        await turn.finish()
        raise
    context.services.poke_outbox()
    await turn.say(
        tr("📢 Posted in the group. Recorded as made public on {day}.", day=day.isoformat())
        if chat_id is not None
        else tr("Saved: made public on the notice board on {day}.", day=day.isoformat())
    )
    found = await matters.view(context.db, int(data["matter"]))
    assert found is not None
    await _show_card(context, found)


PUBLISH_STEPS = StepTable(
    PUBLISH,
    {
        "how": Step(_read_how, next=("text", "day")),  # asked by the button
        "day": Step(_read_publication_day, next=("text",), ask=_ask_publication_day),
        "text": Step(_read_text, next=("confirm",), ask=_ask_text),
        "confirm": Step(_save_publication, ask=_ask_publish_confirm),
    },
    first=("how", "day"),
)


# --- withdrawing --------------------------------------------------------------------------------


async def drop_step(update: Update, context: ZContext, current: Dialog, answer: Answer) -> None:
    await DROP_STEPS.answer(update, context, current, answer)


async def _save_drop(turn: Turn) -> None:
    tr = turn.tr
    context = turn.context
    if not await dialog.confirmed(
        turn.update, context, turn.answer, tr("🗑 Withdraw"), tr("Kept."), no=tr("↩️ Keep it")
    ):
        return
    withdrawn = await matters.withdraw(
        context.db,
        context.clock,
        int(turn.data["matter"]),
        context.actor.telegram_id,
        ending=turn.ending(),
    )
    if not withdrawn:
        await turn.finish()
        await turn.say(tr("This matter is no longer open; nothing was changed."))
        return
    await turn.say(tr("Withdrawn. The ledger keeps it."))


DROP_STEPS = StepTable(DROP, {"confirm": Step(_save_drop)}, first=("confirm",))
