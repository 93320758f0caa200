"""A crash between handling an update and noting it done: the update is handled again at
start-up, as the person's next step would have been, and nothing is stored twice.

A crash is made here by hand, deterministically: the update is taken out of the
stored mark and the bot restarted — what the database looks like after a SIGKILL that
came after the handler's work and before its mark. (tests/e2e/test_crash.py kills a real process.)
"""

from __future__ import annotations

from storage import inbox as inbox_repo
from storage import outbox as outbox_repo
from tests.e2e.flows import make_secretary, registered
from tests.harness import Harness, Person

BODY_QUESTION = "现在请发送材料本身："
AGAIN = "✅ 已完成并保存。（我刚刚重启过，所以再确认一次。）"


async def unmark(h: Harness, update_id: int) -> None:
    """Take one update out of the stored mark, as if its mark had not been written."""
    async with h.db.tx() as c:
        rows = list(
            await c.execute_fetchall("SELECT position FROM inbox WHERE update_id = ?", (update_id,))
        )
        assert len(rows) == 1, "every update is journaled"
        position = int(rows[0][0])
        mark = await inbox_repo.mark(c)
        done = {p for first, last in mark.above for p in range(first, last + 1)}
        done |= set(range(1, mark.through + 1))
        assert position in done
        done.discard(position)
        above = inbox_repo.runs({p for p in done if p > position})
        await inbox_repo.write_mark(c, position - 1, above, h.clock.now())


async def crash_after(h: Harness, person: Person) -> None:
    """The person's newest update was handled, but the crash came before its mark."""
    newest = h.emu.update_ids_queued[-1]
    await h.services.journal.flush()  # the marks written so far; then this one undone
    await unmark(h, newest)
    await h.restart()
    await h.settle()


async def test_an_answer_handled_again_resends_its_reply_and_is_not_taken_twice(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    members = await registered(h, county["east"], ["流动甲", "流动乙", "流动丙"], flowing=True)
    await secretary.says("/push")
    await secretary.presses("🚶 流动党员（3）")
    await secretary.says("重启之后")
    assert secretary.last().startswith(BODY_QUESTION)
    seen = len(secretary.sees())

    await crash_after(h, secretary)

    # The title is not taken as the body: the body question comes again, once.
    assert [t[: len(BODY_QUESTION)] for t in secretary.sees()[seen:]] == [BODY_QUESTION]
    await secretary.says("正文没有丢。")
    await secretary.presses("不设截止日期")
    preview = secretary.sees()[-2]
    assert preview.startswith("📚 学习材料：重启之后\n\n正文没有丢。")
    await secretary.presses("✅ 发送给 3 人")
    await crash_after(h, secretary)  # the confirmation, handled again: nothing twice

    for member in members:
        assert [t for t in member.sees() if "学习材料：重启之后" in t] == [preview]
    async with h.db.read() as c:
        assert await outbox_repo.counts(c) == {"sent": 3}
        async with c.execute("SELECT count(*) FROM materials") as cur:
            found = await cur.fetchone()
            assert found is not None and found[0] == 1
    # Its own reply may have been cut off by the crash: it is confirmed once more.
    sending = "正在发送给 3 名党员。发送 /study 可查看谁已收到、谁已学习。"
    assert secretary.sees()[-2:] == [sending, AGAIN]


async def test_a_note_handled_again_is_stored_once_and_confirmed(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    (member,) = await registered(h, county["east"], ["写心得"])
    await secretary.says("/push")
    await secretary.presses("👥 全体党员（4）")
    await secretary.says("重启与心得")
    await secretary.says("正文")
    await secretary.presses("不设截止日期")
    await secretary.presses("✅ 发送给 2 人")
    await member.presses("✅ 已学习")
    await member.presses("✍️ 现在就写")
    await member.says("重启也只存一篇。")
    assert member.last() == "谢谢！您的心得已收到。"

    await crash_after(h, member)

    assert member.last() == AGAIN
    await member.says("/record")
    assert "心得体会：已写 1 篇（优秀 0 篇），待写 0 篇" in member.last()
    await member.says("随便说一句")  # the form is over: this is not a second note
    assert member.last() == "我没看明白。发送 /help 查看我能做什么。"
    await member.says("/record")
    assert "心得体会：已写 1 篇（优秀 0 篇），待写 0 篇" in member.last()


async def test_a_press_handled_again_is_counted_once(h: Harness, county: dict[str, int]) -> None:
    secretary = await make_secretary(h, county["east"])
    (member,) = await registered(h, county["east"], ["流动丁"], flowing=True)
    await secretary.says("/push")
    await secretary.presses("🚶 流动党员（1）")
    await secretary.says("按两次")
    await secretary.says("只记一次。")
    await secretary.presses("不设截止日期")
    await secretary.presses("✅ 发送给 1 人")
    await member.presses("✅ 已学习")
    seen = member.sees()

    await crash_after(h, member)

    assert member.sees() == seen

    assert member.answers() == ["已记录，感谢您的学习！"]  # a replayed press is not answered
    await secretary.says("/study")
    assert "按两次 · 11-24\n已送达 1 · 已学习 1 · 未学习 0 · 联系不上 0" in secretary.last()
