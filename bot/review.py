"""The yearly review (五个好): the draft of branches needing attention, and its decision.

Once a year the county and township name the bottom tenth of villages "backward" (后进)
after assessing them against the "five good" standard — a human judgement. The bot
prepares it: after the year ends (and whenever staff ask) it compares the branches of
the county or a township on a composite of the year's records and drafts the bottom 10%.
Staff then assess each listed branch — the five good, yes or no each, and a comment —
and decide: needs attention, or not; they may add a branch the draft left out. The list
they confirm is what is recorded (the audit trail) and exported; the draft is only ever
a draft, and nothing of it appears in the monthly or quarterly bulletins.

The composite weighs what the guidelines ask of a branch, sessions and attendance first:
sessions held of those due (×2), attendance (×2) and materials studied (×1); a branch
sent no materials is measured on the other two, and one that held no session has an
attendance of 0. Acknowledgement clicks, notes written and the leaders' contact-point
days are not in it. The count is 10% of the branches compared, rounded down, and only
when at least 10 are compared; branches tied with the last one in are all listed, so
the draft may hold more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from bot import rendered
from bot.bulletins import BranchLine, branches_under, measure
from bot.callbacks import (
    RectifyFromReview,
    ReviewAdd,
    ReviewBranchPress,
    ReviewDecide,
    ReviewDone,
    ReviewGood,
)
from bot.clock import Clock
from bot.delivery import Buttons, Outgoing
from bot.file_names import period_file_name
from bot.i18n import N_, Tr
from bot.markup import KEYBOARD_BUTTONS, chunks, esc
from bot.recipients import translator_of
from bot.spreadsheets import ColumnKind, Sheet, title_row, workbook
from storage import audit
from storage import members as member_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage import reviews as review_repo
from storage.db import Database, Statement
from storage.models import GOODS, OutboxKind, OutboxRow, Review, ReviewBranch, ReviewVerdict

WEIGHTS = {"sessions": 2, "attendance": 2, "study": 1}
SHARE_PERCENT = 10
MIN_COMPARED = 10
COMMENT_MAX = 500
GOOD_NAMES: dict[str, str] = {
    "good_team": N_("a good leadership team (领导班子好)"),
    "good_members": N_("good party members and cadres (党员干部队伍好)"),
    "good_mechanisms": N_("good working mechanisms (工作机制好)"),
    "good_results": N_("good results in the village's development (小康建设业绩好)"),
    "good_opinion": N_("a good opinion among the villagers (农民群众反映好)"),
}
VERDICTS: dict[ReviewVerdict, str] = {
    "attention": N_("⚠️ Needs attention (后进)"),
    "cleared": N_("✔️ Not backward"),
}


def _rate(done: float, possible: float) -> Fraction | None:
    return Fraction(min(int(done), int(possible)), int(possible)) if possible else None


def composite(line: BranchLine) -> Fraction:
    """The weighted mean, exact: equal records give equal composites, so ties are ties."""
    sessions = _rate(*line.figures.get("sessions", (0.0, 0.0))) or Fraction(0)
    attendance = _rate(*line.figures.get("attendance", (0.0, 0.0))) or Fraction(0)
    parts = [(WEIGHTS["sessions"], sessions), (WEIGHTS["attendance"], attendance)]
    study = _rate(*line.figures.get("study", (0.0, 0.0)))
    if study is not None:
        parts.append((WEIGHTS["study"], study))
    return sum((weight * rate for weight, rate in parts), Fraction(0)) / sum(
        weight for weight, _ in parts
    )


def share_of(compared: int) -> int:
    """10% of the branches compared, rounded down."""
    return compared * SHARE_PERCENT // 100


def drafted(scores: dict[int, Fraction]) -> set[int]:
    """The bottom 10% and every branch tied with the last of them; none below 10."""
    share = share_of(len(scores))
    if len(scores) < MIN_COMPARED or share == 0:
        return set()
    cut = sorted(scores.values())[share - 1]
    return {branch for branch, score in scores.items() if score <= cut}


@dataclass(frozen=True)
class Prepared:
    """A review, or — fewer than 10 branches compared — how many there were."""

    year: int
    scope: str
    compared: int
    review: Review | None


def first_working_day(year: int) -> date:
    """The first Monday to Friday after New Year's Day (a holiday)."""
    day = date(year, 1, 2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def prepare(
    db: Database, clock: Clock, year: int, scope_unit_id: int, quota: float, by: str
) -> Prepared:
    """The review of a year for the branches under a unit: the stored one, or a new
    draft from the year's records (written to the audit trail with its list)."""
    async with db.read() as c:
        scope = await org_repo.get_unit(c, scope_unit_id)
        name = scope.name if scope else "—"
        existing = await review_repo.find(c, year, scope_unit_id)
        if existing is not None:
            return Prepared(year, name, existing.compared, existing)
        branches = await branches_under(c, scope_unit_id)
        if scope is None or scope.kind == "branch" or len(branches) < MIN_COMPARED:
            return Prepared(year, name, len(branches), None)
        lines = await measure(c, clock, branches, date(year, 1, 1), date(year + 1, 1, 1), quota)
    scores = {line.branch_id: composite(line) for line in lines}
    listed = drafted(scores)
    rows = [_figures(line, scores[line.branch_id], line.branch_id in listed) for line in lines]
    now = clock.now()
    async with db.tx() as c:
        review, new = await review_repo.create(
            c, year, scope_unit_id, share_of(len(lines)), rows, now
        )
        if new:
            await audit.record(
                c,
                now,
                by,
                "review.draft",
                f"review:{review.id}",
                f"{year} {name}: "
                + ", ".join(line.name for line in lines if line.branch_id in listed),
            )
    return Prepared(year, name, len(lines), review)


def _figures(line: BranchLine, score: Fraction, listed: bool) -> dict[str, Any]:
    def pair(measure_name: str) -> tuple[int, int]:
        done, possible = line.figures.get(measure_name, (0.0, 0.0))
        return int(done), int(possible)

    held, due = pair("sessions")
    attended, possible = pair("attendance")
    studied, received = pair("study")
    return {
        "branch_id": line.branch_id,
        "composite": float(score),
        "sessions_held": held,
        "sessions_expected": due,
        "attended": attended,
        "attendance_possible": possible,
        "studied": studied,
        "received": received,
        "drafted": int(listed),
    }


async def load(db: Database, review_id: int) -> tuple[Review | None, str, list[ReviewBranch]]:
    async with db.read() as c:
        review = await review_repo.get(c, review_id)
        if review is None:
            return None, "", []
        scope = await org_repo.get_unit(c, review.scope_unit_id)
        return review, scope.name if scope else "—", await review_repo.branches(c, review_id)


async def branch(
    db: Database, review_id: int, branch_id: int
) -> tuple[Review | None, ReviewBranch | None]:
    async with db.read() as c:
        return (
            await review_repo.get(c, review_id),
            await review_repo.branch(c, review_id, branch_id),
        )


# --- the staff's decisions, each in the audit trail ------------------------------------------


async def set_good(
    db: Database, clock: Clock, review_id: int, branch_id: int, item: int, value: bool, by: int
) -> bool:
    """Answer (or change) one of the five; the same answer again changes nothing."""
    if not 0 <= item < len(GOODS):
        return False
    now = clock.now()
    async with db.tx() as c:
        if not await review_repo.set_good(c, review_id, branch_id, item, value):
            return False
        await audit.record(
            c,
            now,
            f"tg:{by}",
            "review.good",
            _subject(review_id, branch_id),
            f"{GOODS[item]} {'yes' if value else 'no'}",
        )
        return True


async def comment(
    db: Database,
    clock: Clock,
    review_id: int,
    branch_id: int,
    text: str,
    by: int,
    ending: Statement | None = None,
) -> bool:
    """False once the review is confirmed; the form (``ending``) ends either way, in the
    transaction that stores the comment."""
    now = clock.now()
    async with db.tx() as c:
        if ending is not None:
            await ending(c)
        if not await review_repo.set_comment(c, review_id, branch_id, text or None):
            return False
        await audit.record(
            c, now, f"tg:{by}", "review.comment", _subject(review_id, branch_id), text
        )
        return True


async def add(db: Database, clock: Clock, review_id: int, branch_id: int, by: int) -> bool:
    now = clock.now()
    async with db.tx() as c:
        if not await review_repo.add(c, review_id, branch_id):
            return False
        await audit.record(c, now, f"tg:{by}", "review.add", _subject(review_id, branch_id))
        return True


async def decide(
    db: Database, clock: Clock, review_id: int, branch_id: int, verdict: ReviewVerdict, by: int
) -> bool:
    """False while any of the five good is unanswered, or once the review is confirmed."""
    now = clock.now()
    async with db.tx() as c:
        if not await review_repo.decide(c, review_id, branch_id, verdict, by, now):
            return False
        row = await review_repo.branch(c, review_id, branch_id)
        assert row is not None
        goods = ",".join("yes" if good else "no" for good in row.goods)
        await audit.record(
            c,
            now,
            f"tg:{by}",
            "review.decide",
            _subject(review_id, branch_id),
            f"{verdict}; five good {goods}; comment: {row.comment or ''}",
        )
        return True


async def confirm(db: Database, clock: Clock, review_id: int, by: int) -> bool:
    """The list becomes the record: only when every listed branch is decided."""
    now = clock.now()
    async with db.tx() as c:
        if not await review_repo.confirm(c, review_id, by, now):
            return False
        rows = await review_repo.branches(c, review_id)
        await audit.record(
            c,
            now,
            f"tg:{by}",
            "review.confirm",
            f"review:{review_id}",
            ", ".join(r.name for r in rows if r.verdict == "attention"),
        )
        return True


def _subject(review_id: int, branch_id: int) -> str:
    return f"review:{review_id}:branch:{branch_id}"


# --- what staff see --------------------------------------------------------------------------


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _figures_text(tr: Tr, row: ReviewBranch) -> str:
    return tr(
        "composite {composite}: sessions held {held}/{due} · attendance {attended}/"
        "{possible} · materials studied {studied}/{received}",
        composite=_percent(row.composite),
        held=row.sessions_held,
        due=row.sessions_expected,
        attended=row.attended,
        possible=row.attendance_possible,
        studied=row.studied,
        received=row.received,
    )


def _state(tr: Tr, row: ReviewBranch) -> str:
    if row.verdict is not None:
        return tr(VERDICTS[row.verdict])
    answered = sum(good is not None for good in row.goods)
    return tr(
        "⏳ not decided ({answered} of {goods} answered)", answered=answered, goods=len(GOODS)
    )


def too_few(tr: Tr, prepared: Prepared) -> str:
    return tr(
        "🗂 <b>Yearly review {year}: {scope}</b>\nOnly {n} branches compared: a bottom "
        "{share}% needs at least {least}, so there is no draft. The review is made by "
        "hand.",
        year=prepared.year,
        scope=esc(prepared.scope),
        n=prepared.compared,
        share=SHARE_PERCENT,
        least=MIN_COMPARED,
    )


def list_parts(tr: Tr, review: Review, scope: str, rows: list[ReviewBranch]) -> list[Outgoing]:
    """The list as it stands, in messages under Telegram's limit; the last carries a
    button per listed branch, ➕ add one, and ✅ confirm (while it is a draft)."""
    listed = [row for row in rows if row.listed]
    in_draft = [row for row in listed if row.drafted]
    added = [row for row in listed if row.added]
    confirmed = review.state == "confirmed"
    lines = [
        tr("🗂 <b>Yearly review {year}: {scope}</b> — confirmed", year=review.year, scope=esc(scope))
        if confirmed
        else tr(
            "🗂 <b>Yearly review {year}: {scope}</b> — draft", year=review.year, scope=esc(scope)
        ),
        tr(
            "{compared} branches compared; {percent}% of them, rounded down: {share}.",
            compared=review.compared,
            percent=SHARE_PERCENT,
            share=review.share,
        ),
    ]
    if len(in_draft) > review.share:
        cut = max(row.composite for row in in_draft)
        lines.append(
            tr(
                "{tied} branches share the composite at the cut ({cut}), so the draft "
                "lists {listed}: ties are kept together.",
                tied=sum(row.composite == cut for row in in_draft),
                cut=_percent(cut),
                listed=len(in_draft),
            )
        )
    lines.append(
        tr(
            "Composite: sessions held of those due ×2, attendance ×2, materials "
            "studied ×1 (left out where none were sent). Clicks, notes and the "
            "leaders' contact-point days are not in it."
        )
    )
    if confirmed:
        attention = [row for row in listed if row.verdict == "attention"]
        lines += ["", tr("<b>Confirmed: needing attention (后进), {n}</b>", n=len(attention))]
        lines += [f"• {esc(row.name)}（{esc(row.township)}）" for row in attention]
    lines += ["", tr("<b>The draft: the five good to assess for each</b>")]
    lines += [
        f"{number}. {esc(row.name)}（{esc(row.township)}）{_figures_text(tr, row)} — "
        f"{_state(tr, row)}"
        for number, row in enumerate(in_draft, start=1)
    ]
    if added:
        lines += ["", tr("<b>Added by staff</b>")]
        lines += [
            f"• {esc(row.name)}（{esc(row.township)}）{_figures_text(tr, row)} — {_state(tr, row)}"
            for row in added
        ]
    if not confirmed:
        lines += [
            "",
            tr(
                "Press a branch to assess it; a branch the draft left out can be "
                "added. The list you confirm is what is recorded."
            ),
        ]
    parts = [Outgoing(text) for text in chunks(lines)]
    if not confirmed:
        shown = listed[: KEYBOARD_BUTTONS - 2]
        buttons: Buttons = [
            [(f"📝 {row.name}", ReviewBranchPress("open", review.id, row.branch_id).pack())]
            for row in shown
        ]
        buttons.append(
            [
                (tr("➕ Add a branch…"), ReviewAdd(review.id).pack()),
                (tr("✅ Confirm the list"), ReviewDone(review.id).pack()),
            ]
        )
        parts[-1] = Outgoing(parts[-1].text, buttons=buttons)
    return parts


def _good_mark(good: bool | None) -> str:
    return "❔" if good is None else "✅" if good else "❌"


def form(tr: Tr, review: Review, row: ReviewBranch) -> Outgoing:
    """One branch's assessment, with its buttons while the review is a draft."""
    lines = [
        tr(
            "📝 <b>{name}</b>（{township}）— yearly review {year}",
            name=esc(row.name),
            township=esc(row.township),
            year=review.year,
        ),
        _figures_text(tr, row),
        tr("In the draft") if row.drafted else tr("Added by staff"),
        "",
        tr("<b>The five good (五个好)</b>"),
    ]
    lines += [
        f"{number}. {tr(GOOD_NAMES[name])}: {_good_mark(good)}"
        for number, (name, good) in enumerate(zip(GOODS, row.goods, strict=True), start=1)
    ]
    lines += [
        "",
        tr("Comment: {comment}", comment=esc(row.comment) if row.comment else "—"),
        tr("Decision: {state}", state=_state(tr, row)),
    ]
    # A branch not rated good, or commented on, may become an item of the rectification
    # ledger (bot/rectification.py).
    rectify: Buttons = (
        [[(tr("📌 Rectify"), RectifyFromReview(review.id, row.branch_id).pack())]]
        if row.comment or row.verdict == "attention" or False in row.goods
        else []
    )
    if review.state == "confirmed":
        return Outgoing("\n".join(lines), buttons=rectify)
    # Each press sets the next answer (unanswered → yes → no → yes …), carried in the
    # button: a double tap, or a press handed over twice, sets the same answer again.
    buttons: Buttons = [
        [
            (
                f"{number}. {_good_mark(good)}",
                ReviewGood(review.id, row.branch_id, number - 1, 0 if good else 1).pack(),
            )
            for number, good in enumerate(row.goods, start=1)
        ],
        [(tr("💬 Comment"), ReviewBranchPress("note", review.id, row.branch_id).pack())],
        [
            (tr(VERDICTS["attention"]), ReviewDecide(review.id, row.branch_id, "attention").pack()),
            (tr(VERDICTS["cleared"]), ReviewDecide(review.id, row.branch_id, "cleared").pack()),
        ],
        *rectify,
    ]
    return Outgoing("\n".join(lines), buttons=buttons)


TEXT_COLUMN: list[ColumnKind | None] = ["text"]  # times n: n columns of text


def spreadsheet(
    tr: Tr,
    review: Review,
    scope: str,
    rows: list[ReviewBranch],
    names: dict[int, str],
    made: datetime,
) -> bytes:
    """The list with its assessments, and every branch compared with its figures; each
    sheet titled with the review, its scope, its year and when it was made."""

    def yes_no(value: bool | None) -> str:
        return "" if value is None else tr("yes") if value else tr("no")

    def titled(sheet: str) -> str:
        return title_row(
            tr,
            tr("Yearly review {year}: {sheet}", year=review.year, sheet=sheet),
            scope=scope,
            start=date(review.year, 1, 1),
            last=date(review.year, 12, 31),
            made=made,
        )

    listed = [row for row in rows if row.listed]
    title = tr("Confirmed list") if review.state == "confirmed" else tr("Draft list")
    compared = tr("Branches compared")
    return workbook(
        [
            Sheet(
                title,
                [
                    tr("Township"),
                    tr("Branch"),
                    tr("Decision"),
                    *(tr(GOOD_NAMES[g]) for g in GOODS),
                    tr("Comment"),
                    tr("In the draft"),
                    tr("Composite"),
                    tr("Decided by"),
                    tr("Decided at"),
                ],
                [
                    [
                        row.township,
                        row.name,
                        tr(VERDICTS[row.verdict]) if row.verdict else "",
                        *(yes_no(good) for good in row.goods),
                        row.comment or "",
                        yes_no(row.drafted),
                        round(row.composite, 4),
                        names.get(row.decided_by or 0, ""),
                        row.decided_at.astimezone(made.tzinfo).replace(tzinfo=None)
                        if row.decided_at
                        else None,
                    ]
                    for row in listed
                ],
                title=titled(title),
                kinds=[*TEXT_COLUMN * (3 + len(GOODS) + 2), "percent", "text", "datetime"],
            ),
            Sheet(
                compared,
                [
                    tr("Township"),
                    tr("Branch"),
                    tr("Composite"),
                    tr("Sessions held (of those due)"),
                    tr("Sessions due"),
                    tr("Attended"),
                    tr("Invited (less leave)"),
                    tr("Materials studied"),
                    tr("Materials received"),
                    tr("In the draft"),
                ],
                [
                    [
                        row.township,
                        row.name,
                        round(row.composite, 4),
                        row.sessions_held,
                        row.sessions_expected,
                        row.attended,
                        row.attendance_possible,
                        row.studied,
                        row.received,
                        yes_no(row.drafted),
                    ]
                    for row in rows
                ],
                title=titled(compared),
                kinds=[
                    "text",
                    "text",
                    "percent",
                    "number",
                    "number",
                    "number",
                    "number",
                    "number",
                    "number",
                    "text",
                ],
            ),
        ]
    )


async def export(
    db: Database, clock: Clock, tr: Tr, review: Review, scope: str, rows: list[ReviewBranch]
) -> Outgoing:
    async with db.read() as c:
        names = await member_repo.names_of_users(
            c, sorted({row.decided_by for row in rows if row.decided_by})
        )
    start, end = date(review.year, 1, 1), date(review.year + 1, 1, 1)
    name = period_file_name(tr("yearly review"), start, end, ".xlsx", scope)
    caption = (
        tr("📎 The confirmed list and the branches compared")
        if review.state == "confirmed"
        else tr("📎 The draft as it stands, and the branches compared")
    )
    return Outgoing(
        caption,
        media_kind="document",
        upload=(
            name,
            await rendered.off_loop(spreadsheet, tr, review, scope, rows, names, clock.now()),
        ),
    )


# --- by itself: after the year ends ----------------------------------------------------------


async def queue_scheduled(
    db: Database, clock: Clock, staff: list[int], at: time, quota: float
) -> int:
    """From the first working morning of January: the county's draft for the year just
    ended, to every staff member (once: the outbox keys see to it) — the list as it
    stood when it was drafted, rendered once per language (:mod:`bot.rendered`)."""
    now = clock.now()
    today = now.date()
    if today.month != 1 or today < first_working_day(today.year) or now.time() < at or not staff:
        return 0
    year = today.year - 1
    async with db.read() as c:
        county = await org_repo.county(c)
        if county is None or await outbox_repo.by_key(c, f"review:{year}:{staff[0]}:0"):
            return 0
    prepared = await prepare(db, clock, year, county.id, quota, "scheduler")
    payload: dict[str, Any] = {"year": year, "scope": county.id}
    review, scope = prepared.review, prepared.scope
    rows: list[ReviewBranch] = []
    if prepared.review is not None:
        review, scope, rows = await load(db, prepared.review.id)
        payload["review"] = prepared.review.id
    readers = await rendered.translators(db, staff)

    def render(tr: Tr, _: None) -> list[Outgoing]:
        if review is None:
            return [Outgoing(too_few(tr, prepared))]
        return list_parts(tr, review, scope, rows)

    texts = await rendered.render_languages(render, None, readers)
    return await rendered.queue(
        db,
        now,
        f"review:{year}:{county.id}",
        OutboxKind.REVIEW,
        county.id,
        readers,
        texts,
        f"review:{year}:",
        payload,
    )


async def render_review(db: Database, clock: Clock, row: OutboxRow) -> Outgoing | None:
    if rendered.refers(row):
        return await rendered.part(db, row)
    tr = await translator_of(db, row.chat_id)
    if "review" not in row.payload:
        async with db.read() as c:
            scope = await org_repo.get_unit(c, int(row.payload["scope"]))
            compared = len(await branches_under(c, int(row.payload["scope"])))
        return Outgoing(
            too_few(
                tr, Prepared(int(row.payload["year"]), scope.name if scope else "—", compared, None)
            )
        )
    review, scope_name, rows = await load(db, int(row.payload["review"]))
    if review is None:
        return None
    found = list_parts(tr, review, scope_name, rows)
    index = int(row.payload["part"])
    return found[index] if index < len(found) else None
