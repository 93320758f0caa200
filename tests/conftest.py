"""Fixtures: the emulator on a random port, the real bot against it, a small county."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.clock import Clock, FrozenClock
from bot.config import Settings
from sandbox.emulator import Emulator
from storage import members as member_repo
from storage import org as org_repo
from storage.db import Database
from storage.models import NewMember
from tests.harness import Harness, Person, running

TOKEN = "123456:AAE-test-zhibu-suite-token-01234567"  # the form @BotFather hands out
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
    return Settings(
        _env_file=None,
        token=SecretStr(TOKEN),
        database=tmp_path / "zhibu.sqlite3",
        api_base=emu.base_url,
        admins=[staff_user.id],
        # Tests act faster than people; the throttle has a test of its own.
        user_updates_limit=100_000,
    )


@pytest.fixture
def harness_kind() -> type[Harness]:
    """How the bot takes its updates: polling; a module overrides it with WebhookHarness."""
    return Harness


@pytest.fixture
async def h(
    emu: Emulator, settings: Settings, clock: FrozenClock, harness_kind: type[Harness]
) -> AsyncIterator[Harness]:
    async with running(harness_kind(emu=emu, settings=settings, clock=clock)) as harness:
        yield harness


@pytest.fixture
def staff(h: Harness, staff_user: Any) -> Person:
    return Person(h, staff_user)


@pytest.fixture
async def county(h: Harness, clock: FrozenClock) -> dict[str, int]:
    """青山县: 东岭镇 (东岭村, 南坡村) and 西河乡 (西河村), and a few roster members."""
    return await seed_county(h.db, clock)


async def seed_county(db: Database, clock: Clock) -> dict[str, int]:
    now = clock.now()
    ids: dict[str, int] = {}
    async with db.tx() as c:
        root = await org_repo.add_unit(c, "county", "青山县", None, now)
        dongling = await org_repo.add_unit(c, "township", "东岭镇", root.id, now)
        xihe = await org_repo.add_unit(c, "township", "西河乡", root.id, now)
        branches = (
            ("east", "东岭村党支部", dongling),
            ("south", "南坡村党支部", dongling),
            ("west", "西河村党支部", xihe),
        )
        for key, name, parent in branches:
            ids[key] = (await org_repo.add_unit(c, "branch", name, parent.id, now)).id
        ids["dongling"], ids["xihe"], ids["county"] = dongling.id, xihe.id, root.id
        for key, name, year in (("0001", "陈建国", 1958), ("0002", "王秀英", 1972)):
            member = await member_repo.insert_member(
                c,
                NewMember(
                    roster_key=key,
                    branch_id=ids["east"],
                    name=name,
                    birth_year=year,
                    status="full",
                    state="active",
                ),
                now,
            )
            ids[f"roster:{key}"] = member.id
    return ids


class SecretWatch(logging.Handler):
    """Formats every record the suite makes, at every level, and keeps those that show
    the token: the suite itself is the test that no log line ever carries it."""

    def __init__(self, secret: str) -> None:
        super().__init__(logging.NOTSET)
        self.secret = secret.partition(":")[2]
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        if self.secret in line:
            self.leaks.append(line[:500])


@pytest.fixture(scope="session", autouse=True)
def _no_token_in_any_log() -> Iterator[SecretWatch]:
    watch = SecretWatch(TOKEN)
    root = logging.getLogger()
    level = root.level
    root.addHandler(watch)
    root.setLevel(logging.DEBUG)
    # aiosqlite's DEBUG is two records of SQL per call — a third of the suite's CPU — and
    # carries no URL; tests/e2e/test_secrets.py runs it at DEBUG too, with the rest.
    sql = logging.getLogger("aiosqlite")
    sql_level = sql.level
    sql.setLevel(logging.INFO)
    try:
        yield watch
    finally:
        root.removeHandler(watch)
        root.setLevel(level)
        sql.setLevel(sql_level)
    assert not watch.leaks, f"the token reached the log: {watch.leaks[:3]}"
