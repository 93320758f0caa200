"""What requests to join look like, to the managers who decide them and to the applicant
who waits — rendered from the database when the outbox sends them.

Both messages are queued in the transaction that files or decides the request, so a crash
right after it can neither lose the secretary's request nor the applicant's answer.
"""

from __future__ import annotations

from typing import Final

from bot import group_members
from bot.access import Actor
from bot.callbacks import Decide
from bot.clock import Clock
from bot.delivery import Buttons, Outgoing
from bot.i18n import Translator
from bot.markup import KEYBOARD_BUTTONS, MESSAGE_LIMIT, esc, length
from bot.profile import STATUSES, Profile
from bot.recipients import translator_of
from bot.registry import pending_for
from storage import members as member_repo
from storage import org as org_repo
from storage.db import Database
from storage.models import Application, Member, OutboxRow


def profile_lines(tr: Translator, profile: Profile | Application | Member) -> list[str]:
    lines = [
        tr("Name: {name}", name=esc(profile.name)),
        tr("Year of birth: {year}", year=profile.birth_year or "—"),
        tr("Status: {status}", status=tr(STATUSES[profile.status])),
        tr("Phone: {phone}", phone=esc(profile.phone) if profile.phone else tr("none")),
    ]
    if profile.flowing:
        lines.append(tr("Working away: {city}", city=esc(profile.flow_city or "—")))
        if profile.flow_employer:
            lines.append(tr("Work unit: {employer}", employer=esc(profile.flow_employer)))
        if profile.flow_since:
            lines.append(tr("Since: {since}", since=profile.flow_since.strftime("%Y-%m")))
    else:
        lines.append(tr("Working away: no"))
    return lines


def application_text(tr: Translator, application: Application, match: Member | None) -> str:
    lines = [tr("<b>New request to join</b>"), *profile_lines(tr, application)]
    if match is not None:
        lines.append(
            tr(
                "On the roster as {name} (No. {key}, born {year}). Approving links "
                "this account to that entry.",
                name=esc(match.name),
                key=esc(match.roster_key or "—"),
                year=match.birth_year or "—",
            )
        )
    return "\n".join(lines)


def decision_buttons(tr: Translator, application_id: int) -> Buttons:
    return [
        [
            (tr("✅ Approve"), Decide("ok", application_id).pack()),
            (tr("❌ Reject"), Decide("no", application_id).pack()),
        ]
    ]


async def request_with_match(
    db: Database, application_id: int
) -> tuple[Application | None, Member | None]:
    async with db.read() as c:
        application = await member_repo.get_application(c, application_id)
        match = None
        if application is not None and application.match_member_id is not None:
            match = await member_repo.get_member(c, application.match_member_id)
    return application, match


PENDING_SHOWN = 50  # applicants in one /pending (two buttons each: a keyboard's 100)
LISTED: Final = "l"  # marks a decision button as one of a list's (app:ok:<id>:l)


def pending_entry(
    tr: Translator, number: int, application: Application, match: Member | None, branch: str | None
) -> str:
    """One applicant in the /pending list: two lines, with what a secretary decides on."""
    head = f"<b>{number}. {esc(application.name)}</b>"
    if branch is not None:
        head += f" · {esc(branch)}"
    facts = [
        tr("born {year}", year=application.birth_year or "—"),
        tr(STATUSES[application.status]),
        esc(application.phone) if application.phone else tr("no phone"),
    ]
    if application.flowing:
        where = [
            application.flow_city or "—",
            application.flow_employer or "",
            application.flow_since.strftime("%Y-%m") if application.flow_since else "",
        ]
        facts.append(tr("working away: {where}", where=esc(", ".join(w for w in where if w))))
    if match is not None:
        facts.append(tr("on the roster as No. {key}", key=esc(match.roster_key or "—")))
    return head + "\n" + " · ".join(facts)


def pending_list(
    tr: Translator,
    pending: list[tuple[Application, Member | None]],
    branches: dict[int, str] | None,
) -> list[Outgoing]:
    """All who wait, in one message with ✅/❌ per applicant — more messages only past
    Telegram's limits (4096 units of text, 100 buttons). ``branches``: names to show
    beside each applicant, for someone deciding for several branches."""
    shown = pending[:PENDING_SHOWN]
    header = tr("<b>Waiting to join: {count}</b>", count=len(pending))
    footer = (
        tr("Decide these first; send /pending again for the rest.")
        if len(pending) > len(shown)
        else None
    )
    pages: list[Outgoing] = []
    lines: list[str] = [header]
    keys: Buttons = []
    for number, (application, match) in enumerate(shown, start=1):
        entry = pending_entry(
            tr,
            number,
            application,
            match,
            branches.get(application.branch_id) if branches else None,
        )
        row = [
            (f"✅ {number}. {application.name}", Decide("ok", application.id, LISTED).pack()),
            (f"❌ {number}. {application.name}", Decide("no", application.id, LISTED).pack()),
        ]
        room = MESSAGE_LIMIT - length(footer or "") - 2
        if keys and (
            length("\n\n".join([*lines, entry])) > room or 2 * (len(keys) + 1) > KEYBOARD_BUTTONS
        ):
            pages.append(Outgoing("\n\n".join(lines), keys))
            lines, keys = [], []
        lines.append(entry)
        keys.append(row)
    if footer is not None:
        lines.append(footer)
    pages.append(Outgoing("\n\n".join(lines), keys))
    return pages


async def pending_messages(db: Database, tr: Translator, actor: Actor) -> list[Outgoing]:
    """The /pending list for ``actor``: empty if nobody waits. Branch names are shown to
    whoever decides for more than one branch."""
    pending = await pending_for(db, actor)
    if not pending:
        return []
    names: dict[int, str] | None = None
    if actor.staff or len(actor.managed_branch_ids) > 1:
        async with db.read() as c:
            units = [
                await org_repo.get_unit(c, branch_id)
                for branch_id in {a.branch_id for a, _ in pending}
            ]
        names = {unit.id: unit.name for unit in units if unit is not None}
    return pending_list(tr, pending, names)


async def render_request(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """To a manager; not sent once someone has decided it."""
    application, match = await request_with_match(db, row.ref_id or 0)
    if application is None or application.state != "pending":
        return None
    tr = await translator_of(db, row.chat_id)
    return Outgoing(application_text(tr, application, match), decision_buttons(tr, application.id))


async def render_decision(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """To the applicant: welcome (and the materials on their way), or not approved."""
    async with db.read() as c:
        application = await member_repo.get_application(c, row.ref_id or 0)
        branch = (
            await org_repo.get_unit(c, application.branch_id) if application is not None else None
        )
    if application is None or application.state not in ("approved", "rejected"):
        return None
    tr = await translator_of(db, row.chat_id)
    name = esc(branch.name if branch else "")
    if application.state == "rejected":
        return Outgoing(
            tr(
                "Your request to join <b>{branch}</b> was not approved. If you think "
                "this is a mistake, please talk to your branch secretary.",
                branch=name,
            )
        )
    lines = [
        tr(
            "Welcome to <b>{branch}</b>! Your request was approved. Send /help to see "
            "what you can do.",
            branch=name,
        )
    ]
    missed = int(row.payload.get("makeup", 0))
    if missed:
        lines.append(
            tr(
                "📚 Your branch sent members working away {n} study materials "
                "recently; they are on their way to you now.",
                n=missed,
            )
        )
    lines += await _group_invitation(db, tr, application)
    return Outgoing("\n\n".join(lines))


async def _group_invitation(db: Database, tr: Translator, application: Application) -> list[str]:
    """How to join the branch's group chat, for a newcomer who is not in it (said once,
    with the welcome): its link, where the bot could make one; else ask the secretary."""
    standing = await group_members.standing(db, application.branch_id)
    if standing is None or all(m.telegram_id != application.telegram_id for m in standing.missing):
        return []
    title = esc(standing.group.title)
    if standing.group.invite_link:
        return [
            tr(
                "👥 Please join the branch group “{title}”: {link}\nSessions' check-in is "
                "posted there.",
                title=title,
                link=esc(standing.group.invite_link),
            )
        ]
    return [
        tr(
            "👥 The branch has a group chat, “{title}”: please ask your branch secretary "
            "to add you. Until you are in it, the check-in buttons of sessions come to "
            "you here.",
            title=title,
        )
    ]
