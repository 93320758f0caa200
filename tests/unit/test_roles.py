"""Ending a role drops what still waited to be sent to the person in that role, and only
that: a relieved secretary gets no more of the branch's requests, visits or records, while
what concerns another branch they still run, or them as a member, still goes out."""

from __future__ import annotations

from datetime import date

from bot import roles
from bot.clock import FrozenClock
from storage import meetings as meeting_repo
from storage import org as org_repo
from storage import outbox as outbox_repo
from storage import visits as visit_repo
from storage.db import Database
from storage.models import NewMeeting, NewVisit, OutboxKind
from tests.conftest import START, seed_county

SECRETARY = 501


async def states(db: Database) -> dict[str, str]:
    """What waits in the outbox, the messages telling of a role's end apart."""
    async with db.read() as c, c.execute("SELECT key, kind, state FROM outbox") as cur:
        return {
            str(key) if kind != "role" else f"told {state}": str(state)
            for key, kind, state in await cur.fetchall()
        }


async def test_relieved_of_one_branch_keeps_what_is_for_the_other(db: Database) -> None:
    clock = FrozenClock(START)
    county = await seed_county(db, clock)
    now = clock.now()
    async with db.tx() as c:
        for branch in ("east", "west"):
            await org_repo.grant(c, SECRETARY, "secretary", county[branch], None, now)
            meeting = await meeting_repo.add_meeting(
                c,
                NewMeeting(
                    branch_id=county[branch],
                    kind="lesson",
                    starts_at=now,
                    place="村委会",
                    topic="学习",
                    created_by=SECRETARY,
                ),
                now,
            )
            await outbox_repo.enqueue(
                c,
                [
                    outbox_repo.Envelope(
                        f"record:{branch}", SECRETARY, OutboxKind.MEETING_RECORD, meeting.id
                    )
                ],
                now,
            )
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope("bulletin", SECRETARY, OutboxKind.BULLETIN, county["county"]),
                outbox_repo.Envelope("material", SECRETARY, OutboxKind.MATERIAL, 1),
            ],
            now,
        )
        assert await roles.end_secretary_in(c, now, "tg:1", SECRETARY, county["east"])
    assert await states(db) == {
        "record:east": "dropped",
        "record:west": "queued",
        "bulletin": "queued",
        "material": "queued",
        "told queued": "queued",
    }

    async with db.tx() as c:  # staff, too: their bulletins go; the rest stays
        await org_repo.grant(c, SECRETARY, "staff", None, None, now)
        assert await roles.end_staff_in(c, now, "cli", SECRETARY)
        assert not await roles.end_staff_in(c, now, "cli", SECRETARY)  # once
    assert await states(db) == {
        "record:east": "dropped",
        "record:west": "queued",
        "bulletin": "dropped",
        "material": "queued",
        "told queued": "queued",
    }


async def test_staff_still_named_in_zhibu_admins_lose_nothing_and_are_not_told(
    db: Database,
) -> None:
    clock = FrozenClock(START)
    county = await seed_county(db, clock)
    now = clock.now()
    async with db.tx() as c:
        await org_repo.grant(c, SECRETARY, "staff", None, None, now)
        await outbox_repo.enqueue(
            c,
            [outbox_repo.Envelope("bulletin", SECRETARY, OutboxKind.BULLETIN, county["county"])],
            now,
        )
        assert await roles.end_staff_in(c, now, "cli", SECRETARY, still_admin=True)
    assert await states(db) == {"bulletin": "queued"}


#: Kinds of message sent to a person whatever role they hold (as a member, a newcomer, a
#: group, or about their own role). Every other kind must be dropped when its role ends.
K = OutboxKind
PERSONAL = {
    K.DECISION,
    K.MATERIAL,
    K.STUDY_REMINDER,
    K.NOTE_REQUEST,
    K.NOTICE,
    K.NOTICE_REMINDER,
    K.MEETING_NOTICE,
    K.MEETING_REMINDER,
    K.MEETING_OPEN,
    K.MEETING_COUNT,
    K.MEETING_SUMMARY,
    K.MEETING_CANCELLED,
    K.MEETING_MOVED,
    K.ROLE,
    K.CATCH_UP,
    K.LEAVE_DECISION,
    K.NOTE_EXCELLENT,
    K.NOTE_REWRITE,
    K.RECTIFY,  # to the person named responsible for an item, whatever their role
    K.STUDY_BEHIND,
    K.MATTER_PUBLIC,  # to the branch's group chat
}


def test_every_kind_of_message_is_personal_or_ends_with_a_role() -> None:
    """A new kind of message must say whether it is someone's because of a role — else a
    relieved secretary or removed staff would still receive it."""
    role_bound = (
        set(outbox_repo.BRANCH_WORK)
        | set(outbox_repo.BRANCH_ALERTS)
        | set(outbox_repo.STAFF_WORK)
        | set(outbox_repo.LEADER_WORK)
        | set(outbox_repo.TOWNSHIP_WORK)
    )
    assert set(OutboxKind) - PERSONAL - role_bound == set()
    assert PERSONAL & role_bound == set()


async def test_a_relieved_secretary_gets_no_visit_voice_or_location(db: Database) -> None:
    clock = FrozenClock(START)
    county = await seed_county(db, clock)
    now = clock.now()
    async with db.tx() as c:
        await org_repo.grant(c, SECRETARY, "secretary", county["east"], None, now)
        visit = await visit_repo.add_visit(
            c,
            NewVisit(
                leader_telegram_id=9,
                branch_id=county["east"],
                day=date(2026, 11, 20),
                days=1,
                activity="research",
                record="走访",
            ),
            now,
        )
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope(
                    f"visit:{part}", SECRETARY, OutboxKind(f"visit_{part}"), visit.id
                )
                for part in ("voice", "location", "confirm")
            ],
            now,
        )
        assert await roles.end_secretary_in(c, now, "tg:1", SECRETARY, county["east"])
    assert await states(db) == {
        "visit:voice": "dropped",
        "visit:location": "dropped",
        "visit:confirm": "dropped",
        "told queued": "queued",
    }


async def test_a_relieved_secretary_gets_no_leave_request_or_group_alert(db: Database) -> None:
    """A request for leave from a session of the branch, and the bot's removal from its
    group, are the secretary's as secretary: they go when the role does (another branch's
    stay)."""
    clock = FrozenClock(START)
    county = await seed_county(db, clock)
    now = clock.now()
    async with db.tx() as c:
        envelopes = []
        for branch in ("east", "west"):
            await org_repo.grant(c, SECRETARY, "secretary", county[branch], None, now)
            meeting = await meeting_repo.add_meeting(
                c,
                NewMeeting(
                    branch_id=county[branch],
                    kind="lesson",
                    starts_at=now,
                    place="村委会",
                    topic="学习",
                    created_by=SECRETARY,
                ),
                now,
            )
            envelopes += [
                outbox_repo.Envelope(f"voice:{branch}", SECRETARY, K.LEAVE_VOICE, meeting.id),
                outbox_repo.Envelope(f"leave:{branch}", SECRETARY, K.LEAVE_REQUEST, meeting.id),
                outbox_repo.Envelope(f"lost:{branch}", SECRETARY, K.GROUP_LOST, county[branch]),
            ]
        await outbox_repo.enqueue(c, envelopes, now)
        assert await roles.end_secretary_in(c, now, "tg:1", SECRETARY, county["east"])
    assert await states(db) == {
        "voice:east": "dropped",
        "leave:east": "dropped",
        "lost:east": "dropped",
        "voice:west": "queued",
        "leave:west": "queued",
        "lost:west": "queued",
        "told queued": "queued",
    }


async def test_staff_taken_out_of_zhibu_admins_get_nothing_queued_for_staff(db: Database) -> None:
    clock = FrozenClock(START)
    county = await seed_county(db, clock)
    now = clock.now()
    async with db.tx() as c:
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope(f"{kind}:{who}", who, kind, county["county"])
                for kind in (OutboxKind.BULLETIN, OutboxKind.TROUBLE, OutboxKind.MATERIAL)
                for who in (SECRETARY, 502, 503)
            ],
            now,
        )
        await org_repo.grant(c, 503, "staff", None, None, now)  # staff by `zhibu admin add`
    # The bot restarts with ZHIBU_ADMINS=502: 501 was taken out of it.
    assert await roles.drop_work_of_former_staff(db, clock, [502]) == 2
    found = await states(db)
    assert {k: v for k, v in found.items() if v == "dropped"} == {
        f"bulletin:{SECRETARY}": "dropped",
        f"trouble:{SECRETARY}": "dropped",
    }
    assert found[f"material:{SECRETARY}"] == "queued"


async def test_township_staff_relieved_of_one_township_keep_the_others_bulletins(
    db: Database,
) -> None:
    clock = FrozenClock(START)
    county = await seed_county(db, clock)
    now = clock.now()
    async with db.tx() as c:
        for township in ("dongling", "xihe"):
            await org_repo.grant(c, SECRETARY, "township", county[township], None, now)
            await outbox_repo.enqueue(
                c,
                [
                    outbox_repo.Envelope(
                        f"bulletin:{township}",
                        SECRETARY,
                        OutboxKind.TOWNSHIP_BULLETIN,
                        county[township],
                    )
                ],
                now,
            )
        assert await roles.end_township_in(c, now, "cli", SECRETARY, county["dongling"])
        assert not await roles.end_township_in(c, now, "cli", SECRETARY, county["dongling"])
    assert await states(db) == {
        "bulletin:dongling": "dropped",
        "bulletin:xihe": "queued",
        "told queued": "queued",
    }


async def test_requests_to_cross_off_go_with_the_role_they_were_sent_for(db: Database) -> None:
    """A request to cross off an item (ref_id: the township) is township staff's work
    where they are township staff of it — a restart keeps it — and county staff's
    otherwise, dropped when they are no longer staff (#14)."""
    clock = FrozenClock(START)
    county = await seed_county(db, clock)
    now = clock.now()
    officer, former = 601, 502
    async with db.tx() as c:
        await org_repo.grant(c, officer, "township", county["dongling"], None, now)
        await outbox_repo.enqueue(
            c,
            [
                outbox_repo.Envelope(f"{kind}:{who}", who, kind, county["dongling"])
                for kind in (OutboxKind.RECTIFY_CHECK, OutboxKind.RECTIFY_EVIDENCE)
                for who in (officer, former)
            ],
            now,
        )
    # The restart with ZHIBU_ADMINS empty: 502 was county staff by it, 601 never was.
    assert await roles.drop_work_of_former_staff(db, clock, []) == 2
    found = await states(db)
    assert found[f"rectify_check:{officer}"] == found[f"rectify_evidence:{officer}"] == "queued"
    assert found[f"rectify_check:{former}"] == found[f"rectify_evidence:{former}"] == "dropped"
    # The township role ends: what it was sent for goes with it.
    async with db.tx() as c:
        await outbox_repo.drop_township_work(c, officer, county["dongling"], now)
    assert (await states(db))[f"rectify_check:{officer}"] == "dropped"
