"""The outbox keeps what matters (README "Privacy"): delivered rows older than
``ZHIBU_KEEP_DELIVERED_DAYS`` go at the daily job, and what people and staff read of
them — a notice's and a material's receipts, the bulletin's figures, the audit — reads the
same after; a session's reminders are not sent again once their rows are gone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot import bulletins
from bot.clock import FrozenClock
from storage import audit
from storage import bulletins as figures_repo
from storage import materials as material_repo
from storage import notices as notice_repo
from tests.conftest import START
from tests.e2e.flows import (
    branch_group,
    make_secretary,
    on_roster_only,
    registered,
    schedule,
    township_notice_asked,
)
from tests.harness import Harness, Person
from tests.unit.test_cli import refused, zhibu


async def _rows(h: Harness, sql: str) -> list[tuple[object, ...]]:
    async with h.db.read() as c:
        return [tuple(row) for row in await c.execute_fetchall(sql)]


def _on(clock: FrozenClock, day: date, hour: int) -> None:
    clock.advance(datetime.combine(day, time(hour), tzinfo=clock.tz) - clock.now())


async def test_receipts_figures_and_audit_read_the_same_after_old_rows_are_pruned(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    secretary, reader, idle, south, _ = await township_notice_asked(h, county, staff)
    await staff.presses("✅ 发送给 5 人")
    await reader.presses("✅ 收到")
    await secretary.says("/push")
    await secretary.presses("👥 全体党员（5）")
    await secretary.says("学习材料")
    await secretary.says("正文")
    await secretary.presses("不设截止日期")
    await secretary.presses("✅ 发送给 3 人")
    await idle.presses("✅ 已学习")

    async def seen() -> dict[str, object]:
        """What staff and the secretary read, and what the figures and audit hold."""
        await staff.says("/notices")
        overview = staff.last()
        await staff.presses("👥 名单")
        names = staff.last()
        await secretary.says("/study")
        study = secretary.sees()[-1]
        async with h.db.read() as c:
            stats = await material_repo.stats(c, None)
            listed = await material_repo.recipients(c, stats[0].material.id, None)
            receipts = await notice_repo.recipients(c, 1, None)
            unacknowledged = await notice_repo.not_acknowledged(c, 1)
            figures = await figures_repo.notices(
                c, START - timedelta(days=1), START + timedelta(days=1)
            )
            trail = await audit.entries(c)
        bulletin = await bulletins.build(
            h.db, FrozenClock(START), county["county"], date(2026, 11, 1), date(2026, 12, 1), 3.0
        )
        return {
            "overview": overview,
            "names": names,
            "study": study,
            "stats": stats,
            "listed": listed,
            "receipts": receipts,
            "unacknowledged": unacknowledged,
            "figures": figures,
            "trail": trail,
            "bulletin": bulletin,
        }

    before = await seen()
    assert "已送达 4 · 已确认收到 1" in str(before["overview"])
    assert {(p.name, p.delivery) for p in before["receipts"]} >= {  # type: ignore[attr-defined]
        ("东岭乙", "delivered"),
        ("拉黑者", "unreachable"),
        ("陈建国", "no_telegram"),
    }
    sent = await _rows(h, "SELECT count(*) FROM outbox WHERE kind IN ('notice', 'material')")
    assert sent == [(8,)]

    _on(clock, date(2026, 12, 29), 10)  # 35 days kept (the default): the last of them
    await h.tick()
    assert (
        await _rows(h, "SELECT count(*) FROM outbox WHERE kind IN ('notice', 'material')") == sent
    )
    _on(clock, date(2026, 12, 30), 10)  # the first daily job after: they go
    waiting = await _rows(h, "SELECT count(*) FROM outbox WHERE state = 'queued'")
    await h.tick()
    assert await _rows(h, "SELECT count(*) FROM outbox WHERE kind IN ('notice', 'material')") == [
        (0,)
    ]
    assert await _rows(h, "SELECT count(*) FROM outbox WHERE state = 'queued'") == waiting
    assert await _rows(
        h, "SELECT delivery, count(*) FROM notice_recipients GROUP BY delivery ORDER BY delivery"
    ) == [(None, 2), ("sent", 4), ("unreachable", 1)]
    after = await seen()
    assert after == before
    # A member who acknowledges now is counted as before.
    await idle.presses("✅ 收到")
    async with h.db.read() as c:
        assert await notice_repo.not_acknowledged(c, 1) == [secretary.id, south.id]


async def test_a_sessions_pruned_reminders_are_not_sent_again(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    (member,) = await registered(h, county["east"], ["东岭甲"])
    await on_roster_only(h, county["east"], "老周")
    group = await branch_group(h, county["east"], "东岭村党支部", [secretary, member])
    await schedule(secretary, group, when="明天 19:30")
    for hour in (10, 19, 20, 22):  # the day before, the hour before, open, closed
        _on(clock, date(2026, 11, 25), hour)
        await h.tick()
    reminded = [t for t in member.sees() if "提醒" in t or "明天" in t or "19:30" in t]
    assert reminded
    kinds = await _rows(h, "SELECT kind FROM outbox WHERE kind LIKE 'meeting%' ORDER BY id")
    assert ("meeting_reminder",) in kinds and ("meeting_open",) in kinds

    _on(clock, date(2027, 1, 2), 10)
    await h.tick()
    assert await _rows(h, "SELECT kind FROM outbox WHERE kind LIKE 'meeting%'") == []
    for _ in range(2):  # later ticks, and a day later, queue nothing of the session again
        await h.tick()
        clock.advance(timedelta(days=1))
    await h.tick()
    assert await _rows(h, "SELECT kind FROM outbox WHERE kind LIKE 'meeting%'") == []
    assert [t for t in member.sees() if "提醒" in t or "明天" in t or "19:30" in t] == reminded


def test_a_bad_keep_delivered_days_is_named_in_one_line(tmp_path: Path) -> None:
    assert refused(zhibu("migrate", env={"ZHIBU_KEEP_DELIVERED_DAYS": "3"}, cwd=tmp_path)) == (
        "zhibu: invalid setting ZHIBU_KEEP_DELIVERED_DAYS: must be at least 7"
    )
    assert refused(
        zhibu("migrate", env={"ZHIBU_KEEP_DELIVERED_DAYS": "forever"}, cwd=tmp_path)
    ).startswith("zhibu: invalid setting ZHIBU_KEEP_DELIVERED_DAYS: ")
