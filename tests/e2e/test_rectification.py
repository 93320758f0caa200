"""The rectification ledger (整改台账, 挂牌销号): a problem found on a visit becomes an item
with its person responsible and deadline; they are reminded a week before and on the eve
(each once), report progress, ask to cross it off with a photo, and township staff
confirm — only then is it crossed off. Another item, entered by township staff, goes past
its deadline: one overdue message, then it shows in the monthly bulletin and the
township's list, not in more messages. Township staff cannot decide another township's
items; the whole ledger, with its history, reads back from the spreadsheet."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot import rectification
from bot.callbacks import RectifyPress
from bot.clock import FrozenClock
from bot.markup import MESSAGE_LIMIT, length
from storage import org as org_repo
from storage import rectifications as repo
from storage import visits as visit_repo
from storage.models import NewRectification, Rectification
from tests import sheets
from tests.e2e.flows import log_visit, make_leader, make_secretary, registered, snapshot
from tests.harness import Harness, Person

NOT_YOURS = "这不在您的管理范围内。"


def at(moment: str) -> datetime:
    return datetime.fromisoformat(f"{moment}+08:00")


async def township_staff(h: Harness, township: int, name: str, branch: int) -> Person:
    (person,) = await registered(h, branch, [name])
    async with h.db.tx() as c:
        await org_repo.grant(c, person.id, "township", township, None, h.clock.now())
    return person


async def outbox_size(h: Harness) -> int:
    async with h.db.read() as c:
        rows = await c.execute_fetchall("SELECT count(*) FROM outbox")
    return int(next(iter(rows))[0])


async def evening(h: Harness, clock: FrozenClock, day: str) -> None:
    """The evening tick of that day, then a second one that must add nothing."""
    clock.set(at(f"{day}T20:00:00"))
    await h.tick()
    queued = await outbox_size(h)
    clock.set(at(f"{day}T20:30:00"))
    await h.tick()
    assert await rectification.queue_reminders(h.db, clock, h.settings.study_reminder_time) == 0
    assert await outbox_size(h) == queued


async def item(h: Harness, item_id: int) -> Rectification:
    async with h.db.read() as c:
        found = await repo.get(c, item_id)
    assert found is not None
    return found


async def test_an_item_from_a_visit_is_reminded_reported_and_crossed_off(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    await staff.says("/help")  # the bot may write to staff who opened it
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    leader = await make_leader(h, county["east"], [county["south"]])
    officer = await township_staff(h, county["dongling"], "镇委员", county["east"])
    other = await township_staff(h, county["xihe"], "西河乡委员", county["west"])

    # A problem found on a visit; the leader who logged it puts it on the ledger.
    await log_visit(leader, problem="水渠年久失修")
    await leader.says("/visits")
    listed = h.emu.last(leader.user)
    await leader.presses("📌 整改：11-24")
    assert leader.last() == "问题：水渠年久失修\n📌 新增整改事项。由谁负责？"
    assert [label for row in h.emu.last(leader.user).buttons for label, _ in row] == [
        "南坡书记 · 支部书记",
        "县领导 · 联系领导",
    ]
    await leader.presses("南坡书记 · 支部书记")
    await leader.presses("✔️ 按原问题：水渠年久失修")
    await leader.says("年底前修好水渠，保障春灌。")
    assert leader.last() == "整改时限？请按按钮或输入日期（例如 2027-03-31）。"
    await leader.says("12-05")
    assert leader.last() == (
        "请核对：\n支部：南坡村党支部\n整改项目：水渠年久失修\n"
        "整改目标及承诺：年底前修好水渠，保障春灌。\n责任人：南坡书记\n整改时限：2026-12-05\n"
        "将通知责任人，并附报告进展和申请销号的按钮。"
    )
    await leader.presses("✅ 保存")
    assert leader.last() == "已列入整改台账，并已通知 南坡书记；可用 /rectify 查看。"
    assert secretary.last() == (
        "您是以下整改事项的责任人（整改台账）：\n📌 水渠年久失修\n"
        "支部：南坡村党支部（东岭镇）\n整改目标及承诺：年底前修好水渠，保障春灌。\n"
        "责任人：南坡书记\n整改时限：2026-12-05（还剩 11 天）\n状态：整改中 · 来源：联系点走访\n"
        "请随时报告进展；整改完成后，附佐证材料（文字、照片、语音）申请销号。"
    )
    water = await item(h, 1)
    assert (water.source, water.source_id, water.branch_id) == ("visit", 1, county["south"])
    assert (water.responsible, water.raised_by, water.state) == (secretary.id, leader.id, "open")
    await secretary.says("/todo")  # their list names it too
    assert "📌 由您负责的整改事项（1）\n• 水渠年久失修 — 时限 2026-12-05（还剩 11 天）" in (
        secretary.last()
    )
    # The same problem once only (pressed again from the list that offered it).
    clock.advance(timedelta(minutes=5))  # not a double press
    await leader.presses("📌 整改：11-24", message=listed)
    assert leader.answers()[-1] == "该问题已列入整改台账。"

    # Township staff enter another item by hand, for south.
    await officer.says("/rectify")
    assert officer.last().startswith(
        "📌 整改台账：未销号 1 项（逾期 0 项）\n\n东岭镇\n南坡村党支部:"
    )
    await officer.presses("➕ 新增事项")
    await officer.presses("南坡村党支部")
    await officer.presses("南坡书记 · 支部书记")
    await officer.says("村道照明不足")
    await officer.says("安装路灯六盏。")
    await officer.says("11-27")
    await officer.presses("✅ 保存")
    lights = await item(h, 2)
    assert (lights.source, lights.raised_by, lights.deadline) == (
        "staff",
        officer.id,
        date(2026, 11, 27),
    )

    # The evenings: each item reminded a week before and on the eve, once each; the one
    # past its deadline once more the day after, then never again.
    # Lights was raised 3 days before its deadline: being told counts as its week's
    # reminder, so that evening is quiet.
    assert (await item(h, 2)).reminded == "week"
    seen = len(secretary.sees())
    await evening(h, clock, "2026-11-24")
    await evening(h, clock, "2026-11-25")
    assert secretary.sees()[seen:] == []
    await evening(h, clock, "2026-11-26")  # lights: the eve
    assert secretary.sees()[seen:] == [
        "⏰ 整改事项临近时限\n• 村道照明不足（南坡村党支部）— 时限 2026-11-27，还剩 1 天\n"
        "请点击事项报告进展或申请销号。"
    ]
    await evening(h, clock, "2026-11-27")
    await evening(h, clock, "2026-11-28")  # water: a week before; lights: overdue
    await evening(h, clock, "2026-11-29")
    reminders = secretary.sees()[seen:]
    assert len(reminders) == 2
    assert reminders[1] == (
        "⏰ 整改事项临近时限\n• 村道照明不足（南坡村党支部）— 时限 2026-11-27，已逾期 1 天\n"
        "• 水渠年久失修（南坡村党支部）— 时限 2026-12-05，还剩 7 天\n"
        "已超过整改时限：这是最后一次提醒。请报告进展或申请销号；乡镇党委会看到该事项已逾期。"
    )
    assert ((await item(h, 1)).reminded, (await item(h, 2)).reminded) == ("week", "overdue")

    # The monthly bulletin, county's and township's: the ledger's section.
    clock.set(at("2026-12-01T09:00:00"))
    await h.tick()
    section = (
        "整改台账\n未销号 2 项，其中已超过时限 1 项；本期销号 0 项。\n已超过时限：\n"
        "• 东岭镇 南坡村党支部：村道照明不足 — 南坡书记，时限 2026-11-27"
    )
    county_bulletin = next(t for t in staff.sees() if t.startswith("📊 工作通报：青山县，2026-11"))
    township_bulletin = next(
        t for t in officer.sees() if t.startswith("📊 工作通报：东岭镇，2026-11")
    )
    assert section in county_bulletin and section in township_bulletin
    # And the township's list.
    await officer.says("/rectify")
    assert officer.last() == (
        "📌 整改台账：未销号 2 项（逾期 1 项）\n\n东岭镇\n南坡村党支部:\n"
        "1. 村道照明不足 — 南坡书记，时限 2026-11-27（已逾期 4 天）\n"
        "2. 水渠年久失修 — 南坡书记，时限 2026-12-05（还剩 4 天）"
    )

    # Progress, from the reminder's button.
    await secretary.presses("水渠年久失修")
    await secretary.presses("📝 报告进展")
    await secretary.says("已采购水泥，正在施工。")
    assert secretary.last() == "已记入该事项的办理经过，谢谢。"
    await evening(h, clock, "2026-12-04")  # water: the eve
    assert "水渠年久失修（南坡村党支部）— 时限 2026-12-05，还剩 1 天" in secretary.last()

    # Asking to cross it off, with a photo and a line.
    await secretary.says("/rectify")
    await secretary.presses("2. 水渠年久失修")
    await secretary.presses("✅ 申请销号")
    await secretary.presses("✅ 提交销号申请")
    assert secretary.last() == "请先发送佐证材料：文字、照片、语音或文件。"
    h.emu.send_photo(secretary.user, b"\x89PNG the new channel")
    await h.settle()
    assert secretary.last() == "已添加。可以继续发送，或按按钮提交销号申请。"
    await secretary.says("水渠已修好，可以通水。")
    await secretary.presses("✅ 提交销号申请")
    assert secretary.last() == "已提交：由乡镇党委审核销号，结果会通知您。"
    assert (await item(h, 1)).state == "asked"
    evidence, check = h.emu.messages(officer.user)[-2:]
    assert evidence.caption == "📎 佐证材料：水渠年久失修" and evidence.media.get("photo")
    assert check.text is not None and check.text.startswith(
        "📌 南坡书记 申请整改事项销号：\n📌 水渠年久失修"
    )
    assert "佐证说明：水渠已修好，可以通水。\n佐证文件：见上面的消息。" in check.text
    assert not any("申请整改事项销号" in t for t in staff.sees())  # the township has staff

    # Another township's staff press the forged button: refused, nothing changed.
    ok = RectifyPress("ok", 1).pack()
    before = snapshot(h)
    h.emu.press_data(other.user, h.emu.messages(other.user)[-1], ok)
    await h.settle()
    assert other.answers()[-1] == NOT_YOURS
    assert snapshot(h) == before
    await other.says("/rectify")
    assert other.last().startswith("📌 整改台账：未销号 0 项")

    # The township confirms: crossed off, the person told.
    await officer.presses("✅ 确认销号", message=check)
    assert officer.answers()[-1] == "✅ 已销号。"
    water = await item(h, 1)
    assert (water.state, water.closed_by) == ("closed", officer.id)
    assert water.closed_at is not None and water.closed_at.astimezone(clock.tz).date() == date(
        2026, 12, 4
    )
    assert secretary.last().startswith("✅ 已销号，谢谢。\n📌 水渠年久失修")
    assert check.buttons == []  # taken away; pressed again from an old copy: nothing more
    h.emu.press_data(officer.user, check, ok)
    await h.settle()
    assert officer.answers()[-1] == "该事项没有待审核的销号申请，或已处理。"

    # The other is sent back, with a reason the person reads.
    await secretary.says("/rectify")
    await secretary.presses("1. 村道照明不足")
    await secretary.presses("✅ 申请销号")
    await secretary.says("路灯已装好四盏。")
    await secretary.presses("✅ 提交销号申请")
    await officer.presses("↩️ 退回")
    await officer.says("还差两盏，装齐后再申请。")
    assert officer.last() == "已退回并附上原因，已通知责任人。"
    assert (await item(h, 2)).state == "open"
    assert secretary.last().startswith("↩️ 暂不销号：还差两盏，装齐后再申请。\n📌 村道照明不足")

    # Township staff move its deadline: the person told, the reminders counted again.
    await officer.says("/rectify")
    await officer.presses("1. 村道照明不足")
    await officer.presses("🗓 调整时限")
    await officer.says("12-20")
    assert officer.last() == "整改时限已调整为 2026-12-20，已通知责任人。"
    assert secretary.last().startswith("🗓 整改时限已调整：2026-11-27 → 2026-12-20\n📌 村道照明不足")
    lights = await item(h, 2)
    assert (lights.deadline, lights.reminded) == (date(2026, 12, 20), None)
    await evening(h, clock, "2026-12-13")
    assert "村道照明不足（南坡村党支部）— 时限 2026-12-20，还剩 7 天" in secretary.last()

    # The ledger with its history, as a spreadsheet.
    await officer.says("/rectify")
    await officer.presses("📎 导出表格")
    sheet = h.emu.last(officer.user)
    assert sheet.document is not None
    book = sheets.book(h.emu.files[sheet.document["file_id"]].data)
    assert book.sheetnames == ["整改事项", "办理经过"]
    assert sheets.heading(book["整改事项"]) == (
        "序号",
        "乡镇",
        "支部",
        "来源",
        "整改项目",
        "整改目标及承诺",
        "责任人",
        "整改时限",
        "状态",
        "销号日期",
        "逾期天数",
    )
    rows = sheets.rows(book["整改事项"])
    assert [row[:5] for row in rows] == [
        (1, "东岭镇", "南坡村党支部", "联系点走访", "水渠年久失修"),
        (2, "东岭镇", "南坡村党支部", "工作人员录入", "村道照明不足"),
    ]
    assert [row[7:] for row in rows] == [
        (datetime(2026, 12, 5), "已销号", datetime(2026, 12, 4), 0),
        (datetime(2026, 12, 20), "整改中", None, 0),
    ]
    history = sheets.rows(book["办理经过"])
    assert [(row[0], row[3], row[4], row[6]) for row in history] == [
        (1, "县领导", "列入台账", None),
        (1, "南坡书记", "报告进展", None),
        (1, "南坡书记", "申请销号", "照片"),
        (1, "镇委员", "审核销号", None),
        (2, "镇委员", "列入台账", None),
        (2, "南坡书记", "申请销号", None),
        (2, "镇委员", "退回", None),
        (2, "镇委员", "调整时限", None),
    ]
    assert history[7][5] == "2026-11-27 → 2026-12-20"
    assert history[2][5] == "水渠已修好，可以通水。"
    assert history[6][5] == "还差两盏，装齐后再申请。"


async def test_a_branch_not_rated_good_in_the_yearly_review_becomes_an_item(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    secretary = await make_secretary(h, county["east"], name="东岭书记")
    async with h.db.tx() as c:  # ten branches to compare, for the review's draft
        for number in "一二三四五六七":
            await org_repo.add_unit(
                c, "branch", f"西河{number}村党支部", county["xihe"], clock.now()
            )
    await staff.says("/report")
    await staff.presses("🗂 年度评定（五个好）")
    await staff.presses("2025")
    await staff.presses("🏛 全县")
    await staff.presses("📝 东岭村党支部")
    assert "📌 列入整改" not in [
        label for row in h.emu.last(staff.user).buttons for label, _ in row
    ]  # nothing said against it yet
    await staff.presses("1. ❔")
    await staff.presses("1. ✅")  # a good leadership team: no
    await staff.presses("📌 列入整改")
    assert staff.last() == "📌 新增整改事项。由谁负责？"
    await staff.presses("东岭书记 · 支部书记")
    await staff.says("加强班子建设")
    await staff.says("开展谈心谈话，健全议事规则。")
    await staff.presses("3 个月后：2027-02-24")
    await staff.presses("✅ 保存")
    assert staff.last() == "已列入整改台账，并已通知 东岭书记；可用 /rectify 查看。"
    assert secretary.last().startswith("您是以下整改事项的责任人（整改台账）：\n📌 加强班子建设")
    found = await item(h, 1)
    assert (found.source, found.branch_id, found.deadline) == (
        "review",
        county["east"],
        date(2027, 2, 24),
    )
    clock.advance(timedelta(minutes=5))
    await staff.presses("📌 列入整改")  # once only
    assert staff.answers()[-1] == "该问题已列入整改台账。"
    async with h.db.read() as c:
        assert len(await repo.ledger(c, None)) == 1
    # 东岭镇 has no township staff here: county staff are asked to cross it off.
    await secretary.presses("✅ 申请销号")
    await secretary.says("已开展谈心谈话十二人次。")
    await secretary.presses("✅ 提交销号申请")
    assert staff.last().startswith("📌 东岭书记 申请整改事项销号：\n📌 加强班子建设")
    await staff.presses("✅ 确认销号")
    assert (await item(h, 1)).state == "closed"


async def test_forged_answers_in_the_forms_are_refused_and_store_nothing(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    """A person responsible that the buttons did not offer, a deadline past or forged, and
    a request to cross off without evidence: the same polite answers, nothing stored."""
    await make_secretary(h, county["south"], name="南坡书记")
    (outsider,) = await registered(h, county["west"], ["西河党员"])
    await staff.says("/rectify")
    await staff.presses("➕ 新增事项")
    await staff.presses("东岭镇")
    await staff.presses("南坡村党支部")
    question = h.emu.last(staff.user)
    before = snapshot(h)
    for forged in (str(outsider.id), str(10**30), "x"):
        h.emu.press_data(staff.user, question, f"dlg:rectify:who:{forged}")
        await h.settle()
        assert staff.last() == "请用按钮选择。"
    assert snapshot(h) == before
    await staff.presses("南坡书记 · 支部书记")
    await staff.says("项目" * 60)
    assert staff.last() == "共 120 个字，整改项目请控制在 100 字以内。"
    await staff.says("修村道")
    await staff.says("年底前完成。")
    deadline = h.emu.last(staff.user)
    for typed, answer in (
        ("2026-11-24", "整改时限须晚于今天，请输入更晚的日期。"),
        ("2030-01-01", "该日期在三年以后，请输入更近的日期。"),
        ("下个月", "请按日期格式输入整改时限，例如 2026-12-24。"),
    ):
        await staff.says(typed)
        assert staff.last() == answer
    h.emu.press_data(staff.user, deadline, "dlg:rectify:deadline:m99")
    await h.settle()
    assert staff.last() == "请按日期格式输入整改时限，例如 2026-12-24。"
    async with h.db.read() as c:
        assert await repo.ledger(c, None) == []


# --- after review (#14) ---------------------------------------------------------------------


async def staff_raise(
    officer: Person, branch: str, who: str, project: str, deadline: str = "12-20"
) -> None:
    """Staff raise an item by hand (county staff pick the township first)."""
    await officer.says("/rectify")
    await officer.presses("➕ 新增事项")
    if "东岭镇" in [label for row in officer.h.emu.last(officer.user).buttons for label, _ in row]:
        await officer.presses("东岭镇")
    await officer.presses(branch)
    await officer.presses(who)
    await officer.says(project)
    await officer.says("按期完成。")
    await officer.says(deadline)
    await officer.presses("✅ 保存")
    assert officer.last().startswith("已列入整改台账")


async def ask_to_cross_off(person: Person, number: str, text: str) -> None:
    await person.says("/rectify")
    await person.presses(number)
    await person.presses("✅ 申请销号")
    await person.says(text)
    await person.presses("✅ 提交销号申请")
    assert person.last() == "已提交：由乡镇党委审核销号，结果会通知您。"


OWN = "您是该事项的责任人：销号、退回和调整时限由其他人决定。"


async def test_the_person_responsible_never_crosses_off_their_own_item(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    """A branch secretary who is township staff too asks to cross off: the request goes to
    the township's other staff, and pressed from any copy or card, theirs is refused."""
    await staff.says("/help")
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    async with h.db.tx() as c:
        await org_repo.grant(c, secretary.id, "township", county["dongling"], None, clock.now())
    officer = await township_staff(h, county["dongling"], "镇委员", county["east"])
    await staff_raise(officer, "南坡村党支部", "南坡书记 · 支部书记", "村道照明不足")
    await ask_to_cross_off(secretary, "1. 村道照明不足", "路灯已装好。")
    assert not any("申请整改事项销号" in t for t in secretary.sees())
    assert officer.last().startswith("📌 南坡书记 申请整改事项销号")
    # Their card offers no decision; forged presses are answered, and change nothing.
    await secretary.says("/rectify")
    await secretary.presses("1. 村道照明不足")
    labels = [label for row in h.emu.last(secretary.user).buttons for label, _ in row]
    assert "✅ 确认销号" not in labels and "↩️ 退回" not in labels
    before = snapshot(h)
    for action in ("ok", "back", "due"):
        h.emu.press_data(secretary.user, h.emu.last(secretary.user), RectifyPress(action, 1).pack())
        await h.settle()
        assert secretary.answers()[-1] == OWN
    assert snapshot(h) == before
    assert (await item(h, 1)).state == "asked"
    await officer.presses("✅ 确认销号")
    assert (await item(h, 1)).closed_by == officer.id

    # The only township staff is the person responsible: county staff are asked instead.
    async with h.db.tx() as c:
        await org_repo.revoke(c, officer.id, "township", county["dongling"])
    await staff_raise(staff, "南坡村党支部", "南坡书记 · 支部书记", "水渠年久失修")
    await ask_to_cross_off(secretary, "1. 水渠年久失修", "水渠已修好。")
    assert staff.last().startswith("📌 南坡书记 申请整改事项销号：\n📌 水渠年久失修")
    assert not any("水渠年久失修" in t and "申请整改事项销号" in t for t in secretary.sees())


async def test_a_request_to_cross_off_waiting_for_township_staff_survives_a_restart(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    """Township staff are not the county's staff: a restart keeps what waits for them."""
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    officer = await township_staff(h, county["dongling"], "镇委员", county["east"])
    await staff_raise(officer, "南坡村党支部", "南坡书记 · 支部书记", "村道照明不足")
    seen = len(officer.sees())
    sender = h.services.sender
    assert sender is not None
    h.services.sender = None  # the process dies before the request goes out
    await sender.stop()
    await sender.bot.shutdown()
    await secretary.says("/rectify")
    await secretary.presses("1. 村道照明不足")
    await secretary.presses("✅ 申请销号")
    await secretary.says("路灯已装好。")
    await secretary.presses("✅ 提交销号申请")
    assert len(officer.sees()) == seen
    await h.restart()
    await h.settle()
    assert officer.last().startswith("📌 南坡书记 申请整改事项销号：\n📌 村道照明不足")
    await officer.presses("✅ 确认销号")
    assert (await item(h, 1)).state == "closed"


async def test_forty_items_due_the_same_evening_make_one_message_that_fits(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    """The evening reminder names a few items with a button each, and counts the rest."""
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    async with h.db.tx() as c:  # set up (not under test): forty items, told long ago
        for number in range(1, 41):
            await repo.add(
                c,
                NewRectification(
                    branch_id=county["south"],
                    source="staff",
                    project=f"第{number}项：村级活动场所设施维修改造及环境整治提升工程"
                    + "，"
                    + "完善" * 25,
                    goal="按期完成。",
                    responsible=secretary.id,
                    responsible_name="南坡书记",
                    deadline=date(2026, 12, 20),
                    raised_by=staff.id,
                ),
                clock.now(),
            )
    await h.settle()
    seen = len(secretary.sees())
    await evening(h, clock, "2026-12-13")  # a week before: all forty due a word
    (reminder,) = h.emu.messages(secretary.user)[seen:]
    assert reminder.text is not None and length(reminder.text) < MESSAGE_LIMIT
    lines = reminder.text.split("\n")
    assert lines[0] == "⏰ 整改事项临近时限"
    assert lines[1].startswith("• 第1项：村级活动场所设施维修改造及环境整治提升工程，完善")
    assert lines[1].endswith("（南坡村党支部）— 时限 2026-12-20，还剩 7 天")
    assert len([line for line in lines if line.startswith("• ")]) == rectification.REMIND_SHOWN
    assert "……另有 32 项，发送 /rectify 查看" in lines
    labels = [label for row in reminder.buttons for label, _ in row]
    assert len(labels) == rectification.REMIND_SHOWN and labels[0].startswith("第1项")
    async with h.db.read() as c:  # every one stamped: named tonight, or counted
        assert {i.reminded for i in await repo.ledger(c, None)} == {"week"}


def labels_of(h: Harness, person: Person) -> list[str]:
    return [label for row in h.emu.last(person.user).buttons for label, _ in row]


async def test_a_visits_problem_and_its_item_say_the_same(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """On the ledger, a visit's problem is shown with its item in /visits (no second way
    to solve it); crossed off, it is solved — the local day, by whoever confirmed; and a
    problem solved by hand is not put on the ledger from an old button."""
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    leader = await make_leader(h, county["east"], [county["south"]])
    officer = await township_staff(h, county["dongling"], "镇委员", county["east"])
    await log_visit(leader, problem="水渠年久失修")
    await leader.says("/visits")
    before = h.emu.last(leader.user)
    await leader.presses("📌 整改：11-24")
    await leader.presses("南坡书记 · 支部书记")
    await leader.presses("✔️ 按原问题：水渠年久失修")
    await leader.says("年底前修好水渠。")
    await leader.says("12-05")
    await leader.presses("✅ 保存")

    await leader.says("/visits")
    assert "  📌 已列入整改台账：整改中，时限 2026-12-05（还剩 11 天）" in leader.last()
    assert not {"✔️ 已解决：11-24", "📌 整改：11-24"} & set(labels_of(h, leader))
    await leader.presses("✔️ 已解决：11-24", message=before)  # the old list's button
    assert leader.answers()[-1] == ("该问题已列入整改台账：事项销号后即标记为已解决（/rectify）。")
    async with h.db.read() as c:
        assert not (await visit_repo.get_visit(c, 1)).solved  # type: ignore[union-attr]

    await ask_to_cross_off(secretary, "1. 水渠年久失修", "水渠已修好。")
    clock.set(at("2026-12-01T06:30:00"))  # still 30 November in UTC
    await officer.presses("✅ 确认销号")
    async with h.db.read() as c:
        visit = await visit_repo.get_visit(c, 1)
    assert visit is not None
    assert (visit.solved, visit.solved_on, visit.solved_by, visit.solved_note) == (
        True,
        date(2026, 12, 1),
        officer.id,
        "整改台账已销号：水渠年久失修",
    )
    await leader.says("/visits")
    assert "水渠年久失修" not in leader.last()

    # Another problem, solved by hand; the old list's 📌 is refused, nothing raised.
    await log_visit(leader, problem="村道照明不足")
    await leader.says("/visits")
    old = h.emu.last(leader.user)
    await leader.presses("✔️ 已解决：12-01")
    await leader.presses("今天")
    await leader.says("装好了路灯。")
    await leader.presses("✅ 保存")
    await leader.presses("📌 整改：12-01", message=old)
    assert leader.answers()[-1] == "该问题已标记为解决，无需整改。"
    async with h.db.read() as c:
        assert len(await repo.ledger(c, None)) == 1


async def test_staff_hand_an_item_to_someone_else_who_then_crosses_it_off(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """The person named cannot do it (left, ill): township staff name another from the
    same candidates; the history and audit trail say so, the new person is told with the
    item's buttons and reminded from then, the one before can no longer act on it."""
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    leader = await make_leader(h, county["east"], [county["south"]])
    officer = await township_staff(h, county["dongling"], "镇委员", county["east"])
    await staff_raise(officer, "南坡村党支部", "南坡书记 · 支部书记", "村道照明不足")
    told = h.emu.last(secretary.user)

    await officer.says("/rectify")
    await officer.presses("1. 村道照明不足")
    await officer.presses("👤 变更责任人")
    assert officer.last() == "村道照明不足\n现责任人：南坡书记。改由谁负责？"
    assert labels_of(h, officer) == ["县领导 · 联系领导"]
    await officer.presses("县领导 · 联系领导")
    assert officer.last() == "已改由 县领导 负责，并已通知其本人（附事项按钮）。"
    assert leader.last().startswith(
        "您现已接替原责任人，负责以下整改事项（整改台账）：\n📌 村道照明不足\n"
        "支部：南坡村党支部（东岭镇）\n整改目标及承诺：按期完成。\n责任人：县领导\n"
    )
    assert labels_of(h, leader) == ["📝 报告进展", "✅ 申请销号"]
    handed = await item(h, 1)
    assert (handed.responsible, handed.responsible_name) == (leader.id, "县领导")
    async with h.db.read() as c:
        history = await repo.events(c, [1])
        actions = await c.execute_fetchall("SELECT action FROM audit ORDER BY id")
    assert (history[-1].kind, history[-1].actor, history[-1].body) == (
        "responsible",
        officer.id,
        "南坡书记 → 县领导",
    )
    assert "rectify.responsible" in [str(a[0]) for a in actions]

    # The one before: their old message's buttons no longer work; reminders go to the new.
    await secretary.presses("✅ 申请销号", message=told)
    assert secretary.answers()[-1] == NOT_YOURS
    seen = len(secretary.sees())
    await evening(h, clock, "2026-12-13")
    assert secretary.sees()[seen:] == []
    assert "村道照明不足（南坡村党支部）— 时限 2026-12-20，还剩 7 天" in leader.last()
    await leader.presses("✅ 申请销号")
    await leader.says("路灯已装好。")
    await leader.presses("✅ 提交销号申请")
    await officer.presses("✅ 确认销号")
    assert (await item(h, 1)).state == "closed"


async def test_a_request_replaced_by_a_newer_one_is_not_decided_from_its_old_buttons(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """Sent back and asked again: the first request's Confirm no longer crosses it off —
    the newer evidence is what is decided."""
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    officer = await township_staff(h, county["dongling"], "镇委员", county["east"])
    await staff_raise(officer, "南坡村党支部", "南坡书记 · 支部书记", "村道照明不足")
    await ask_to_cross_off(secretary, "1. 村道照明不足", "路灯已装好四盏。")
    first = h.emu.last(officer.user)
    first_ok, first_back = [data for row in first.buttons for _, data in row]
    await officer.presses("↩️ 退回", message=first)
    await officer.says("还差两盏。")
    await ask_to_cross_off(secretary, "1. 村道照明不足", "六盏都装好了。")
    newer = h.emu.last(officer.user)
    clock.advance(timedelta(minutes=5))  # not a double press of ↩️
    before = snapshot(h)
    for data in (first_ok, first_back):
        h.emu.press_data(officer.user, first, data)
        await h.settle()
        assert officer.answers()[-1] == (
            "此销号申请已被新的申请取代：请审核新的申请（见其消息，或在 /rectify 中打开该事项）。"
        )
    assert snapshot(h) == before
    await officer.presses("✅ 确认销号", message=newer)
    assert (await item(h, 1)).state == "closed"


async def test_overdue_is_counted_one_way_in_the_list_and_the_bulletin(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """An item past its deadline, waiting to be crossed off: overdue in both."""
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    officer = await township_staff(h, county["dongling"], "镇委员", county["east"])
    await staff_raise(officer, "南坡村党支部", "南坡书记 · 支部书记", "村道照明不足", "11-27")
    clock.set(at("2026-11-29T10:00:00"))
    await ask_to_cross_off(secretary, "1. 村道照明不足", "路灯已装好。")
    await officer.says("/rectify")
    assert officer.last().startswith("📌 整改台账：未销号 1 项（逾期 1 项）")
    assert "（已逾期 2 天） · 待审核销号" in officer.last()
    clock.set(at("2026-12-01T09:00:00"))
    await h.tick()
    bulletin = next(t for t in officer.sees() if t.startswith("📊 工作通报：东岭镇，2026-11"))
    assert "未销号 1 项，其中已超过时限 1 项；本期销号 0 项。" in bulletin


async def test_the_person_responsible_pages_through_their_own_items(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    async with h.db.tx() as c:  # set up (not under test): twelve items, told long ago
        for number in range(1, 13):
            await repo.add(
                c,
                NewRectification(
                    branch_id=county["south"],
                    source="staff",
                    project=f"整改事项{number:02}",
                    responsible=secretary.id,
                    responsible_name="南坡书记",
                    deadline=date(2026, 12, 20) + timedelta(days=number),
                    raised_by=staff.id,
                ),
                clock.now(),
            )
    await secretary.says("/rectify")
    assert secretary.last().startswith("📌 由您负责的整改事项（12）")
    assert "10. 整改事项10" in secretary.last() and "11. 整改事项11" not in secretary.last()
    await secretary.presses("▶")
    page = secretary.last()
    assert "11. 整改事项11" in page and "12. 整改事项12" in page and "整改事项01" not in page
    assert labels_of(h, secretary) == ["11. 整改事项11", "12. 整改事项12", "◀"]
    await secretary.presses("12. 整改事项12")
    assert secretary.last().startswith("📌 整改事项12")


async def test_the_raise_form_offers_everyone_who_may_be_responsible(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """A branch with 25 committee members and its secretary: 26 buttons, none left off."""
    await make_secretary(h, county["south"], name="南坡书记")
    committee = await registered(h, county["south"], [f"委员{n:02}" for n in range(1, 26)])
    async with h.db.tx() as c:
        await c.execute(
            f"UPDATE members SET committee = 1 WHERE telegram_id IN "
            f"({','.join(str(p.id) for p in committee)})"
        )
    officer = await township_staff(h, county["dongling"], "镇委员", county["east"])
    await officer.says("/rectify")
    await officer.presses("➕ 新增事项")
    await officer.presses("南坡村党支部")
    offered = labels_of(h, officer)
    assert len(offered) == 26 and "委员25 · 支委" in offered
    await officer.presses("委员25 · 支委")
    assert "整改项目" in officer.last()


async def test_a_deadline_button_means_the_day_it_shows_whenever_it_is_pressed(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    await make_secretary(h, county["south"], name="南坡书记")
    officer = await township_staff(h, county["dongling"], "镇委员", county["east"])
    await officer.says("/rectify")
    await officer.presses("➕ 新增事项")
    await officer.presses("南坡村党支部")
    await officer.presses("南坡书记 · 支部书记")
    await officer.says("村道照明不足")
    await officer.says("安装路灯。")
    clock.set(at("2026-11-25T09:00:00"))  # the form waited overnight
    await officer.presses("1 个月后：2026-12-24")
    assert "整改时限：2026-12-24" in officer.last()
    await officer.presses("✅ 保存")
    assert (await item(h, 1)).deadline == date(2026, 12, 24)
    # Moving it: the buttons count from the deadline, and keep their day too.
    await officer.says("/rectify")
    await officer.presses("1. 村道照明不足")
    await officer.presses("🗓 调整时限")
    clock.set(at("2026-11-26T09:00:00"))
    await officer.presses("3 个月后：2027-03-24")
    assert (await item(h, 1)).deadline == date(2027, 3, 24)


async def test_evidence_past_its_limits_is_refused_in_words_and_nothing_is_lost_silently(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    officer = await township_staff(h, county["dongling"], "镇委员", county["east"])
    await staff_raise(officer, "南坡村党支部", "南坡书记 · 支部书记", "村道照明不足")
    await secretary.says("/rectify")
    await secretary.presses("1. 村道照明不足")
    await secretary.presses("✅ 申请销号")
    await secretary.says("路" * 600)
    await secretary.says("灯" * 600)  # together over 1000: refused, not cut
    assert secretary.last() == (
        "连同之前发送的内容，佐证说明将达 1201 字，请控制在 1000 字以内。"
        "这条消息未添加：请发送更短的内容，或按按钮提交已有的材料。"
    )
    for number in range(10):
        h.emu.send_photo(secretary.user, f"photo {number}".encode())
        await h.settle()
    h.emu.send_photo(secretary.user, b"photo 11", caption="第十一张：东头两盏")
    await h.settle()
    assert secretary.last() == "文件已够 10 个：这个文件未添加，但其说明文字已添加。请按按钮提交。"
    await secretary.presses("✅ 提交销号申请")
    async with h.db.read() as c:
        asked = (await repo.events(c, [1]))[-1]
    assert asked.body == "路" * 600 + "\n第十一张：东头两盏"
    assert len(asked.attachments) == 10


async def test_the_history_sheet_follows_the_items_sheet(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    await make_secretary(h, county["south"], name="南坡书记")
    await make_secretary(h, county["east"], name="东岭书记")
    officer = await township_staff(h, county["dongling"], "镇委员", county["west"])
    await staff_raise(officer, "南坡村党支部", "南坡书记 · 支部书记", "村道照明不足")
    await staff_raise(officer, "东岭村党支部", "东岭书记 · 支部书记", "水渠年久失修")
    await officer.says("/rectify")
    await officer.presses("📎 导出表格")
    sheet = h.emu.last(officer.user)
    assert sheet.document is not None
    book = sheets.book(h.emu.files[sheet.document["file_id"]].data)
    items = [row[0] for row in sheets.rows(book["整改事项"])]
    steps = [row[0] for row in sheets.rows(book["办理经过"])]
    assert items == [2, 1]  # by township and branch: 东岭村 before 南坡村
    assert steps == [2, 1]
