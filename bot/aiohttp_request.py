"""PTB's networking backend on aiohttp, for the bot's requests: answers and the outbox.

PTB talks HTTP through a :class:`telegram.request.BaseRequest`; its own is httpx, and PTB
documents replacing it with another backend. For a mass delivery that choice is most of
the CPU a message costs, and for a burst of presses (each answered by a request of its
own) about half of an update's: httpx and httpcore, pure Python, spend about 1.5 ms of a
2-core machine's time per request (building the request, the pool's bookkeeping, h11's
parser), where aiohttp — already a dependency, for the webhook server — parses HTTP in C and keeps
its pool simply. Everything above the transport stays PTB's: the Bot's methods, the
encoding of parameters, and the mapping of answers to errors (429 → ``RetryAfter``, 403 →
``Forbidden`` …), which the sender relies on. Timeouts and connection failures become
PTB's ``TimedOut`` and ``NetworkError``, as with httpx, so the sender retries them.
Parameters go as one JSON body (the Bot API takes JSON), files as a multipart form.
"""

from __future__ import annotations

import json

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Keep-alive connections to the Bot API server, at most ``connection_pool_size``.

    Defaults as PTB's HTTPXRequest: 5 s to connect, write and read, 1 s waiting for a free
    connection, 20 s writing an upload."""

    __slots__ = ("_connect", "_media_write", "_pool", "_pool_size", "_read", "_session", "_write")

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read, self._write, self._connect = read_timeout, write_timeout, connect_timeout
        self._pool, self._media_write = pool_timeout, media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),
            )  # the Bot API sets no cookies

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write if files else self._write
        # aiohttp has no write timeout of its own: the whole request is bounded by the sum.
        parts = (read, write, connect, pool)
        total = None if any(p is None for p in parts) else sum(p or 0.0 for p in parts)
        timeout = aiohttp.ClientTimeout(
            total=total,
            sock_read=read,
            sock_connect=connect,
            connect=None if connect is None or pool is None else connect + pool,
        )
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None and files:
            # names as they are (UTF-8), as httpx sends them: quoted, a Chinese file name
            # would arrive as %E7%AE%80…
            form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
            for name, (filename, content, mime) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            body = form
        elif request_data is not None:  # one JSON body: cheaper than a url-encoded form
            body = json.dumps(request_data.parameters).encode()
            headers = _JSON
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc
