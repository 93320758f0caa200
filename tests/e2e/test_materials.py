"""Study materials: a secretary pushes one, members study it, the branch sees who did."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import FrozenClock
from bot.i18n import translator
from bot.roster import format_report, import_roster
from storage import outbox as outbox_repo
from tests.e2e.flows import comes_home, goes_away, make_secretary, on_roster_only, registered
from tests.harness import Harness, Person

NAMES = [f"流动{i:02d}" for i in range(50)]


def received(person: Person, title: str) -> list[str]:
    return [text for text in person.sees() if f"学习材料：{title}" in text]


async def push_text(
    secretary: Person, title: str, body: str, *, due: str = "7 天内", audience: str = "🚶 流动党员"
) -> None:
    """The secretary's whole /push conversation for a text material, up to the preview."""
    await secretary.says("/push")
    label = next(
        label
        for row in secretary.h.emu.last(secretary.user).buttons
        for label, _ in row
        if label.startswith(audience)
    )
    await secretary.presses(label)
    await secretary.says(title)
    await secretary.says(body)
    if due.startswith("@"):
        await secretary.says(due[1:])
    else:
        await secretary.presses(due)


async def test_a_push_to_fifty_flowing_members_and_who_studied(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    away = await registered(h, county["east"], NAMES[:49], flowing=True)
    await on_roster_only(h, county["east"], "老周", flowing=True)  # never opened the bot
    home = await registered(h, county["east"], ["在家甲", "在家乙"])
    elsewhere = await registered(h, county["west"], ["西河流动"], flowing=True)
    blocked = away[:5]
    for person in blocked:
        h.emu.block(person.user)
    await h.settle()

    await secretary.says("/push")
    assert secretary.last() == "发给 东岭村党支部 的哪些人？"
    labels = [label for row in h.emu.last(secretary.user).buttons for label, _ in row]
    # 49 + 老周 away; at home: 2, 李书记 and the two roster members of the county fixture
    assert labels == ["🚶 流动党员（50）", "👥 全体党员（55）"]
    await secretary.presses("🚶 流动党员（50）")
    assert secretary.last() == "请输入标题（最多 60 个字）"
    await secretary.says("学习<二十大>精神")
    await secretary.says("第一部分：全文见 https://example.org/doc\n请认真学习 & 做好笔记。")
    await secretary.presses("7 天内")

    preview = secretary.sees()[-2]
    assert preview == (
        "📚 学习材料：学习<二十大>精神\n\n第一部分：全文见 https://example.org/doc\n"
        "请认真学习 & 做好笔记。\n\n请于 2026-12-01 前学习。\n来自：东岭村党支部"
    )
    assert secretary.last() == (
        "东岭村党支部，流动党员：共 50 人。\n"
        "其中 1 人在机器人中没有 Telegram，收不到：请送学上门，然后代为登记（/study，🖊）。"
    )
    assert all(not received(p, "学习<二十大>精神") for p in away)  # nothing before confirming

    await secretary.presses("✅ 发送给 49 人")
    assert secretary.last() == "正在发送给 49 名党员。发送 /study 可查看谁已收到、谁已学习。"
    for person in away[5:]:
        assert received(person, "学习<二十大>精神") == [preview]
        assert [label for row in h.emu.last(person.user).buttons for label, _ in row] == [
            "✅ 已学习",
            "⏰ 稍后",
        ]
    for person in [*blocked, *home, *elsewhere]:
        assert not received(person, "学习<二十大>精神")
    async with h.db.read() as c:
        assert await outbox_repo.counts(c) == {"sent": 44, "unreachable": 5}

    # Studied, pressed twice; later; a stranger pressing a forwarded button.
    reader = away[5]
    await reader.presses("✅ 已学习")
    await reader.presses("✅ 已学习 11-24 10:00")
    assert reader.answers() == ["已记录，感谢您的学习！", "已记录为已学习。"]
    await away[6].presses("⏰ 稍后")
    assert away[6].answers() == ["好的。发送 /study 随时可以再找到它。"]
    stranger = h.person("路人")
    material_message = h.emu.last(away[7].user)
    h.emu.press(stranger.user, material_message, "✅ 已学习")
    await h.settle()
    assert stranger.answers() == ["这份材料不是发给您的。"]

    await secretary.says("/study")
    overview = secretary.last()
    assert "学习<二十大>精神" in overview
    # 老周 has no Telegram: to be recorded by hand, not "unreachable" like the five
    # who blocked the bot.
    assert "已送达 44 · 已学习 1 · 未学习 43 · 待代登记 1 · 联系不上 5" in overview
    await secretary.presses("👥 学习<二十大>精神")
    names = secretary.last()
    assert "✅ 已学习（1）\n流动05" in names
    assert "⏳ 未学习（43）" in names
    assert "🖊 没有 Telegram，学习后代登记（1）\n老周" in names
    assert "📵 联系不上（5）" in names and "流动00" in names


async def test_a_document_goes_out_by_file_id_and_members_find_it_again(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    members = await registered(h, county["east"], ["甲", "乙", "丙"], flowing=True)
    await secretary.says("/push")
    await secretary.presses("🚶 流动党员（3）")
    await secretary.says("党章学习")
    h.emu.send_document(
        secretary.user, b"%PDF-1.4 party constitution", "党章.pdf", caption="请下载阅读"
    )
    await h.settle()
    await secretary.presses("不设截止日期")
    await secretary.presses("✅ 发送给 3 人")

    uploads_before = h.emu.stats["uploads"]
    for person in members:
        message = h.emu.last(person.user)
        document = message.document
        assert document is not None and document["file_name"] == "党章.pdf"
        assert message.caption == "📚 学习材料：党章学习\n\n请下载阅读\n\n来自：东岭村党支部"
    assert h.emu.stats["uploads"] == uploads_before == 0  # never uploaded again
    assert h.emu.stats["reuses"] == 4  # the preview and three members, all by file_id

    await members[0].says("/study")
    assert members[0].last() == "📚 待学习（1）\n• 党章学习\n按下标题可再次阅读。"
    await members[0].presses("📖 党章学习")
    assert h.emu.last(members[0].user).caption is not None
    await members[0].presses("✅ 已学习")
    await members[0].says("/study")
    assert members[0].last() == "📚 您没有待学习的材料，很好！"


async def test_reminders_come_in_the_evening_bundled_and_stop_once_studied(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    eager, busy, idle = await registered(h, county["east"], ["勤奋", "忙碌", "拖延"], flowing=True)
    await push_text(secretary, "材料一", "内容一", due="@11-26")
    await secretary.presses("✅ 发送给 3 人")
    await push_text(secretary, "材料二", "内容二", due="@2026-11-26")
    await secretary.presses("✅ 发送给 3 人")
    await eager.presses("✅ 已学习")  # the newest: 材料二
    await eager.presses("✅ 已学习", message=eager.message_with_button("✅ 已学习"))
    await busy.presses("✅ 已学习")  # only 材料二

    def reminders(person: Person) -> list[str]:
        return [text for text in person.sees() if text.startswith("⏰ 今晚提醒")]

    clock.set(clock.now().replace(hour=19, minute=59))
    await h.tick()
    assert not any(reminders(p) for p in (eager, busy, idle))
    clock.set(clock.now().replace(hour=20, minute=0))  # two days before the due date
    await h.tick()
    await h.tick()  # a second tick (or a restart) adds nothing
    assert reminders(eager) == []
    hint = "按标题可再次阅读，学完后请按“✅ 已学习”。"
    assert reminders(busy) == [
        f"⏰ 今晚提醒\n\n📚 待学习的材料（1）\n• 材料一 — 2026-11-26 截止\n{hint}"
    ]
    assert reminders(idle) == [
        f"⏰ 今晚提醒\n\n📚 待学习的材料（2）\n• 材料一 — 2026-11-26 截止\n"
        f"• 材料二 — 2026-11-26 截止\n{hint}"
    ]
    assert [label for row in h.emu.last(idle.user).buttons for label, _ in row] == [
        "📖 材料一",
        "📖 材料二",
        "📋 全部待办",
    ]

    clock.advance(timedelta(days=1))  # the day between: nothing
    await h.tick()
    assert len(reminders(idle)) == 1
    await idle.presses("📖 材料二")
    await idle.presses("✅ 已学习")
    clock.advance(timedelta(days=1))  # the due day
    await h.tick()
    assert reminders(idle)[-1] == (
        f"⏰ 今晚提醒\n\n📚 待学习的材料（1）\n• 材料一 — 今天截止\n{hint}"
    )
    assert len(reminders(busy)) == 2 and reminders(eager) == []
    clock.advance(timedelta(days=1))  # after the due date: no more
    await h.tick()
    assert len(reminders(idle)) == 2


async def test_only_secretaries_and_staff_may_push(h: Harness, county: dict[str, int]) -> None:
    (member,) = await registered(h, county["east"], ["普通党员"])
    stranger = h.person("陌生人")
    for person in (member, stranger):
        await person.says("/push")
        assert person.last() == "只有支部书记和组织部工作人员可以进行此操作。"
    await member.says("/study")
    assert member.last() == "📚 您没有待学习的材料，很好！"


async def test_staff_push_to_a_township_and_a_member_who_leaves_gets_a_make_up(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    (east,) = await registered(h, county["east"], ["东岭流动"], flowing=True)
    (south,) = await registered(h, county["south"], ["南坡流动"], flowing=True)
    (west,) = await registered(h, county["west"], ["西河流动"], flowing=True)
    (leaver,) = await registered(h, county["east"], ["准备外出"])

    await staff.says("/push")
    await staff.presses("东岭镇")
    await staff.presses("东岭镇全部")
    await staff.presses("🚶 流动党员（2）")
    await staff.says("乡镇学习")
    await staff.says("内容")
    await staff.presses("3 天内")
    assert "来自：东岭镇" in staff.sees()[-2]
    await staff.presses("✅ 发送给 2 人")
    assert received(east, "乡镇学习") and received(south, "乡镇学习")
    assert not received(west, "乡镇学习") and not received(leaver, "乡镇学习")

    clock.advance(timedelta(days=2))
    await goes_away(leaver, "杭州")
    assert "📚 支部最近给流动党员发了 1 份学习材料，现在补发给您。" in leaver.sees()
    assert len(received(leaver, "乡镇学习")) == 1

    # Back home, the material stays open; a second departure sends nothing twice.
    await comes_home(leaver)
    await leaver.says("/study")
    assert "乡镇学习" in leaver.last()
    await goes_away(leaver, "杭州")
    assert len(received(leaver, "乡镇学习")) == 1


async def test_a_roster_that_marks_a_member_as_working_away_sends_the_make_up(
    h: Harness, county: dict[str, int], tmp_path: Path
) -> None:
    secretary = await make_secretary(h, county["east"])
    await registered(h, county["east"], ["早已外出"], flowing=True)
    (later,) = await registered(h, county["east"], ["名单外出"])
    await push_text(secretary, "补发测试", "正文", due="不设截止日期")
    await secretary.presses("✅ 发送给 1 人")
    assert not received(later, "补发测试")

    roster = tmp_path / "members.csv"
    roster.write_text(
        "编号,姓名,乡镇,支部,出生年份,身份,流动,流入城市\n"
        "QS0100,名单外出,东岭镇,东岭村党支部,1985,正式党员,是,宁波\n",
        encoding="utf-8",
    )
    report = await import_roster(h.db, [roster], h.clock, makeup_days=30)
    assert report.linked == ["QS0100"] and report.made_up == 1
    assert "1 study materials queued for members now marked as working away" in (
        format_report(report, translator("en"))
    )
    h.services.poke_outbox()  # the running bot finds rows a `zhibu import` queued
    await h.settle()
    assert len(received(later, "补发测试")) == 1

    again = await import_roster(h.db, [roster], h.clock, makeup_days=30)
    assert again.made_up == 0 and again.unchanged == 1


async def test_bad_answers_in_push_get_a_second_try(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    await registered(h, county["east"], ["甲"], flowing=True)
    await secretary.says("/push")
    await secretary.presses("🚶 流动党员（1）")
    await secretary.says("标" * 61)
    assert secretary.last() == "请不要超过 60 个字。"
    await secretary.says("标题")
    h.emu.send_location(secretary.user, 30.0, 120.0)
    await h.settle()
    assert secretary.last() == "请发送文字、链接、文件、图片、音频或视频。"
    await secretary.says("长" * 3001)
    assert secretary.last() == "共 3001 个字，请控制在 3000 字以内。"
    await secretary.says("正文")
    await secretary.says("2026-11-01")
    assert secretary.last() == "这个日期已经过去了，请输入以后的日期。"
    await secretary.says("13-45")
    assert secretary.last() == "没有这个日期，请重新输入。"
    await secretary.says("12-24")
    await secretary.presses("❌ 取消")
    assert secretary.last() == "已取消，没有发送任何内容。"
    async with h.db.read() as c:
        assert await outbox_repo.counts(c) == {}


async def test_each_member_reads_it_in_their_language_and_other_branches_see_nothing(
    h: Harness, county: dict[str, int], staff: Person
) -> None:
    secretary = await make_secretary(h, county["east"])
    (chinese,) = await registered(h, county["east"], ["王芳"], flowing=True)
    (english,) = await registered(h, county["east"], ["Li Lei"], flowing=True, language="en")
    other = await make_secretary(h, county["west"], name="西河书记")
    await push_text(secretary, "十九届六中全会", "<i>不是标签</i>", due="不设截止日期")
    await secretary.presses("✅ 发送给 2 人")

    assert english.last() == (
        "📚 Study material: 十九届六中全会\n\n<i>不是标签</i>\n\nFrom: 东岭村党支部"
    )
    assert [label for row in h.emu.last(english.user).buttons for label, _ in row] == [
        "✅ Studied",
        "⏰ Later",
    ]
    await english.presses("✅ Studied")
    assert english.answers() == ["Recorded. Thank you for studying!"]
    assert received(chinese, "十九届六中全会")

    # The secretary of another branch: an empty overview, and a forged "who" button fails.
    await other.says("/study")
    assert other.last() == "还没有发送过学习材料。发送 /push 即可发送。"
    await secretary.says("/study")
    who_button = secretary.message_with_button("👥 十九届六中全会")
    h.emu.press(other.user, who_button, "👥 十九届六中全会")
    await h.settle()
    assert other.answers() == ["这不在您的管理范围内。"]
    # Staff see every branch, with branch names.
    await staff.says("/study")
    await staff.presses("👥 十九届六中全会")
    assert "Li Lei（东岭村党支部）" in staff.last()
