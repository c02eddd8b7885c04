"""A small HTTPS/1.1 server on asyncio + h11, and the request/response types the routes use.

The sandbox serves itself rather than through an ASGI server because one fault needs control that
ASGI does not give: *commit a create, then drop the connection with no response at all*. A route
returns :data:`DROP` for that, and the connection is aborted (TCP reset) so the client sees a
connection error, never a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import h11
import orjson

MAX_BODY = 8 * 1024 * 1024
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
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


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


class _Connection:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handler: Handler
    ) -> None:
        self.reader, self.writer, self.handler = reader, writer, handler
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)

    async def _next_event(self) -> Any:
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            data = await self.reader.read(65536)
            self.conn.receive_data(data)

    async def _send(self, response: Response) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        headers.append((b"content-length", str(len(response.body)).encode()))
        headers.append((b"server", b"refsync-sandbox"))
        reason = _REASONS.get(response.status, b"")
        event = h11.Response(status_code=response.status, headers=headers, reason=reason)
        out = self.conn.send(event) or b""
        if response.body:
            out += self.conn.send(h11.Data(data=response.body)) or b""
        out += self.conn.send(h11.EndOfMessage()) or b""
        self.writer.write(out)
        await self.writer.drain()

    def abort(self) -> None:
        self.writer.transport.abort()

    async def run(self) -> None:
        try:
            while True:
                event = await self._next_event()
                if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                    return
                if not isinstance(event, h11.Request):
                    return
                chunks: list[bytes] = []
                size = 0
                while True:
                    part = await self._next_event()
                    if isinstance(part, h11.Data):
                        size += len(part.data)
                        if size > MAX_BODY:
                            await self._send(Response.json(413, {"error": "body too large"}))
                            return
                        chunks.append(bytes(part.data))
                    elif isinstance(part, h11.EndOfMessage):
                        break
                    else:
                        return
                result = await self.handler(parse_request(event, b"".join(chunks)))
                if isinstance(result, _Drop):
                    self.abort()
                    return
                await self._send(result)
                if self.conn.our_state is h11.MUST_CLOSE:
                    return
                self.conn.start_next_cycle()
        except h11.RemoteProtocolError as exc:
            with contextlib.suppress(Exception):
                if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    await self._send(Response.json(exc.error_status_hint, {"error": str(exc)}))
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError, OSError):
            return
        finally:
            with contextlib.suppress(Exception):
                self.writer.close()


class HttpsServer:
    """Serve ``handler`` over TLS on ``host:port`` until :meth:`close`."""

    def __init__(self, handler: Handler, context: ssl.SSLContext) -> None:
        self._handler = handler
        self._context = context
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> int:
        """Bind and start accepting; returns the bound port (useful with ``port=0``)."""
        self._server = await asyncio.start_server(
            self._accept,
            host,
            port,
            ssl=self._context,
            backlog=1024,
            ssl_handshake_timeout=10,
        )
        sockname = self._server.sockets[0].getsockname()
        return int(sockname[1])

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await _Connection(reader, writer, self._handler).run()
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def close(self) -> None:
        """Stop accepting, cancel open connections (including hung routes) and wait for them."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=2)
