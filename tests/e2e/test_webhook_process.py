"""`zhibu run --webhook URL` as a real process: a newcomer joins by invite link through
the webhook; the process is SIGKILLed after Telegram got its 200 for an update and before
the update was handled, and the update is handled after the restart; then the bot is
switched back to polling and takes what Telegram held meanwhile.

The emulator plays Telegram: it posts each update to the bot's server on 127.0.0.1 with
the secret header, in order, and keeps an update until it is answered 200.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from pathlib import Path

from sandbox.emulator import Emulator, SimMessage, SimUser
from tests.e2e.flows import LINK
from tests.e2e.process import BotProcess, seed_east, until

STALL = 5.0  # seconds the Bot API sits on one reply: the kill comes meanwhile


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sends_to(emu: Emulator, user: SimUser) -> int:
    return sum(
        1
        for name, params in emu.calls
        if name == "sendMessage" and params.get("chat_id") == user.id
    )


def with_button(emu: Emulator, user: SimUser, label: str) -> SimMessage | None:
    return next(
        (
            m
            for m in reversed(emu.messages(user))
            if any(text == label for row in m.buttons for text, _ in row)
        ),
        None,
    )


async def press(emu: Emulator, user: SimUser, label: str) -> None:
    await until(
        emu, lambda: with_button(emu, user, label) is not None, f"{user.first_name} sees {label!r}"
    )
    message = with_button(emu, user, label)
    assert message is not None
    emu.press(user, message, label)


def stored(database: Path) -> list[tuple[str, int, str]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as c:
        return c.execute(
            "SELECT name, birth_year, state FROM members WHERE name = '王芳'"
        ).fetchall()


async def test_webhook_process_loses_nothing_to_sigkill_and_switches_to_polling(
    emu: Emulator, tmp_path: Path
) -> None:
    database = tmp_path / "zhibu.sqlite3"
    secretary, newcomer = emu.add_user("李书记"), emu.add_user("王芳")
    await seed_east(database, secretary, [], away=lambda _: False)
    port = free_port()
    url = f"http://127.0.0.1:{port}/zhibu/telegram"
    bot = BotProcess(emu, database, ZHIBU_WEBHOOK_LISTEN=f"127.0.0.1:{port}")
    bot.args = ("run", "--webhook", url)
    await bot.start()
    try:
        await until(emu, lambda: emu.webhook is not None, "the bot sets its webhook")
        assert emu.webhook is not None and emu.webhook.url == url
        secret = emu.webhook.secret_token
        assert secret and len(secret) >= 32  # derived from the token, as none was set

        emu.send_text(secretary, "/invite")
        await until(
            emu, lambda: any(LINK.search(t) for t in emu.texts(secretary)), "the invite link"
        )
        code = next(m.group(1) for t in emu.texts(secretary) if (m := LINK.search(t)))
        emu.start_link(newcomer, code)
        await until(emu, lambda: emu.texts(newcomer)[-1:] == ["请问您的姓名？"], "name asked")

        # The answer's reply is held up at the Bot API; the next answer arrives, is written
        # down and answered 200, and waits its turn — then the process is killed.
        emu.stall("sendMessage", seconds=STALL)
        before = sends_to(emu, newcomer)
        emu.send_text(newcomer, "王芳")
        emu.send_text(newcomer, "1990")
        year = emu.update_ids_queued[-1]
        await until(
            emu,
            lambda: (year, 200) in emu.webhook_posts and sends_to(emu, newcomer) > before,
            "the year acknowledged",
        )
        await bot.kill()
        info = await emu._m_getWebhookInfo({})
        assert info["pending_update_count"] == 0  # Telegram will not send them again
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as c:
            unhandled = c.execute(
                "SELECT done_at FROM inbox WHERE update_id = ?", (year,)
            ).fetchone()
        assert unhandled == (None,)  # written down before the 200, not handled yet

        await bot.start()
        await press(emu, newcomer, "正式党员")  # the year was taken: the next question
        await until(
            emu,
            lambda: any("📱 分享我的手机号" in row for row in emu.reply_keyboard(newcomer)),
            "phone asked",
        )
        emu.send_contact(newcomer, phone_number="+8613800003333")
        await press(emu, newcomer, "否")
        await press(emu, newcomer, "✅ 提交")
        await press(emu, secretary, "✅ 批准")
        await until(
            emu, lambda: stored(database) == [("王芳", 1990, "active")], "the newcomer admitted"
        )

        # Back to polling: what arrives while the bot is down waits at Telegram (the
        # webhook is still set), and polling deletes the webhook and takes it.
        await bot.stop()
        emu.send_text(newcomer, "/help")
        await until(emu, lambda: emu.webhook_posts[-1][1] is None, "a post refused meanwhile")
        bot.args = ("run",)
        helps = sum(t.startswith("我能为您做什么") for t in emu.texts(newcomer))
        await bot.start()
        await until(
            emu,
            lambda: sum(t.startswith("我能为您做什么") for t in emu.texts(newcomer)) > helps,
            "the help, by polling",
        )
        assert emu.webhook is None
        assert ("deleteWebhook", {}) in emu.calls  # pending updates kept
    finally:
        await bot.stop()
    assert stored(database) == [("王芳", 1990, "active")]
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as c:
        assert c.execute("SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone() == (0,)
    assert not emu.refusals, emu.refusals
    logs = "".join(bot.stderr)
    assert "Traceback" not in logs and secret not in logs


async def test_webhook_mistakes_are_one_line_and_never_show_the_secret(
    emu: Emulator, tmp_path: Path
) -> None:
    database = tmp_path / "zhibu.sqlite3"
    await seed_east(database, emu.add_user("李书记"), [], away=lambda _: False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = BotProcess(
            emu,
            database,
            ZHIBU_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
            ZHIBU_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
            ZHIBU_WEBHOOK_SECRET="Kept-Secret_123",
        )
        wrong_url = BotProcess(emu, database)
        wrong_url.args = ("run", "--webhook", "http://bot.example.org/hook")
        bad_secret = BotProcess(
            emu,
            database,
            ZHIBU_WEBHOOK_URL="https://bot.example.org/hook",
            ZHIBU_WEBHOOK_SECRET="not a secret!",
        )
        for bot in (busy, wrong_url, bad_secret):
            await bot.start()
            assert bot.process is not None
            async with asyncio.timeout(60):
                assert await bot.process.wait() == 2
            await bot.stop()
    said = [err.strip() for err in busy.stderr + wrong_url.stderr + bad_secret.stderr]
    assert said[0] == (
        f"zhibu: cannot listen on 127.0.0.1:{port} (ZHIBU_WEBHOOK_LISTEN): Address already in use"
    )
    assert said[1] == "zhibu: --webhook: Telegram posts updates only to https:// addresses"
    assert said[2].startswith("zhibu: invalid setting ZHIBU_WEBHOOK_SECRET: ")
    assert all(len(text.splitlines()) == 1 for text in said)
    assert not any("Kept-Secret_123" in t or "not a secret!" in t for t in said)
