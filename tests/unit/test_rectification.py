"""The rectification ledger's rules: which reminder an item is due (a week before, the eve,
once overdue, and never before the first), deadlines typed or chosen, and what its
bulletin section and card say, within Telegram's limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot import i18n, privacy, rectification, roles
from bot.access import Actor
from bot.clock import FrozenClock
from bot.markup import MESSAGE_LIMIT, length
from bot.profile import InvalidInput
from storage import members as member_repo
from storage import org as org_repo
from storage import rectifications as repo
from storage.db import Database
from storage.models import NewMember, NewRectification, Rectification
from tests.conftest import START, seed_county

TODAY = date(2026, 11, 24)
ZONE = timezone(timedelta(hours=8))
LONG = "😀&<b>字" * 300


@pytest.mark.parametrize(
    ("days_left", "stage"),
    [(30, None), (8, None), (7, "week"), (2, "week"), (1, "eve"), (0, "eve"), (-1, "overdue")],
)
def test_the_reminder_due_for_a_deadline(days_left: int, stage: str | None) -> None:
    assert rectification.stage_due(TODAY + timedelta(days=days_left), TODAY) == stage


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2027-03-31", date(2027, 3, 31)),
        ("12-05", date(2026, 12, 5)),
        ("1-31", date(2027, 1, 31)),  # the next such day
        ("2026/12/5", date(2026, 12, 5)),
    ],
)
def test_a_deadline_typed(typed: str, day: date) -> None:
    assert rectification.parse_deadline(typed, TODAY) == day


@pytest.mark.parametrize(
    "typed", ["", "明天", "2026-02-30", "2026-11-24", "2026-11-01", "2031-01-01"]
)
def test_a_deadline_that_is_not_one_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        rectification.parse_deadline(typed, TODAY)


def test_months_later_keeps_the_day_or_takes_the_months_last() -> None:
    assert rectification.months_later(TODAY, 1) == date(2026, 12, 24)
    assert rectification.months_later(TODAY, 3) == date(2027, 2, 24)
    assert rectification.months_later(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert rectification.months_later(date(2026, 11, 30), 3) == date(2027, 2, 28)


def item(n: int, **changes: object) -> Rectification:
    return Rectification.model_validate(
        {
            "id": n,
            "branch_id": 7,
            "source": "visit",
            "source_id": n,
            "project": LONG[:100],
            "goal": LONG[:500],
            "responsible": 42,
            "responsible_name": LONG[:40],
            "deadline": TODAY - timedelta(days=3),
            "raised_by": 1,
            "state": "open",
            "reminded": None,
            "created_at": datetime(2026, 11, 1, tzinfo=ZONE),
            "closed_by": None,
            "closed_at": None,
            **changes,
        }
    )


def test_who_may_read_decide_and_raise() -> None:
    township = Actor(100, townships=frozenset({3}), township_branches=frozenset({7}))
    other = Actor(101, townships=frozenset({4}), township_branches=frozenset({8}))
    secretary = Actor(102, secretary_of=frozenset({7}))
    responsible = Actor(42)
    leader = Actor(103, leader=True, contact_points=frozenset({7}))
    found = item(1)
    assert [
        rectification.may_read(a, found) for a in (township, other, secretary, responsible)
    ] == [True, False, True, True]
    assert [
        rectification.may_decide(a, found) for a in (township, other, secretary, responsible)
    ] == [True, False, False, False]
    # Township staff who are the person responsible too do not judge their own work.
    both = Actor(42, townships=frozenset({3}), township_branches=frozenset({7}))
    assert not rectification.may_decide(both, found)
    assert rectification.refusal(both, found) == "own"
    assert rectification.refusal(other, found) == "not_yours"
    assert rectification.refusal(township, found) is None
    assert rectification.may_raise_from_visit(leader, 103, 7)
    assert not rectification.may_raise_from_visit(leader, 999, 7)  # not their visit
    assert not rectification.may_raise_from_visit(other, 103, 7)
    assert not rectification.may_raise(secretary, 7)


def test_the_bulletin_section_lists_the_overdue_by_branch_and_fits() -> None:
    tr = i18n.translator("zh-hans")
    items = [item(n) for n in range(1, 200)]
    closed = [
        item(n, state="closed", closed_at=datetime(2026, 11, 20, tzinfo=ZONE))
        for n in range(200, 230)
    ]
    standing = rectification.Standing(
        items, items, closed, {7: (LONG[:20], LONG[:20])}, TODAY, ZONE
    )
    lines = rectification.bulletin_lines(tr, standing)
    assert "未销号 199 项，其中已超过时限 199 项；本期销号 30 项。" in lines
    assert all(length(line) < MESSAGE_LIMIT for line in lines)
    assert rectification.bulletin_lines(tr, None) == []
    nothing = rectification.Standing([], [], [], {}, TODAY, ZONE)
    assert rectification.bulletin_lines(tr, nothing) == []


def test_the_bulletin_names_the_local_day_an_item_was_crossed_off() -> None:
    """Crossed off at 06:00 in Beijing on 1 December: still 30 November in UTC."""
    tr = i18n.translator("zh-hans")
    early = datetime(2026, 12, 1, 6, 0, tzinfo=ZONE).astimezone(UTC)
    closed = [item(1, state="closed", closed_at=early)]
    standing = rectification.Standing([], [], closed, {7: ("东岭镇", "东岭村")}, TODAY, ZONE)
    lines = rectification.bulletin_lines(tr, standing)
    assert lines[-1].endswith("(2026-12-01)") or lines[-1].endswith("（2026-12-01）")


async def test_a_request_to_cross_off_waits_no_longer_for_township_staff_relieved(
    db: Database,
) -> None:
    """The township's staff are asked to confirm; relieved before it went out, they are
    not sent it (nor its evidence), as with their township's bulletin."""
    clock = FrozenClock(START)
    county = await seed_county(db, clock)
    now = clock.now()
    officer, responsible = 9001, 9002
    async with db.tx() as c:
        await org_repo.grant(c, officer, "township", county["dongling"], None, now)
    result, found = await rectification.raise_item(
        db,
        clock,
        NewRectification(
            branch_id=county["east"],
            source="staff",
            project="修村道",
            responsible=responsible,
            responsible_name="王芳",
            deadline=START.date() + timedelta(days=30),
            raised_by=1,
        ),
        Actor(1, staff=True),
    )
    assert result == "ok" and found is not None
    asked = await rectification.ask_to_close(
        db, clock, found.id, Actor(responsible), "修好了。", [("photo", "PHOTO")], []
    )
    assert asked == "ok"
    async with db.tx() as c:
        assert await roles.end_township_in(c, now, "cli", officer, county["dongling"])
        rows = await c.execute_fetchall(
            "SELECT kind, state FROM outbox WHERE chat_id = ? AND kind != 'role'", (officer,)
        )
    assert sorted((str(kind), str(state)) for kind, state in rows) == [
        ("rectify_check", "dropped"),
        ("rectify_evidence", "dropped"),
    ]


async def test_a_member_erased_on_request_is_no_longer_named_on_the_ledger(db: Database) -> None:
    clock = FrozenClock(START)
    county = await seed_county(db, clock)
    async with db.tx() as c:
        await member_repo.ensure_user(c, 9002, clock.now())
        member = await member_repo.insert_member(
            c,
            NewMember(
                branch_id=county["east"],
                name="王芳",
                status="full",
                state="active",
                telegram_id=9002,
            ),
            clock.now(),
        )
    result, found = await rectification.raise_item(
        db,
        clock,
        NewRectification(
            branch_id=county["east"],
            source="staff",
            project="修村道",
            responsible=9002,
            responsible_name="王芳",
            deadline=START.date() + timedelta(days=30),
            raised_by=1,
        ),
        Actor(1, staff=True),
    )
    assert result == "ok" and found is not None
    her = Actor(9002)
    assert await rectification.report_progress(db, clock, found.id, her, "已联系施工队。") == "ok"
    asked = await rectification.ask_to_close(
        db, clock, found.id, her, "修好了，见照片。", [("photo", "PHOTO-ID")], [1]
    )
    assert asked == "ok"
    assert await privacy.erase_member(db, clock, member.id)
    erased = await rectification.get(db, found.id)
    assert erased is not None and "王芳" not in erased.responsible_name
    async with db.read() as c:
        history = await repo.events(c, [found.id])
    assert [(e.kind, e.body, e.attachments) for e in history] == [
        ("raised", "", []),
        ("progress", "", []),
        ("asked", "", []),
    ]


def test_the_evening_reminder_fits_a_message_by_construction() -> None:
    """Its lines are bounded and counted: heading, closing words and the count fit in
    what the item lines leave."""
    lines = rectification.REMIND_SHOWN * (rectification.REMIND_LINE_MAX + 1)
    assert lines + 400 < MESSAGE_LIMIT
