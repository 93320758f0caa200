"""Members working away, leaving and coming home (回乡), as both they and their secretary
see it.

- **Leaving** (``/flow``): the branch's secretaries get one line — where, with whom.
- **Coming home**: the member gets one catch-up message with every material and notice
  still open for them (a button to open each); the secretaries get one line — who is
  back, from where, and what they missed at home meanwhile.
- **In a homecoming season** (``ZHIBU_HOMECOMING_SEASONS``: Spring Festival, the autumn
  harvest) the secretaries get instead, once per season, the list of everyone back home
  and what each missed, with a button that schedules a make-up lesson (回乡补课) inviting
  exactly them. The first return in the season brings it, or the first tick of the
  season (after ``ZHIBU_BULLETIN_TIME``) when people came home before it.

"Back home" means: came home from a stay in the last :data:`OWED_DAYS` days and not
invited since to a make-up session of their branch — a return is owed one make-up, and is
no longer listed once a session invites them. Every message goes through the outbox in the
transaction of the change and is keyed by the stay (or the season), so each is sent once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot import seasons as season_rules
from bot.callbacks import MakeUp, MaterialPress, NoticePress
from bot.chunked import in_chunks
from bot.clock import Clock
from bot.delivery import Buttons, Outgoing
from bot.i18n import N_, Translator
from bot.markup import MESSAGE_LIMIT, esc, length, shorten, visible
from bot.meetings import KINDS
from bot.recipients import managers, translator_of
from storage import materials as material_repo
from storage import members as member_repo
from storage import notices as notice_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage import stays as stay_repo
from storage.db import Conn, Database
from storage.models import Material, Meeting, Member, Notice, OutboxKind, OutboxRow, Stay

#: How long a return is owed a make-up session (and listed for the secretary) at most.
OWED_DAYS = 365
#: How many of each kind a line names before "…" (the counts are always whole).
NAMED = 3
#: Materials and notices the catch-up message lists, each with its button (two kinds of
#: 20 stay well inside Telegram's 100 buttons and 4096 characters).
CATCH_UP_MAX = 20


def owed_since(now: datetime) -> datetime:
    return now - timedelta(days=OWED_DAYS)


@dataclass(frozen=True)
class Missed:
    """What a member missed while away: sessions at home recorded working away or absent,
    materials not studied, notices not acknowledged (the last two: still open now)."""

    sessions: list[Meeting]
    materials: list[Material]
    notices: list[Notice]


async def missed(c: Conn, member: Member, stay: Stay, now: datetime, tz: tzinfo) -> Missed:
    left = stay.left_on
    start = datetime.combine(left, time(0), tzinfo=tz) if left else stay.began_at
    sessions = await stay_repo.missed_at_home(c, member.id, start, stay.ended_at or now)
    materials = await material_repo.open_for_member(c, member.id)
    notices = (
        await notice_repo.unconfirmed(c, member.telegram_id)
        if member.telegram_id is not None
        else []
    )
    return Missed(sessions, materials, notices)


# --- queued with the change ------------------------------------------------------------------


async def on_departure(c: Conn, member: Member, now: datetime, admins: list[int]) -> None:
    """The secretaries hear that a member left (or moved on), once per stay."""
    stay = await stay_repo.open_stay(c, member.id)
    if stay is None:
        return
    await outbox_repo.enqueue(
        c,
        [
            outbox_repo.Envelope(
                f"went-away:{stay.id}:{to}", to, OutboxKind.WENT_AWAY, member.id, {"stay": stay.id}
            )
            for to in await managers(c, member.branch_id, admins)
            if to != member.telegram_id
        ],
        now,
    )


async def on_return(
    c: Conn,
    member: Member,
    now: datetime,
    today: date,
    seasons: list[season_rules.Season],
    admins: list[int],
) -> None:
    """A member came home: their catch-up message, and the secretaries' line — or, the
    first time in a homecoming season, the season's list."""
    stay = await stay_repo.last_ended(c, member.id)
    if stay is None:
        return
    envelopes = []
    if member.telegram_id is not None:
        envelopes.append(
            outbox_repo.Envelope(
                f"catch-up:{stay.id}",
                member.telegram_id,
                OutboxKind.CATCH_UP,
                member.id,
                {"stay": stay.id},
            )
        )
    told = [to for to in await managers(c, member.branch_id, admins) if to != member.telegram_id]
    window = season_rules.current(seasons, today)
    listed = (
        await stay_repo.claim_season(c, member.branch_id, window[0], now)
        if window is not None and told
        else None
    )
    if listed is not None:
        envelopes += _season_list(listed, told)
    else:
        envelopes += [
            outbox_repo.Envelope(
                f"returned:{stay.id}:{to}", to, OutboxKind.RETURNED, member.id, {"stay": stay.id}
            )
            for to in told
        ]
    await outbox_repo.enqueue(c, envelopes, now)


def _season_list(homecoming_id: int, to: list[int]) -> list[outbox_repo.Envelope]:
    return [
        outbox_repo.Envelope(
            f"homecoming:{homecoming_id}:{chat}", chat, OutboxKind.HOMECOMING, homecoming_id
        )
        for chat in to
    ]


async def queue_season_lists(
    db: Database, clock: Clock, seasons: list[season_rules.Season], at: time, admins: list[int]
) -> int:
    """On a day of a homecoming season, from ``at`` on: the season's list for every branch
    with members back home not yet listed this season."""
    now = clock.now()
    window = season_rules.current(seasons, clock.today())
    if window is None or now.time() < at:
        return 0
    async with db.read() as c:
        branches = await stay_repo.branches_home_again(c, owed_since(now))

    async def one(c: Conn, branch: Sequence[int]) -> int:
        """A branch's claim on the season and its list commit together, alone."""
        to = await managers(c, branch[0], admins)
        listed = await stay_repo.claim_season(c, branch[0], window[0], now) if to else None
        if listed is None:
            return 0
        envelopes = _season_list(listed, to)
        await outbox_repo.enqueue(c, envelopes, now)
        return len(envelopes)

    return await in_chunks(db, branches, one, size=1)


async def home_again(db: Database, clock: Clock, branch_id: int) -> list[tuple[Member, Stay]]:
    """Members of the branch back home and owed a make-up session: whom it invites."""
    async with db.read() as c:
        return await stay_repo.home_again(c, branch_id, owed_since(clock.now()))


# --- what people see --------------------------------------------------------------------------


def stay_text(tr: Translator, stay: Stay, host: str | None, tz: tzinfo) -> str:
    """ "深圳 · 某某电子厂 · 流入地：西河村党支部 · 2026-03 – 2027-01-20" (escaped)."""
    parts = [esc(stay.city or "—")]
    if stay.employer:
        parts.append(esc(stay.employer))
    if host:
        parts.append(tr("host: {host}", host=esc(host)))
    since = stay.since.strftime("%Y-%m") if stay.since else "—"
    parts.append(
        tr(
            "{since} – {until}",
            since=since,
            until=stay.ended_at.astimezone(tz).strftime("%Y-%m-%d"),
        )
        if stay.ended_at
        else tr("{since} – now", since=since)
    )
    return " · ".join(parts)


async def host_name(c: Conn, stay: Stay | Member) -> str | None:
    """The host organisation a stay (or a member now) names: a branch's name, or the text."""
    if stay.host_branch_id is not None:
        unit = await org_repo.get_unit(c, stay.host_branch_id)
        return unit.name if unit else None
    return stay.host_name


def _named(items: list[str]) -> str:
    shown = "、".join(items[:NAMED])
    return shown + ("…" if len(items) > NAMED else "")


def missed_text(tr: Translator, found: Missed, tz: tzinfo) -> str:
    """What one member missed, in a line's worth."""
    parts = []
    if found.sessions:
        parts.append(
            tr(
                "sessions missed {n} ({which})",
                n=len(found.sessions),
                which=_named(
                    [
                        f"{m.starts_at.astimezone(tz):%m-%d} {tr(KINDS[m.kind])}"
                        for m in found.sessions
                    ]
                ),
            )
        )
    if found.materials:
        parts.append(
            tr(
                "materials not studied {n} ({which})",
                n=len(found.materials),
                which=_named([esc(m.title) for m in found.materials]),
            )
        )
    if found.notices:
        parts.append(tr("notices not confirmed {n}", n=len(found.notices)))
    return tr("; ").join(parts) if parts else tr("nothing missed")


async def _member_and_stay(c: Conn, row: OutboxRow) -> tuple[Member | None, Stay | None]:
    member = await member_repo.get_member(c, row.ref_id or 0)
    stays = await stay_repo.of_member(c, row.ref_id or 0)
    stay = next((s for s in stays if s.id == row.payload.get("stay")), None)
    return member, stay


def _makeup_button(
    tr: Translator, branch_id: int, label: str = N_("📚 Make-up lesson…")
) -> Buttons:
    return [[(tr(label), MakeUp(branch_id).pack())]]


async def render_went_away(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    async with db.read() as c:
        member, stay = await _member_and_stay(c, row)
        host = await host_name(c, stay) if stay else None
    if member is None or stay is None or stay.ended_at is not None:
        return None  # back home already: the return says it
    tr = await translator_of(db, row.chat_id)
    return Outgoing(
        tr(
            "🚶 {name} is now working away: {stay}.",
            name=esc(member.name),
            stay=stay_text(tr, stay, host, clock.tz),
        )
    )


async def render_returned(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    async with db.read() as c:
        member, stay = await _member_and_stay(c, row)
        if member is None or stay is None:
            return None
        host = await host_name(c, stay)
        found = await missed(c, member, stay, clock.now(), clock.tz)
    tr = await translator_of(db, row.chat_id)
    text = tr(
        "🏠 {name} is back home ({stay}). While away: {missed}.",
        name=esc(member.name),
        stay=stay_text(tr, stay, host, clock.tz),
        missed=missed_text(tr, found, clock.tz),
    )
    return Outgoing(shorten(text, MESSAGE_LIMIT), _makeup_button(tr, member.branch_id))


async def render_season_list(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """Everyone back home now, and what each missed; as many lines as one message holds
    (the button invites them all, and says how many)."""
    now = clock.now()
    async with db.read() as c:
        branch_id = await stay_repo.season_branch(c, row.ref_id or 0)
        branch = await org_repo.get_unit(c, branch_id) if branch_id else None
        if branch is None:
            return None
        home = await stay_repo.home_again(c, branch.id, owed_since(now))
        lines = []
        for member, stay in home:
            found = await missed(c, member, stay, now, clock.tz)
            lines.append((member, stay, await host_name(c, stay), found))
    if not home:
        return None  # invited to a make-up lesson since, every one of them
    tr = await translator_of(db, row.chat_id)
    head = [
        tr(
            "🏠 <b>Back home for the season: {n} members of {branch}</b>",
            n=len(home),
            branch=esc(branch.name),
        ),
        tr("What each missed while working away:"),
    ]
    tail = [
        "",
        tr(
            "A make-up lesson (回乡补课) for them: the button schedules it, inviting "
            "exactly these {n} members.",
            n=len(home),
        ),
    ]
    body: list[str] = []
    for shown, (member, stay, host, found) in enumerate(lines):
        line = tr(
            "• <b>{name}</b> ({stay}): {missed}",
            name=esc(member.name),
            stay=stay_text(tr, stay, host, clock.tz),
            missed=missed_text(tr, found, clock.tz),
        )
        more = tr("… and {n} more members", n=len(lines) - shown)
        if length("\n".join([*head, *body, line, more, *tail])) > MESSAGE_LIMIT:
            body.append(more)
            break
        body.append(line)
    return Outgoing(
        shorten("\n".join([*head, *body, *tail]), MESSAGE_LIMIT),
        _makeup_button(tr, branch.id, N_("📚 Schedule a make-up lesson")),
    )


async def render_catch_up(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    """Materials and notices still open for a member back home, each with a button to open
    it (there: ✅ Studied, ✅ Received). Nothing open: nothing sent."""
    async with db.read() as c:
        member = await member_repo.get_member(c, row.ref_id or 0)
        if member is None or member.telegram_id is None:
            return None
        materials = await material_repo.open_for_member(c, member.id)
        notices = await notice_repo.unconfirmed(c, member.telegram_id)
    if not materials and not notices:
        return None
    tr = await translator_of(db, row.chat_id)
    lines = [tr("🏠 <b>Welcome home!</b> Still open for you from your time away:")]
    buttons: Buttons = []
    if materials:
        lines += ["", tr("📚 Study materials ({n}):", n=len(materials))]
        for material in materials[:CATCH_UP_MAX]:
            lines.append(f"• {esc(material.title)}")
            buttons.append(
                [(f"📖 {material.title[:30]}", MaterialPress("show", material.id).pack())]
            )
    if notices:
        lines += ["", tr("📢 Notices to confirm ({n}):", n=len(notices))]
        for notice in notices[:CATCH_UP_MAX]:
            gist = _gist(notice)
            lines.append(f"• {notice.send_at.astimezone(clock.tz):%m-%d} {esc(gist)}")
            buttons.append([(f"📢 {gist}", NoticePress("show", notice.id).pack())])
    if len(materials) > CATCH_UP_MAX or len(notices) > CATCH_UP_MAX:
        lines.append(tr("The rest: /study lists every material."))
    lines += ["", tr("Press one to open it, then ✅ when done.")]
    return Outgoing(shorten("\n".join(lines), MESSAGE_LIMIT), buttons)


def _gist(notice: Notice) -> str:
    """The start of a notice, as a label: its first line, up to 24 characters."""
    first = (visible(notice.body).strip().splitlines() or [""])[0].strip()
    return first[:23] + "…" if len(first) > 24 else first or "—"
