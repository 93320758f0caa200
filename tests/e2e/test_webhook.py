"""Webhook mode in process: the emulator posts each update to the bot's own server with
Telegram's secret header, and people use the bot exactly as when it polls.

(`zhibu run --webhook` as a real process, killed and restarted, and switched back to
polling: tests/e2e/test_webhook_process.py.)
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from storage import members as member_repo
from tests.e2e.flows import invite_code, join, make_secretary
from tests.harness import WebhookHarness

HELP = "我能为您做什么\n"


@pytest.fixture
def harness_kind() -> type[WebhookHarness]:
    """Every `h` in this module takes its updates by webhook."""
    return WebhookHarness


async def inbox(h: WebhookHarness) -> list[tuple[int, bool]]:
    """(update id, handled) of every update journaled, once the pending marks are written."""
    await h.services.journal.flush()
    async with h.db.read() as c:
        rows = await c.execute_fetchall("SELECT update_id, done_at FROM inbox ORDER BY update_id")
    return [(row[0], row[1] is not None) for row in rows]


async def post(url: str, body: bytes, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status


async def test_a_member_joins_and_is_approved_through_the_webhook(
    h: WebhookHarness, county: dict[str, int]
) -> None:
    secretary = await make_secretary(h, county["east"])
    code = await invite_code(secretary)
    member = h.person("赵敏")
    await join(member, code, name="赵敏", year="1988")
    assert "申请已发给支部书记" in member.last()
    await secretary.presses("✅ 批准")
    assert "欢迎加入 东岭村党支部" in member.last()

    async with h.db.read() as c:
        stored = await member_repo.member_of_user(c, member.id)
    assert stored is not None and (stored.name, stored.birth_year, stored.state) == (
        "赵敏",
        1988,
        "active",
    )
    # Every update came by webhook, once, answered 200, and is journaled as done.
    sent = h.emu.update_ids_queued
    assert h.emu.webhook_posts == [(update_id, 200) for update_id in sent]
    assert await inbox(h) == [(update_id, True) for update_id in sent]
    assert "getUpdates" not in [name for name, _ in h.emu.calls]
    hook = h.emu.webhook
    assert hook is not None and hook.url == h.url and hook.secret_token == h.secret
    assert hook.allowed_updates == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
        "chat_member",
    ]
    info = await h.app.bot.get_webhook_info() if h.app else None
    assert info is not None and info.pending_update_count == 0 and info.url == h.url


async def test_a_post_without_the_secret_is_refused_and_nothing_handled(h: WebhookHarness) -> None:
    stranger = h.person("冒充者")
    forged = json.dumps(
        {
            "update_id": 990001,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": stranger.id, "type": "private"},
                "from": stranger.user.to_api(),
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
    ).encode()
    assert await post(h.url, forged, None) == 403
    assert await post(h.url, forged, "wrong-secret") == 403
    assert await post(h.url, forged, h.secret[:-1]) == 403
    assert await post(h.url, b"not json", h.secret) == 400
    assert await inbox(h) == []
    assert stranger.sees() == []

    # Telegram posting with a secret the bot no longer has (set by an older run): refused,
    # retried by Telegram and kept, until the bot sets the webhook again at its start.
    assert h.emu.webhook is not None
    h.emu.webhook.secret_token = "an-old-secret"
    h.emu.send_text(stranger.user, "/help")
    async with asyncio.timeout(10):
        await h.emu.until(lambda: len(h.emu.webhook_posts) >= 3)
    assert {status for _, status in h.emu.webhook_posts} == {403}
    info = await h.emu._m_getWebhookInfo({})
    assert info["pending_update_count"] == 1
    assert info["last_error_message"] == "Wrong response from the webhook: 403 Forbidden"
    assert await inbox(h) == [] and stranger.sees() == []

    await h.restart()
    await h.settle()
    assert stranger.sees()[0].startswith(HELP)
    assert h.emu.webhook_posts[-1][1] == 200


async def test_an_update_posted_again_is_handled_once(h: WebhookHarness) -> None:
    """Telegram posts an update again when it did not get the 200 (a timeout, a proxy that
    dropped the answer): the journal knows it, as it knows one fetched twice in polling."""
    person = h.person("钱多多")
    await person.says("/help")
    assert len(person.sees()) == 1
    first = h.emu.update_ids_queued[-1]
    body = json.dumps(h.emu._delivered[first], ensure_ascii=False).encode()
    assert await post(h.url, body, h.secret) == 200
    assert await post(h.url, body, h.secret) == 200
    await person.says("/help")  # the next update is handled, after the repeats
    assert len(person.sees()) == 2
    assert await inbox(h) == [(first, True), (first + 1, True)]
