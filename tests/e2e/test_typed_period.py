"""A bulletin for dates typed by hand (/report, "Other dates…"): a period refused is said
in the person's language and the dates may be typed again; a good one sends the
bulletin and ends the form."""

from __future__ import annotations

from tests.harness import Harness, Person


async def test_staff_type_the_dates_of_a_visits_bulletin(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    await staff.says("/report")
    await staff.presses("📍 联系点工作")
    await staff.presses("其他日期……")
    assert staff.last() == "请输入开始和结束日期，例如 2026-01-01 2026-06-30。"
    await staff.says("2026-03-01 2026-01-01")
    assert staff.last() == "结束日期早于开始日期。"
    await staff.says("2026年1月")
    assert staff.last() == "请输入开始和结束日期，例如 2026-01-01 2026-06-30。"
    await staff.says("2026-01-01 至 2026-06-30")
    bulletin, sheet = staff.sees()[-2:]
    assert bulletin.startswith("📊 联系点工作通报，2026-01 – 2026-06\n")
    assert sheet == "📎 通报表格（含每条走访记录）"
    sent = len(staff.sees())
    await staff.says("2026-01-01 2026-06-30")  # the form has ended: nothing reads it now
    assert staff.sees()[sent:] == ["我没看明白。发送 /help 查看我能做什么。"]
