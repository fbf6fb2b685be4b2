"""Slow clients are timed out: a deadline for a request's headers (in the server protocol) and for
its body (in the app), and a size limit for the headers.

uvicorn times out only idle keep-alive connections: a client that opens a connection and sends
nothing, or sends its headers a byte at a time, holds the connection (and a file descriptor) for
ever. `TimedHttpToolsProtocol` is uvicorn's httptools protocol with a deadline: the headers of
every request must be complete within `HEADER_TIMEOUT_S` of the connection opening or of the
request's first byte, else the connection is closed. Use it with
`uvicorn app.main:app --http app.core.http:TimedHttpToolsProtocol` (scripts/run.sh does). uvicorn
makes the protocol before the app, so HEADER_TIMEOUT_S comes from the environment or `.env` (the
settings `get_settings()` reads), not from a `Settings` object handed to `create_app`. Behind
nginx, its `client_header_timeout` and `client_body_timeout` do the same (docs/reliability.md).

`BodyGuard` reads every request body before the app sees it: larger than `max_bytes` is a 413,
slower than `timeout_s` in all a 408, both with the service's error body.
"""

import asyncio
from asyncio import TimerHandle, Transport

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.api.errors import error_response
from app.core.config import get_settings

MAX_HEADER_BYTES = 64 * 1024   # the request line and headers together (nginx's default is 32 kB)


class HeadersTooLarge(ValueError):
    """Raised inside the parser's callbacks: httptools turns it into a parse error, and uvicorn
    answers 400 and closes the connection."""


class TimedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections whose headers do not arrive in time or
    outgrow MAX_HEADER_BYTES (httptools itself has no limit: a client could stream one header
    for as long as the deadline allows, tens of MB)."""

    _header_timer: TimerHandle | None = None
    _header_bytes = 0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_s = get_settings().HEADER_TIMEOUT_S

    def connection_made(self, transport: Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        if self._header_timer is None:  # a keep-alive connection's next request
            self._arm_header_timer()

    def on_url(self, url: bytes) -> None:
        self._count_header_bytes(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_header_bytes(len(name) + len(value))
        super().on_header(name, value)

    def _count_header_bytes(self, n: int) -> None:
        self._header_bytes += n
        if self._header_bytes > MAX_HEADER_BYTES:
            raise HeadersTooLarge(f"request headers over {MAX_HEADER_BYTES} bytes")

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()


class BodyGuard:
    """413 for request bodies over `max_bytes` (judged by Content-Length up front, else by reading
    the chunked body here, at most `max_bytes` of it), 408 when the whole body takes longer than
    `timeout_s` to arrive; the body read is then replayed to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float):
        self.app, self.max_bytes, self.timeout_s = app, max_bytes, timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.timeout_s):
                messages = await self._read(receive)
        except TimeoutError:
            # the rest of the body may still come: the connection cannot carry another request
            await error_response(408, f"the request body did not arrive within {self.timeout_s} s",
                                 "request_timeout", {"connection": "close"})(scope, receive, send)
            return
        if messages is None:
            await self._too_large(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> list[Message] | None:
        """The body's messages, or None as soon as they pass `max_bytes`."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return None
            if message["type"] != "http.request" or not message.get("more_body"):
                return messages

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await error_response(413, f"request body is larger than the {self.max_bytes} bytes this "
                             "service accepts", "payload_too_large")(scope, receive, send)
