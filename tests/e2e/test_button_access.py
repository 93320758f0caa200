"""Who may press what: every kind of button the bot shows, pressed by every role.

A branch lives through a short scenario in which the bot shows each of its buttons to
the person it is meant for: an applicant's request, an invite, a material, a meeting's
check-in and a leave request, a note, a notice, a visit, the member list, the reports.
The test then collects the callback data of every button shown to anyone and has each
role press each kind — as a stranger pressing a forwarded message would, or a member
crafting data by hand. A refusal must say so in the person's language and change nothing
in the database; the table of who gets through is data here and in docs/access.md
(tests/unit/test_docs.py keeps the two equal).
"""

from __future__ import annotations

from datetime import timedelta

from bot import i18n, matters, notices, rectification, roles, todo
from bot.access import load_actor
from bot.callbacks import unpack
from bot.clock import FrozenClock
from sandbox.emulator import SimMessage
from storage import leadership as leadership_repo
from storage import members as member_repo
from storage import org as org_repo
from storage.models import NewNotice, NewRectification, NewResearchReport
from tests.conftest import START
from tests.e2e.flows import (
    branch_group,
    invite_code,
    join,
    log_visit,
    make_leader,
    make_secretary,
    material_and_notice,
    registered,
    schedule,
    snapshot,
)
from tests.harness import Harness, Person

# In the order they press: the leader withdraws the visit, so the former leader goes first.
ROLES = (
    "stranger",
    "pending",
    "member",
    "flowing",
    "secretary",
    "other secretary",
    "demoted secretary",
    "former leader",
    "leader",
    "township staff",
    "staff",
)
TOMORROW_1930 = START.replace(hour=19, minute=30) + timedelta(days=1)

# What a refused press may answer: polite lines the bot has, in the people's language.
_zh = i18n.translator("zh-hans")
REFUSALS = {
    _zh(line)
    for line in (
        "This button is no longer active.",
        "This is not yours to manage.",
        "This is not yours to decide.",
        "This material was not sent to you.",
        "This notice was not sent to you.",
        "You are not invited to this session.",
        "Only organisation staff can do this.",
        "Only branch secretaries and organisation staff can do this.",
        "Only the secretary of that branch can confirm it.",
        "Only members of a branch can send heartfelt notes.",
        "You are not registered yet. To join your branch, open the invite link your branch "
        "secretary sent you.",
        "Your request to join is waiting for the branch secretary's approval. I will tell you "
        "when it is decided.",
        "Only township and county staff can do this.",
        "Research reports (调研文章) are filed by the township leadership, as marked on the "
        "roster (column 乡镇领导班子).",
    )
}


def only(*allowed: str) -> dict[str, str]:
    return {role: "✓" if role in allowed else "✗" for role in ROLES}


EVERYONE = only(*ROLES)
# Of the branch: its secretary, township staff of its township (东岭镇), county staff; the
# other branch's secretary is refused.
MANAGERS = ("secretary", "township staff", "staff")
# The branch's members, invited to its meetings (a relieved secretary is one of them).
EAST = ("member", "flowing", "secretary", "demoted secretary")
# Members of some branch (township staff are members of south).
MEMBERS = (*EAST, "other secretary", "leader", "former leader", "township staff")
# kind of button (prefix:action) → who gets through (✓) and who is refused (✗).
TABLE: dict[str, dict[str, str]] = {
    "app:ok": only(*MANAGERS),
    "app:no": only(*MANAGERS),  # decide a request to join
    "inv:new": only(*MANAGERS),
    "inv:rv": only(*MANAGERS),  # make / revoke an invite link
    "mat:done": only("flowing"),
    "mat:later": only("flowing"),  # the material's recipient
    "mat:show": only("flowing"),
    "mat:who": only(*MANAGERS),
    "att:in": only(*EAST),
    "att:remote": only(*EAST),
    "att:leave": only(*EAST),
    "lv:ok": only(*MANAGERS),
    "lv:no": only(*MANAGERS),  # decide a leave request
    "mtg:effect": only(*MANAGERS),
    "mtg:lect": only(*MANAGERS),  # complete a record
    # Session records: the branch's managers, and a leader whose contact point it is reads
    # them; the ledger is the managers'.
    "ses:m": only(*MANAGERS, "leader"),
    "ses:card": only(*MANAGERS, "leader"),
    "ses:years": only(*MANAGERS),
    "ses:xlsx": only(*MANAGERS),
    # as pick:record: the newest shown is another branch (south, in township staff's 东岭镇)
    "pick:sessions": only("township staff", "staff"),
    # change a coming session: the branch's list, one session, move it, cancel it
    "mtg:list": only(*MANAGERS),
    "mtg:show": only(*MANAGERS),
    "mtg:move": only(*MANAGERS),
    "mtg:cancel": only(*MANAGERS),
    "note:write": only(*MEMBERS),  # one's own note (on a subject only if it is owed)
    "note:read": only(*MANAGERS),
    "note:star": only(*MANAGERS),
    "note:redo": only(*MANAGERS),
    "note:exempt": only(*MANAGERS),
    "note:lift": only(*MANAGERS),  # lift "unable to write" (a second press confirms)
    "note:full": only(*MANAGERS),  # the whole of a note shortened in the list
    "ntc:ack": only(*EAST),
    "ntc:who": only(*MANAGERS),
    "ntc:remind": only("township staff", "staff"),  # a notice to a unit they oversee
    # cancel a notice before its time (asked once): who may send it, here the secretary's
    "ntc:cancel": only(*MANAGERS),
    "ntc:stop": only(*MANAGERS),
    "ntc:keep": only(*MANAGERS),
    "ntc:show": only(*EAST),  # read a notice again: those it was sent to
    "ntc:mine": only(*MEMBERS, "staff"),  # one's own notices to confirm
    "todo:show": only(*MEMBERS, "staff"),  # one's own list, under the evening reminder
    "home:mk": only(*MANAGERS),  # a make-up lesson for members back home
    "mem:list": only(*MANAGERS),
    "mem:pick": only(*MANAGERS),
    "mem:rm": only(*MANAGERS),
    "mem:com": only(*MANAGERS),
    "mem:cm": only(*MANAGERS),  # who is on the committee
    "vst:ok": only("secretary"),  # confirm a visit to one's branch
    # a visit to east: its leader, and staff (township staff of east's township too)
    "vst:days": only("leader", "township staff", "staff"),
    "vst:rec": only("leader", "township staff", "staff"),
    "vst:del": only("leader", "township staff", "staff"),
    "vst:gone": only("leader", "township staff", "staff"),
    "vst:keep": only("leader", "township staff", "staff"),
    "vst:who": only("staff"),  # choose whose visits (any leader's) to see and correct
    "vst:solve": only("secretary", "leader", "township staff", "staff"),  # solved later
    "quota:set": only("staff"),
    "rpt:kind": only("staff"),  # bulletin or visits: a secretary has only the bulletin
    "rpt:bp": only(*MANAGERS, "other secretary"),  # each their own branch's bulletin
    "rpt:rv": only("staff"),  # the yearly review: a year, then the scope
    "yr:open": only("staff"),
    "yr:good": only("staff"),
    "yr:set": only("staff"),
    "yr:note": only("staff"),
    "yr:add": only("staff"),
    "yr:done": only("staff"),
    # staff choose the branch (here south); a secretary sees their own
    "pick:record": only("township staff", "staff"),
    "rec:show": only(*MANAGERS),
    "lang:en": EVERYONE,
    "lang:zh": EVERYONE,  # one's own language
    # Recording by hand (代登记): the list, a page of it, the question, the entry.
    "hand:new": only(*MANAGERS),
    "hand:ls": only(*MANAGERS),
    "hand:ask": only(*MANAGERS),
    "hand:do": only(*MANAGERS),
    # The rectification ledger (整改台账): east's items, its secretary responsible for them.
    "rect:visit": only("leader", "township staff", "staff"),  # the visit's leader, its staff
    "rect:rv": only("staff"),  # from the yearly review, county staff's
    "rect:new": only("township staff", "staff"),  # an item by hand; then its branch
    "pick:rectify": only("township staff", "staff"),  # as pick:record: south, of 东岭镇
    "rect:ls": only("township staff", "staff"),
    "rect:xlsx": only("township staff", "staff"),
    "rect:card": only("secretary", "township staff", "staff"),  # and whoever is responsible
    "rect:prog": only("secretary"),  # the person responsible
    "rect:ask": only("secretary"),
    "rect:ok": only("township staff", "staff"),  # who oversee the branch
    "rect:back": only("township staff", "staff"),
    "rect:due": only("township staff", "staff"),  # move the deadline
    "rect:who": only("township staff", "staff"),  # change the person responsible
    "rect:my": only("secretary"),  # a page of one's own items (the secretary has 12)
    # The township leadership's study ledger (东岭镇's): county staff choose the township
    # (the newest shown, 西河乡, is not township staff's); a leadership member (here the
    # member) files research reports.
    "lead:show": only("staff"),
    "lead:new": only("township staff", "staff"),
    "lead:xlsx": only("township staff", "staff"),
    "lead:rsr": only("township staff", "staff"),
    "rsr:new": only("member"),
    # a research report: its author's, and their township's staff's and county staff's
    "rsr:open": only("member", "township staff", "staff"),
    # 四议两公开: the branch's secretary keeps its matters; whoever manages it reads them
    "mtr:new": only("secretary"),
    "mtr:card": only(*MANAGERS),
    "mtr:step": only("secretary"),
    "mtr:pub": only("secretary"),
    "mtr:drop": only("secretary"),
    "mtr:xlsx": only(*MANAGERS),  # the branch's ledger
    "mtr:ls": only(*MANAGERS),  # a page of the branch's matters
}


async def scenario(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> dict[str, Person]:
    """The branch's day, through the bot: each button ends up shown to its person."""
    secretary = await make_secretary(h, county["east"])
    other = await make_secretary(h, county["west"], name="西河书记")
    # Secretary of east and a leader with east as contact point, until the end of the day.
    demoted = await make_secretary(h, county["east"], name="前任书记")
    former = await make_leader(h, county["west"], [county["east"]], name="前联系领导")
    (member,) = await registered(h, county["east"], ["普通党员"])
    (flowing,) = await registered(h, county["east"], ["流动党员"], flowing=True)
    (returnee,) = await registered(h, county["east"], ["返乡党员"], flowing=True)
    await registered(h, county["east"], ["要移除的"])  # the one the secretary removes
    leader = await make_leader(h, county["west"], [county["east"]])
    # Township staff of east's township (东岭镇), a member of its other branch (south).
    (township,) = await registered(h, county["south"], ["镇委员"])
    async with h.db.tx() as c:
        await org_repo.grant(c, township.id, "township", county["dongling"], staff.id, clock.now())
    await township.says("/help")
    # The leadership's ledger: county staff choose a township; township staff see theirs
    # (before any session-record button: the newest of those is the branch's). The member
    # is on the township's leadership, and files research reports.
    await staff.says("/leadership")
    await township.says("/leadership")
    async with h.db.tx() as c:
        marked = await member_repo.member_of_user(c, member.id)
        assert marked is not None
        await member_repo.update_member(c, marked.id, {"township_leadership": True}, clock.now())
        await leadership_repo.add_report(
            c,
            NewResearchReport(member_id=marked.id, title="调研", body="正文", created_by=member.id),
            clock.now(),
        )
    await member.says("/research")
    stranger = h.person("陌生人")
    await stranger.says("/help")
    pending = h.person("申请人")
    await join(pending, await invite_code(secretary), name="申请人")
    group = await branch_group(h, county["east"], "东岭群", [secretary, member, flowing])

    # A roster member the secretary once marked unable to write, for the button to lift it.
    async with h.db.tx() as c:
        await member_repo.update_member(c, county["roster:0002"], {"no_writing": True}, clock.now())

    # A material for those working away; they study it. A notice to everyone.
    await material_and_notice(secretary, flowing=2, everyone=6)
    # One of them comes home: the secretary's word with its make-up button, and the
    # catch-up with a button for the notice.
    await returnee.says("/flow")
    await returnee.presses("🏠 我已返乡")

    # A session that closes with notes asked; then a second one whose check-in is open
    # and for which the member asks leave.
    await schedule(secretary, group, remote="是")
    clock.set(TOMORROW_1930 - timedelta(minutes=30))
    await h.tick()
    await flowing.presses("🌐 远程参学", chat=group)
    await secretary.presses("✅ 签到", chat=group)
    await member.presses("✅ 签到", chat=group)  # and owes a note afterwards
    clock.set(TOMORROW_1930 + timedelta(minutes=60))
    await h.tick()
    await secretary.presses("✍️ 现在就写")
    await secretary.says("心得正文，" * 150)  # long: the list shows it shortened
    # Someone came without a phone: the secretary records them by hand, from the record.
    record = next(
        m for m in h.emu.messages(secretary.user) if (m.text or "").startswith("🗂 活动记录")
    )
    await secretary.presses("🖊 代登记", message=record)
    await secretary.presses("📵 陈建国")
    await schedule(secretary, group, when="2026-11-26 19:30", remote="是", topic="第二次")
    clock.set(TOMORROW_1930 + timedelta(days=1, minutes=-30))
    await h.tick()
    await member.presses("📝 请假", chat=group)
    await member.says("家里有事")
    # The secretary opens the open session from /meeting's list of those coming.
    await secretary.says("/meeting")
    await secretary.presses("✏️ 改动已安排的活动（1）")
    await secretary.presses("11-26 19:30 党课 第二次")
    await secretary.says("/cancel")
    # A notice for later, which the secretary thinks of cancelling.
    await secretary.says("/notice")
    await secretary.presses("所有人（6）")
    await secretary.says("月底前交党费。")
    await secretary.presses("否")
    await secretary.says("2026-11-30 08:00")
    await secretary.presses("✅ 发送给 6 人")
    await secretary.presses("🚫 取消这条通知")

    # A visit at the contact point, for the secretary to confirm; a problem found there.
    await log_visit(leader, problem="水渠年久失修")

    # The rectification ledger: east's items, its secretary responsible (set up, not under
    # test), more than a page of them; one asked to be crossed off, for the township to
    # decide; the visit's problem and the review's entry carry their buttons too.
    by = await load_actor(h.db, staff.id, h.settings.admins)
    for n in range(12):
        result, _ = await rectification.raise_item(
            h.db,
            clock,
            NewRectification(
                branch_id=county["east"],
                source="staff",
                project=f"整改事项{n}",
                responsible=secretary.id,
                responsible_name="李书记",
                deadline=START.date() + timedelta(days=30),
                raised_by=staff.id,
            ),
            by,
        )
        assert result == "ok"
    h.services.poke_outbox()
    await h.settle()
    responsible = await load_actor(h.db, secretary.id, h.settings.admins)
    assert (
        await rectification.ask_to_close(
            h.db, clock, 1, responsible, "已整改完毕。", [], h.settings.admins
        )
        == "ok"
    )
    h.services.poke_outbox()
    await h.settle()
    await secretary.says("/rectify")  # their own items, more than a page
    await township.says("/rectify")
    await township.presses("1. 整改事项0")  # its card: decide it, move its deadline
    await township.presses("➕ 新增事项")
    await township.says("/cancel")

    # Another applicant waits, for the buttons on a request to join.
    await join(h.person("另一申请人"), await invite_code(secretary), name="另一申请人")

    # The screens that carry managers' buttons.
    for command in ("/pending", "/study", "/notices", "/notes", "/members", "/report"):
        await secretary.says(command)
    await secretary.presses("👥 支部委员…")
    await secretary.says("/members")
    await secretary.presses("🗑 移除党员…")
    await secretary.presses("要移除的")
    await member.says("/lang")
    await leader.says("/visits")
    withdraw = next(
        m
        for m in h.emu.messages(leader.user)
        if any(d.startswith("vst:del:") for row in m.buttons for _, d in row)
    )
    await leader.presses(
        next(label for row in withdraw.buttons for label, d in row if d.startswith("vst:del:")),
        message=withdraw,
    )
    for command in ("/notices", "/report", "/record", "/visits"):
        await staff.says(command)
    await staff.presses("东岭镇")
    await staff.presses("东岭村党支部")
    await staff.says("/quota")
    await staff.says("/meetings")  # the session records: a branch to choose
    await staff.presses("东岭镇")
    await staff.presses("东岭村党支部")
    await secretary.says("/meetings")
    await secretary.presses("11-25 党课 · 学习党章")  # its card: complete it, its month
    await secretary.says("/meetings")
    await secretary.presses("📥 年度台账（Excel）…")  # the years to export
    # The yearly review needs ten branches to compare: seven more villages, then last
    # year's draft (all alike, so all listed) and the east branch's assessment.
    async with h.db.tx() as c:
        for number in "一二三四五六七":
            await org_repo.add_unit(
                c, "branch", f"西河{number}村党支部", county["xihe"], clock.now()
            )
    await staff.says("/report")
    await staff.presses("🗂 年度评定（五个好）")
    await staff.presses("2025")
    await staff.presses("🏛 全县")
    await staff.presses("📝 东岭村党支部")
    await staff.presses("1. ❔")
    await staff.presses("1. ✅")  # not good: the entry offers 📌 to rectify
    await member.says("/record")
    await flowing.says("/study")
    # More notices than /todo shows, for the button to the rest (set up, not under test).
    for n in range(todo.SHOWN):
        await notices.create(
            h.db,
            clock,
            NewNotice(
                sender=secretary.id,
                scope_unit_id=county["east"],
                audience="everyone",
                body=f"通知 {n}",
                send_at=clock.now(),
            ),
        )
    h.services.poke_outbox()
    await h.settle()
    await member.says("/todo")
    # Village matters (四议两公开): one decided, one open (set up through the service;
    # their forms are walked in test_matters.py), the county's view, the branch's list and
    # both cards.
    decided = await matters.open_matter(
        h.db, clock, county["east"], "修路", "说明", [], secretary.id
    )
    for step in (1, 2, 3, 4):
        await matters.record_step(
            h.db,
            clock,
            matters.StepDraft(decided.id, step, clock.today(), 9, 9, (9, 0, 0), None, ""),
            secretary.id,
        )
    await matters.open_matter(h.db, clock, county["east"], "建广场", "说明", [], secretary.id)
    await staff.says("/matters")
    await secretary.says("/matters")
    await secretary.presses("修路")
    await secretary.presses("建广场")
    for n in range(matters.PAGE):  # more than a page: the branch's list has a ▶ button
        await matters.open_matter(h.db, clock, county["east"], f"事项{n}", "说明", [], secretary.id)
    await secretary.says("/matters")  # the branch's ledger and page buttons last
    # Their roles end (staff's buttons for it are walked in test_rights.py).
    by = await load_actor(h.db, staff.id, h.settings.admins)
    assert await roles.relieve_secretary(h.db, clock, demoted.id, county["east"], by)
    assert await roles.end_leader(h.db, clock, former.id, by)
    await h.settle()
    cast = {
        "stranger": stranger,
        "pending": pending,
        "member": member,
        "flowing": flowing,
        "secretary": secretary,
        "other secretary": other,
        "demoted secretary": demoted,
        "leader": leader,
        "former leader": former,
        "township staff": township,
        "staff": staff,
    }
    return cast


class Shown:
    """The newest callback data of each kind of button the bot showed anyone, sent or
    edited in (forms' own ``dlg:`` buttons are tested by the forms: a form is its person's
    alone)."""

    def __init__(self) -> None:
        self.kinds: dict[str, str] = {}

    def __call__(self, chat_id: int, event: str, message: SimMessage) -> None:
        if event not in ("sent", "edited"):
            return
        for row in message.buttons:
            for _, data in row:
                parsed = unpack(data)
                if parsed is not None and parsed.prefix != "dlg":
                    self.kinds[f"{parsed.prefix}:{parsed.action}"] = data  # the newest is live


async def press(h: Harness, person: Person, data: str) -> str:
    """Press a button carrying ``data`` on a message in the person's own chat (a forwarded
    one, or one they crafted); what they see: the answer, else their first new message."""
    before_answers = len(h.emu.callback_answers(person.user))
    before_messages = len(person.sees())
    own: SimMessage = h.emu.messages(person.user)[-1]
    h.emu.press_data(person.user, own, data)
    await h.settle()
    answers = h.emu.callback_answers(person.user)[before_answers:]
    said = [a.text for a in answers if a.text]
    if said:
        return said[0]
    new = person.sees()[before_messages:]
    return new[0] if new else "(nothing)"


async def test_every_role_against_every_button(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    shown = Shown()
    h.emu.subscribe(shown)
    cast = await scenario(h, county, staff, clock)
    h.emu.unsubscribe(shown)
    kinds = shown.kinds
    seen: dict[str, dict[str, str]] = {}
    # Withdrawing a visit goes last: after it, the visit's other buttons find it gone.
    for kind, data in sorted(kinds.items(), key=lambda item: (item[0] == "vst:gone", item)):
        seen[kind] = {}
        for role in ROLES:
            before = snapshot(h)
            answer = await press(h, cast[role], data)
            refused = answer in REFUSALS
            seen[kind][role] = "✗" if refused else "✓"
            if refused:
                assert snapshot(h) == before, f"{role} pressing {kind} was refused yet changed"
            await cast[role].says("/cancel")
    assert sorted(TABLE) == sorted(seen), (
        sorted(set(TABLE) - set(seen)),
        sorted(set(seen) - set(TABLE)),
    )
    wrong = {
        f"{kind} {role}": cell
        for kind, row in seen.items()
        for role, cell in row.items()
        if cell != TABLE[kind][role]
    }
    assert not wrong, f"cells that differ from the table: {wrong}"
