"""四议两公开: the rules of a vote, as the bot reads typed answers and as the table holds
them — a writer that skips the bot cannot store a vote that does not add up, a meeting
without its quorum, a step out of order, or a publication before its decision."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

import pytest

from bot import i18n, matters
from bot.clock import FrozenClock
from bot.markup import MESSAGE_LIMIT, length
from bot.profile import InvalidInput
from storage import matters as matter_repo
from storage import org as org_repo
from storage.db import Database
from storage.models import (
    Matter,
    MatterPublication,
    MatterStep,
    NewMatter,
    NewMatterPublication,
    NewMatterStep,
    Unit,
)
from tests.conftest import START

NOW = FrozenClock(START).now()
TODAY = START.date()


def test_a_majority_of_those_present_and_a_quorum() -> None:
    assert matters.passes(7, 4) and not matters.passes(8, 4)  # half is not a majority
    assert matters.has_quorum(1, 5, 9) and not matters.has_quorum(1, 4, 8)
    assert matters.has_quorum(4, 20, 30) and not matters.has_quorum(4, 19, 30)  # two thirds


@pytest.mark.parametrize(
    ("typed", "attended", "read"),
    [("7 1 0", 8, (7, 1, 0)), ("7，1，0", 8, (7, 1, 0)), ("0 0 0", 0, (0, 0, 0))],
)
def test_votes_as_typed(typed: str, attended: int, read: tuple[int, int, int]) -> None:
    assert matters.parse_votes(typed, attended) == read


@pytest.mark.parametrize("typed", ["7 1", "7 1 0 0", "7 -1 0", "七 一 零", "", "7 1 9"])
def test_votes_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        matters.parse_votes(typed, 9)


def test_days() -> None:
    assert matters.parse_day("11-20", TODAY, None) == date(2026, 11, 20)
    for typed, after in (("11-25", None), ("11-19", date(2026, 11, 20)), ("2025-01-01", None)):
        with pytest.raises(InvalidInput):
            matters.parse_day(typed, TODAY, after)


def _step(matter: int, step: int, **changes: object) -> NewMatterStep:
    fields: dict[str, object] = {
        "matter_id": matter,
        "step": step,
        "held_on": TODAY - timedelta(days=5 - step),
        "expected": 9,
        "attended": 7,
        "votes_for": 5,
        "votes_against": 1,
        "votes_abstain": 1,
        "passed": True,
        "recorded_by": 42,
    }
    fields.update(changes)
    return NewMatterStep.model_validate(fields)


async def test_the_table_refuses_what_the_bot_would(db: Database) -> None:
    async with db.tx() as c:
        county = await org_repo.add_unit(c, "county", "青山县", None, NOW)
        branch = await org_repo.add_unit(c, "branch", "东岭村党支部", county.id, NOW)
        matter = await matter_repo.add_matter(
            c, NewMatter(branch_id=branch.id, title="修路", opened_by=42), [], NOW
        )
    wrong = [
        _step(matter.id, 2),  # out of order
        _step(matter.id, 1, votes_for=6),  # 6 + 1 + 1 > 7 present
        _step(matter.id, 1, attended=10, votes_for=8, votes_against=0, votes_abstain=0),
        _step(matter.id, 1, votes_against=-1),
        _step(matter.id, 1, attended=4, votes_for=3, votes_against=0, votes_abstain=0),  # quorum
        _step(matter.id, 1, votes_for=3, votes_against=3),  # 3 of 7 is not passed
    ]
    for new in wrong:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.tx() as c:
                await matter_repo.add_step(c, new, "open", 2, NOW)
    async with db.tx() as c:
        await matter_repo.add_step(c, _step(matter.id, 1), "open", 2, NOW)
    with pytest.raises(sqlite3.IntegrityError):  # before the step it follows
        async with db.tx() as c:
            await matter_repo.add_step(
                c, _step(matter.id, 2, held_on=TODAY - timedelta(days=9)), "open", 3, NOW
            )
    with pytest.raises(sqlite3.IntegrityError):  # a decision not yet made
        async with db.tx() as c:
            await matter_repo.add_publication(
                c,
                NewMatterPublication(
                    matter_id=matter.id,
                    what="decision",
                    published_on=TODAY,
                    body="决议",
                    recorded_by=42,
                ),
                NOW,
            )
    async with db.read() as c:
        stored = await matter_repo.steps(c, [matter.id])
        found = await matter_repo.get(c, matter.id)
    assert [s.step for s in stored] == [1]
    assert found is not None and (found.state, found.at_step) == ("open", 2)


def test_the_group_post_and_the_card_fit_telegram_by_construction() -> None:
    """Everything a person typed at its longest, in characters Telegram counts twice and
    characters HTML must escape: the post and the card still fit one message."""
    worst = "😀&<" * 1000
    now = datetime.fromisoformat("2026-11-24T10:00:00+08:00")
    branch = Unit(id=3, kind="branch", name="村" * 100, parent_id=2, created_at=now)
    matter = Matter(
        id=1,
        branch_id=3,
        title=worst[: matters.TITLE_MAX],
        description=worst[: matters.DESCRIPTION_MAX],
        opened_by=42,
        state="done",
        at_step=4,
        closed_by=None,
        closed_at=None,
        created_at=now,
        updated_at=now,
    )
    steps = {
        n: MatterStep(
            matter_id=1,
            step=n,
            held_on=TODAY,
            expected=9999,
            attended=9999,
            votes_for=9999,
            votes_against=0,
            votes_abstain=0,
            passed=True,
            note=worst[: matters.NOTE_MAX],
            recorded_by=42,
            created_at=now,
        )
        for n in (1, 2, 3, 4)
    }
    published = {
        what: MatterPublication(
            matter_id=1,
            what=what,
            published_on=TODAY,
            body=worst[: matters.PUBLIC_MAX],
            chat_id=-100,
            recorded_by=42,
            created_at=now,
        )
        for what in ("decision", "result")
    }
    found = matters.View(matter, branch, steps, published)
    for language in ("zh-hans", "en"):
        tr = i18n.translator(language)
        for what in ("decision", "result"):
            post = matters.public_text(tr, found, what, worst[: matters.PUBLIC_MAX], TODAY)
            assert length(post) <= MESSAGE_LIMIT
            assert post.startswith("📢")
        assert length(matters.card_text(tr, found, START.tzinfo)) <= MESSAGE_LIMIT  # type: ignore[arg-type]


def test_a_page_of_a_list_fits_telegram_by_construction() -> None:
    """A full page of the overview and of a branch's list, every name and title at its
    longest in characters Telegram counts twice and HTML must escape, the longest
    "where it stands" and days in the thousands: one message, not cut (no "…" guard —
    each line's parts are bounded)."""
    worst = "😀&<" * 1000
    now = datetime.fromisoformat("2026-11-24T10:00:00+08:00")
    branch = Unit(id=3, kind="branch", name=worst[:100], parent_id=2, created_at=now)
    views = []
    for n, state in enumerate(["open", "decided", "published"] * matters.PAGE):
        matter = Matter(
            id=n + 1,
            branch_id=3,
            title=worst[: matters.TITLE_MAX],
            description="",
            opened_by=42,
            state=state,  # type: ignore[arg-type]
            at_step=4 if state != "open" else 2,
            closed_by=None,
            closed_at=None,
            created_at=now,
            updated_at=now,
        )
        publications = {
            "decision": MatterPublication(
                matter_id=n + 1,
                what="decision",
                published_on=TODAY,
                body="x",
                chat_id=None,
                recorded_by=42,
                created_at=now,
            )
        }
        views.append(matters.View(matter, branch, publications=publications, number=9999))
    standing = sorted((matters.Standing(v, TODAY, 99999) for v in views), key=lambda s: s.waiting)
    shown, page, pages = matters.page_of(standing, 1)
    assert (len(shown), page, pages) == (matters.PAGE, 1, 3)
    assert matters.page_of(standing, 99)[1:] == (2, 3)  # a page gone since: the last
    for language in ("zh-hans", "en"):
        tr = i18n.translator(language)
        text = matters.overview_text(tr, worst, shown, page, pages, total=len(standing))
        assert length(text) <= MESSAGE_LIMIT
        assert text.count("\n• ") == matters.PAGE
        listed = matters.branch_text(tr, branch, [s.view for s in shown], page, pages)
        assert length(listed) <= MESSAGE_LIMIT
        assert listed.count("\n• ") == matters.PAGE
