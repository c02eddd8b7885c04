"""A small HTTPS/1.1 server on asyncio + h11, and the request/response types the routes use.

The sandbox serves itself rather than through an ASGI server because one fault needs control that
ASGI does not give: *commit a create, then drop the connection with no response at all*. A route
returns :data:`DROP` for that, and the connection is aborted (TCP reset) so the client sees a
connection error, never a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import h11
import orjson

MAX_BODY = 8 * 1024 * 1024
log = logging.getLogger("sandbox.web")
_REASONS = {int(s): s.phrase.encode() for s in HTTPStatus}


@dataclass
class Request:
    """One parsed HTTP request; header names are lower-case."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str, default: str | None = None) -> str | None:
        """Return the header ``name`` (any case) or ``default``."""
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """Decode the body as JSON; raises ``ValueError`` when it is not JSON."""
        body = self.body.removeprefix(b"\xef\xbb\xbf")
        return orjson.loads(body) if body.strip() else None

    def form(self) -> dict[str, str]:
        """Decode an ``application/x-www-form-urlencoded`` body."""
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


@dataclass
class Response:
    """A complete response; ``body`` is bytes, already encoded."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        """A JSON response (``application/json; charset=utf-8``)."""
        out = {"content-type": "application/json; charset=utf-8"}
        out.update(headers or {})
        return cls(status, orjson.dumps(payload), out)


class _Drop:
    """Marker: abort the connection without answering."""

    def __repr__(self) -> str:
        return "DROP"


DROP: Final = _Drop()
Handler = Callable[[Request], Awaitable[Response | _Drop]]


def parse_request(event: h11.Request, body: bytes) -> Request:
    """Turn an h11 request event and its body into a :class:`Request`."""
    target = event.target.decode("latin-1")
    parts = urlsplit(target)
    headers: dict[str, str] = {}
    for name, value in event.headers:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return Request(
        method=event.method.decode("ascii").upper(),
        target=target,
        path=parts.path,
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers,
        body=body,
    )


class _Connection(asyncio.Protocol):
    """One client connection: h11 parses, one request at a time is handled in a task.

    A protocol rather than streams because it costs less per request, and because it makes the
    transport (and so :meth:`abort`) directly available to the drop-after-commit fault.
    """

    def __init__(self, handler: Handler, live: set[_Connection]) -> None:
        self.handler, self.live = handler, live
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        self.transport: asyncio.Transport | None = None
        self.task: asyncio.Task[None] | None = None
        self.request: h11.Request | None = None
        self.chunks: list[bytes] = []
        self.size = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.live.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.live.discard(self)
        if self.task is not None and not self.task.done():
            self.task.cancel()

    def data_received(self, data: bytes) -> None:
        try:
            self.conn.receive_data(data)
        except h11.RemoteProtocolError:
            self.abort()
            return
        self._advance()

    def eof_received(self) -> bool | None:
        with contextlib.suppress(h11.RemoteProtocolError):
            self.conn.receive_data(b"")
        if self.task is None:
            self.close()
        return None

    def _advance(self) -> None:
        """Consume parsed events until a whole request is in, then hand it to a task."""
        if self.task is not None:
            return  # one request at a time; h11 buffers anything pipelined behind it
        try:
            while True:
                event = self.conn.next_event()
                if event is h11.NEED_DATA or event is h11.PAUSED:
                    return
                if isinstance(event, h11.Request):
                    self.request, self.chunks, self.size = event, [], 0
                elif isinstance(event, h11.Data):
                    self.size += len(event.data)
                    if self.size > MAX_BODY:
                        self._write(Response.json(413, {"error": "body too large"}))
                        self.close()
                        return
                    self.chunks.append(bytes(event.data))
                elif isinstance(event, h11.EndOfMessage) and self.request is not None:
                    request = parse_request(self.request, b"".join(self.chunks))
                    self.request, self.chunks = None, []
                    self.task = asyncio.get_running_loop().create_task(self._handle(request))
                    return
                elif isinstance(event, h11.ConnectionClosed):
                    self.close()
                    return
        except h11.RemoteProtocolError as exc:
            if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                with contextlib.suppress(h11.LocalProtocolError):
                    self._write(Response.json(exc.error_status_hint, {"error": str(exc)}))
            self.close()

    async def _handle(self, request: Request) -> None:
        try:
            result = await self.handler(request)
        except asyncio.CancelledError:
            self.abort()
            raise
        except Exception:
            log.exception("unhandled error answering %s %s", request.method, request.path)
            result = Response.json(
                500,
                {"error": {"code": "internalServerError", "message": "unexpected sandbox error"}},
            )
        if isinstance(result, _Drop):
            self.abort()
            return
        self._write(result)
        if self.conn.our_state is h11.MUST_CLOSE:
            self.close()
            return
        try:
            self.conn.start_next_cycle()
        except h11.LocalProtocolError:
            self.close()
            return
        self.task = None
        self._advance()

    def _write(self, response: Response) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        headers.append((b"content-length", str(len(response.body)).encode()))
        headers.append((b"server", b"refsync-sandbox"))
        reason = _REASONS.get(response.status, b"")
        event = h11.Response(status_code=response.status, headers=headers, reason=reason)
        out = self.conn.send(event) or b""
        if response.body:
            out += self.conn.send(h11.Data(data=response.body)) or b""
        out += self.conn.send(h11.EndOfMessage()) or b""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(out)

    def abort(self) -> None:
        """Reset the connection without a response."""
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


class HttpsServer:
    """Serve ``handler`` over TLS on ``host:port`` until :meth:`close`."""

    def __init__(self, handler: Handler, context: ssl.SSLContext) -> None:
        self._handler = handler
        self._context = context
        self._server: asyncio.Server | None = None
        self._live: set[_Connection] = set()

    async def start(self, host: str, port: int) -> int:
        """Bind and start accepting; returns the bound port (useful with ``port=0``)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self._handler, self._live),
            host,
            port,
            ssl=self._context,
            backlog=1024,
            ssl_handshake_timeout=10,
        )
        sockname = self._server.sockets[0].getsockname()
        return int(sockname[1])

    async def close(self) -> None:
        """Stop accepting, cancel requests in flight (hung routes included), close connections."""
        if self._server is not None:
            self._server.close()
        tasks = [c.task for c in self._live if c.task is not None and not c.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for connection in list(self._live):
            connection.abort()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=2)
