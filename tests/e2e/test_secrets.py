"""The token never reaches a log: not at DEBUG, not in a traceback, not on stderr.

Every Bot API URL carries the token, and httpx (PTB's own backend) logs each request
with its URL; the bot's requests go through aiohttp (bot/aiohttp_request.py), which logs
none, but its errors may name them. The suite as a whole is watched too
(tests/conftest.py), but these tests turn every logger to DEBUG and make the errors that
carry URLs and messages happen on purpose.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
from telegram.error import NetworkError

from bot import logs
from sandbox.demo import TOKEN as DEMO_TOKEN
from sandbox.demo import start_demo
from sandbox.emulator import Emulator
from tests.conftest import TOKEN
from tests.e2e.process import BotProcess, seed_east, until
from tests.harness import Harness, Person
from zhibu import app

SECRET = TOKEN.partition(":")[2]
LOUD = (
    "",
    "httpx",
    "httpcore",
    "aiohttp",
    "telegram",
    "telegram.ext",
    "apscheduler",
    "aiosqlite",
    "bot",
    "handlers",
    "zhibu",
    "asyncio",
)


def test_a_record_is_scrubbed_in_message_arguments_traceback_and_stack() -> None:
    logs.hide(TOKEN)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("zhibu.test.secrets")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        url = f"https://api.telegram.org/bot{TOKEN}/getMe"
        log.debug("HTTP Request: POST %s", url)
        log.info(f"plain {url}")
        log.warning("broken %d arguments %s", url)  # the format does not fit its arguments
        try:
            raise NetworkError(f"could not reach {url}")
        except NetworkError:
            log.exception("failed")
        log.error("where", stack_info=True, extra={"unused": TOKEN})
    finally:
        log.removeHandler(handler)
    text = out.getvalue()
    assert SECRET not in text
    assert text.count(logs.HIDDEN) >= 4
    assert "https://api.telegram.org/bot[secret]/getMe" in text  # still says what happened
    assert logs.scrub(f"x {TOKEN} y") == f"x {logs.HIDDEN} y"


async def test_the_bot_at_debug_with_errors_logs_no_token(
    h: Harness, county: dict[str, int], staff: Person, caplog: pytest.LogCaptureFixture
) -> None:
    for name in LOUD:
        caplog.set_level(logging.DEBUG, logger=name or None)
    member = h.person("路人")
    await member.says("/help")
    h.emu.inject("getUpdates", error_code=502, description="Bad Gateway")  # logged by PTB
    await member.says("/start")
    await staff.says("/members")

    lines = [caplog.handler.format(r) for r in caplog.records]
    assert lines, "nothing was logged: the test would prove nothing"
    assert any("Calling Bot API endpoint" in line for line in lines), "no request logged"
    assert not [line for line in lines if SECRET in line]
    assert any("Bad Gateway" in line for line in lines)  # the error itself is told


async def test_zhibu_run_at_debug_prints_no_token(emu: Emulator, tmp_path: Path) -> None:
    secretary = emu.add_user("陈书记")
    await seed_east(tmp_path / "zhibu.sqlite3", secretary, [], lambda _: False)
    bot = BotProcess(emu, tmp_path / "zhibu.sqlite3", ZHIBU_LOG_LEVEL="DEBUG")
    await bot.start()
    try:
        emu.send_text(secretary, "/help")
        await until(
            emu, lambda: any("/invite" in t for t in emu.texts(secretary)), "the secretary's /help"
        )
        emu.inject("getUpdates", error_code=502, description="Bad Gateway")
        emu.send_text(secretary, "/members")
        await until(emu, lambda: len(emu.texts(secretary)) >= 2, "an answer after the 502")
    finally:
        await bot.stop()  # asserts the token is not on stderr
    text = bot.stderr[-1]
    assert "DEBUG" in text and logs.HIDDEN in text


async def test_the_demo_page_shows_no_token() -> None:
    demo = await start_demo(app, port=0, start=datetime.fromisoformat("2026-11-24T10:00:00+08:00"))
    try:
        async with aiohttp.ClientSession(demo.url) as http:
            seen = [await (await http.get(path)).text() for path in ("/", "/demo/state")]
            state = await (await http.get("/demo/state")).json()
            for persona in state["personas"]:
                await http.post(
                    "/demo/send",
                    json={"persona": persona["key"], "where": "private", "text": "/start"},
                )
            await demo.application.bot_data["services"].sender.wait_idle()
            for persona in state["personas"]:
                seen.append(await (await http.get(f"/demo/history?chat={persona['user']}")).text())
                seen.append(
                    await (await http.get(f"/demo/keyboard?persona={persona['key']}")).text()
                )
    finally:
        await demo.stop()
    assert len(seen) == 2 + 2 * len(state["personas"])
    secret = DEMO_TOKEN.partition(":")[2]
    assert not [body[:200] for body in seen if secret in body or DEMO_TOKEN in body]
