"""Heartfelt notes after a session and after a material, the secretary's review, and the
study record — with the exemptions the guidelines make."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FrozenClock
from storage import members as member_repo
from storage import notes as note_repo
from tests.e2e.flows import branch_group, from_outbox, make_secretary, registered, schedule
from tests.harness import Harness, Person

START = datetime.fromisoformat("2026-11-25T19:30:00+08:00")
ASKED = "✍️ 请就“学习党章”写一篇心得体会：可以输入文字、发送语音，或拍一张手写稿的照片。"


async def born(h: Harness, person: Person, year: int) -> None:
    async with h.db.tx() as c:
        member = await member_repo.member_of_user(c, person.id)
        assert member is not None
        await member_repo.update_member(c, member.id, {"birth_year": year}, h.clock.now())


async def closed_session(
    h: Harness, clock: FrozenClock, secretary: Person, attendees: list[Person], absent: list[Person]
) -> None:
    group = await branch_group(
        h, await _branch(h, secretary), "党员群", [secretary, *attendees, *absent]
    )
    await schedule(secretary, group, remote="否")
    clock.set(START - timedelta(minutes=20))
    await h.tick()
    for person in attendees:
        await person.presses("✅ 签到", chat=group)
    clock.set(START + timedelta(minutes=60))
    await h.tick()


async def _branch(h: Harness, person: Person) -> int:
    async with h.db.read() as c:
        member = await member_repo.member_of_user(c, person.id)
    assert member is not None
    return member.branch_id


async def test_after_a_session_only_those_who_must_write_are_asked_and_reminded(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    writer, elder, absentee = await registered(h, county["east"], ["刘青年", "赵大爷", "缺席者"])
    await born(h, elder, 1961)  # 65 this year: exempt
    await closed_session(h, clock, secretary, [writer, elder], [absentee])

    assert ASKED in writer.sees()
    assert ASKED not in elder.sees() and ASKED not in absentee.sees()

    # The elder writes anyway, by voice: it is kept and counts.
    await elder.says("/note")
    assert elder.last().startswith("✍️ 请写下您的心得")
    h.emu.send_voice(elder.user, b"OggS my thoughts", duration=30)
    await h.settle()
    assert elder.last() == "谢谢！您的心得已收到。"
    await elder.says("/record")
    assert "心得体会：已写 1 篇（优秀 0 篇），待写 0 篇" in elder.last()
    assert "不作写心得要求：60 岁以上" in elder.last()

    # The next evening: one reminder for the one who owes, none for anyone else.
    clock.set(START + timedelta(days=1, minutes=30))  # 20:00 the next day
    await h.tick()
    await h.tick()
    reminders = [t for t in writer.sees() if t.startswith("⏰ 今晚提醒")]
    assert reminders == ["⏰ 今晚提醒\n\n✍️ 待写的心得体会（1）\n• 学习党章 — 截至 12-09"]
    assert not any(t.startswith("⏰ 今晚提醒") for t in elder.sees() + absentee.sees())

    await writer.presses("✍️ 学习党章")
    assert writer.last().startswith("✍️ 请写下您的心得（关于“学习党章”）：")
    await writer.says("通过学习，我认识到<党章>是根本大法。")
    assert writer.last() == "谢谢！您的心得已收到。"
    clock.advance(timedelta(days=1))
    await h.tick()
    assert len([t for t in writer.sees() if t.startswith("⏰ 今晚提醒")]) == 1


async def test_the_secretary_reviews_notes_and_marks_who_cannot_write(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    writer, silent = await registered(h, county["east"], ["刘青年", "王不写"])
    await closed_session(h, clock, secretary, [writer, silent], [])
    await writer.presses("✍️ 现在就写")
    await writer.says("心得<b>正文</b>")

    await secretary.says("/notes")
    shown = [t for t in secretary.sees() if t.startswith("📝 ")]
    assert shown == ["📝 刘青年 · 学习党章 · 11-25 20:30\n心得<b>正文</b>"]
    assert "尚未提交的心得（1）\n• 王不写 — 学习党章" in secretary.last()

    await secretary.presses("⭐ 优秀")
    await secretary.presses("⭐ 优秀")  # at once: the same press, answered once
    clock.advance(timedelta(minutes=1))
    await secretary.presses("⭐ 优秀")
    assert secretary.answers()[-3:] == ["⭐ 已标记为优秀。", "", "已经记录过了。"]
    assert writer.last() == "⭐ 您的心得（关于“学习党章”）被支部评为优秀，很好！"
    await secretary.presses("↩️ 请重写")
    await secretary.says("请结合本村实际。")
    assert secretary.last() == "已发给 刘青年。"
    assert writer.last() == "↩️ 支部书记请您重写心得（关于“学习党章”）：请结合本村实际。"
    assert (await from_outbox(h, writer))[-2:] == ["note_excellent", "note_rewrite"]
    async with h.db.read() as c:
        owed = await note_repo.owed(c, await member_id_of(h, writer), h.clock.now())
        assert [r.title for r in owed] == ["学习党章"]

    await secretary.says("/notes")
    await secretary.presses("🚫 王不写 无写作能力")
    assert secretary.answers()[-1] == "今后不再要求 王不写 写心得。"
    before = len(secretary.sees())
    await secretary.says("/notes")
    listed = secretary.sees()[before:]
    owing = [text for text in listed if text.startswith("尚未提交的心得")]
    assert owing and all("王不写" not in text for text in owing)  # he owes nothing now
    assert listed[-1].startswith("已标记为无写作能力（1）\n• 王不写\n")

    # A member of another branch cannot judge these notes.
    other = await make_secretary(h, county["west"], name="西河书记")
    h.emu.press_data(other.user, h.emu.messages(secretary.user)[0], "note:star:1")
    await h.settle()
    assert other.answers() == ["这不在您的管理范围内。"]


async def member_id_of(h: Harness, person: Person) -> int:
    async with h.db.read() as c:
        member = await member_repo.member_of_user(c, person.id)
    assert member is not None
    return member.id


async def test_a_studied_material_asks_for_a_note_and_the_record_counts_it(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    (reader,) = await registered(h, county["east"], ["读书人"])
    (away,) = await registered(h, county["east"], ["外出者"], flowing=True)
    await secretary.says("/push")
    await secretary.presses("👥 全体党员（5）")
    await secretary.says("党史一章")
    await secretary.says("内容")
    await secretary.presses("不设截止日期")
    await secretary.presses("✅ 发送给 3 人")  # the two roster members have no account
    await reader.presses("✅ 已学习")
    assert reader.last().startswith("✍️ 请就“党史一章”写一篇心得体会")
    await away.presses("✅ 已学习")
    assert not away.last().startswith("✍️")  # working away: not asked
    await reader.presses("✍️ 现在就写")
    h.emu.send_photo(reader.user, caption="手写稿")
    await h.settle()
    assert reader.last() == "谢谢！您的心得已收到。"

    await reader.says("/record")
    assert reader.last() == (
        "📒 学习档案：读书人，2026年\n参加会议和学习：0 / 0 次\n"
        "学习材料：已学 1 / 1 份\n心得体会：已写 1 篇（优秀 0 篇），待写 0 篇"
        "\n\n学习材料\n✅ 11-24 党史一章 — 11-24 已学习\n\n"
        "心得体会\n✍️ 11-24 党史一章"
    )
    await secretary.says("/record")
    await secretary.presses("外出者")
    assert "不作写心得要求：流动党员" in secretary.last()
    stranger = h.person("路人")
    h.emu.press_data(stranger.user, h.emu.last(secretary.user), "rec:show:1")
    await h.settle()
    assert stranger.answers() == ["这不在您的管理范围内。"]


async def test_a_long_note_never_blocks_the_review_list(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    long_writer, short_writer = await registered(h, county["east"], ["长篇", "短篇"])
    # 3,000 units as Telegram counts them: each "&" is "&amp;" in HTML, each emoji two.
    body = ("学习&体会<一>😀 " * 300)[:2700].strip()
    await long_writer.says("/note")
    await long_writer.says(body)
    assert long_writer.last() == "谢谢！您的心得已收到。"
    await short_writer.says("/note")
    await short_writer.says("短短一句")

    await secretary.says("/notes")
    shown = [t for t in secretary.sees() if t.startswith("📝 ")]
    assert len(shown) == 2 and shown[1].endswith("\n短短一句")
    assert shown[0].endswith("…") and len(shown[0]) < 700
    assert body.startswith(shown[0].split("\n", 1)[1][:-1])
    before = len(secretary.sees())
    await secretary.presses("📖 全文")
    whole = secretary.sees()[before:]
    assert len(whole) == 1 and whole[0].split("\n", 1)[1] == body
