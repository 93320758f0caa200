"""Typed writes: every New… model is written whole by the one insert helper, through its
repository, and nothing but its fields can reach the SQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from bot.clock import FrozenClock
from storage import leadership as leadership_repo
from storage import materials as material_repo
from storage import matters as matter_repo
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import notes as note_repo
from storage import notices as notice_repo
from storage import org as org_repo
from storage import rectifications as rectification_repo
from storage import visits as visit_repo
from storage.db import Conn, Database
from storage.models import (
    New,
    NewApplication,
    NewMaterial,
    NewMatter,
    NewMatterFile,
    NewMatterPublication,
    NewMatterStep,
    NewMeeting,
    NewMember,
    NewNote,
    NewNotice,
    NewRectification,
    NewRectificationEvent,
    NewResearchReport,
    NewVisit,
    Stored,
)
from storage.rows import insert, stored
from tests.conftest import START

NOW = FrozenClock(START).now()


def _new_models() -> list[type[New]]:
    """Every New model there is (a stored model is one too, and is left out)."""
    found: list[type[New]] = []
    todo = list(New.__subclasses__())
    while todo:
        model = todo.pop()
        todo += model.__subclasses__()
        if not issubclass(model, Stored):
            found.append(model)
    return sorted(found, key=lambda model: model.__name__)


async def _columns(c: Conn, table: str) -> dict[str, tuple[bool, bool]]:
    """A table's columns: name → (NOT NULL, has a default)."""
    rows = await c.execute_fetchall(f"PRAGMA table_info({table})")
    return {str(row[1]): (bool(row[3]), row[4] is not None or bool(row[5])) for row in rows}


def test_every_new_model_is_listed_here() -> None:
    assert {model.__name__ for model in _new_models()} == {model.__name__ for model in WRITERS}


async def test_a_new_model_is_its_tables_columns(db: Database) -> None:
    """Each field and stamp is a column of the table, and every column a row cannot do
    without (NOT NULL, no default, not the id) is one of them."""
    async with db.read() as c:
        for model in _new_models():
            columns = await _columns(c, model.table)
            given = set(model.model_fields) | set(model.stamps)
            assert given <= set(columns), (model.__name__, given - set(columns))
            required = {
                name
                for name, (not_null, default) in columns.items()
                if not_null and not default and name != "id"
            }
            assert required <= given, (model.__name__, required - given)


async def _county(c: Conn) -> tuple[int, int, int, int]:
    """A county, a branch, a party group of it, a member, two users and an invite: what
    rows refer to."""
    county = await org_repo.add_unit(c, "county", "青山县", None, NOW)
    township = await org_repo.add_unit(c, "township", "东岭镇", county.id, NOW)
    branch = await org_repo.add_unit(c, "branch", "东岭村党支部", township.id, NOW)
    group = await org_repo.add_unit(c, "group", "第一党小组", branch.id, NOW)
    member = await member_repo.insert_member(
        c, NewMember(branch_id=branch.id, name="王芳", status="full", state="active"), NOW
    )
    for telegram_id in (9001, 9002):
        await member_repo.ensure_user(c, telegram_id, NOW)
    await org_repo.add_invite(c, "INVITE-0001", branch.id, 42, NOW, NOW + timedelta(days=7), 5)
    return county.id, branch.id, group.id, member.id


def _examples(county: int, branch: int, group: int, member: int) -> list[New]:
    """One of each New model with no field left at its default."""
    day = START.date() - timedelta(days=3)
    return [
        NewApplication(
            telegram_id=9001,
            branch_id=branch,
            invite_code="INVITE-0001",
            name="李强",
            birth_year=1980,
            status="probationary",
            phone="13800001111",
            flowing=True,
            flow_city="广州",
            flow_employer="电子厂",
            flow_since=date(2026, 3, 1),
            match_member_id=member,
        ),
        NewMaterial(
            scope_unit_id=county,
            audience="flowing",
            title="学习材料",
            body="正文",
            media_kind="document",
            file_id="FILE1",
            file_name="材料.pdf",
            due_date=date(2026, 12, 31),
            created_by=42,
        ),
        NewMeeting(
            branch_id=branch,
            kind="group",
            group_id=group,
            audience="listed",
            starts_at=NOW + timedelta(days=1),
            place="村委会",
            topic="学习",
            lecturer="张书记",
            remote_allowed=True,
            leadership=True,
            created_by=42,
        ),
        NewMember(
            roster_key="QS0001",
            branch_id=branch,
            group_id=group,
            name="赵军",
            birth_year=1958,
            status="probationary",
            phone="13900002222",
            telegram_id=9002,
            state="pending",
            flowing=True,
            flow_city="深圳",
            flow_employer="工地",
            flow_since=date(2026, 5, 1),
            no_writing=True,
            township_leadership=True,
            township_leadership_since=date(2026, 9, 1),
            committee=True,
            host_branch_id=branch,
            host_name="深圳某党支部",
            checkin_private=True,
        ),
        NewNote(
            member_id=member,
            subject="meeting:1",
            title="心得",
            kind="voice",
            body="语音",
            file_id="VOICE1",
        ),
        NewNotice(
            sender=42,
            scope_unit_id=county,
            audience="flowing",
            body="通知",
            media_kind="photo",
            file_id="PHOTO1",
            to_groups=True,
            send_at=NOW + timedelta(hours=2),
        ),
        NewVisit(
            leader_telegram_id=42,
            branch_id=branch,
            day=day,
            days=1.5,
            activity="problem",
            record="走访记录",
            record_file_id="VOICE2",
            problems="道路",
            solved=True,
            solved_on=day,
            latitude=23.13,
            longitude=113.26,
        ),
        NewRectification(
            branch_id=branch,
            source="visit",
            source_id=1,
            project="修水渠",
            goal="年底前修好",
            responsible=9001,
            responsible_name="王芳",
            deadline=day,
            raised_by=42,
        ),
        NewRectificationEvent(
            item_id=1,
            kind="asked",
            actor=9001,
            body="已修好",
            files='[["photo", "PHOTO1"]]',
            old_deadline=day,
            new_deadline=day + timedelta(days=30),
        ),
        # After the session above (id 1): the first step of matter 1 was held there.
        NewMatter(branch_id=branch, title="修建村道", description="硬化两公里村道", opened_by=42),
        NewMatterFile(matter_id=1, kind="document", file_id="FILE3", file_name="预算.pdf"),
        NewMatterStep(
            matter_id=1,
            step=1,
            held_on=day,
            expected=5,
            attended=4,
            votes_for=3,
            votes_against=1,
            votes_abstain=0,
            passed=True,
            meeting_id=1,
            note="提议",
            recorded_by=42,
        ),
        NewMatterPublication(
            matter_id=1,
            what="decision",
            published_on=day,
            body="决定修建村道。",
            chat_id=-100,
            recorded_by=42,
        ),
        NewResearchReport(
            member_id=member,
            title="关于村集体经济的调研",
            body="调研正文",
            media_kind="document",
            file_id="DOC1",
            file_name="调研.docx",
            created_by=42,
        ),
    ]


async def _decided_then_published(c: Conn, new: NewMatterPublication, now: datetime) -> Stored:
    """A decision is made public once decided: the matter's steps 2-4 first (the table's
    triggers refuse anything out of order)."""
    for step in (2, 3, 4):
        await matter_repo.move(c, new.matter_id, "open", step, now)
        await matter_repo.insert_step(
            c,
            NewMatterStep(
                matter_id=new.matter_id,
                step=step,
                held_on=new.published_on,
                expected=5,
                attended=5,
                votes_for=5,
                votes_against=0,
                votes_abstain=0,
                passed=True,
                recorded_by=42,
            ),
            now,
        )
    await matter_repo.move(c, new.matter_id, "decided", 4, now)
    return await matter_repo.insert_publication(c, new, now)


#: Each New model's repository function (the parameter is Any: one table for seven types).
WRITERS: dict[type[New], Callable[[Conn, Any, datetime], Awaitable[Stored]]] = {
    NewApplication: member_repo.add_application,
    NewMaterial: material_repo.add_material,
    NewMeeting: meeting_repo.add_meeting,
    NewMember: member_repo.insert_member,
    NewNote: note_repo.add_note,
    NewNotice: notice_repo.add_notice,
    NewVisit: visit_repo.add_visit,
    NewRectification: rectification_repo.add,
    NewRectificationEvent: rectification_repo.add_event,
    NewResearchReport: leadership_repo.add_report,
    NewMatter: matter_repo.insert_matter,
    NewMatterFile: matter_repo.insert_file,
    NewMatterStep: matter_repo.insert_step,
    NewMatterPublication: _decided_then_published,
}


async def test_every_field_is_written_and_read_back(db: Database) -> None:
    """Through its repository, each New model's every field reaches its column (as
    stored) and comes back in the stored model, with the stamps set to the moment."""
    async with db.tx() as c:
        examples = _examples(*await _county(c))
        assert {type(new) for new in examples} == set(_new_models())
        for new in examples:
            model = type(new)
            for name, info in model.model_fields.items():
                assert getattr(new, name) != info.default, (model.__name__, name)
            written = await WRITERS[model](c, new, NOW)
            assert isinstance(written, model) and isinstance(written, Stored)
            rows = await c.execute_fetchall(
                f"SELECT * FROM {model.table} ORDER BY rowid DESC LIMIT 1"
            )
            row = dict(next(iter(rows)))
            for name in model.model_fields:
                assert row[name] == stored(getattr(new, name)), (model.__name__, name)
                assert getattr(written, name) == getattr(new, name), (model.__name__, name)
            for stamp in model.stamps:
                assert getattr(written, stamp) == NOW, (model.__name__, stamp)


def test_a_new_model_refuses_a_column_it_does_not_have() -> None:
    with pytest.raises(ValidationError, match="extra"):
        NewNote.model_validate({"member_id": 1, "kind": "text", "review": "excellent"})
    with pytest.raises(ValidationError, match="extra"):
        NewMember.model_validate(
            {"branch_id": 1, "name": "王芳", "status": "full", "state": "active", "id": 7}
        )


async def test_a_stored_model_is_not_inserted_again(db: Database) -> None:
    """A stored model is its New model too (plus its id and times): the helper refuses
    it rather than write its id and stamps as columns."""
    async with db.tx() as c:
        _, _, _, member_id = await _county(c)
        member = await member_repo.get_member(c, member_id)
        assert member is not None
        with pytest.raises(TypeError, match="stored already"):
            await insert(c, member, NOW)


async def test_an_update_sets_only_columns_a_caller_may_set(db: Database) -> None:
    """A member's changes are NewMember's fields; a visit's may also be those set later
    (its state, who confirmed it), never its id nor its times."""
    async with db.tx() as c:
        _, branch, _, member_id = await _county(c)
        await member_repo.update_member(
            c, member_id, {"committee": True, "flow_since": date(2026, 4, 1)}, NOW
        )
        member = await member_repo.get_member(c, member_id)
        assert member is not None and member.committee and member.flow_since == date(2026, 4, 1)
        for wrong in ({"colour": "red"}, {"id": 5}, {"created_at": NOW}):
            with pytest.raises(ValueError, match="not columns"):
                await member_repo.update_member(c, member_id, wrong, NOW)
        visit = await visit_repo.add_visit(
            c,
            NewVisit(
                leader_telegram_id=42,
                branch_id=branch,
                day=START.date(),
                days=1,
                activity="research",
            ),
            NOW,
        )
        changed = await visit_repo.change(c, visit, {"state": "withdrawn"}, "withdrawn", 42, NOW)
        assert changed.state == "withdrawn"
        for wrong in ({"id": 5}, {"updated_at": NOW}, {"colour": "red"}):
            with pytest.raises(ValueError, match="not columns"):
                await visit_repo.change(c, visit, wrong, "x", 42, NOW)


async def test_the_day_the_leadership_mark_went_on_is_kept_until_it_comes_off(db: Database) -> None:
    """Marked: that local day; marked again: unchanged; unmarked: cleared. A member
    written already marked (a roster's new row) is marked that day."""
    later = NOW + timedelta(days=30)
    async with db.tx() as c:
        _, branch, _, member_id = await _county(c)

        async def mark(marked: bool, when: datetime) -> date | None:
            await member_repo.update_member(c, member_id, {"township_leadership": marked}, when)
            member = await member_repo.get_member(c, member_id)
            assert member is not None and member.township_leadership == marked
            return member.township_leadership_since

        assert await mark(True, NOW) == NOW.date()
        assert await mark(True, later) == NOW.date()
        assert await mark(False, later) is None
        assert await mark(True, later) == later.date()
        new = await member_repo.insert_member(
            c,
            NewMember(
                branch_id=branch,
                name="新人",
                status="full",
                state="active",
                township_leadership=True,
            ),
            later,
        )
        assert new.township_leadership_since == later.date()
