"""`zhibu run` killed with SIGKILL in the middle of a 1,000-member push, then started again:
every member gets the material, and nobody gets it twice beyond the few in flight. On the
way, `zhibu backup` copies the database while the bot is busy writing it.

The bot runs as a real subprocess against the emulator in this process; the secretary
pushes through the chat as usual.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sandbox.emulator import Emulator, FloodLimits, SimUser
from tests.e2e.process import BotProcess, seed_east, until, zhibu

RECIPIENTS = 1000
RATE = 100  # messages a second: the emulator's ceiling and the bot's setting; slow enough
# that the push is still going when `zhibu backup` (a process starting up) is done
CONCURRENCY = 8


async def seed(emu: Emulator, database: Path) -> tuple[SimUser, list[SimUser]]:
    secretary = emu.add_user("李书记")
    members = [emu.add_user(f"外出{i:04d}") for i in range(RECIPIENTS)]
    await seed_east(database, secretary, members, away=lambda _: True)
    return secretary, members


async def backup_while_sending(database: Path, copy: Path) -> None:
    """`zhibu backup` while the bot writes an outbox row per message it sends: the copy is
    whole (SQLite's integrity check) and consistent (the push is all there, every row in
    a state it can be in)."""
    code, _, stderr = await zhibu("backup", str(copy), ZHIBU_DATABASE=str(database))
    assert code == 0, stderr
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as c:
        assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert c.execute("SELECT count(*) FROM material_recipients").fetchone() == (RECIPIENTS,)
        states = dict(c.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    assert sum(states.values()) == RECIPIENTS and set(states) <= {"queued", "sent"}
    assert states.get("sent", 0) >= RECIPIENTS // 3 - CONCURRENCY  # it was sending


def copies(emu: Emulator, members: list[SimUser]) -> list[int]:
    return [sum("学习材料：不怕重启" in text for text in emu.texts(m)) for m in members]


async def test_a_push_survives_sigkill(emu: Emulator, tmp_path: Path) -> None:
    database = tmp_path / "zhibu.sqlite3"
    secretary, members = await seed(emu, database)
    emu.flood_limits = FloodLimits(per_second=RATE, per_chat_per_second=1)
    bot = BotProcess(
        emu, database, ZHIBU_SEND_PER_SECOND=str(RATE), ZHIBU_SEND_CONCURRENCY=str(CONCURRENCY)
    )
    await bot.start()
    try:

        def says(text: str) -> None:
            emu.send_text(secretary, text)

        def answered(count: int) -> Callable[[], bool]:
            return lambda: len(emu.messages(secretary)) >= count

        seen = len(emu.messages(secretary))
        says("/push")
        await until(emu, answered(seen + 1), "the bot asks who should receive it")
        emu.press(secretary, emu.last(secretary), f"🚶 流动党员（{RECIPIENTS}）")
        await until(
            emu, lambda: (emu.last(secretary).text or "").startswith("请输入标题"), "title asked"
        )
        says("不怕重启")
        await until(
            emu, lambda: (emu.last(secretary).text or "").startswith("现在请发送材料"), "body asked"
        )
        says("断电重启也不丢。")
        await until(emu, lambda: emu.last(secretary).buttons != [], "due date asked")
        emu.press(secretary, emu.last(secretary), "不设截止日期")
        await until(emu, lambda: "发送给" in str(emu.last(secretary).buttons), "the preview")
        emu.press(secretary, emu.last(secretary), f"✅ 发送给 {RECIPIENTS} 人")

        await until(emu, lambda: sum(copies(emu, members)) >= RECIPIENTS // 3, "a third is out")
        await backup_while_sending(database, tmp_path / "backup.sqlite3")
        await bot.kill()
        delivered_before = sum(1 for n in copies(emu, members) if n)
        assert delivered_before < RECIPIENTS, "the push ended before the kill"

        await bot.start()
        await until(emu, lambda: all(copies(emu, members)), "everyone has the material", 120)
    finally:
        await bot.stop()
    counts = copies(emu, members)
    assert min(counts) == 1
    assert sum(counts) - RECIPIENTS <= CONCURRENCY, f"too many duplicates: {sum(counts)}"
    assert "Traceback" not in "".join(bot.stderr), bot.stderr
