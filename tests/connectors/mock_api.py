"""Helpers for MockTransport-based destination tests: a recorder and a client factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from connectors.http import build_async_client
from refsync.settings import Settings

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Recorder:
    """Answers each request with ``handler`` and keeps every request it saw."""

    handler: Handler
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.handler(request)

    def client(self, settings: Settings) -> httpx.AsyncClient:
        return build_async_client(settings, correlation_id="run-1",
                                  transport=httpx.MockTransport(self))


def answer(status: int, json: object = None, **headers: str) -> Handler:
    """A handler that always gives the same answer."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=json, headers=headers)
    return handler


def fail_with(exc_type: type[httpx.TransportError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type("simulated", request=request)
    return handler
