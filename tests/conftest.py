"""Fixtures: the emulator on a random port, the real bot against it, a small county."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.sandbox.emulator import Emulator
from storage import members as member_repo
from storage import org as org_repo
from storage.db import Database
from tests.harness import Harness, Person, running

TOKEN = "123456:TEST-zhibu-token"
START = datetime.fromisoformat("2026-11-24T10:00:00+08:00")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(token=TOKEN, bot_username="zhibu_test_bot", bot_name="支部助手")
    await emulator.start(host="127.0.0.1", port=0)
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
def staff_user(emu: Emulator) -> Any:
    return emu.add_user("组织部小李", language_code="zh-hans")


@pytest.fixture
def settings(emu: Emulator, tmp_path: Path, staff_user: Any) -> Settings:
    return Settings(_env_file=None, token=TOKEN, database=tmp_path / "zhibu.sqlite3",  # type: ignore[call-arg]
                    api_base=emu.base_url, admins=[staff_user.id],
                    # Tests act faster than people; the throttle has a test of its own.
                    user_updates_limit=100_000)


@pytest.fixture
async def h(emu: Emulator, settings: Settings, clock: FrozenClock) -> AsyncIterator[Harness]:
    async with running(Harness(emu=emu, settings=settings, clock=clock)) as harness:
        yield harness


@pytest.fixture
def staff(h: Harness, staff_user: Any) -> Person:
    return Person(h, staff_user)


@pytest.fixture
async def county(h: Harness, clock: FrozenClock) -> dict[str, int]:
    """青山县: 东岭镇 (东岭村, 南坡村) and 西河乡 (西河村), and a few roster members."""
    return await seed_county(h.db, clock)


async def seed_county(db: Database, clock: FrozenClock) -> dict[str, int]:
    now = clock.now()
    ids: dict[str, int] = {}
    async with db.tx() as c:
        root = await org_repo.add_unit(c, "county", "青山县", None, now)
        dongling = await org_repo.add_unit(c, "township", "东岭镇", root.id, now)
        xihe = await org_repo.add_unit(c, "township", "西河乡", root.id, now)
        branches = (("east", "东岭村党支部", dongling), ("south", "南坡村党支部", dongling),
                    ("west", "西河村党支部", xihe))
        for key, name, parent in branches:
            ids[key] = (await org_repo.add_unit(c, "branch", name, parent.id, now)).id
        ids["dongling"], ids["xihe"], ids["county"] = dongling.id, xihe.id, root.id
        for key, name, year in (("0001", "陈建国", 1958), ("0002", "王秀英", 1972)):
            member = await member_repo.insert_member(c, {
                "roster_key": key, "branch_id": ids["east"], "name": name, "birth_year": year,
                "status": "full", "state": "active"}, now)
            ids[f"roster:{key}"] = member.id
    return ids


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="httpx")
