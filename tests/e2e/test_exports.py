"""The spreadsheets the bot sends hold what people typed as text: a name that begins with
=, +, - or @ is never a formula that Excel or WPS would evaluate on opening."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import load_workbook

from bot import visits
from bot.clock import FrozenClock
from storage.models import NewVisit
from tests.e2e.flows import invite_code, join, make_leader, make_secretary
from tests.harness import Harness, Person

TYPED = ["=1+1", "+1", "-1", "@SUM(A1)"]
LEADER = '=HYPERLINK("http://a.example","x")'


def last_sheet(h: Harness, person: Person) -> Any:
    message = [m for m in h.emu.messages(person.user) if m.document][-1]
    return load_workbook(io.BytesIO(h.emu.files[message.document["file_id"]].data))  # type: ignore[index]


def cells(sheet: Any) -> dict[object, Any]:
    return {cell.value: cell for row in sheet.iter_rows() for cell in row}


async def test_typed_names_reach_the_spreadsheets_as_typed(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    for number, name in enumerate(TYPED):
        await join(h.person(f"申请人{number}"), code, name=name)
        await secretary.presses("✅ 批准")
    leader = await make_leader(h, county["west"], [county["east"]], name=LEADER)
    await visits.log(
        h.db,
        clock,
        NewVisit(
            leader_telegram_id=leader.id,
            branch_id=county["east"],
            day=date(2026, 3, 2),
            days=1.0,
            activity="research",
            record="=2+2",
        ),
    )

    await staff.says("/report")
    await staff.presses("📊 支部：会议、学习、心得、联系点、通知")
    await staff.presses("今年至今")
    await staff.presses("🏛 全县")
    members = cells(last_sheet(h, staff)["党员"])
    for name in TYPED:
        assert name in members, name
        assert members[name].data_type == "s", name

    await staff.says("/report")
    await staff.presses("📍 联系点工作")
    await staff.presses("上个半年（2026-01 – 2026-06）")
    leaders = cells(last_sheet(h, staff).worksheets[0])
    assert LEADER in leaders and leaders[LEADER].data_type == "s"
