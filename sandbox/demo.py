"""`zhibu demo`: the whole bot on one machine, in a browser, without Telegram.

The bundled emulator plays Telegram and also serves a small web page (no build step, no
framework: ``static/demo.html``) where a visitor picks who they are — a member at home,
a member working in Shenzhen, a branch secretary, a leader, organisation staff — and
which chat, types, presses buttons, shares a contact or location, uploads a photo or a
"voice", and moves the demo's clock to see reminders and bulletins happen. The real bot
runs against the emulator with a temporary database holding a small fictional county.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web
from pydantic import SecretStr
from telegram.ext import Application, BaseUpdateProcessor

from bot.clock import Clock, FrozenClock
from bot.config import Settings
from bot.context import ZApplication, services_of
from bot.i18n import Tr
from bot.recipients import translator_of
from bot.schedule import tick
from sandbox.emulator import Emulator, SimChat, SimMessage, SimUser
from storage import members as member_repo
from storage import org as org_repo
from storage.db import Database
from storage.models import NewMember

log = logging.getLogger(__name__)
TOKEN = "424242:AAE-demo-zhibu-token-not-secret-012"


class Assembly(Protocol):
    """What the demo needs of the composition root (zhibu/app.py): handed in by ``zhibu
    demo`` and by the tests, so that the emulator's package never imports the root that
    imports it for that command (tests/unit/test_layers.py)."""

    def build_application(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        update_processor: BaseUpdateProcessor | None = None,
        rate_limiter: bool = True,
        ticking: bool = True,
    ) -> ZApplication: ...

    async def start_services(
        self, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> None: ...

    async def stop_services(
        self, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> None: ...


@dataclass
class Persona:
    key: str
    label: str
    user: SimUser
    group: SimChat | None


# A fictional county, written for this demo: every name here is made up.
COUNTY = "青山县"
TOWNSHIPS = {"东岭镇": ["东岭村党支部", "南坡村党支部"], "西河乡": ["西河村党支部", "柳湾村党支部"]}
MEMBERS = {
    "东岭村党支部": [
        "陈建国",
        "王秀英",
        "李志强",
        "张丽华",
        "刘德明",
        "赵小军",
        "孙桂兰",
        "周海涛",
    ],
    "南坡村党支部": ["吴春燕", "郑国庆", "冯晓梅", "何永福", "胡建平", "林玉珍"],
    "西河村党支部": ["高志远", "马红梅", "罗文斌", "梁秋菊", "宋立新", "谢金花", "唐福生"],
    "柳湾村党支部": ["韩雪梅", "曹光明", "许春生", "邓丽君", "彭大海", "蒋小燕"],
}
FLOWING = {"李志强": "深圳", "张丽华": "东莞", "赵小军": "杭州", "冯晓梅": "上海", "罗文斌": "宁波"}


@dataclass
class Demo:
    assembly: Assembly
    emulator: Emulator
    application: ZApplication
    clock: FrozenClock
    personas: dict[str, Persona]
    workdir: tempfile.TemporaryDirectory[str]

    @property
    def url(self) -> str:
        return f"http://{self.emulator.host}:{self.emulator.port}/"

    async def stop(self) -> None:
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await self.assembly.stop_services(application)
        await application.shutdown()
        await self.emulator.stop()
        self.workdir.cleanup()


async def _seed(db: Database, emulator: Emulator, clock: FrozenClock) -> dict[str, Persona]:
    now = clock.now()
    users: dict[str, SimUser] = {}
    groups: dict[str, SimChat] = {}
    async with db.tx() as c:
        county = await org_repo.add_unit(c, "county", COUNTY, None, now)
        branch_ids: dict[str, int] = {}
        for township, branches in TOWNSHIPS.items():
            town = await org_repo.add_unit(c, "township", township, county.id, now)
            for branch in branches:
                branch_ids[branch] = (await org_repo.add_unit(c, "branch", branch, town.id, now)).id
        for branch, names in MEMBERS.items():
            people = []
            for index, name in enumerate(names):
                user = emulator.add_user(name, language_code="zh-hans")
                user.started = True
                users[name] = user
                people.append(user)
                await member_repo.touch_user(c, user.id, name, None, "zh-hans", now, private=True)
                await member_repo.insert_member(
                    c,
                    NewMember(
                        roster_key=f"QS{len(users):04d}",
                        branch_id=branch_ids[branch],
                        name=name,
                        birth_year=1950 + (len(users) * 7) % 50,
                        status="full",
                        telegram_id=user.id,
                        state="active",
                        flowing=name in FLOWING,
                        flow_city=FLOWING.get(name),
                    ),
                    now,
                )
                if index == 0:
                    await org_repo.grant(c, user.id, "secretary", branch_ids[branch], None, now)
            group = emulator.add_group(f"{branch}党员群", members=people)
            groups[branch] = group
            await org_repo.bind_group(
                c, group.id, branch_ids[branch], group.title, people[0].id, now
            )
        leader = users["何永福"]
        appointed = now - timedelta(days=365)  # long enough for a whole month's quota
        await org_repo.grant(c, leader.id, "leader", None, None, appointed)
        await org_repo.add_contact_point(c, leader.id, branch_ids["柳湾村党支部"], None, appointed)
        staff = emulator.add_user("组织部小李", language_code="zh-hans")
        staff.started = True
        await member_repo.touch_user(
            c, staff.id, staff.first_name, None, "zh-hans", now, private=True
        )
        await org_repo.grant(c, staff.id, "staff", None, None, now)
    visitor = emulator.add_user("赵敏", language_code="zh-hans")
    return {
        p.key: p
        for p in [
            Persona("member", "在家党员 王秀英", users["王秀英"], groups["东岭村党支部"]),
            Persona("flowing", "在深圳务工的党员 李志强", users["李志强"], groups["东岭村党支部"]),
            Persona("secretary", "东岭村支部书记 陈建国", users["陈建国"], groups["东岭村党支部"]),
            Persona("leader", "县领导 何永福（联系柳湾村）", leader, groups["南坡村党支部"]),
            Persona("staff", "组织部 小李", staff, None),
            Persona("visitor", "新来的 赵敏（还没加入）", visitor, None),
        ]
    }


async def start_demo(
    assembly: Assembly, port: int = 8080, *, host: str = "127.0.0.1", start: datetime | None = None
) -> Demo:
    emulator = Emulator(token=TOKEN, bot_username="zhibu_demo_bot", bot_name="支部助手")
    clock = FrozenClock(start or datetime.now().astimezone())
    workdir = tempfile.TemporaryDirectory(prefix="zhibu-demo-")
    database = Path(workdir.name) / "demo.sqlite3"
    db = await Database.open(database)
    try:
        personas = await _seed(db, emulator, clock)
    finally:
        await db.close()
    ticks: list[ZApplication] = []
    demo_routes(emulator, clock, personas, ticks)
    await emulator.start(host=host, port=port)
    settings = Settings(
        _env_file=None, token=SecretStr(TOKEN), database=database, api_base=emulator.base_url
    )
    application = assembly.build_application(settings, clock=clock, rate_limiter=False)
    await application.initialize()
    await assembly.start_services(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=5)
    ticks.append(application)
    return Demo(assembly, emulator, application, clock, personas, workdir)


# --- the web page's API ------------------------------------------------------------------------


def _message(message: SimMessage, emulator: Emulator) -> dict[str, Any]:
    media = {}
    for kind, info in message.media.items():
        if kind == "photo" and isinstance(info, list) and info:
            info = info[-1]
        if isinstance(info, dict) and "file_id" in info:
            stored = emulator.files.get(info["file_id"])
            media[kind] = {
                "name": info.get("file_name") or kind,
                "url": f"/demo/file/{info['file_id']}" if stored else None,
            }
        else:
            media[kind] = info
    return {
        "id": message.message_id,
        "chat": message.chat_id,
        "bot": message.from_bot,
        "sender": message.sender_id,
        "html": message.html,
        "text": message.text or message.caption or "",
        "buttons": message.buttons,
        "media": media,
        "edited": message.edited,
    }


def demo_routes(
    emulator: Emulator, clock: FrozenClock, personas: dict[str, Persona], ticks: list[ZApplication]
) -> None:
    """The page and its API, on the emulator's own server. ``ticks`` holds the bot once
    it runs (the clock control runs its scheduler tick)."""
    app = emulator.web
    static = resources.files("sandbox") / "static"

    def persona(request_data: dict[str, Any]) -> Persona:
        found = personas.get(str(request_data.get("persona")))
        if found is None:
            raise web.HTTPBadRequest(text="unknown persona")
        return found

    streams: set[asyncio.Queue[str | None]] = set()

    def chat_of(found: Persona, where: str) -> SimChat | None:
        return found.group if where == "group" and found.group is not None else None

    async def page(_: web.Request) -> web.Response:
        return web.Response(
            text=(static / "demo.html").read_text(encoding="utf-8"), content_type="text/html"
        )

    async def language(user: SimUser) -> str:
        """The page speaks the language the bot speaks to this person (after /lang too)."""
        for application in ticks:
            return (await translator_of(services_of(application).database, user.id)).language
        return "zh"

    async def state(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "personas": [
                    {
                        "key": p.key,
                        "label": p.label,
                        "user": p.user.id,
                        "group": p.group.id if p.group else None,
                        "group_title": p.group.title if p.group else None,
                        "lang": await language(p.user),
                    }
                    for p in personas.values()
                ],
                "now": clock.now().isoformat(timespec="minutes"),
            },
            dumps=_dumps,
        )

    async def history(request: web.Request) -> web.Response:
        chat = int(request.query["chat"])
        return web.json_response(
            [_message(m, emulator) for m in emulator.history.get(chat, [])], dumps=_dumps
        )

    async def events(request: web.Request) -> web.StreamResponse:
        """Every message as it happens. In a private chat the event also carries the reply
        keyboard as it stands after the message (shown, changed or taken away): the bot
        may send it after the page last asked, e.g. after answering a press."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        streams.add(queue)

        def on_event(chat_id: int, event: str, message: SimMessage) -> None:
            data: dict[str, Any] = {"event": event, "message": _message(message, emulator)}
            user = emulator.users.get(chat_id)
            if user is not None:
                data["keyboard"] = emulator.reply_keyboard(user)
            queue.put_nowait(_dumps(data))

        # Subscribed before the page hears the stream is open: the page loads the history
        # when it opens, so nothing falls between the two.
        emulator.subscribe(on_event)
        try:
            await response.prepare(request)
            await response.write(b": hello\n\n")
            while True:
                try:
                    data = await asyncio.wait_for(queue.get(), 15)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if data is None:  # the demo stops
                    break
                await response.write(f"data: {data}\n\n".encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            emulator.unsubscribe(on_event)
            streams.discard(queue)
        return response

    async def end_streams(_: web.Application) -> None:
        """At shutdown, end the open event streams now rather than at their next
        keep-alive: the server waits for every handler before it stops."""
        for queue in streams:
            queue.put_nowait(None)

    async def send(request: web.Request) -> web.Response:
        data = await request.json()
        found = persona(data)
        chat = chat_of(found, str(data.get("where")))
        kind = data.get("kind", "text")
        if kind == "contact":
            emulator.send_contact(found.user, "+8613800000000", chat=chat)
        elif kind == "location":
            emulator.send_location(found.user, 28.23, 112.94, chat=chat)
        elif kind == "keyboard":
            emulator.reply_keyboard_press(found.user, str(data.get("text", "")))
        else:
            text = str(data.get("text", "")).strip()
            if not text:
                raise web.HTTPBadRequest(text="empty message")
            emulator.send_text(found.user, text[:4096], chat=chat)
        return web.json_response({"ok": True})

    async def upload(request: web.Request) -> web.Response:
        form = await request.post()
        found = persona(dict(form))
        chat = chat_of(found, str(form.get("where")))
        item = form.get("file")
        if not isinstance(item, web.FileField):
            raise web.HTTPBadRequest(text="no file")
        data = item.file.read(20 * 1024 * 1024)
        kind = str(form.get("kind"))
        if kind == "voice":
            emulator.send_voice(found.user, data, chat=chat)
        elif kind == "photo":
            emulator.send_photo(found.user, data, chat=chat)
        else:
            emulator.send_document(found.user, data, item.filename or "file", chat=chat)
        return web.json_response({"ok": True})

    async def press(request: web.Request) -> web.Response:
        data = await request.json()
        found = persona(data)
        chat_id = int(data["chat"])
        message = next(
            (m for m in emulator.history.get(chat_id, []) if m.message_id == int(data["message"])),
            None,
        )
        if message is None:
            raise web.HTTPNotFound(text="no such message")
        query = emulator.press_data(found.user, message, str(data["data"]))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await emulator.until(
                    lambda: any(a.query_id == query for a in emulator.callback_answers(found.user))
                )
        answer = next(
            (a for a in emulator.callback_answers(found.user) if a.query_id == query), None
        )
        return web.json_response(
            {
                "answer": answer.text if answer else None,
                "alert": bool(answer and answer.show_alert),
            },
            dumps=_dumps,
        )

    async def keyboard(request: web.Request) -> web.Response:
        found = persona(dict(request.query))
        return web.json_response(emulator.reply_keyboard(found.user), dumps=_dumps)

    async def advance(request: web.Request) -> web.Response:
        data = await request.json()
        if data.get("minutes") == "next":
            # To the next moment something is due: half-hour steps, up to 40 days.
            for _ in range(2 * 24 * 40):
                clock.advance(timedelta(minutes=30))
                if sum([await tick(services_of(app)) for app in ticks]):
                    break
            return web.json_response({"now": clock.now().isoformat(timespec="minutes")})
        minutes = int(data.get("minutes", 60))
        if not 1 <= minutes <= 60 * 24 * 40:
            raise web.HTTPBadRequest(text="minutes out of range")
        clock.advance(timedelta(minutes=minutes))
        for application in ticks:
            await tick(services_of(application))
        return web.json_response({"now": clock.now().isoformat(timespec="minutes")})

    async def download(request: web.Request) -> web.Response:
        stored = emulator.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    app.on_shutdown.append(end_streams)
    app.router.add_get("/", page)
    app.router.add_get("/demo/state", state)
    app.router.add_get("/demo/history", history)
    app.router.add_get("/demo/events", events)
    app.router.add_get("/demo/keyboard", keyboard)
    app.router.add_get("/demo/file/{file_id}", download)
    app.router.add_post("/demo/send", send)
    app.router.add_post("/demo/upload", upload)
    app.router.add_post("/demo/press", press)
    app.router.add_post("/demo/clock", advance)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


async def run_demo(assembly: Assembly, port: int, tr: Tr) -> None:
    demo = await start_demo(assembly, port)
    print(tr("zhibu demo: open {url} in a browser (Ctrl-C stops it)", url=demo.url), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await demo.stop()
