"""`zhibu demo`: the page and its API over HTTP, as the browser uses them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from sandbox.demo import Demo, start_demo
from zhibu import app


@pytest.fixture
async def demo() -> AsyncIterator[Demo]:
    running = await start_demo(
        app, port=0, start=datetime.fromisoformat("2026-11-24T10:00:00+08:00")
    )
    yield running
    await running.stop()


async def test_the_page_people_buttons_and_the_clock(demo: Demo) -> None:
    async with aiohttp.ClientSession(demo.url) as http:
        page = await (await http.get("/")).text()
        assert "<title>支部助手 · 演示" in page and "EventSource" in page
        state = await (await http.get("/demo/state")).json()
        keys = [p["key"] for p in state["personas"]]
        assert keys == ["member", "flowing", "secretary", "leader", "staff", "visitor"]
        member = state["personas"][0]

        events = await http.get("/demo/events")
        assert (await events.content.readline()).startswith(b": hello")
        await http.post(
            "/demo/send", json={"persona": "member", "where": "private", "text": "/lang"}
        )
        sent = await _next_event(events, "sent")
        assert sent["message"]["chat"] == member["user"]
        assert [label for row in sent["message"]["buttons"] for label, _ in row] == [
            "简体中文",
            "English",
        ]
        pressed = await http.post(
            "/demo/press",
            json={
                "persona": "member",
                "chat": member["user"],
                "message": sent["message"]["id"],
                "data": sent["message"]["buttons"][0][1][1],
            },
        )
        assert pressed.status == 200
        await http.post(
            "/demo/send", json={"persona": "member", "where": "private", "text": "/help"}
        )
        reply = await _next_event(events, "sent")
        assert str(reply["message"]["text"]).startswith("What I can do for you")
        state = await (await http.get("/demo/state")).json()
        assert [p["lang"] for p in state["personas"]][:2] == ["en", "zh"]
        events.close()

        # Move the clock to the 3rd-last day of the month, 09:00: the leader is reminded.
        now = (
            await (
                await http.post("/demo/clock", json={"persona": "staff", "minutes": 5700})
            ).json()
        )["now"]
        assert now.startswith("2026-11-28T09:00")
        leader = next(p for p in state["personas"] if p["key"] == "leader")
        await demo.application.bot_data["services"].sender.wait_idle()
        history = await (await http.get(f"/demo/history?chat={leader['user']}")).json()
        assert any(
            "本月截至目前，您到联系点工作 0 天（要求 3 天），还需 3 天" in (m["text"] or "")
            for m in history
        ), history

        # "Next": on to the next moment something is due — the 1st, 09:00, the bulletins.
        now = (
            await (
                await http.post("/demo/clock", json={"persona": "staff", "minutes": "next"})
            ).json()
        )["now"]
        assert now.startswith("2026-12-01T09:00")

        bad = await http.post("/demo/send", json={"persona": "nobody", "text": "hi"})
        assert bad.status == 400


async def _next_event(events: aiohttp.ClientResponse, kind: str) -> dict[str, Any]:
    while True:
        line = (await events.content.readline()).decode().strip()
        if line.startswith("data: "):
            data: dict[str, Any] = json.loads(line[len("data: ") :])
            if data["event"] == kind:
                return data
