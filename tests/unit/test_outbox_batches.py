"""What the sender shares across a batch of rows, and what it writes together, keeps every
guarantee of one row at a time: each person's own language and buttons, a change seen by
the next batch, and no more messages sent-but-not-recorded than are in flight (so a crash
sends again no more than before)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

import bot.materials  # noqa: F401  (registers the "material" renderer)
from bot import renderers, round_memo
from bot.aiohttp_request import AiohttpRequest
from bot.clock import FrozenClock
from bot.delivery import Outgoing, Sender, SendLimits, send_for_id
from bot.materials import push
from sandbox.emulator import Emulator, FloodLimits, SimUser
from storage import members as member_repo
from storage import org as org_repo
from storage.db import Database
from storage.models import NewMaterial, NewMember
from tests.conftest import START

ALL = renderers.build()  # the bot's own renderers


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator with a token of its own (as tests/unit/test_delivery.py's): the suite's
    token is watched in every log, and a bare Bot logs its URL."""
    emulator = Emulator()
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[Bot]:
    async with Bot(
        emu.token, base_url=emu.base_url, request=AiohttpRequest(connection_pool_size=16)
    ) as b:
        yield b


async def branch_of(db: Database, emu: Emulator, languages: list[str]) -> tuple[int, list[SimUser]]:
    """A branch whose members' Telegram reports these languages, one member each."""
    now = FrozenClock(START).now()
    users = []
    async with db.tx() as c:
        county = await org_repo.add_unit(c, "county", "青山县", None, now)
        branch = await org_repo.add_unit(c, "branch", "东岭村党支部", county.id, now)
        for i, language in enumerate(languages):
            user = emu.add_user(f"党员{i}")
            user.started = True
            users.append(user)
            await member_repo.touch_user(
                c, user.id, user.first_name, None, language, now, private=True
            )
            await member_repo.insert_member(
                c,
                NewMember(
                    branch_id=branch.id,
                    name=user.first_name,
                    status="full",
                    state="active",
                    telegram_id=user.id,
                ),
                now,
            )
    return branch.id, users


def _material(branch_id: int, title: str, body: str) -> NewMaterial:
    return NewMaterial(
        scope_unit_id=branch_id, audience="all", title=title, body=body, created_by=1
    )


async def drain(sender: Sender) -> None:
    sender.start()
    try:
        async with asyncio.timeout(30):
            await sender.wait_idle()
    finally:
        await sender.stop()


async def test_one_batch_of_two_materials_in_two_languages_gives_each_person_their_own(
    emu: Emulator, db: Database, client: Bot
) -> None:
    branch_id, users = await branch_of(db, emu, ["zh-hans", "en", "zh-hans", "en-US"])
    clock = FrozenClock(START)
    first = (await push(db, clock, _material(branch_id, "第一课", "正文一"))).material
    second = (await push(db, clock, _material(branch_id, "第二课", "正文二"))).material

    await drain(Sender(client, db, clock, SendLimits(per_second=200), renderers=ALL))

    for user, english in zip(users, [False, True, False, True], strict=True):
        got = emu.messages(user)
        assert len(got) == 2
        for message, material, title in zip(
            got, [first, second], ["第一课", "第二课"], strict=True
        ):
            text = message.text or ""
            assert title in text and ("Study material" in text) == english
            assert ("学习材料" in text) == (not english)
            assert [data for _, data in message.buttons[0]] == [
                f"mat:done:{material.id}",
                f"mat:later:{material.id}",
            ]


async def test_a_language_chosen_between_batches_is_the_next_batchs(
    emu: Emulator, db: Database, client: Bot
) -> None:
    branch_id, (user,) = await branch_of(db, emu, ["zh-hans"])
    clock = FrozenClock(START)
    await push(db, clock, _material(branch_id, "第一课", "正文"))
    await drain(Sender(client, db, clock, SendLimits(per_second=200), renderers=ALL))
    async with db.tx() as c:
        await member_repo.set_language(c, user.id, "en")
    await push(db, clock, _material(branch_id, "第二课", "正文"))
    await drain(Sender(client, db, clock, SendLimits(per_second=200), renderers=ALL))
    first, second = emu.texts(user)
    assert "学习材料" in first and "Study material" in second


async def test_the_memo_lasts_one_batch_and_keys_by_what_it_is_told() -> None:
    loads: list[str] = []

    async def load(value: str) -> str:
        loads.append(value)
        return value

    assert await round_memo.remember("k", lambda: load("outside")) == "outside"
    assert await round_memo.remember("k", lambda: load("outside")) == "outside"
    with round_memo.batch({("language", 7): "en"}):
        assert await round_memo.remember(("language", 7), lambda: load("never")) == "en"
        assert await round_memo.remember(("body", 1, "zh_CN"), lambda: load("zh")) == "zh"
        assert await round_memo.remember(("body", 1, "zh_CN"), lambda: load("again")) == "zh"
        assert await round_memo.remember(("body", 1, "en"), lambda: load("en")) == "en"
    with round_memo.batch():
        assert await round_memo.remember(("body", 1, "zh_CN"), lambda: load("new")) == "new"
    assert loads == ["outside", "outside", "zh", "en", "new"]


async def test_no_more_are_sent_but_not_recorded_than_are_in_flight(
    emu: Emulator, db: Database, client: Bot, tmp_path: Path
) -> None:
    """Outcomes are written several to a transaction, but a row's place in flight is held
    until its outcome is written: at every arrival, what Telegram has and the outbox does
    not say was sent is at most the concurrency — what a crash may send twice."""
    concurrency = 4
    branch_id, users = await branch_of(db, emu, ["zh-hans"] * 150)
    emu.flood_limits = FloodLimits(per_second=400, per_chat_per_second=1)
    await push(db, FrozenClock(START), _material(branch_id, "标题", "正文"))
    look = sqlite3.connect(f"file:{tmp_path / 'z.sqlite3'}?mode=ro", uri=True)
    gaps: list[int] = []

    def arrived(chat: int, event: str, message: object) -> None:
        if event == "sent":
            recorded = look.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[
                0
            ]
            gaps.append(emu.stats["sent"] - recorded)

    emu.subscribe(arrived)
    try:
        await drain(
            Sender(
                client,
                db,
                FrozenClock(START),
                SendLimits(per_second=400, concurrency=concurrency),
                renderers=ALL,
            )
        )
    finally:
        look.close()
    assert len(gaps) == len(users) and all(emu.texts(u) for u in users)
    assert max(gaps) <= concurrency


async def test_files_captions_and_pins_go_out_through_the_outboxs_backend(
    emu: Emulator, client: Bot
) -> None:
    """The outbox's own send (the id kept, no Message built) over aiohttp: a file made just
    now goes as a multipart upload, a file Telegram has by its id, a pin without text."""
    user = emu.add_user("党员")
    user.started = True
    made = await send_for_id(
        client,
        user.id,
        Outgoing(
            "<b>季度简报</b>",
            [[("✅", "x:1")]],
            "document",
            upload=("简报-2026-10-01_2026-12-31.xlsx", b"PK\x03\x04 sheet"),
        ),
    )
    again = await send_for_id(
        client,
        user.id,
        Outgoing(
            "再发一次",
            media_kind="document",
            file_id=emu.messages(user)[-1].media["document"]["file_id"],
        ),
    )
    pin = await send_for_id(client, user.id, Outgoing("", location=(30.5, 114.3)))
    first, second, third = emu.messages(user)
    assert [made, again, pin] == [m.message_id for m in (first, second, third)]
    assert first.caption == "季度简报" and first.buttons == [[("✅", "x:1")]]
    assert first.media["document"]["file_name"] == "简报-2026-10-01_2026-12-31.xlsx"
    assert second.caption == "再发一次" and emu.stats["uploads"] == 1
    assert third.media["location"] == {"latitude": 30.5, "longitude": 114.3}
