"""四议两公开: a village matter opened by the branch secretary goes through its four
meetings — each with its day, attendance and vote, linked to a zhibu session where there
is one — and its two disclosures, posted to the branch group; a vote that does not add up,
a day in the future or a step out of order is refused and nothing is stored; the township
sees its branches' open matters and how long each has stood at its step (not another
township's); the ledger reads back with openpyxl."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot import matters
from bot.callbacks import MatterCard, MatterPage, MatterPublish, MatterStepPress
from bot.clock import FrozenClock
from storage import matters as matter_repo
from storage import meetings as meeting_repo
from storage import org as org_repo
from storage.db import Conn
from storage.models import NewMeeting
from storage.rows import ts
from tests import sheets
from tests.conftest import START
from tests.e2e.flows import branch_group, make_secretary, registered, snapshot
from tests.harness import Harness, Person

NOT_YOURS = "这不在您的管理范围内。"


async def township_staff(h: Harness, branch: int, township: int, name: str) -> Person:
    (person,) = await registered(h, branch, [name])
    async with h.db.tx() as c:
        await org_repo.grant(c, person.id, "township", township, None, h.clock.now())
    return person


async def records_step(
    secretary: Person,
    day: str,
    expected: str,
    attended: str,
    votes: str,
    *,
    session: str | None = None,
    note: str | None = None,
) -> None:
    """The secretary records the step the matter waits for, from its card's button."""
    label = next(
        text
        for message in reversed(secretary.h.emu.messages(secretary.user))
        for row in message.buttons
        for text, _ in row
        if text.startswith("✍️ 记录第")
    )
    await secretary.presses(label)
    if day in ("今天", "昨天"):
        await secretary.presses(day)
    else:
        await secretary.says(day)
    if session is not None:
        await secretary.presses(session)
    await secretary.says(expected)
    await secretary.says(attended)
    await secretary.says(votes)
    if note is None:
        await secretary.presses("跳过")
    else:
        await secretary.says(note)
    await secretary.presses("✅ 保存")


async def steps_stored(h: Harness) -> list[tuple[object, ...]]:
    async with h.db.read() as c:
        return [
            tuple(row)
            for row in await c.execute_fetchall(
                "SELECT matter_id, step, held_on, expected, attended, votes_for, votes_against,"
                " votes_abstain, passed, meeting_id, note FROM matter_steps"
                " ORDER BY matter_id, step"
            )
        ]


async def roster_member(
    c: Conn, branch: int, name: str, status: str = "full", *, host: int | None = None
) -> int:
    """A member without Telegram (set up, not under test): of ``branch``, or of another
    branch working away and hosted by ``host``."""
    cur = await c.execute(
        "INSERT INTO members (branch_id, name, status, state, flowing, host_branch_id,"
        " created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?, ?, ?)",
        (branch, name, status, 1 if host else 0, host, ts(START), ts(START)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def attends(
    c: Conn, meeting: int, statuses: dict[int, str], *, guests: Sequence[int] = (), by: int = 0
) -> None:
    """A held session's record: each member's status, the guests the secretary added."""
    for member, status in statuses.items():
        await c.execute(
            "INSERT INTO attendance (meeting_id, member_id, status, at) VALUES (?, ?, ?, ?)",
            (meeting, member, status, ts(START)),
        )
    for member in guests:
        await c.execute(
            "INSERT INTO meeting_guests (meeting_id, member_id, added_by, added_at)"
            " VALUES (?, ?, ?, ?)",
            (meeting, member, by, ts(START)),
        )


def document(person: Person) -> bytes:
    message = next(m for m in reversed(person.h.emu.messages(person.user)) if m.document)
    assert message.document is not None
    return person.h.emu.files[message.document["file_id"]].data


async def test_a_matter_through_four_steps_and_both_publications(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    secretary = await make_secretary(h, county["east"], name="东岭书记")
    (member,) = await registered(h, county["east"], ["东岭党员"])
    group = await branch_group(h, county["east"], "东岭群", [secretary, member])
    officer = await township_staff(h, county["south"], county["dongling"], "东岭镇委员")
    far = await township_staff(h, county["west"], county["xihe"], "西河乡委员")
    async with h.db.tx() as c:  # the branch committee met in zhibu two days ago
        session = await meeting_repo.add_meeting(
            c,
            NewMeeting(
                branch_id=county["east"],
                kind="committee",
                starts_at=datetime.fromisoformat("2026-11-22T19:30:00+08:00"),
                place="村委会",
                topic="研究村道硬化",
                created_by=secretary.id,
            ),
            clock.now(),
        )
        # It was held: three committee members on its record, two present — and an
        # activist the secretary invited, present, who is not on the committee.
        await c.execute("UPDATE meetings SET state = 'closed' WHERE id = ?", (session.id,))
        await c.execute(
            "UPDATE members SET committee = 1 WHERE id IN (?, ?) OR telegram_id = ?",
            (county["roster:0001"], county["roster:0002"], member.id),
        )
        for key, status in (("roster:0001", "present"), ("roster:0002", "absent")):
            await c.execute(
                "INSERT INTO attendance (meeting_id, member_id, status, at) VALUES (?, ?, ?, ?)",
                (session.id, county[key], status, ts(clock.now())),
            )
        await c.execute(
            "INSERT INTO attendance (meeting_id, member_id, status, at)"
            " SELECT ?, id, 'remote', ? FROM members WHERE telegram_id = ?",
            (session.id, ts(clock.now()), member.id),
        )
        activist = await roster_member(c, county["east"], "积极分子甲", "activist")
        await attends(c, session.id, {activist: "present"}, guests=[activist], by=secretary.id)

    # Opening it: title, description, a photo of the road, confirmed.
    await secretary.says("/matters")
    assert (
        secretary.last() == "🗳 东岭村党支部的事项（四议两公开）\n还没有事项。可用下面的按钮新建。"
    )
    await secretary.presses("➕ 新建事项")
    assert secretary.last().startswith("🗳 为东岭村党支部新建事项。")
    await secretary.says("硬化村东道路")
    await secretary.says("村东两公里土路雨天难走，拟硬化，预算二十万元。")
    h.emu.send_photo(secretary.user, b"\x89PNG the road")
    await h.settle()
    assert secretary.last() == "📎 已添加 1 个。可继续发送，或按“完成”。"
    await secretary.says("没有了")
    assert secretary.last() == "请发送照片或文件，或按“完成”。"
    await secretary.presses("✅ 完成")
    assert secretary.last() == (
        "请核对：\n标题：硬化村东道路\n村东两公里土路雨天难走，拟硬化，预算二十万元。\n"
        "📎 附件：1 个\n从第 1 步开始：村党支部提议。"
    )
    await secretary.presses("✅ 立项")
    assert secretary.sees()[-2] == "已保存：事项已立项。每开完一次会，请记录下来。"
    assert secretary.last() == (
        "🗳 硬化村东道路\n东岭村党支部 · 2026-11-24 立项\n"
        "村东两公里土路雨天难走，拟硬化，预算二十万元。\n📎 附件：1 个\n"
        "进展：待第 1 步：村党支部提议"
    )
    async with h.db.read() as c:
        matter = await matter_repo.get(c, 1)
        files = await matter_repo.files(c, 1)
    assert matter is not None and (matter.state, matter.at_step) == ("open", 1)
    assert [f.kind for f in files] == ["photo"]

    # Step 1: held at the committee meeting in zhibu two days ago, its figures offered:
    # its committee members, not the activist invited to it.
    await secretary.presses("✍️ 记录第 1 步：村党支部提议")
    await secretary.says("11-22")
    assert secretary.last() == "这次会议是下面哪一次活动？"
    await secretary.presses("19:30 支委会 · 研究村道硬化")
    await secretary.presses("3（按活动记录）")
    await secretary.presses("2（按活动记录）")
    await secretary.says("2 0 0")
    await secretary.presses("跳过")
    await secretary.presses("✅ 保存")
    assert secretary.sees()[-2] == "已保存。第 1 步通过；下一步是第 2 步：“两委”会议商议。"

    # Step 2, yesterday — with answers that do not add up, refused one by one.
    await secretary.presses("✍️ 记录第 2 步：“两委”会议商议")
    await secretary.says("11-30")
    assert secretary.last() == "这个日期还没到，请重新输入。"
    await secretary.says("11-21")
    assert secretary.last() == "不能早于上一步的日期 2026-11-22。"
    await secretary.presses("昨天")
    await secretary.says("九")
    assert secretary.last() == "请输入人数，例如 9。"
    await secretary.says("9")
    await secretary.says("12")
    assert secretary.last() == "请输入 0 到 9 之间的数字。"
    await secretary.says("4")
    assert secretary.last() == (
        "应到 9 人、实到 4 人，会议不能作出决定：须过半数到会。请记录到会人数足够的那次会议。"
    )
    await secretary.says("7")
    await secretary.says("5 2 1")
    assert secretary.last() == "赞成 5、反对 2、弃权 1，共 8 票，但实到只有 7 人。请核对数字。"
    await secretary.says("5 -1 0")
    assert secretary.last().startswith("请输入三个数字——赞成、反对、弃权")
    assert await steps_stored(h) == [(1, 1, "2026-11-22", 3, 2, 2, 0, 0, 1, session.id, "")]
    await secretary.says("5 1 1")
    await secretary.says("增加排水沟。")
    assert secretary.last() == (
        "请核对：\n🗳 硬化村东道路\n第 2 步：“两委”会议商议\n召开日期：2026-11-23\n"
        "应到 9 人，实到 7 人；赞成 5，反对 1，弃权 1\n说明：增加排水沟。\n"
        "✅ 通过：赞成票超过到会人数的一半。"
    )
    await secretary.presses("✅ 保存")
    assert secretary.sees()[-2] == "已保存。第 2 步通过；下一步是第 3 步：党员大会审议。"

    # A step out of order, by a forged button: refused, nothing stored.
    card = h.emu.last(secretary.user)
    before = snapshot(h)
    h.emu.press_data(secretary.user, card, MatterStepPress(1, 4).pack())
    await h.settle()
    assert secretary.answers()[-1] == (
        "现在不能记录第 4 步：该事项正在等待第 3 步：党员大会审议。各步骤须按顺序记录。"
    )
    h.emu.press_data(secretary.user, card, MatterPublish(1, "d").pack())
    await h.settle()
    assert secretary.answers()[-1] == "现在还不能公开：待第 3 步：党员大会审议。"
    assert snapshot(h) == before

    # Six days on: the township sees it standing at step 3 since step 2; the other
    # township sees nothing of it.
    clock.advance(timedelta(days=5))
    await officer.says("/matters")
    assert officer.last() == (
        "🗳 进行中的事项（四议两公开）：东岭镇\n推进中：\n"
        "• 东岭村党支部 · 硬化村东道路：待第 3 步：党员大会审议，已 6 天"
    )
    await officer.presses("东岭村党支部 · 硬化村东道路")  # the card, to read: no buttons
    assert officer.last().startswith("🗳 硬化村东道路")
    assert [label for row in h.emu.last(officer.user).buttons for label, _ in row] == [
        "🗂 第 1 步的活动记录"
    ]
    before = snapshot(h)
    h.emu.press_data(officer.user, card, MatterStepPress(1, 3).pack())
    await h.settle()
    assert officer.answers()[-1] == NOT_YOURS
    assert snapshot(h) == before
    await far.says("/matters")
    assert far.last() == "🗳 进行中的事项（四议两公开）：西河乡\n没有进行中的事项。"
    h.emu.press_data(far.user, h.emu.last(far.user), MatterCard(1).pack())
    await h.settle()
    assert far.answers()[-1] == NOT_YOURS

    # Steps 3 and 4 today; the representatives need two thirds present.
    await records_step(secretary, "今天", "40", "36", "33 2 1")
    await secretary.presses("✍️ 记录第 4 步：村民代表会议决议")
    await secretary.presses("今天")
    await secretary.says("30")
    await secretary.says("19")
    assert "须有三分之二以上村民代表到会" in secretary.last()
    await secretary.says("20")
    await secretary.says("18 1 1")
    await secretary.presses("跳过")
    assert secretary.last().endswith(
        "✅ 通过：赞成票超过到会人数的一半。\n随后该事项形成决议，待公开。"
    )
    await secretary.presses("✅ 保存")
    assert secretary.sees()[-2] == "已保存。该事项已形成决议：请用下面的按钮公开决议。"

    # The decision, to the group, after a preview.
    await secretary.presses("📢 公开决议")
    await secretary.presses("📢 发到群 东岭群")
    await secretary.says("同意硬化村东道路两公里，由村委会组织实施。")
    assert secretary.last().startswith(
        "以下内容将发到群 东岭群，并记为今天公开：\n\n📢 四议两公开 · 决议公开"
    )
    assert secretary.last().endswith(
        "决议：同意硬化村东道路两公里，由村委会组织实施。\n公开日期：发布当日。"
    )
    assert not any("四议两公开" in text for text in member.sees(group))
    await secretary.presses("📢 发布")
    assert secretary.sees()[-2] == "📢 已发到群里，记为 2026-11-29 公开。"
    post = member.sees(group)[-1]
    assert post == (
        "📢 四议两公开 · 决议公开\n硬化村东道路（东岭村党支部）\n"
        "村东两公里土路雨天难走，拟硬化，预算二十万元。\n"
        "1. 村党支部提议：2026-11-22，应到 3 人，实到 2 人；赞成 2，反对 0，弃权 0——通过\n"
        "2. “两委”会议商议：2026-11-23，应到 9 人，实到 7 人；赞成 5，反对 1，弃权 1——通过\n"
        "3. 党员大会审议：2026-11-29，应到 40 人，实到 36 人；赞成 33，反对 2，弃权 1——通过\n"
        "4. 村民代表会议决议：2026-11-29，应到 30 人，实到 20 人；赞成 18，反对 1，弃权 1——通过\n"
        "决议：同意硬化村东道路两公里，由村委会组织实施。\n公开日期：2026-11-29。"
    )

    # The result, a month later.
    clock.advance(timedelta(days=31))
    await secretary.says("/matters")
    await secretary.presses("硬化村东道路")
    await secretary.presses("📢 公开实施结果")
    await secretary.presses("📢 发到群 东岭群")
    await secretary.says("道路已完工，实际花费十九万元，已通过验收。")
    await secretary.presses("📢 发布")
    assert member.sees(group)[-1] == (
        "📢 四议两公开 · 实施结果公开\n硬化村东道路（东岭村党支部）\n"
        "2026-11-29 经村民代表会议决议，2026-11-29 公开决议。\n"
        "实施结果：道路已完工，实际花费十九万元，已通过验收。\n公开日期：2026-12-30。"
    )
    async with h.db.read() as c:
        matter = await matter_repo.get(c, 1)
        published = await matter_repo.publications(c, [1])
    assert matter is not None and matter.state == "done"
    assert [(p.what, p.published_on, p.chat_id) for p in published] == [
        ("decision", date(2026, 11, 29), group.id),
        ("result", date(2026, 12, 30), group.id),
    ]
    assert [row[:3] for row in await steps_stored(h)] == [
        (1, 1, "2026-11-22"),
        (1, 2, "2026-11-23"),
        (1, 3, "2026-11-29"),
        (1, 4, "2026-11-29"),
    ]
    async with h.db.read() as c:
        actions = [
            str(row[0])
            for row in await c.execute_fetchall(
                "SELECT action FROM audit WHERE subject = 'matter:1' ORDER BY id"
            )
        ]
    assert actions == ["matter.open"] + ["matter.step"] * 4 + ["matter.publish"] * 2

    # The ledger, the secretary's and the township's, read back.
    await secretary.says("/matters")
    await secretary.presses("📥 台账（Excel）")
    for person in (secretary, officer):
        if person is officer:
            await officer.says("/matters")
            assert officer.last().endswith("没有进行中的事项。")  # finished: not open
            await officer.presses("📥 台账（Excel）：东岭镇")
        book = sheets.book(document(person))
        assert book.sheetnames == ["事项", "过程记录"]
        ledger = book["事项"]
        assert sheets.title(ledger).startswith("四议两公开台账 · ")
        assert sheets.heading(ledger)[:8] == (
            "支部",
            "序号",
            "标题",
            "事项说明",
            "立项",
            "状态",
            "第1步 日期",
            "第1步 应到",
        )
        assert sheets.heading(ledger)[30:] == (
            "决议公开",
            "决议公开方式",
            "实施结果公开",
            "结果公开方式",
        )
        (row,) = sheets.rows(ledger)
        assert row[:6] == (
            "东岭村党支部",
            1,
            "硬化村东道路",
            "村东两公里土路雨天难走，拟硬化，预算二十万元。",
            datetime(2026, 11, 24),
            "实施结果已公开",
        )
        assert row[6:12] == (datetime(2026, 11, 22), 3, 2, 2, 0, 0)
        assert row[12:18] == (datetime(2026, 11, 23), 9, 7, 5, 1, 1)
        assert row[24:30] == (datetime(2026, 11, 29), 30, 20, 18, 1, 1)
        assert row[30:] == (datetime(2026, 11, 29), "群内发布", datetime(2026, 12, 30), "群内发布")
        history = sheets.rows(book["过程记录"])
        days = [r[0] for r in history]
        assert days == sorted(days)  # in date order: step 1 (11-22) before the opening (11-24)
        assert [r[3] for r in history][:3] == [
            "第 1 步：村党支部提议——通过（赞成/反对/弃权 2/0/0，实到 2，应到 3）",
            "第 2 步：“两委”会议商议——通过（赞成/反对/弃权 5/1/1，实到 7，应到 9）",
            "立项",
        ]
        assert history[-1][3:] == (
            "实施结果公开（群内发布）",
            "道路已完工，实际花费十九万元，已通过验收。",
            "东岭书记",
        )


async def test_a_vote_that_fails_ends_the_matter_and_a_notice_board_records_the_day(
    h: Harness, county: dict[str, int], clock: FrozenClock, staff: Person
) -> None:
    """South has no group chat: its decision is recorded as put up on the notice board.
    Another matter fails at its first step, a third is withdrawn; the county's staff see
    the open ones of every township."""
    secretary = await make_secretary(h, county["south"], name="南坡书记")
    other = await make_secretary(h, county["west"], name="西河书记")
    for title in ("修缮村部", "建文化广场", "改造水塘"):
        await secretary.says("/matters")
        await secretary.presses("➕ 新建事项")
        await secretary.says(title)
        await secretary.says(f"{title}的说明。")
        await secretary.presses("✅ 完成")
        await secretary.presses("✅ 立项")

    # 修缮村部 is decided (set up here through the service, its form walked above).
    for step, held in ((1, 20), (2, 21), (3, 22), (4, 23)):
        await matters.record_step(
            h.db,
            clock,
            matters.StepDraft(1, step, date(2026, 11, held), 9, 9, (9, 0, 0), None, ""),
            secretary.id,
        )
    # 建文化广场 fails at its first step: 2 of 5 present for.
    await secretary.presses("建文化广场")
    await records_step(secretary, "今天", "5", "5", "2 2 1")
    assert secretary.sees()[-2] == "已保存。第 1 步未通过：该事项到此终止。"
    assert "进展：第 1 步未通过：村党支部提议" in secretary.last()
    assert not h.emu.last(secretary.user).buttons
    # 改造水塘 is withdrawn.
    await secretary.says("/matters")
    await secretary.presses("改造水塘")
    await secretary.presses("🗑 撤回")
    await secretary.says("撤回吧")  # typed, not pressed: told to press, nothing done
    assert secretary.last() == "请用按钮选择。"
    async with h.db.read() as c:
        still = await matter_repo.get(c, 3)
    assert still is not None and still.state == "open"
    await secretary.presses("🗑 撤回")
    assert secretary.last() == "已撤回。台账中仍保留。"

    # Another branch's secretary may not open south's card.
    before = snapshot(h)
    h.emu.press_data(other.user, h.emu.last(secretary.user), MatterCard(1).pack())
    await h.settle()
    assert other.answers()[-1] == NOT_YOURS
    assert snapshot(h) == before

    await secretary.says("/matters")
    await secretary.presses("修缮村部")
    await secretary.presses("📢 公开决议")
    assert secretary.last().startswith(
        "📢 决议公开：修缮村部\n该支部还没有绑定群聊（可用 /bind 绑定），因此记为在公开栏张贴"
    )
    await secretary.says("11-22")
    assert secretary.last() == "不能早于上一步的日期 2026-11-23。"
    await secretary.presses("今天")
    await secretary.says("同意修缮村部屋顶。")
    assert secretary.last().startswith("以下内容将记为 2026-11-24 在公开栏张贴：")
    await secretary.presses("✅ 保存")
    assert secretary.sees()[-2] == "已保存：2026-11-24 已在公开栏公开。"
    async with h.db.read() as c:
        states = [m.state for m in await matter_repo.of_branches(c, [county["south"]])]
        (published,) = await matter_repo.publications(c, [1])
    assert states == ["withdrawn", "rejected", "published"]
    assert (published.published_on, published.chat_id) == (date(2026, 11, 24), None)

    await staff.says("/matters")
    assert staff.last() == (
        "🗳 进行中的事项（四议两公开）：青山县\n决议已公开，待公开实施结果：\n"
        "• 南坡村党支部 · 修缮村部：2026-11-24 公开决议"
    )
    await staff.presses("📥 台账（Excel）：青山县")
    message = next(m for m in reversed(h.emu.messages(staff.user)) if m.document)
    assert message.document is not None
    assert message.document["file_name"] == "四议两公开台账-青山县-2026-11-24.xlsx"
    rows = sheets.rows(sheets.book(document(staff))["事项"])
    assert [(r[2], r[5]) for r in rows] == [
        ("修缮村部", "决议已公开，待公开实施结果"),
        ("建文化广场", "第 1 步未通过：村党支部提议"),
        ("改造水塘", "已撤回"),
    ]
    assert rows[0][30:32] == (datetime(2026, 11, 24), "公开栏张贴")


def buttons(person: Person) -> list[str]:
    return [label for row in person.h.emu.last(person.user).buttons for label, _ in row]


async def decided_matter(h: Harness, clock: FrozenClock, branch: int, by: int, title: str) -> int:
    """A matter through its four steps (set up through the service; the forms are walked
    above)."""
    opened = await matters.open_matter(h.db, clock, branch, title, "说明", [], by)
    for step in (1, 2, 3, 4):
        await matters.record_step(
            h.db,
            clock,
            matters.StepDraft(opened.id, step, clock.today(), 9, 9, (9, 0, 0), None, ""),
            by,
        )
    return opened.id


async def test_every_matter_is_reached_page_by_page_and_the_overview_ranks_no_branch(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """A branch with 23 matters: the secretary reaches every one, page by page, each with
    its number in the branch (not the county's id). The township's overview lists by
    township and branch — the branch whose matter has stood longest is not put on top —
    and the matters whose decision is public, waiting for the result, under their own
    heading after those at a step."""
    secretary = await make_secretary(h, county["east"], name="东岭书记")
    south = await make_secretary(h, county["south"], name="南坡书记")
    officer = await township_staff(h, county["west"], county["dongling"], "东岭镇委员")
    # South's matter is opened first, and is left standing at step 1 the longest.
    await matters.open_matter(h.db, clock, county["south"], "南坡修桥", "说明", [], south.id)
    clock.advance(timedelta(days=10))
    published = await decided_matter(h, clock, county["east"], secretary.id, "东岭路灯")
    await matters.publish(
        h.db, clock, published, "decision", clock.today(), "同意。", secretary.id, to_group=False
    )
    for n in range(1, 23):
        await matters.open_matter(
            h.db, clock, county["east"], f"事项{n:02d}", "说明", [], secretary.id
        )
    clock.advance(timedelta(days=2))

    await secretary.says("/matters")
    first = secretary.last().split("\n")
    assert first[:3] == [
        "🗳 东岭村党支部的事项（四议两公开）",
        "第 1 页，共 2 页",
        "• 23号 事项22：待第 1 步：村党支部提议",
    ]
    assert len(first) == 2 + matters.PAGE
    labels = buttons(secretary)
    assert labels[matters.PAGE :] == ["第 2 页 ▶", "➕ 新建事项", "📥 台账（Excel）"]
    cards = {
        data
        for row in h.emu.last(secretary.user).buttons
        for _, data in row
        if data.startswith("mtr:card:")
    }
    await secretary.presses("第 2 页 ▶")  # the same message, now page 2
    second = secretary.last().split("\n")
    assert second == [
        "🗳 东岭村党支部的事项（四议两公开）",
        "第 2 页，共 2 页",
        "• 3号 事项02：待第 1 步：村党支部提议",
        "• 2号 事项01：待第 1 步：村党支部提议",
        "• 1号 东岭路灯：决议已公开，待公开实施结果",
    ]
    assert buttons(secretary) == [
        "事项02",
        "事项01",
        "东岭路灯",
        "◀ 第 1 页",
        "➕ 新建事项",
        "📥 台账（Excel）",
    ]
    cards |= {
        data
        for row in h.emu.last(secretary.user).buttons
        for _, data in row
        if data.startswith("mtr:card:")
    }
    assert len(cards) == 23  # every matter of the branch can be opened
    await secretary.presses("东岭路灯")
    assert secretary.last().startswith("🗳 东岭路灯")
    await secretary.says("/matters")
    await secretary.presses("第 2 页 ▶")
    await secretary.presses("◀ 第 1 页")
    assert secretary.last().split("\n") == first

    await officer.says("/matters")
    page = officer.last().split("\n")
    assert page[:5] == [
        "🗳 进行中的事项（四议两公开）：东岭镇",
        "第 1 页，共 2 页",
        "推进中：",
        "• 东岭村党支部 · 事项01：待第 1 步：村党支部提议，已 2 天",
        "• 东岭村党支部 · 事项02：待第 1 步：村党支部提议，已 2 天",
    ]
    assert len(page) == 3 + matters.PAGE
    assert buttons(officer)[matters.PAGE :] == ["第 2 页 ▶", "📥 台账（Excel）：东岭镇"]
    await officer.presses("第 2 页 ▶")
    assert officer.last().split("\n") == [
        "🗳 进行中的事项（四议两公开）：东岭镇",
        "第 2 页，共 2 页",
        "推进中：",
        "• 东岭村党支部 · 事项21：待第 1 步：村党支部提议，已 2 天",
        "• 东岭村党支部 · 事项22：待第 1 步：村党支部提议，已 2 天",
        "• 南坡村党支部 · 南坡修桥：待第 1 步：村党支部提议，已 12 天",
        "决议已公开，待公开实施结果：",
        "• 东岭村党支部 · 东岭路灯：2026-12-04 公开决议",
    ]
    assert buttons(officer) == [
        "东岭村党支部 · 事项21",
        "东岭村党支部 · 事项22",
        "南坡村党支部 · 南坡修桥",
        "东岭村党支部 · 东岭路灯",
        "◀ 第 1 页",
        "📥 台账（Excel）：东岭镇",
    ]
    await officer.presses("南坡村党支部 · 南坡修桥")
    assert officer.last().startswith("🗳 南坡修桥\n南坡村党支部 · 2026-11-24 立项")

    # A page of a branch the person does not manage, or of an overview they do not have:
    # refused, nothing changed.
    far = await make_secretary(h, county["west"], name="西河书记")
    await far.says("/matters")
    before = snapshot(h)
    for data in (MatterPage(county["east"], 1).pack(), MatterPage(0, 1).pack()):
        h.emu.press_data(far.user, h.emu.last(far.user), data)
        await h.settle()
        assert far.answers()[-1] == NOT_YOURS
    assert snapshot(h) == before


async def test_a_step_offers_only_held_sessions_and_only_its_own_body_s_figures(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """Step 2 (the two committees) may be linked to a session, but its record's people
    are not the joint meeting's: no figure is offered. Step 3 (the members' assembly)
    counts only the branch's full members: not a probationary member, an activist
    invited, or a member of another branch it hosts. A session scheduled for later in
    the day has not been held: it is not offered."""
    secretary = await make_secretary(h, county["east"], name="东岭书记")
    opened = await matters.open_matter(
        h.db, clock, county["east"], "修缮村部", "说明", [], secretary.id
    )
    await matters.record_step(
        h.db,
        clock,
        matters.StepDraft(opened.id, 1, date(2026, 11, 20), 5, 5, (5, 0, 0), None, ""),
        secretary.id,
    )

    async def session(kind: str, hour: int, topic: str, state: str) -> int:
        async with h.db.tx() as c:
            made = await meeting_repo.add_meeting(
                c,
                NewMeeting(
                    branch_id=county["east"],
                    kind=kind,  # type: ignore[arg-type]
                    starts_at=clock.now().replace(hour=hour, minute=0),
                    place="村委会",
                    topic=topic,
                    created_by=secretary.id,
                ),
                clock.now(),
            )
            await c.execute("UPDATE meetings SET state = ? WHERE id = ?", (state, made.id))
        return made.id

    joint = await session("committee", 8, "两委联席会", "closed")
    async with h.db.tx() as c:
        await attends(c, joint, {county["roster:0001"]: "present"})
    await secretary.says("/matters")
    await secretary.presses("修缮村部")
    await secretary.presses("✍️ 记录第 2 步：“两委”会议商议")
    await secretary.presses("今天")
    await secretary.presses("08:00 支委会 · 两委联席会")
    assert secretary.last() == "“两委”成员共有多少人（即应到人数）？请输入数字。"
    assert not h.emu.last(secretary.user).buttons  # the session's record is not its body
    await secretary.says("9")
    assert not h.emu.last(secretary.user).buttons
    await secretary.says("9")
    await secretary.says("9 0 0")
    await secretary.presses("跳过")
    await secretary.presses("✅ 保存")

    assembly = await session("assembly", 9, "党员大会", "closed")
    await session("assembly", 19, "晚上的党员大会", "scheduled")  # later today: not held yet
    async with h.db.tx() as c:
        probationary = await roster_member(c, county["east"], "预备党员", "probationary")
        activist = await roster_member(c, county["east"], "积极分子", "activist")
        hosted = await roster_member(c, county["west"], "外来党员", host=county["east"])
        away = await roster_member(c, county["east"], "请假党员")
        await attends(
            c,
            assembly,
            {
                county["roster:0001"]: "present",
                county["roster:0002"]: "remote",
                away: "leave",
                probationary: "present",
                activist: "present",
                hosted: "present",
            },
            guests=[activist],
            by=secretary.id,
        )
    await secretary.presses("✍️ 记录第 3 步：党员大会审议")
    await secretary.presses("今天")
    assert secretary.last() == "这次会议是下面哪一次活动？"
    assert buttons(secretary) == ["09:00 支部党员大会 · 党员大会", "都不是"]
    await secretary.presses("09:00 支部党员大会 · 党员大会")
    await secretary.presses("3（按活动记录）")  # the three full members of east invited
    await secretary.presses("2（按活动记录）")  # two of them there, one remotely
    await secretary.says("2 0 0")
    await secretary.presses("跳过")
    await secretary.presses("✅ 保存")
    assert [row[:5] + row[9:10] for row in await steps_stored(h)][2] == (
        opened.id,
        3,
        "2026-11-24",
        3,
        2,
        assembly,
    )


async def test_a_post_confirmed_after_midnight_is_recorded_on_the_day_it_was_posted(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """The secretary begins the decision's post before midnight and confirms it after:
    it is recorded as made public on the day it was posted, and the preview named no
    date it could not keep."""
    secretary = await make_secretary(h, county["east"], name="东岭书记")
    (member,) = await registered(h, county["east"], ["东岭党员"])
    group = await branch_group(h, county["east"], "东岭群", [secretary, member])
    matter = await decided_matter(h, clock, county["east"], secretary.id, "建文化广场")
    clock.advance(timedelta(hours=13, minutes=50))  # 23:50
    await secretary.says("/matters")
    await secretary.presses("建文化广场")
    await secretary.presses("📢 公开决议")
    await secretary.presses("📢 发到群 东岭群")
    await secretary.says("同意建设文化广场。")
    assert secretary.last().startswith("以下内容将发到群 东岭群，并记为今天公开：")
    assert secretary.last().endswith("公开日期：发布当日。")
    clock.advance(timedelta(minutes=20))  # 00:10 the next day
    await secretary.presses("📢 发布")
    assert secretary.sees()[-2] == "📢 已发到群里，记为 2026-11-25 公开。"
    assert member.sees(group)[-1].endswith("公开日期：2026-11-25。")
    async with h.db.read() as c:
        (published,) = await matter_repo.publications(c, [matter])
    assert published.published_on == date(2026, 11, 25)
