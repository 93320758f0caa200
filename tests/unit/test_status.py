"""What `zhibu status` calls stuck, rule by rule: nothing moving, not much to do."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.clock import FrozenClock
from bot.config import Settings
from bot.i18n import translator
from bot.status import assess
from storage.models import Health

NOW = datetime.fromisoformat("2026-11-24T10:00:00+08:00")
SETTINGS = Settings(_env_file=None, tick_seconds=60, stuck_minutes=15)


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def health(**changed: Any) -> Health:
    fields: dict[str, Any] = {
        "queued": 0,
        "oldest_queued_at": None,
        "last_finished_at": ago(hours=2),
        "failed_rows": 0,
        "errors": 0,
        "last_update_at": ago(minutes=5),
        "unfinished_updates": 0,
        "oldest_unfinished_at": None,
        "last_tick_at": ago(seconds=30),
    }
    return Health(**{**fields, **changed})


def stuck(found: Health) -> list[str]:
    return assess(found, FrozenClock(NOW), SETTINGS, translator("en")).stuck


def test_a_quiet_bot_is_well() -> None:
    found = assess(health(), FrozenClock(NOW), SETTINGS, translator("en"))
    assert found.stuck == []
    assert found.lines == [
        "zhibu status at 2026-11-24 10:00:00",
        "Messages waiting to be sent: 0",
        "Last message sent: 2026-11-24 08:00:00 (2 h ago)",
        "Failed in the last 24 hours: 0 messages, 0 errors in the bot",
        "Last update handled: 2026-11-24 09:55:00 (5 min ago)",
        "Updates waiting to be handled: 0",
        "Last scheduler tick: 2026-11-24 09:59:30 (30 s ago)",
    ]


def test_a_scheduler_silent_for_three_ticks_is_stuck() -> None:
    assert stuck(health(last_tick_at=ago(minutes=2, seconds=59))) == []
    assert stuck(health(last_tick_at=ago(minutes=3, seconds=1))) == [
        "the scheduler last ticked 3 min ago: the bot is not running, or hung"
    ]
    assert stuck(health(last_tick_at=None)) == [
        "the scheduler has never ticked: is the bot running?"
    ]


def test_an_outbox_that_does_not_move_is_stuck_and_a_long_push_is_not() -> None:
    waiting = {"queued": 20_000, "oldest_queued_at": ago(minutes=40)}
    assert stuck(health(**waiting, last_finished_at=ago(seconds=1))) == []  # sending
    assert stuck(health(**waiting, last_finished_at=ago(minutes=16))) == [
        "20000 message(s) waiting, none sent for 15 minutes"
    ]
    assert stuck(health(**waiting, last_finished_at=None)) != []
    assert stuck(health(queued=3, oldest_queued_at=ago(minutes=14), last_finished_at=None)) == []


def test_an_update_waiting_too_long_is_stuck() -> None:
    assert stuck(health(unfinished_updates=2, oldest_unfinished_at=ago(minutes=1))) == []
    assert stuck(health(unfinished_updates=2, oldest_unfinished_at=ago(minutes=16))) == [
        "an update has waited more than 15 minutes to be handled"
    ]


def test_the_figures_are_said_in_chinese_too() -> None:
    found = assess(
        health(queued=2, oldest_queued_at=ago(minutes=3)),
        FrozenClock(NOW),
        SETTINGS,
        translator("zh"),
    )
    assert found.lines[1] == "待发送消息：2 条，最早的自 2026-11-24 09:57:00（3 分钟前）起等待"
