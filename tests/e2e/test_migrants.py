"""Members working away, seen from both branches: the host branch they name with buttons
invites them and records their attendance, their home branch records them working away
and sees what they do there; where they were is kept as a history; coming home — in the
Spring Festival window too — gives the secretary the list of who is home and what each
missed, a make-up lesson (回乡补课) that invites exactly them, and each of them one
catch-up message with what is still open."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FrozenClock
from storage import meetings as meeting_repo
from storage import members as member_repo
from storage import stays as stay_repo
from storage.models import Member, NewMaterial, NewNotice, OutboxKind
from tests.e2e.flows import (
    branch_group,
    comes_home,
    goes_away,
    make_secretary,
    registered,
    schedule,
)
from tests.harness import Harness, Person

TOMORROW_1930 = datetime.fromisoformat("2026-11-25T19:30:00+08:00")
SPRING = datetime.fromisoformat("2027-01-20T10:00:00+08:00")  # in 01-10..03-05


async def _member(h: Harness, person: Person) -> Member:
    async with h.db.read() as c:
        member = await member_repo.member_of_user(c, person.id)
    assert member is not None
    return member


def _buttons(person: Person) -> list[str]:
    return [label for row in person.h.emu.last(person.user).buttons for label, _ in row]


def _reminders(person: Person) -> list[str]:
    return [t for t in person.sees() if t.startswith(("⏰ 明天", "⏰ 即将开始"))]


async def test_a_member_hosted_by_a_county_branch_attends_there_and_is_away_at_home(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    east = await make_secretary(h, county["east"])
    west = await make_secretary(h, county["west"], name="西河书记")
    (migrant,) = await registered(h, county["east"], ["赵磊"])
    (neighbour,) = await registered(h, county["west"], ["西河党员"])
    east_group = await branch_group(h, county["east"], "东岭村党员群", [east])
    west_group = await branch_group(h, county["west"], "西河村党员群", [west, neighbour])

    # The host is chosen with buttons: a township, then one of its branches — never
    # the member's own.
    await migrant.says("/flow")
    await migrant.presses("🚶 是，我在外地务工")
    await migrant.says("县城")
    await migrant.says("西河砖厂")
    await migrant.presses("本月")
    assert migrant.last().startswith("您务工所在地由哪个党组织管理（流入地党组织）？")
    assert _buttons(migrant) == ["东岭镇", "西河乡", "暂无 / 跳过"]
    await migrant.presses("东岭镇")
    assert migrant.last() == "东岭镇 的哪个支部？"
    assert _buttons(migrant) == ["南坡村党支部", "◀ 返回"]  # not 东岭村, their own
    await migrant.presses("◀ 返回")
    await migrant.presses("西河乡")
    await migrant.presses("西河村党支部")
    assert migrant.last() == (
        "已记录：自 2026-11 起在 县城 务工。已通知支部书记。回来时请再发送 "
        "/flow。\n西河村党支部会邀请您参加他们的活动；您参加的情况本村支部"
        "也能看到。"
    )
    assert east.last() == (
        "🚶 赵磊 外出务工：县城 · 西河砖厂 · 流入地：西河村党支部 · 2026-11 至今。"
    )
    stored = await _member(h, migrant)
    assert stored.flowing and stored.host_branch_id == county["west"]
    assert stored.host_name is None

    # Both branches schedule a session at the same hour; neither can be joined remotely.
    await schedule(west, west_group, remote="否", topic="学习党章")
    assert "邀请：3 人（全体正式党员和预备党员）。" in west.sees()[-2]  # the migrant too
    await schedule(east, east_group, remote="否", kind="支部党员大会", topic="换届")
    async with h.db.read() as c:
        invited = {
            m.id: {p.name for p in await meeting_repo.invited(c, m.id)}
            for m in (await meeting_repo.recent(c, [county["east"], county["west"]]))
        }
    assert invited == {
        1: {"西河书记", "西河党员", "赵磊"},
        2: {"李书记", "赵磊", "陈建国", "王秀英"},
    }

    # Reminded of the host's session only: the home one they cannot attend is not named.
    clock.set(TOMORROW_1930 - timedelta(days=1))
    await h.tick()
    clock.set(TOMORROW_1930 - timedelta(minutes=30))
    await h.tick()
    reminders = _reminders(migrant)
    assert len(reminders) == 2 and all("西河村党支部" in r for r in reminders)
    assert not any("换届" in text for text in migrant.sees())
    # Not in the host's group chat: the check-in post comes privately, with 签到.
    post = migrant.last()
    assert post.startswith("🔔 开始签到") and "支部：西河村党支部" in post
    assert "✅ 签到" in _buttons(migrant)
    await migrant.presses("✅ 签到")
    assert migrant.answers()[-1] == "✅ 签到成功，欢迎！"
    await neighbour.presses("✅ 签到", chat=west_group)

    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()
    host_summary = west.last(west_group)
    assert "应到 3 · 实到 2 · 远程 0 · 请假 0 · 缺席 1" in host_summary
    assert "赵磊（东岭村党支部）" in host_summary.split("❌")[0]  # among the present
    home_summary = east.last(east_group)
    assert "🧳 外出务工，不计应到（1）：赵磊" in home_summary
    async with h.db.read() as c:
        at_host = {a.name: a.status for a in await meeting_repo.attendees(c, 1)}
        at_home = {a.name: a.status for a in await meeting_repo.attendees(c, 2)}
    assert at_host == {"西河党员": "present", "赵磊": "present", "西河书记": "absent"}
    assert at_home["赵磊"] == "away"

    # The home secretary sees it in the roster and in the member's record…
    await east.says("/members")
    assert (
        "赵磊 · 正式党员 — 县城，自 2026-11 · 流入地：西河村党支部，今年在当地参加 1 次"
        in east.last()
    )
    await east.says("/record")
    await east.presses("赵磊")
    record = east.last()
    assert "🧳 外出务工记录\n• 县城 · 西河砖厂 · 流入地：西河村党支部 · 2026-11 至今" in record
    assert "今年在流入地支部参加的活动：\n• 11-25 党课 — 西河村党支部：出席" in record
    # … and the host's secretary sees whom they organise.
    await west.says("/members")
    assert "在本地工作的外村党员 (1)\n• 赵磊（东岭村党支部） — 县城，自 2026-11" in west.last()


async def test_where_they_were_is_kept_when_they_come_back_and_leave_again(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    (migrant,) = await registered(h, county["east"], ["赵磊"])

    # Outside the county, the host is typed by name.
    await goes_away(migrant, "深圳", "2026-03", employer="某电子厂", host="龙华区某街道党工委")
    assert secretary.last() == (
        "🚶 赵磊 外出务工：深圳 · 某电子厂 · 流入地：龙华区某街道党工委 · 2026-03 至今。"
    )
    clock.advance(timedelta(days=30))  # 2026-12-24: no homecoming season
    await comes_home(migrant)
    assert secretary.last() == (
        "🏠 赵磊 已返乡（深圳 · 某电子厂 · 流入地：龙华区某街道党工委 · "
        "2026-03 至 2026-12-24）。外出期间：没有错过。"
    )
    back = await _member(h, migrant)
    assert not back.flowing and back.flow_city is None and back.host_name is None

    clock.advance(timedelta(days=10))
    await goes_away(migrant, "广州", "2027-01")
    # Later, from /me: the host of this stay, a branch of the county — corrected in place.
    await migrant.says("/me")
    await migrant.presses("🏛 流入地党组织")
    await migrant.presses("东岭镇")
    await migrant.presses("南坡村党支部")
    assert migrant.last() == (
        "已保存。流入地党组织：南坡村党支部\n南坡村党支部会邀请您参加他们的"
        "活动；您参加的情况本村支部也能看到。"
    )

    async with h.db.read() as c:
        stays = await stay_repo.of_member(c, back.id)
    assert [
        (s.city, s.employer, s.host_name, s.host_branch_id, s.ended_at is None) for s in stays
    ] == [
        ("深圳", "某电子厂", "龙华区某街道党工委", None, False),
        ("广州", None, None, county["south"], True),
    ]
    await secretary.says("/record")
    await secretary.presses("赵磊")
    assert (
        "🧳 外出务工记录\n• 广州 · 流入地：南坡村党支部 · 2027-01 至今\n"
        "• 深圳 · 某电子厂 · 流入地：龙华区某街道党工委 · 2026-03 至 2026-12-24" in secretary.last()
    )


async def _push_and_notice(secretary: Person, member_at_home: Person) -> None:
    """A material to those working away, a notice to everyone; the member at home
    confirms the notice."""
    await secretary.says("/push")
    await secretary.presses(next(b for b in _buttons(secretary) if b.startswith("🚶 流动党员")))
    await secretary.says("冬季学习")
    await secretary.says("学习内容")
    await secretary.presses("不设截止日期")
    await secretary.presses(next(b for b in _buttons(secretary) if b.startswith("✅ 发送给")))
    await secretary.says("/notice")
    await secretary.presses(next(b for b in _buttons(secretary) if b.startswith("所有人")))
    await secretary.says("春节期间注意防火安全")
    await secretary.presses("否")
    await secretary.presses("立即发送")
    await secretary.presses(next(b for b in _buttons(secretary) if b.startswith("✅ 发送给")))
    await member_at_home.presses("✅ 收到")


async def test_back_for_spring_festival_the_list_the_make_up_lesson_and_the_catch_up(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    first, second, home = await registered(h, county["east"], ["外出甲", "外出乙", "在家丙"])
    (still_away,) = await registered(h, county["east"], ["仍在外丁"], flowing=True)
    group = await branch_group(h, county["east"], "东岭村党员群", [secretary, home])
    await goes_away(first, "深圳", "2026-10")
    await goes_away(second, "东莞", "2026-11")

    # While they are away: a session at home they could not join, a material, a notice.
    await schedule(secretary, group, remote="否")
    clock.set(TOMORROW_1930 - timedelta(minutes=30))
    await h.tick()
    await home.presses("✅ 签到", chat=group)
    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()
    await _push_and_notice(secretary, home)

    # Back for the Spring Festival: the first return brings the season's list.
    clock.set(SPRING)
    await comes_home(first)
    assert first.sees()[-2] == "欢迎回家！已通知支部书记。"
    catch_up = first.last()
    assert catch_up == (
        "🏠 欢迎回家！您外出期间还有以下内容待处理：\n\n📚 学习材料（1）：\n"
        "• 冬季学习\n\n📢 待确认的通知（1）：\n• 11-25 春节期间注意防火安全\n\n"
        "按下可打开，学完或看完后按 ✅。"
    )
    assert _buttons(first) == ["📖 冬季学习", "📢 春节期间注意防火安全"]
    season_list = secretary.last()
    assert season_list == (
        "🏠 东岭村党支部本季返乡党员：1 名\n外出期间各自错过的内容：\n"
        "• 外出甲（深圳 · 2026-10 至 2027-01-20）：错过活动 1 次（11-25 党课）；"
        "未学材料 1 份（冬季学习）；未确认通知 1 条\n\n"
        "可为他们安排回乡补课：按下方按钮安排，只邀请这 1 名党员。"
    )
    assert _buttons(secretary) == ["📚 安排回乡补课"]

    # A second return in the season: one line, not a second list.
    clock.advance(timedelta(days=1))
    await comes_home(second)
    assert secretary.last() == (
        "🏠 外出乙 已返乡（东莞 · 2026-11 至 2027-01-21）。外出期间："
        "错过活动 1 次（11-25 党课）；未学材料 1 份（冬季学习）；"
        "未确认通知 1 条。"
    )
    assert sum(t.startswith("🏠 东岭村党支部本季返乡党员") for t in secretary.sees()) == 1

    # The make-up lesson: the /meeting form, a party lesson or other, for exactly them.
    await secretary.presses("📚 安排回乡补课")
    assert secretary.last() == ("📚 东岭村党支部回乡补课\n邀请：外出乙、外出甲\n是什么类型的活动？")
    assert _buttons(secretary) == ["党课", "其他活动"]
    await secretary.presses("党课")
    await secretary.says("明天 19:30")
    await secretary.says("村委会会议室")
    await secretary.says("补学党的二十届三中全会精神")
    await secretary.says("李书记")
    confirm = secretary.last()
    assert "邀请：2 人（仅限返乡党员）。" in confirm
    await secretary.presses("✅ 安排")
    async with h.db.read() as c:
        makeup = (await meeting_repo.recent(c, [county["east"]]))[0]
        invited = {m.name for m in await meeting_repo.invited(c, makeup.id)}
    assert makeup.audience == "listed" and makeup.kind == "lesson" and not makeup.remote_allowed
    assert invited == {"外出甲", "外出乙"}

    clock.set(datetime.fromisoformat("2027-01-21T19:30:00+08:00"))  # a day before it
    await h.tick()
    reminded = {
        p.user.first_name: [t for t in _reminders(p) if "补学" in t]
        for p in (first, second, home, still_away, secretary)
    }
    assert {name: len(texts) for name, texts in reminded.items()} == {
        "外出甲": 1,
        "外出乙": 1,
        "在家丙": 0,
        "仍在外丁": 0,
        "李书记": 0,
    }
    # Invited now: the button has nobody left to invite.
    await secretary.presses("📚 安排回乡补课")
    assert secretary.answers()[-1] == "返乡党员都已被邀请参加补课。"

    # The catch-up's buttons open the material and the notice, each with its own ✅.
    await first.presses("📖 冬季学习")
    assert first.last().startswith("📚 学习材料：冬季学习")
    await first.presses("✅ 已学习")
    assert first.answers()[-1] == "已记录，感谢您的学习！"
    await first.presses("📢 春节期间注意防火安全")
    assert first.last().startswith("📢 通知\n春节期间注意防火安全")
    await first.presses("✅ 收到")
    assert first.answers()[-1] == "✅ 谢谢，已记录收到。"
    async with h.db.read() as c:
        member = await member_repo.member_of_user(c, first.id)
        assert member is not None and member.telegram_id is not None
        assert await stay_repo.home_again(c, county["east"], SPRING - timedelta(days=1)) == []
        from storage import materials as material_repo
        from storage import notices as notice_repo

        assert await material_repo.open_for_member(c, member.id) == []
        assert await notice_repo.unconfirmed(c, member.telegram_id) == []


async def test_the_season_list_comes_once_for_those_who_came_home_before_it(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    secretary = await make_secretary(h, county["east"])
    early, late = await registered(h, county["east"], ["腊月回", "正月回"], flowing=True)
    clock.set(datetime.fromisoformat("2026-12-20T10:00:00+08:00"))
    await comes_home(early)
    assert secretary.last().startswith("🏠 腊月回 已返乡")  # outside the season: one line

    clock.set(datetime.fromisoformat("2027-01-10T08:59:00+08:00"))
    await h.tick()
    assert secretary.last().startswith("🏠 腊月回 已返乡")  # the season's list waits for 09:00
    clock.set(datetime.fromisoformat("2027-01-10T09:00:00+08:00"))
    await h.tick()
    assert secretary.last().startswith("🏠 东岭村党支部本季返乡党员：1 名")
    assert "• 腊月回（" in secretary.last()
    clock.advance(timedelta(days=1))
    await h.tick()
    await comes_home(late)
    assert secretary.last().startswith("🏠 正月回 已返乡")
    assert sum(t.startswith("🏠 东岭村党支部本季返乡党员") for t in secretary.sees()) == 1


async def test_long_lists_keep_to_telegrams_limits(
    h: Harness, county: dict[str, int], clock: FrozenClock
) -> None:
    """A returnee with 25 materials and 25 notices open, the longest titles; a season
    with 150 back home, the longest names and places: one message each, within 4096
    characters and 100 buttons (the strict emulator refuses more), saying how many more."""
    from bot.markup import length
    from storage import materials as material_repo
    from storage import notices as notice_repo
    from storage import outbox as outbox_repo

    secretary = await make_secretary(h, county["east"])
    names = [f"{n:03d}" + "长" * 29 for n in range(150)]  # 32 characters, the most
    people = await registered(h, county["east"], names, flowing=True, city="城" * 60)
    now = clock.now()
    returnee = await _member(h, people[-1])
    async with h.db.tx() as c:
        for n in range(25):
            material = await material_repo.add_material(
                c,
                NewMaterial(
                    scope_unit_id=county["east"],
                    audience="flowing",
                    title=f"{n:02d}" + "𠀀" * 58,
                    body="正文",
                    created_by=secretary.id,
                ),
                now,
            )
            await material_repo.add_recipients(c, material.id, [(returnee.id, None)], now)
            notice = await notice_repo.add_notice(
                c,
                NewNotice(
                    sender=secretary.id,
                    scope_unit_id=county["east"],
                    audience="everyone",
                    body=f"<b>{n:02d}</b>" + "通知" * 500,
                    send_at=now,
                ),
                now,
            )
            await notice_repo.mark_sent(c, notice.id)
            key = f"test:notice:{notice.id}"
            ids = await outbox_repo.enqueue(
                c, [outbox_repo.Envelope(key, people[-1].id, OutboxKind.NOTICE, notice.id)], now
            )
            await outbox_repo.finish(c, ids[key], "sent", now, message_id=1)
            await notice_repo.add_recipients(
                c,
                notice.id,
                [(people[-1].id, returnee.id, returnee.name, county["east"], ids[key])],
            )
        for person in people[:-1]:  # came home (set up): their stays close
            member = await member_repo.member_of_user(c, person.id)
            assert member is not None
            await member_repo.update_member(
                c, member.id, {"flowing": False, "flow_city": None}, now
            )
    clock.set(SPRING)
    await comes_home(people[-1])
    catch_up = people[-1].last()
    assert length(catch_up) <= 4096 and len(_buttons(people[-1])) == 40
    assert "📚 学习材料（25）：" in catch_up and "📢 待确认的通知（25）：" in catch_up
    assert "其余的：发送 /study 查看全部材料。" in catch_up
    season_list = secretary.last()
    assert season_list.startswith("🏠 东岭村党支部本季返乡党员：150 名")
    assert length(season_list) <= 4096
    shown = season_list.count("\n• ")
    assert 0 < shown < 150 and f"……另有 {150 - shown} 名党员" in season_list
    assert season_list.endswith("只邀请这 150 名党员。")
