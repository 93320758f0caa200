"""Steps that several flows share: a secretary in place, an invite link, a member joining."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta

from sandbox.emulator import SimChat
from storage import members as member_repo
from storage import org as org_repo
from storage.models import NewMember
from tests.harness import Harness, Person

LINK = re.compile(r"https://t\.me/zhibu_test_bot\?start=([A-Za-z0-9_-]{1,64})")


async def make_secretary(
    h: Harness, branch_id: int, name: str = "李书记", language: str = "zh-hans"
) -> Person:
    """A registered member who already is the branch's secretary (set up, not under test)."""
    person = h.person(name, language=language)
    await person.says("/start")
    now = h.clock.now()
    async with h.db.tx() as c:
        await member_repo.insert_member(
            c,
            NewMember(
                branch_id=branch_id,
                name=name,
                birth_year=1970,
                status="full",
                state="active",
                telegram_id=person.id,
            ),
            now,
        )
        await org_repo.grant(c, person.id, "secretary", branch_id, None, now)
    return person


async def invite_code(secretary: Person) -> str:
    await secretary.says("/invite")
    for text in reversed(secretary.sees()):
        match = LINK.search(text)
        if match:
            return match.group(1)
    raise AssertionError(f"no invite link in {secretary.sees()[-3:]}")


async def join(
    member: Person,
    code: str,
    *,
    name: str,
    year: str = "1980",
    status: str = "正式党员",
    phone: str | None = "+8613800001111",
    away: tuple[str, str | None] | None = None,
) -> None:
    """Walk the whole joining conversation in Chinese and submit."""
    await member.opens_link(code)
    await member.says(name)
    await member.says(year)
    await member.presses(status)
    if phone is None:
        await member.presses_keyboard("跳过")
    else:
        await member.shares_contact(phone)
    if away is None:
        await member.presses("否")
    else:
        city, employer = away
        await member.presses("是")
        await member.says(city)
        if employer is None:
            await member.presses("跳过")
        else:
            await member.says(employer)
        await member.presses("本月")
    await member.presses("✅ 提交")


async def goes_away(
    person: Person,
    city: str,
    since: str | None = None,
    *,
    employer: str | None = None,
    host: tuple[str, str] | str | None = None,
) -> None:
    """/flow: working away from ``since`` (typed year-month; None: this month's button);
    the host organisation named with the buttons (township, branch), typed (outside the
    county), or skipped."""
    await person.says("/flow")
    await person.presses("🚶 是，我在外地务工")
    await person.says(city)
    if employer is None:
        await person.presses("跳过")
    else:
        await person.says(employer)
    if since is None:
        await person.presses("本月")
    else:
        await person.says(since)
    if host is None:
        await person.presses("暂无 / 跳过")
    elif isinstance(host, str):
        await person.says(host)
    else:
        township, branch = host
        await person.presses(township)
        await person.presses(branch)


async def comes_home(person: Person) -> None:
    await person.says("/flow")
    await person.presses("🏠 我已返乡")


async def registered(
    h: Harness,
    branch_id: int,
    names: list[str],
    *,
    flowing: bool = False,
    city: str = "深圳",
    language: str = "zh-hans",
) -> list[Person]:
    """Members who joined earlier and have a private chat with the bot (set up, not under
    test): one Telegram user and one active member row each."""
    people = []
    now = h.clock.now()
    async with h.db.tx() as c:
        for name in names:
            person = h.person(name, language=language)
            person.user.started = True
            await member_repo.touch_user(c, person.id, name, None, language, now, private=True)
            await member_repo.insert_member(
                c,
                NewMember(
                    branch_id=branch_id,
                    name=name,
                    birth_year=1985,
                    status="full",
                    state="active",
                    telegram_id=person.id,
                    flowing=flowing,
                    flow_city=city if flowing else None,
                ),
                now,
            )
            people.append(person)
    return people


async def on_roster_only(h: Harness, branch_id: int, name: str, *, flowing: bool = False) -> None:
    """A member from the imported roster who never opened the bot."""
    async with h.db.tx() as c:
        await member_repo.insert_member(
            c,
            NewMember(
                branch_id=branch_id,
                name=name,
                birth_year=1960,
                status="full",
                state="active",
                flowing=flowing,
                flow_city="广州" if flowing else None,
            ),
            h.clock.now(),
        )


async def branch_group(h: Harness, branch_id: int, title: str, people: list[Person]) -> SimChat:
    """A group chat with these people, already tied to the branch (set up, not under test)."""
    group = h.group(title, people)
    async with h.db.tx() as c:
        await org_repo.bind_group(c, group.id, branch_id, title, people[0].id, h.clock.now())
    return group


async def schedule(
    secretary: Person,
    group: SimChat | None,
    *,
    when: str = "明天 19:30",
    remote: str = "是",
    kind: str = "党课",
    topic: str = "学习党章",
) -> None:
    await secretary.says("/meeting", chat=group)
    if group is not None:
        assert secretary.last(group) == "我已私信您，请在私聊中完成安排。"
    await secretary.presses(kind)
    await secretary.says(when)
    await secretary.says("村委会会议室")
    await secretary.says(topic)
    await secretary.says("王书记")
    await secretary.presses(remote)
    if "积极分子" in secretary.last():  # the branch has activists: none added
        await secretary.presses("继续 ▶")
    await secretary.presses("✅ 安排")


async def make_leader(
    h: Harness,
    home_branch: int,
    contact_points: list[int],
    name: str = "县领导",
    appointed: datetime | None = None,
) -> Person:
    """A member who is a leader with contact points (set up, not under test), appointed
    a year before now unless ``appointed`` says when."""
    (person,) = await registered(h, home_branch, [name])
    when = appointed or h.clock.now() - timedelta(days=365)
    async with h.db.tx() as c:
        await org_repo.grant(c, person.id, "leader", None, None, when)
        for branch_id in contact_points:
            await org_repo.add_contact_point(c, person.id, branch_id, None, when)
    return person


async def township_notice_asked(
    h: Harness, county: dict[str, int], staff: Person
) -> tuple[Person, Person, Person, Person, Person]:
    """Staff fill in a notice to everyone in 东岭镇, to go now, up to its confirmation.
    Its readers: east's secretary and two who joined there (east also has 陈建国 and 王秀英
    on the roster, who never opened the bot), south's one who joined and one who blocked
    the bot. Returns (secretary, reader, idle, south, blocker)."""
    secretary = await make_secretary(h, county["east"])
    reader, idle = await registered(h, county["east"], ["东岭甲", "东岭乙"])
    south, blocker = await registered(h, county["south"], ["南坡甲", "拉黑者"])
    h.emu.block(blocker.user)
    await staff.says("/notice")
    await staff.presses("东岭镇")
    await staff.presses("东岭镇全部")
    await staff.presses("所有人（5）")
    await staff.says("本周六上午召开党员大会。")
    await staff.presses("立即发送")
    return secretary, reader, idle, south, blocker


async def material_and_notice(secretary: Person, *, flowing: int, everyone: int) -> None:
    """A material to the branch's members working away, and a notice to everyone, now
    (the counts are what the buttons show)."""
    await secretary.says("/push")
    await secretary.presses(f"🚶 流动党员（{flowing}）")
    await secretary.says("材料")
    await secretary.says("正文")
    await secretary.presses("不设截止日期")
    await secretary.presses(f"✅ 发送给 {flowing} 人")
    await secretary.says("/notice")
    await secretary.presses(f"所有人（{everyone}）")
    await secretary.says("通知正文")
    await secretary.presses("否")
    await secretary.presses("立即发送")
    await secretary.presses(f"✅ 发送给 {everyone} 人")


async def log_visit(leader: Person, point: str | None = None, problem: str | None = None) -> None:
    """A day of research at a contact point today (``point``: which, if they have more;
    ``problem``: one found there and not solved yet)."""
    await leader.says("/visit")
    if point is not None:
        await leader.presses(point)
    await leader.presses("今天")
    await leader.presses("1")
    await leader.presses("调查研究")
    await leader.says("走访了三户。")
    if problem is None:
        await leader.presses("没有")
    else:
        await leader.says(problem)
        await leader.presses("否")
    await leader.presses_keyboard("跳过")
    await leader.presses("✅ 保存")


def snapshot(h: Harness) -> dict[str, list[tuple[object, ...]]]:
    """Every table but the ones any press touches (who was last seen, the update journal,
    and the menu noted due when someone with a role first opens the chat)."""
    path = h.settings.database
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        tables = [
            r[0]
            for r in c.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
                "('users', 'inbox_batches', 'inbox_mark', 'personal_menus', 'sqlite_sequence')"
            )
        ]
        return {
            t: sorted(map(tuple, c.execute(f"SELECT * FROM {t}").fetchall()), key=repr)
            for t in tables
        }


async def from_outbox(h: Harness, person: Person) -> list[str]:
    """The kinds of the outbox rows sent to this person, oldest first, each checked against
    what they see: the message the row recorded is in their chat."""
    async with h.db.read() as c:
        rows = list(
            await c.execute_fetchall(
                "SELECT kind, message_id FROM outbox WHERE chat_id = ? AND state = 'sent' "
                "ORDER BY id",
                (person.id,),
            )
        )
    shown = {m.message_id for m in h.emu.messages(person.user)}
    assert all(int(message_id) in shown for _, message_id in rows)
    return [str(kind) for kind, _ in rows]
