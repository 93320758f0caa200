"""Operators hear of trouble: errors in handlers and in the sender are logged with their
update's id and kind and reach staff who opened the bot as one outbox message at most every
ZHIBU_ERROR_REPORT_MINUTES, with a count — a storm of errors is one message, then one
summary."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot import organisation
from bot.clock import FrozenClock
from bot.delivery import Outgoing
from storage import outbox as outbox_repo
from storage.db import Database
from storage.models import OutboxKind, OutboxRow
from tests.conftest import TOKEN
from tests.harness import Harness, Person

BROKEN_HTML = 'Bad Request: can\'t parse entities: unsupported start tag "x" at byte offset 0'


async def trouble_rows(h: Harness) -> list[tuple[int, str]]:
    async with h.db.read() as c:
        rows = await c.execute_fetchall(
            "SELECT chat_id, state FROM outbox WHERE kind = 'trouble' ORDER BY id"
        )
    return [(row[0], row[1]) for row in rows]


async def faults(h: Harness) -> tuple[int, int]:
    """(errors stored, of them reported)."""
    async with h.db.read() as c:
        rows = list(await c.execute_fetchall("SELECT count(*), count(reported_at) FROM faults"))
    return int(rows[0][0]), int(rows[0][1])


async def unsettled(h: Harness) -> list[BaseException]:
    """Settle while handlers fail on purpose; return (and clear) what they raised."""
    with pytest.raises(AssertionError, match="the bot raised"):
        await h.settle()
    raised, h.errors[:] = list(h.errors), []
    return raised


async def test_a_hundred_errors_in_a_minute_are_one_message_then_one_summary(
    h: Harness, staff: Person, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    await staff.says("/help")  # staff who opened the bot hear of trouble …
    absent = h.emu.add_user("未打开的工作人员")
    await organisation.add_staff(h.db, clock, absent.id)  # … staff who did not, cannot
    member = h.person("赵六")
    seen = len(staff.sees())
    # Every reply to this person is refused (a handler bug, as Telegram would see it), and
    # so is the apology after it.
    h.emu.inject(
        "sendMessage", error_code=400, description=BROKEN_HTML, times=200, chat_id=member.id
    )
    for _ in range(100):
        h.emu.send_text(member.user, "/help")
    raised = await unsettled(h)

    assert len(raised) == 100
    reports = staff.sees()[seen:]
    assert len(reports) == 1
    assert reports[0].startswith("⚠️ 机器人出错：自 11-24 10:00 以来共 1 次。")
    assert "处理 /help 时" in reports[0] and "BadRequest: Can't parse entities" in reports[0]
    assert TOKEN not in reports[0]
    assert await trouble_rows(h) == [(staff.id, "sent")]
    assert await faults(h) == (100, 1)
    logged = [r for r in caplog.records if r.getMessage().startswith("error while handling")]
    assert len(logged) == 100 and all("(message /help)" in r.getMessage() for r in logged)
    assert member.sees() == []

    clock.advance(timedelta(minutes=9))
    await h.tick()
    assert len(staff.sees()) == seen + 1  # the interval is not over
    clock.advance(timedelta(minutes=1))
    await h.tick()
    summary = staff.sees()[seen + 1 :]
    assert len(summary) == 1
    assert summary[0].startswith("⚠️ 机器人出错：自 11-24 10:00 以来共 99 次。")
    assert await faults(h) == (100, 100)
    clock.advance(timedelta(minutes=30))
    await h.tick()
    assert len(staff.sees()) == seen + 2  # nothing new, nothing said
    assert await trouble_rows(h) == [(staff.id, "sent"), (staff.id, "sent")]


async def test_an_internal_error_in_the_sender_is_reported(
    h: Harness, staff: Person, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(db: Database, clock: FrozenClock, row: OutboxRow) -> Outgoing:
        raise KeyError("title")

    sender = h.services.sender
    assert sender is not None
    monkeypatch.setattr(sender, "renderers", {**sender.renderers, OutboxKind.NOTICE: broken})
    await staff.says("/lang")
    await staff.presses("English")
    member = h.person("钱七")
    await member.says("/help")
    async with h.db.tx() as c:
        await outbox_repo.enqueue(
            c,
            [outbox_repo.Envelope(f"broken:{n}", member.id, OutboxKind.NOTICE) for n in range(5)],
            clock.now(),
        )
    seen = len(staff.sees())
    await h.settle()
    async with h.db.read() as c:
        assert (await outbox_repo.counts(c)).get("failed") == 5
    reports = staff.sees()[seen:]
    assert reports == [
        "⚠️ Errors in the bot: 1 since 11-24 10:00.\nThe latest, at 11-24 "
        "10:00, while sending a message (notice):\nKeyError: 'title'\nThe bot's "
        "log has the details."
    ]
    assert await faults(h) == (5, 1)
    clock.advance(timedelta(minutes=10))
    await h.tick()
    assert staff.last().startswith("⚠️ Errors in the bot: 4 since 11-24 10:00.")


async def test_nobody_to_tell_keeps_the_count_for_later(
    h: Harness, staff: Person, clock: FrozenClock
) -> None:
    member = h.person("孙八")
    h.emu.inject("sendMessage", error_code=400, description=BROKEN_HTML, times=4, chat_id=member.id)
    h.emu.send_text(member.user, "/help")
    h.emu.send_text(member.user, "/help")
    assert len(await unsettled(h)) == 2
    assert await trouble_rows(h) == [] and await faults(h) == (2, 0)
    await staff.says("/help")  # staff open the bot
    await h.tick()
    assert staff.last().startswith("⚠️ 机器人出错：自 11-24 10:00 以来共 2 次。")


def test_the_summary_never_carries_the_token() -> None:
    from bot import logs
    from bot.trouble import summarise

    logs.hide(TOKEN)  # as building the bot does
    error = RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed\nline 2")
    assert summarise(error) == (
        "RuntimeError: POST https://api.telegram.org/bot[secret]/sendMessage failed"
    )
    other = "987654321:AAH" + "x" * 32  # any token, even one this bot does not know
    assert other not in summarise(ValueError(f"token {other} leaked"))


@pytest.fixture(autouse=True)
def _errors_are_expected_here(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="handlers.common")


async def test_a_failing_round_of_the_sender_is_reported(
    h: Harness, staff: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    await staff.says("/help")
    seen = len(staff.sees())
    due = outbox_repo.due
    failures = [RuntimeError("disk I/O error")]

    async def flaky(*args: object, **kwargs: object) -> list[OutboxRow]:
        if failures:
            raise failures.pop()
        return await due(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(outbox_repo, "due", flaky)
    h.services.poke_outbox()
    async with asyncio.timeout(10):  # the sender tries again a second after a failed round
        await h.emu.until(lambda: len(staff.sees()) > seen)
    assert staff.sees()[seen:] == [
        "⚠️ 机器人出错：自 11-24 10:00 以来共 1 次。\n最近一次在 11-24 10:00，在消息发送队列中：\n"
        "RuntimeError: disk I/O error\n详情见机器人日志。"
    ]


async def test_a_hiccup_on_the_way_to_telegram_is_no_error_in_the_bot(
    h: Harness, staff: Person, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Polling that meets a 502 or a timeout tries again by itself: staff are not told of
    an "error in the bot" every few minutes on a flaky line, and the log says it once a
    time, in a line, without a traceback."""
    caplog.set_level(logging.WARNING, logger="handlers.common")
    await staff.says("/help")

    def polls() -> int:
        return sum(name == "getUpdates" for name, _ in h.emu.calls)

    before = polls()
    h.emu.inject("getUpdates", error_code=502, description="Bad Gateway", times=3)
    async with asyncio.timeout(30):  # three refused, then one through (PTB waits between)
        await h.emu.until(lambda: polls() >= before + 5)
    await staff.says("/help")
    clock.advance(timedelta(minutes=30))
    await h.tick()
    assert await faults(h) == (0, 0) and await trouble_rows(h) == []
    hiccups = [r for r in caplog.records if "Telegram could not be reached" in r.getMessage()]
    assert len(hiccups) == 3 and all(
        r.levelno == logging.WARNING and r.exc_info is None for r in hiccups
    )


async def test_an_error_in_a_scheduled_job_is_reported_as_the_schedulers(
    h: Harness, staff: Person
) -> None:
    await staff.says("/help")

    handled = asyncio.Event()

    async def failing(_: object) -> None:
        raise RuntimeError("the tick tripped")

    async def after_the_bots_handler(_: object, __: object) -> None:
        handled.set()

    assert h.app is not None and h.app.job_queue is not None
    h.app.add_error_handler(after_the_bots_handler)
    h.app.job_queue.run_once(failing, 0)
    async with asyncio.timeout(10):
        await handled.wait()  # the job runs on the job queue's own clock
    assert [str(e) for e in await unsettled(h)] == ["the tick tripped"]
    await h.settle()
    assert await faults(h) == (1, 1)
    assert "在定时任务中" in staff.last() and "the tick tripped" in staff.last()
