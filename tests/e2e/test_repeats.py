"""Telegram hands a press (or a message) over twice: it is answered once.

Every kind of button the bot shows is pressed by someone it is meant for, and Telegram
then delivers that press again under a new update id and query id (the emulator's
``redeliver``). Nobody may see anything more — no second answer, no message sent or
changed — and the database is as the first press left it. A typed answer handed over
twice is not taken for the next answer either.
"""

from __future__ import annotations

from bot.clock import FrozenClock
from sandbox.emulator import Emulator
from storage import dialogs as dialog_repo
from tests.e2e.flows import make_secretary, snapshot
from tests.e2e.test_button_access import ROLES, TABLE, Shown, scenario
from tests.harness import Harness, Person


def what_everyone_sees(emu: Emulator) -> tuple[object, ...]:
    chats = {
        chat: [(m.text, m.caption, m.reply_markup) for m in messages]
        for chat, messages in emu.history.items()
    }
    answers = {
        user: [a.text for a in emu.callback_answers(emu.users[user]) if a.text]
        for user in emu.users
    }
    return chats, answers


async def test_every_kind_of_press_handed_over_twice_is_answered_once(
    h: Harness, county: dict[str, int], staff: Person, clock: FrozenClock
) -> None:
    shown = Shown()
    h.emu.subscribe(shown)
    cast = await scenario(h, county, staff, clock)
    h.emu.unsubscribe(shown)
    tried = []
    # Withdrawing a visit goes last: after it, the visit's other buttons find it gone.
    for kind, data in sorted(shown.kinds.items(), key=lambda item: (item[0] == "vst:gone", item)):
        role = next(r for r in ROLES if TABLE[kind][r] == "✓")
        person = cast[role]
        h.emu.press_data(person.user, h.emu.messages(person.user)[-1], data)
        pressed = h.emu.update_ids_queued[-1]
        await h.settle()
        before = (snapshot(h), what_everyone_sees(h.emu))

        h.emu.redeliver(pressed)
        await h.settle()

        assert (snapshot(h), what_everyone_sees(h.emu)) == before, f"{kind} by {role}"
        answers = h.emu.callback_answers(person.user)
        assert answers[-1].text is None  # the copy only stops its spinner
        tried.append(kind)
        await person.says("/cancel")
    assert sorted(tried) == sorted(TABLE)


async def test_a_typed_answer_handed_over_twice_is_not_the_next_answer(
    h: Harness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    await secretary.says("/push")
    await secretary.presses("🚶 流动党员（0）")
    h.emu.send_text(secretary.user, "学习材料的标题")
    title = h.emu.update_ids_queued[-1]
    await h.settle()
    seen = secretary.sees()
    h.emu.redeliver(title)
    await h.settle()
    assert secretary.sees() == seen  # not taken for the body, nothing said twice
    async with h.db.read() as c:
        form = await dialog_repo.get(c, secretary.id, secretary.id)
    assert form is not None and form.step == "content"
    assert form.data["title"] == "学习材料的标题"
