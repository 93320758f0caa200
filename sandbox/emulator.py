"""A strict, local Telegram Bot API server for tests and for `zhibu demo`.

The real python-telegram-bot Application talks to it over HTTP on 127.0.0.1 through its
``base_url``, exactly as it would talk to Telegram or a self-hosted Bot API server. On
the other side, tests (and later the web demo) act as people through plain methods:
``send_text``, ``press``, ``send_contact`` … and read what the bot sent each chat.

It refuses what Telegram refuses, with Telegram's error texts: a bot that would fail in
production fails here first. Refusals that are not deliberate faults are collected in
:attr:`Emulator.refusals` so that a test harness can fail on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from sandbox.html_parse import ParseError, check_markdown_v2, parse_html, utf16_len
from sandbox.methods import BY_LOWER, FILE_FIELD, METHODS, SENDING

TEXT_LIMIT = 4096
#: Telegram's answer to getUpdates when another client is polling with the same token.
CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running"
)
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use "
    "deleteWebhook to delete the webhook first"
)
WEBHOOK_PORTS = (80, 88, 443, 8443)
#: Update kinds Telegram sends only to a bot that names them in allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
INVITE_RIGHTS = "not enough rights to manage chat invite link"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]*")


class ApiError(Exception):
    """An error answer: HTTP status = error_code, Telegram's description."""

    def __init__(
        self,
        code: int,
        description: str,
        parameters: dict[str, Any] | None = None,
        *,
        deliberate: bool = False,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters
        self.deliberate = deliberate


PHOTO_SIDES_MAX = 10_000  # Telegram: width + height at most 10000, sides at most 1:20
PHOTO_RATIO_MAX = 20


def _png_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's width and height from its header (the bot's photos are its charts)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def bad(description: str, parameters: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {description}", parameters)


@dataclass
class SimUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"
    phone: str = ""
    started: bool = False
    blocked: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class SimChat:
    id: int
    type: str
    title: str = ""
    members: set[int] = field(default_factory=set)
    bot_present: bool = True
    migrated_to: int | None = None
    bot_admin: bool = False  # the bot is an administrator of the group
    bot_can_invite: bool = False  # … with the right to invite users (and make links)

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass
class SimFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def path(self) -> str:
        return f"files/{self.file_unique_id}"


@dataclass
class SimMessage:
    """One message in a chat, as it stands now (after edits)."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender_id: int
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    html: str | None = None
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    media: dict[str, Any] = field(default_factory=dict)  # "document": {...}, "contact": …
    edited: bool = False
    edit_date: int | None = None
    thread: dict[str, Any] = field(default_factory=dict)

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """Inline buttons as (label, callback_data or url)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [(b.get("text", ""), b.get("callback_data") or b.get("url") or "") for b in row]
            for row in rows
        ]

    @property
    def document(self) -> dict[str, Any] | None:
        return self.media.get("document")


@dataclass
class CallbackAnswer:
    text: str | None
    show_alert: bool
    query_id: str = ""
    at: float = 0.0  # monotonic time the answer arrived (for latency benchmarks)


@dataclass
class FloodLimits:
    per_second: float = 30
    per_chat_per_second: float = 1
    per_group_per_minute: float = 20


@dataclass
class Webhook:
    """What setWebhook was given, and how delivery is going (getWebhookInfo)."""

    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Fault:
    method: str | None
    error: ApiError
    times: int
    chat_id: int | None = None


class Emulator:
    """State of one bot's Telegram world, plus the HTTP server that exposes it."""

    def __init__(
        self,
        *,
        token: str = "123456:AAE-emulator-default-token-01234567",
        bot_username: str = "zhibu_test_bot",
        bot_name: str = "zhibu",
    ) -> None:
        self.token = token
        self.bot: dict[str, Any] = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, SimChat] = {}
        self.history: dict[int, list[SimMessage]] = {}
        self.files: dict[str, SimFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refusals: list[tuple[str, dict[str, Any], str]] = []
        self.stats: dict[str, int] = {"429": 0, "uploads": 0, "reuses": 0, "sent": 0}
        self.flood_limits: FloodLimits | None = None
        self.flood_429_at: list[float] = []  # monotonic times of flood-limit refusals
        self.update_ids_queued: list[int] = []
        # As the bot last asked (getUpdates, setWebhook); None: Telegram's default.
        self.allowed_updates: list[str] | None = None
        self.invite_links: dict[str, tuple[int, dict[str, Any]]] = {}  # link → chat, object
        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(1_000_001)
        self._group_ids = itertools.count(4_000_001)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._queries: dict[str, tuple[int, bool]] = {}  # id → (user, answered)
        self._answers: dict[int, list[CallbackAnswer]] = {}
        self.callback_answer_count = 0  # all answers so far: a cheap check for a burst's end
        self._reply_keyboards: dict[int, dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._polled_elsewhere = False
        self._sent_times: deque[float] = deque()
        self._sent_in_chat: dict[int, deque[float]] = {}
        self._new_update = asyncio.Event()
        self._activity = asyncio.Event()
        self._delivered: dict[int, dict[str, Any]] = {}
        self._handed_out = 0
        self.webhook: Webhook | None = None
        self.webhook_posts: list[tuple[int, int | None]] = []  # (update_id, HTTP status)
        self.webhook_retry = 0.1  # seconds before the first retry; doubles up to 2 s
        self.webhook_timeout = 10.0  # how long a post may take before it counts as failed
        self._pusher: asyncio.Task[None] | None = None
        self._subscribers: list[Callable[[int, str, SimMessage], None]] = []
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._stalls: list[list[Any]] = []
        self._random = random.Random(0)
        self._random_rate = 0.0
        self._random_chats: set[int] | None = None
        self.random_stall = 1.0  # longer than the client waits, in the fault tests
        self._port = 0
        self.host = "127.0.0.1"
        self.web = web.Application(client_max_size=60 * 1024 * 1024)
        self.web.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.web.router.add_get("/file/bot{token}/{path:.+}", self._download)

    # --- server ------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._runner = web.AppRunner(self.web, access_log=None, handle_signals=False)
        await self._runner.setup()
        await self._listen(port)

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, self.host, port)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self._site = site

    async def go_offline(self) -> None:
        """Stop listening, as a Bot API server does while it restarts: connection refused."""
        if self._site is not None:
            site, self._site = self._site, None
            await site.stop()

    async def go_online(self) -> None:
        """Listen again on the same port, with everything remembered."""
        if self._site is None:
            await self._listen(self._port)

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait until ``condition()`` holds, checking after each call the bot makes (for a
        bot in another process; bound it with ``asyncio.timeout``)."""
        while not condition():
            self._activity.clear()
            await self._activity.wait()

    def stall(self, method: str | None = None, seconds: float = 1.0, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` only after ``seconds`` (then do
        them anyway, as Telegram does with a request whose client already gave up)."""
        self._stalls.append([method, seconds, times])

    async def stop(self) -> None:
        self._new_update.set()
        await self._stop_pushing()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self._port}/file/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        if self._site is None and request.transport is not None:
            # Offline: connections already open die too, as when the server restarts.
            request.transport.close()
            raise web.HTTPServiceUnavailable()
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        name = BY_LOWER.get(request.match_info["method"].lower())
        if name is None:
            return _error_response(ApiError(404, "Not Found: method not found"))
        raw = await _read_params(request)
        try:
            params = self._decode(name, raw)
            self.calls.append((name, params))
            self._activity.set()  # a call arriving is news too (one that will stall, say)
            for stall in self._stalls:
                if stall[2] > 0 and stall[0] in (None, name) and name != "getUpdates":
                    stall[2] -= 1
                    await asyncio.sleep(stall[1])
                    break
            self._fault(name, params)
            late = self._random_fault(name, params)
            if late:
                await asyncio.sleep(late)
            if name in SENDING or name.startswith("edit"):
                self._flood(name, params)
            result = await getattr(self, f"_m_{name}")(params)
        except ApiError as error:
            self._activity.set()
            # A 403 (blocked, never started, removed from a group) is a fact of life the
            # bot must handle; anything else that was not injected is the bot's mistake.
            if not error.deliberate and error.code != 403:
                self.refusals.append((name, raw, error.description))
            return _error_response(error)
        self._activity.set()
        return web.json_response(
            {"ok": True, "result": result}, dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        for stored in self.files.values():
            if stored.path == request.match_info["path"]:
                return web.Response(body=stored.data)
        return web.Response(status=404)

    def _decode(self, name: str, raw: dict[str, Any]) -> dict[str, Any]:
        table = METHODS[name]
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in table:
                continue  # Telegram ignores unknown parameters
            kind, _ = table[key]
            params[key] = _coerce(key, kind, value)
        for key, (_, required) in table.items():
            if name == "setWebhook" and params.get(key) == "":
                continue  # an empty url removes the webhook
            if required and (key not in params or params[key] in ("", None)):
                if key == "text":
                    raise bad("message text is empty")
                raise bad(f"{key} is empty" if key != "chat_id" else "chat_id is empty")
        return params

    # --- faults and limits -------------------------------------------------------------

    def inject(
        self,
        method: str | None = None,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        parameters: dict[str, Any] | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (None: any but getUpdates) fail —
        only those to ``chat_id``, if given."""
        if error_code == 429:
            retry = retry_after if retry_after is not None else 1
            description = description or f"Too Many Requests: retry after {retry}"
            parameters = {**(parameters or {}), "retry_after": retry}
        error = ApiError(
            error_code, description or "Internal Server Error", parameters, deliberate=True
        )
        self._faults.append(_Fault(method, error, times, chat_id))

    def poll_elsewhere(self) -> None:
        """From now on another client polls with this token: as Telegram does, the bot's
        getUpdates — the one waiting now and every later one — ends in 409 with Telegram's
        own words."""
        self._polled_elsewhere = True
        self._new_update.set()

    def random_faults(self, rate: float, *, seed: int = 0, chats: set[int] | None = None) -> None:
        """From now on, fail ``rate`` of sending calls (to ``chats``, if given) at random
        (reproducibly, by ``seed``): half with a 502, half by answering too late."""
        self._random = random.Random(seed)
        self._random_rate = rate
        self._random_chats = chats

    def _random_fault(self, name: str, params: dict[str, Any]) -> float:
        """0, or seconds to stall; raises a 502 for the other half of the unlucky calls."""
        if not self._random_rate or name not in SENDING:
            return 0.0
        if self._random_chats is not None and params.get("chat_id") not in self._random_chats:
            return 0.0
        if self._random.random() >= self._random_rate:
            return 0.0
        self.stats["random_faults"] = self.stats.get("random_faults", 0) + 1
        if self._random.random() < 0.5:
            raise ApiError(502, "Bad Gateway", deliberate=True)
        return self.random_stall

    def _fault(self, name: str, params: dict[str, Any]) -> None:
        for fault in self._faults:
            if fault.chat_id is not None and params.get("chat_id") != fault.chat_id:
                continue
            if fault.times > 0 and (
                fault.method == name or (fault.method is None and name != "getUpdates")
            ):
                fault.times -= 1
                if fault.error.code == 429:
                    self.stats["429"] += 1
                raise fault.error
        self._faults = [f for f in self._faults if f.times > 0]

    def _flood(self, name: str, params: dict[str, Any]) -> None:
        """Telegram's limits as sliding windows: overall per second, per private chat per
        second, per group per minute. Each window is a deque trimmed from the left, so a
        check costs what the window holds, not the whole history."""
        limits = self.flood_limits
        if limits is None:
            return
        now = time.monotonic()
        chat_id = params.get("chat_id")
        overall = self._sent_times
        while overall and now - overall[0] > 1:
            overall.popleft()
        retry = 0.0
        if len(overall) >= limits.per_second:
            retry = 1 - (now - overall[0])
        in_chat: deque[float] | None = None
        if isinstance(chat_id, int):
            in_chat = self._sent_in_chat.setdefault(chat_id, deque())
            window = 1.0 if chat_id > 0 else 60.0
            allowed = limits.per_chat_per_second if chat_id > 0 else limits.per_group_per_minute
            while in_chat and now - in_chat[0] > window:
                in_chat.popleft()
            if len(in_chat) >= allowed:
                retry = max(retry, window - (now - in_chat[0]))
        if retry > 0:
            self.stats["429"] += 1
            self.flood_429_at.append(now)
            seconds = max(1, int(retry + 0.999))
            raise ApiError(
                429,
                f"Too Many Requests: retry after {seconds}",
                {"retry_after": seconds},
                deliberate=True,
            )
        overall.append(now)
        if in_chat is not None:
            in_chat.append(now)

    # --- updates -------------------------------------------------------------------------

    def wants(self, kind: str) -> bool:
        """Whether Telegram would make an update of this kind for the bot: every kind but
        the opt-in ones by default, only those it names once it names any."""
        if not self.allowed_updates:
            return kind not in OPT_IN_UPDATES
        return kind in self.allowed_updates

    def _queue(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update; 0 if the bot did not ask for its kind (Telegram makes none)."""
        if not self.wants(kind):
            return 0
        update_id = next(self._update_ids)
        update = {"update_id": update_id, kind: payload}
        self._updates.append(update)
        self._delivered[update_id] = update
        self.update_ids_queued.append(update_id)
        self._new_update.set()
        return update_id

    async def _m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        if isinstance(p.get("allowed_updates"), list):  # else the previous setting holds
            self.allowed_updates = list(p["allowed_updates"])
        offset = p.get("offset")
        if offset is not None:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = min(max(int(p.get("timeout") or 0), 0), 50)
        deadline = time.monotonic() + timeout
        while (
            not self._updates
            and not self._polled_elsewhere
            and time.monotonic() < deadline
            and self._runner is not None
        ):
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
            if self.webhook is not None:
                raise ApiError(409, "Conflict: terminated by setWebhook request", deliberate=True)
        if self._polled_elsewhere:
            raise ApiError(409, CONFLICT, deliberate=True)
        batch = list(itertools.islice(self._updates, limit))
        if batch:
            self._handed_out = max(self._handed_out, batch[-1]["update_id"])
        return batch

    def subscribe(self, callback: Callable[[int, str, SimMessage], None]) -> None:
        """``callback(chat_id, event, message)``: "sent", "edited", "deleted" by the bot,
        "user" for what a person wrote."""
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[int, str, SimMessage], None]) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def _notify(self, chat_id: int, event: str, message: SimMessage) -> None:
        for callback in self._subscribers:
            callback(chat_id, event, message)

    # --- people and chats (the driver side) ----------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        language_code: str | None = "zh-hans",
        username: str | None = None,
        last_name: str | None = None,
        user_id: int | None = None,
    ) -> SimUser:
        uid = user_id or next(self._user_ids)
        user = SimUser(
            uid,
            first_name,
            last_name,
            username,
            language_code,
            phone=f"+86139{uid % 100_000_000:08d}",
        )
        self.users[uid] = user
        return user

    def add_group(self, title: str, *, members: list[SimUser], supergroup: bool = False) -> SimChat:
        number = next(self._group_ids)
        chat_id = -(1_000_000_000_000 + number) if supergroup else -number
        chat = SimChat(
            chat_id, "supergroup" if supergroup else "group", title, {m.id for m in members}
        )
        self.chats[chat_id] = chat
        return chat

    def _chat_of(self, target: SimUser | SimChat | int) -> int:
        if isinstance(target, SimUser):
            return target.id
        if isinstance(target, SimChat):
            return target.id
        return target

    def _chat_api(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            user = self.users[chat_id]
            data = {"id": user.id, "type": "private", "first_name": user.first_name}
            if user.username:
                data["username"] = user.username
            return data
        return self.chats[chat_id].to_api()

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _user_message(self, user: SimUser, chat: SimChat | None, **content: Any) -> dict[str, Any]:
        chat_id = chat.id if chat is not None else user.id
        if chat is None:
            user.started = True
            if user.blocked:
                self.unblock(user)
        else:
            if chat.migrated_to is not None:
                raise ValueError("this group was upgraded; write in the supergroup")
            if user.id not in chat.members:
                raise ValueError(f"{user.first_name} is not in {chat.title}")
        message = SimMessage(
            self._next_message_id(chat_id),
            chat_id,
            False,
            user.id,
            int(time.time()),
            text=content.get("text"),
            entities=content.get("entities", []),
            caption=content.get("caption"),
            media={k: v for k, v in content.items() if k not in ("text", "entities", "caption")},
        )
        self.history.setdefault(chat_id, []).append(message)
        self._notify(chat_id, "user", message)
        api = self._message_api(message)
        self._queue("message", api)
        return api

    def send_text(self, user: SimUser, text: str, *, chat: SimChat | None = None) -> dict[str, Any]:
        entities = []
        match = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if match:
            entities.append(
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(match.group(0).encode("utf-16-le")) // 2,
                }
            )
        return self._user_message(user, chat, text=text, entities=entities)

    def start_link(self, user: SimUser, payload: str) -> dict[str, Any]:
        """What tapping https://t.me/<bot>?start=<payload> does."""
        if not START_PAYLOAD.fullmatch(payload):
            raise ValueError("Telegram does not open a start link with this payload")
        return self.send_text(user, f"/start {payload}")

    def send_contact(
        self,
        user: SimUser,
        phone_number: str | None = None,
        *,
        own: bool = True,
        chat: SimChat | None = None,
    ) -> dict[str, Any]:
        contact: dict[str, Any] = {
            "phone_number": phone_number or user.phone,
            "first_name": user.first_name if own else "某人",
        }
        if own:
            contact["user_id"] = user.id
        return self._user_message(user, chat, contact=contact)

    def send_location(
        self, user: SimUser, latitude: float, longitude: float, *, chat: SimChat | None = None
    ) -> dict[str, Any]:
        return self._user_message(
            user, chat, location={"latitude": latitude, "longitude": longitude}
        )

    def _store(
        self, data: bytes, file_name: str | None = None, mime_type: str | None = None
    ) -> SimFile:
        unique = secrets.token_hex(8)
        stored = SimFile(f"F{secrets.token_urlsafe(24)}", unique, data, file_name, mime_type)
        self.files[stored.file_id] = stored
        return stored

    def send_voice(
        self,
        user: SimUser,
        data: bytes = b"OggS voice",
        duration: int = 3,
        *,
        chat: SimChat | None = None,
    ) -> dict[str, Any]:
        stored = self._store(data, mime_type="audio/ogg")
        return self._user_message(
            user,
            chat,
            voice={
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": len(data),
            },
        )

    def send_photo(
        self,
        user: SimUser,
        data: bytes = b"\x89PNG photo",
        *,
        caption: str | None = None,
        chat: SimChat | None = None,
    ) -> dict[str, Any]:
        stored = self._store(data, mime_type="image/jpeg")
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 800,
            "height": 600,
            "file_size": len(data),
        }
        return self._user_message(user, chat, photo=[size], caption=caption)

    def send_document(
        self,
        user: SimUser,
        data: bytes,
        file_name: str,
        *,
        caption: str | None = None,
        chat: SimChat | None = None,
    ) -> dict[str, Any]:
        stored = self._store(data, file_name=file_name)
        return self._user_message(
            user,
            chat,
            document={
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "file_size": len(data),
            },
            caption=caption,
        )

    def press(self, user: SimUser, message: SimMessage, label: str) -> str:
        """Press the inline button labelled ``label`` (exact match first, then containing)."""
        buttons = [b for row in message.buttons for b in row]
        chosen = [b for b in buttons if b[0] == label] or [b for b in buttons if label in b[0]]
        if not chosen:
            raise LookupError(
                f"no button {label!r} on message {message.message_id}; "
                f"buttons: {[b[0] for b in buttons]}"
            )
        return self.press_data(user, message, chosen[0][1])

    def press_data(self, user: SimUser, message: SimMessage, data: str) -> str:
        """Send a callback query with any data (also forged data, for access tests)."""
        query_id = secrets.token_hex(8)
        self._queries[query_id] = (user.id, False)
        self._queue(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_api(),
                "message": self._message_api(message),
                "chat_instance": str(message.chat_id),
                "data": data,
            },
        )
        return query_id

    def redeliver(self, update_id: int) -> int:
        """Hand the bot an update it already had once more, under a new update id — what
        Telegram does when it is unsure the first delivery arrived."""
        original = self._delivered.get(update_id)
        if original is None:
            raise LookupError(f"update {update_id} was never handed out")
        kind = next(key for key in original if key != "update_id")
        payload = dict(original[kind])
        if kind == "callback_query":  # a query can be answered once: the copy gets its own
            payload["id"] = secrets.token_hex(8)
            self._queries[payload["id"]] = (payload["from"]["id"], False)
        return self._queue(kind, payload)

    def reply_keyboard_press(self, user: SimUser, label: str) -> dict[str, Any]:
        keyboard = self._reply_keyboards.get(user.id)
        if keyboard is None:
            raise LookupError(f"{user.first_name} is shown no reply keyboard")
        for row in keyboard.get("keyboard", []):
            for button in row:
                spec = button if isinstance(button, dict) else {"text": button}
                if spec.get("text") != label:
                    continue
                if keyboard.get("one_time_keyboard"):
                    self._reply_keyboards.pop(user.id, None)
                if spec.get("request_contact"):
                    return self.send_contact(user)
                if spec.get("request_location"):
                    return self.send_location(user, 22.5431, 114.0579)
                return self.send_text(user, label)
        raise LookupError(f"no keyboard button {label!r}")

    def reply_keyboard(self, user: SimUser) -> list[list[str]]:
        keyboard = self._reply_keyboards.get(user.id) or {}
        return [
            [b["text"] if isinstance(b, dict) else b for b in row]
            for row in keyboard.get("keyboard", [])
        ]

    def edit_text(self, user: SimUser, message: dict[str, Any], new_text: str) -> None:
        edited = {**message, "text": new_text, "edit_date": int(time.time())}
        self._queue("edited_message", edited)

    def _member_change(self, chat: dict[str, Any], by: SimUser, old: str, new: str) -> None:
        self._queue(
            "my_chat_member",
            {
                "chat": chat,
                "from": by.to_api(),
                "date": int(time.time()),
                "old_chat_member": {"status": old, "user": self.bot},
                "new_chat_member": {
                    "status": new,
                    "user": self.bot,
                    **({"until_date": 0} if new == "kicked" else {}),
                },
            },
        )

    def block(self, user: SimUser) -> None:
        user.blocked = True
        self._member_change(self._chat_api(user.id), user, "member", "kicked")

    def unblock(self, user: SimUser) -> None:
        user.blocked = False
        self._member_change(self._chat_api(user.id), user, "kicked", "member")

    def join_group(
        self,
        user: SimUser,
        chat: SimChat,
        *,
        by: SimUser | None = None,
        link: dict[str, Any] | None = None,
    ) -> None:
        """``user`` joins (by ``link``) or is added (``by`` someone): Telegram posts its
        note in the group, and sends a chat_member update to an administrator bot."""
        if user.id in chat.members:
            raise ValueError(f"{user.first_name} is in {chat.title} already")
        chat.members.add(user.id)
        self._membership(chat, user, by or user, "left", "member", link)

    def join_by_link(self, user: SimUser, link: str) -> SimChat:
        """What tapping a group's invite link (https://t.me/+…) and "Join" does."""
        found = self.invite_links.get(link)
        if found is None or found[1]["is_revoked"]:
            raise LookupError("this invite link does not work")
        chat = self.chats[found[0]]
        self.join_group(user, chat, link=found[1])
        return chat

    def leave_group(self, user: SimUser, chat: SimChat, *, by: SimUser | None = None) -> None:
        """``user`` leaves, or is removed ``by`` an administrator."""
        if user.id not in chat.members:
            raise ValueError(f"{user.first_name} is not in {chat.title}")
        chat.members.discard(user.id)
        self._membership(chat, user, by or user, "member", "left" if by is None else "kicked")

    def _membership(
        self,
        chat: SimChat,
        user: SimUser,
        by: SimUser,
        old: str,
        new: str,
        link: dict[str, Any] | None = None,
    ) -> None:
        if not chat.bot_present:
            return
        now = int(time.time())
        if chat.bot_admin:
            change: dict[str, Any] = {
                "chat": chat.to_api(),
                "from": by.to_api(),
                "date": now,
                "old_chat_member": {"status": old, "user": user.to_api()},
                "new_chat_member": {
                    "status": new,
                    "user": user.to_api(),
                    **({"until_date": 0} if new == "kicked" else {}),
                },
            }
            if link is not None:
                change["invite_link"] = link
            self._queue("chat_member", change)
        note = (
            {"new_chat_members": [user.to_api()]}
            if new == "member"
            else {"left_chat_member": user.to_api()}
        )
        message = SimMessage(self._next_message_id(chat.id), chat.id, False, by.id, now, media=note)
        self.history.setdefault(chat.id, []).append(message)
        self._queue("message", self._message_api(message))

    def promote_bot(
        self, chat: SimChat, *, can_invite_users: bool = True, by: SimUser | None = None
    ) -> None:
        """An administrator of the group makes the bot one (or changes its rights)."""
        old = self._bot_member(chat)
        chat.bot_admin, chat.bot_can_invite = True, can_invite_users
        self._bot_change(chat, by, old)

    def demote_bot(self, chat: SimChat, *, by: SimUser | None = None) -> None:
        old = self._bot_member(chat)
        chat.bot_admin = chat.bot_can_invite = False
        for link, (chat_id, data) in self.invite_links.items():
            if chat_id == chat.id and data["creator"]["id"] == self.bot["id"]:
                self.invite_links[link] = (chat_id, {**data, "is_revoked": True})
        self._bot_change(chat, by, old)

    def _bot_change(self, chat: SimChat, by: SimUser | None, old: dict[str, Any]) -> None:
        actor = by or self.users[next(iter(chat.members))]
        self._queue(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": actor.to_api(),
                "date": int(time.time()),
                "old_chat_member": old,
                "new_chat_member": self._bot_member(chat),
            },
        )

    def _bot_member(self, chat: SimChat) -> dict[str, Any]:
        """The bot as a ChatMember of the group (every field Telegram requires)."""
        if not chat.bot_present:
            return {"status": "left", "user": self.bot}
        if not chat.bot_admin:
            return {"status": "member", "user": self.bot}
        rights = dict.fromkeys(
            (
                "can_be_edited",
                "is_anonymous",
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
            ),
            False,
        )
        return {
            "status": "administrator",
            "user": self.bot,
            **rights,
            "can_manage_chat": True,
            "can_invite_users": chat.bot_can_invite,
        }

    def remove_bot_from_group(self, chat: SimChat, by: SimUser | None = None) -> None:
        chat.bot_present = False
        actor = by or self.users[next(iter(chat.members))]
        self._member_change(chat.to_api(), actor, "member", "left")

    def migrate_group(self, chat: SimChat) -> SimChat:
        """A group upgraded to a supergroup: a new id; the old one refuses messages."""
        new = SimChat(
            -(1_000_000_000_000 + next(self._group_ids)),
            "supergroup",
            chat.title,
            set(chat.members),
        )
        self.chats[new.id] = new
        chat.migrated_to = new.id
        # Telegram tells the bot with a service message in the old group.
        actor = self.users[next(iter(chat.members))]
        message = SimMessage(
            self._next_message_id(chat.id),
            chat.id,
            False,
            actor.id,
            int(time.time()),
            media={"migrate_to_chat_id": new.id},
        )
        self.history.setdefault(chat.id, []).append(message)
        self._queue("message", self._message_api(message))
        return new

    # --- reading (the driver side) ---------------------------------------------------------

    def messages(self, target: SimUser | SimChat | int) -> list[SimMessage]:
        return [m for m in self.history.get(self._chat_of(target), []) if m.from_bot]

    def texts(self, target: SimUser | SimChat | int) -> list[str]:
        return [m.text if m.text is not None else (m.caption or "") for m in self.messages(target)]

    def last(self, target: SimUser | SimChat | int) -> SimMessage:
        messages = self.messages(target)
        if not messages:
            raise LookupError("the bot has sent nothing there")
        return messages[-1]

    def updates_made(self) -> list[dict[str, Any]]:
        """Every update made for the bot so far (delivered or waiting), in order."""
        return list(self._delivered.values())

    def callback_answers(self, user: SimUser) -> list[CallbackAnswer]:
        return list(self._answers.get(user.id, []))

    # --- checks shared by the methods ------------------------------------------------------

    def _target(self, chat_id: Any) -> int:
        if isinstance(chat_id, str):
            if chat_id.lstrip("-").isdigit():
                chat_id = int(chat_id)
            else:
                raise bad("chat not found")
        if chat_id > 0:
            user = self.users.get(chat_id)
            if user is None:
                raise bad("chat not found")
            if user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not user.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return int(chat_id)
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad("chat not found")
        if chat.migrated_to is not None:
            raise bad(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if not chat.bot_present:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return int(chat_id)

    def _formatted(
        self, text: str, parse_mode: str | None, limit: int, what: str
    ) -> tuple[str, list[dict[str, Any]]]:
        plain, entities = text, list[dict[str, Any]]()
        try:
            if parse_mode and parse_mode.upper() == "HTML":
                plain, entities = parse_html(text)
            elif parse_mode == "MarkdownV2":
                plain = check_markdown_v2(text)
            elif parse_mode not in (None, "", "Markdown"):
                raise bad("unsupported parse_mode")
        except ParseError as exc:
            raise bad(f"can't parse entities: {exc}") from None
        if what == "text" and not plain.strip():
            raise bad("message text is empty")
        # Telegram counts the parsed text in UTF-16 code units: an emoji is two.
        if utf16_len(plain) > limit:
            raise bad("message is too long" if what == "text" else "message caption is too long")
        return plain, entities

    def _markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or any(not isinstance(r, list) for r in rows):
                raise bad(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            total = sum(len(r) for r in rows)
            if total > 100 or any(len(r) > 8 for r in rows):
                raise bad("reply markup is too long")
            for row in rows:
                for button in row:
                    self._inline_button(button)
            return markup
        if "keyboard" in markup:
            for row in markup["keyboard"]:
                for button in row:
                    text = button.get("text") if isinstance(button, dict) else button
                    if not text:
                        raise bad("keyboard button text is empty")
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not button.get("text"):
            raise bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )
        actions = [
            k
            for k in (
                "callback_data",
                "url",
                "switch_inline_query",
                "web_app",
                "login_url",
                "switch_inline_query_current_chat",
                "pay",
                "copy_text",
                "callback_game",
                "switch_inline_query_chosen_chat",
            )
            if k in button
        ]
        if len(actions) != 1:
            raise bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                raise bad("BUTTON_DATA_INVALID")
        if "url" in button and not re.match(r"(https?|tg)://\S+$", str(button["url"])):
            raise bad("BUTTON_URL_INVALID")

    def _message_api(self, message: SimMessage) -> dict[str, Any]:
        sender = self.bot if message.from_bot else self.users[message.sender_id].to_api()
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat_api(message.chat_id),
            "from": sender,
        }
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.caption is not None:
            data["caption"] = message.caption
        data.update(message.media)
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.edit_date:
            data["edit_date"] = message.edit_date
        return data

    def _bot_message(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        markup = fields.pop("reply_markup", None)
        message = SimMessage(
            self._next_message_id(chat_id),
            chat_id,
            True,
            self.bot["id"],
            int(time.time()),
            **fields,
        )
        if markup is not None:
            if "inline_keyboard" in markup:
                message.reply_markup = markup
            elif "keyboard" in markup and chat_id > 0:
                self._reply_keyboards[chat_id] = markup
            elif markup.get("remove_keyboard") and chat_id > 0:
                self._reply_keyboards.pop(chat_id, None)
        self.history.setdefault(chat_id, []).append(message)
        self.stats["sent"] += 1
        self._notify(chat_id, "sent", message)
        return self._message_api(message)

    def _find(self, params: dict[str, Any]) -> SimMessage:
        if params.get("inline_message_id"):
            raise bad("message to edit not found")
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        if chat_id is None or message_id is None:
            raise bad("message to edit not found")
        self._target(chat_id)
        for message in self.history.get(int(chat_id), []):
            if message.message_id == message_id and message.from_bot:
                return message
        raise bad("message to edit not found")

    # --- methods -------------------------------------------------------------------------

    async def _m_getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.bot

    async def _m_logOut(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_close(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_setWebhook(self, p: dict[str, Any]) -> bool:
        url = str(p.get("url") or "")
        if not url:
            return await self._m_deleteWebhook(p)
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            raise bad("bad webhook: invalid webhook URL specified") from None
        if not parts.hostname:
            raise bad("bad webhook: invalid webhook URL specified")
        # Telegram posts only over https, to four ports; plain http is let through for
        # 127.0.0.1, where the tests run the bot (the one way the emulator is laxer).
        loopback = parts.hostname in LOOPBACK
        if parts.scheme != "https" and not (loopback and parts.scheme == "http"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if not loopback and (port or 443) not in WEBHOOK_PORTS:
            raise bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = p.get("secret_token")
        if secret is not None:
            secret = str(secret)
            if len(secret) > 256:
                raise bad("secret token is too long")
            if not SECRET_TOKEN.fullmatch(secret):
                raise bad("secret token contains unallowed characters")
        connections = int(p.get("max_connections") or 40)
        if not 1 <= connections <= 100:
            raise bad("bad webhook: max_connections must be between 1 and 100")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = Webhook(url, secret or None, p.get("allowed_updates"), connections)
        if isinstance(p.get("allowed_updates"), list):
            self.allowed_updates = list(p["allowed_updates"])
        self._new_update.set()  # a long poll in progress ends with a conflict
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.create_task(self._push_updates(), name="emulator-webhook")
        return True

    async def _m_deleteWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook = None
        await self._stop_pushing()
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_getWebhookInfo(self, p: dict[str, Any]) -> dict[str, Any]:
        hook = self.webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    # --- webhook delivery ----------------------------------------------------------------

    async def _push_updates(self) -> None:
        """Post each queued update to the webhook, in order, one at a time, until it is
        answered 2xx — retried after a failure, as Telegram does, and kept meanwhile."""
        retry = self.webhook_retry
        async with aiohttp.ClientSession() as session:
            while self.webhook is not None:
                if not self._updates:
                    self._new_update.clear()
                    await self._new_update.wait()
                    continue
                update = self._updates[0]
                if await self._post_update(session, self.webhook, update):
                    retry = self.webhook_retry
                    if self._updates and self._updates[0] is update:
                        self._updates.popleft()
                        self._handed_out = max(self._handed_out, update["update_id"])
                else:
                    await asyncio.sleep(retry)
                    retry = min(retry * 2, 2.0)
                self._activity.set()

    async def _post_update(
        self, session: aiohttp.ClientSession, hook: Webhook, update: dict[str, Any]
    ) -> bool:
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        body = json.dumps(update, ensure_ascii=False).encode()
        status: int | None = None
        try:
            async with session.post(
                hook.url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                status = response.status
                error = f"Wrong response from the webhook: {status} {response.reason}"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientError:
            error = "Connection refused"
        self.webhook_posts.append((update["update_id"], status))
        if status is not None and 200 <= status < 300:
            return True
        hook.last_error_date, hook.last_error_message = int(time.time()), error
        return False

    async def _stop_pushing(self) -> None:
        pusher, self._pusher = self._pusher, None
        if pusher is not None and pusher is not asyncio.current_task():
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pusher

    async def _m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target(p["chat_id"])
        text, entities = self._formatted(p["text"], p.get("parse_mode"), TEXT_LIMIT, "text")
        markup = self._markup(p.get("reply_markup"))
        return self._bot_message(
            chat_id,
            text=text,
            entities=entities,
            html=p["text"] if p.get("parse_mode") else None,
            reply_markup=markup,
        )

    async def _m_editMessageText(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._find(p)
        text, entities = self._formatted(p["text"], p.get("parse_mode"), TEXT_LIMIT, "text")
        markup = self._markup(p.get("reply_markup"))
        if message.text == text and message.entities == entities and message.reply_markup == markup:
            raise bad(NOT_MODIFIED)
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.html = p["text"] if p.get("parse_mode") else None
        message.edited, message.edit_date = True, int(time.time())
        self._notify(message.chat_id, "edited", message)
        return self._message_api(message)

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._find(p)
        markup = self._markup(p.get("reply_markup"))
        if message.reply_markup == markup or (not message.reply_markup and not markup):
            raise bad(NOT_MODIFIED)
        message.reply_markup = markup
        message.edited, message.edit_date = True, int(time.time())
        self._notify(message.chat_id, "edited", message)
        return self._message_api(message)

    async def _m_deleteMessage(self, p: dict[str, Any]) -> bool:
        chat_id = int(p["chat_id"])
        for message in list(self.history.get(chat_id, [])):
            if message.message_id == p["message_id"]:
                self.history[chat_id].remove(message)
                self._notify(chat_id, "deleted", message)
                return True
        raise bad("message to delete not found")

    async def _m_answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        query = self._queries.get(str(p["callback_query_id"]))
        if query is None or query[1]:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        text = p.get("text")
        if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
            raise bad("MESSAGE_TOO_LONG")
        self._queries[str(p["callback_query_id"])] = (query[0], True)
        self.callback_answer_count += 1
        self._answers.setdefault(query[0], []).append(
            CallbackAnswer(
                text, bool(p.get("show_alert")), str(p["callback_query_id"]), time.monotonic()
            )
        )
        return True

    async def _m_sendChatAction(self, p: dict[str, Any]) -> bool:
        self._target(p["chat_id"])
        return True

    def _commands_key(self, p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in {
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        }:
            raise bad("can't parse BotCommandScope")
        if scope["type"].startswith("chat"):
            self._target(scope.get("chat_id"))
        language = p.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    async def _m_setMyCommands(self, p: dict[str, Any]) -> bool:
        commands = p["commands"]
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("too many commands")
        for command in commands:
            if not COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(p)] = commands
        return True

    async def _m_getMyCommands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands.get(self._commands_key(p), [])

    async def _m_deleteMyCommands(self, p: dict[str, Any]) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    async def _m_setChatMenuButton(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_getChat(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(p["chat_id"])
        if chat_id not in self.users and chat_id not in self.chats:
            raise bad("chat not found")
        return {
            **self._chat_api(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
            },
        }

    async def _m_getChatMember(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target(p["chat_id"])
        if chat_id < 0 and int(p["user_id"]) == self.bot["id"]:
            return self._bot_member(self.chats[chat_id])
        user = self.users.get(int(p["user_id"]))
        if user is None:
            raise bad("user not found")
        member = chat_id > 0 or user.id in self.chats[chat_id].members
        return {"status": "member" if member else "left", "user": user.to_api()}

    async def _m_getChatAdministrators(self, p: dict[str, Any]) -> list[Any]:
        chat_id = self._target(p["chat_id"])
        if chat_id < 0 and self.chats[chat_id].bot_admin:
            return [self._bot_member(self.chats[chat_id])]
        return []

    async def _m_createChatInviteLink(self, p: dict[str, Any]) -> dict[str, Any]:
        """Only an administrator with the right to invite users may (Telegram's words)."""
        chat_id = self._target(p["chat_id"])
        chat = self.chats.get(chat_id)
        if chat is None or not chat.bot_admin or not chat.bot_can_invite:
            raise bad(INVITE_RIGHTS)
        name = p.get("name")
        if name is not None and len(str(name)) > 32:  # the spec's 0-32 characters
            raise bad("invite link name is too long")
        link: dict[str, Any] = {
            "invite_link": f"https://t.me/+{secrets.token_urlsafe(12)}",
            "creator": self.bot,
            "creates_join_request": bool(p.get("creates_join_request")),
            "is_primary": False,
            "is_revoked": False,
        }
        for key in ("name", "expire_date", "member_limit"):
            if p.get(key) is not None:
                link[key] = p[key]
        self.invite_links[link["invite_link"]] = (chat_id, link)
        return link

    async def _m_leaveChat(self, p: dict[str, Any]) -> bool:
        chat_id = self._target(p["chat_id"])
        if chat_id in self.chats:
            self.chats[chat_id].bot_present = False
        return True

    async def _m_getFile(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(p["file_id"]))
        if stored is None:
            raise bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    async def _send_file(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target(p["chat_id"])
        caption, entities = None, list[dict[str, Any]]()
        if p.get("caption"):
            caption, entities = self._formatted(
                p["caption"], p.get("parse_mode"), CAPTION_LIMIT, "caption"
            )
        field_name = FILE_FIELD[method]
        value = p[field_name]
        size = _png_size(value.data) if isinstance(value, SimFile) else None
        if (
            field_name == "photo"
            and size is not None
            and (sum(size) > PHOTO_SIDES_MAX or max(size) > PHOTO_RATIO_MAX * min(size))
        ):
            raise bad("PHOTO_INVALID_DIMENSIONS")
        if isinstance(value, SimFile):
            self.files[value.file_id] = value
            stored = value
            self.stats["uploads"] += 1
        else:
            found = self.files.get(str(value))
            if found is None:
                raise bad("wrong file identifier/HTTP URL specified")
            stored = found
            self.stats["reuses"] += 1
        info: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        if field_name == "document":
            info["file_name"] = stored.file_name or "file"
        if field_name in ("voice", "audio", "video"):
            info["duration"] = int(p.get("duration") or 0)
        if field_name == "video":
            info.update(width=640, height=360)
        width, height = size or (800, 600)
        media: dict[str, Any] = {
            field_name: [{**info, "width": width, "height": height}]
            if field_name == "photo"
            else info
        }
        markup = self._markup(p.get("reply_markup"))
        message = self._bot_message(chat_id, caption=caption, media=media, reply_markup=markup)
        if entities:
            message["caption_entities"] = entities
        return message

    async def _m_sendDocument(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file("sendDocument", p)

    async def _m_sendPhoto(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file("sendPhoto", p)

    async def _m_sendVoice(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file("sendVoice", p)

    async def _m_sendAudio(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file("sendAudio", p)

    async def _m_sendVideo(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file("sendVideo", p)

    async def _m_sendLocation(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target(p["chat_id"])
        if not (-90 <= p["latitude"] <= 90 and -180 <= p["longitude"] <= 180):
            raise bad("wrong location specified")
        return self._bot_message(
            chat_id,
            media={"location": {"latitude": p["latitude"], "longitude": p["longitude"]}},
            reply_markup=self._markup(p.get("reply_markup")),
        )


async def _read_params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.read()
        return json.loads(body) if body else {}
    if request.method == "GET":
        return dict(request.query)
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            data = value.file.read()
            params[key] = SimFile(
                f"F{secrets.token_urlsafe(24)}",
                secrets.token_hex(8),
                data,
                value.filename,
                value.content_type,
            )
        else:
            params[key] = value
    # PTB names attached files "attach://<name>"; resolve them to the uploaded parts.
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = params.get(value[len("attach://") :], value)
    return params


def _coerce(key: str, kind: str, value: Any) -> Any:
    if kind == "file":
        return value
    if not isinstance(value, str):
        return value
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            return value.lower() in ("true", "1")
        if kind == "chat":
            return int(value) if value.lstrip("-").isdigit() else value
        if kind == "json":
            return json.loads(value) if value[:1] in "[{" else value
    except (ValueError, json.JSONDecodeError):
        raise bad(f"wrong parameter {key} specified") from None
    return value


def _error_response(error: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return web.json_response(body, status=error.code)
