"""Bearer tokens for httpx, from MSAL, with one retry on 401.

MSAL is synchronous and may hit the network (a refresh), so it runs in a worker thread
(:func:`anyio.to_thread.run_sync`); the token is kept in memory until shortly before it expires,
so that the usual request costs no thread hop at all. Concurrent requests that find the token
stale wait on one refresh instead of each starting their own.

A 401 means the API no longer accepts the token (revoked, or expired early): the flow acquires a
fresh one, bypassing every cache, and resends once. A second 401 is returned to the caller,
whose classification turns it into :class:`refsync.errors.AuthError`.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncGenerator, Generator

import anyio.to_thread
import httpx

from .tokens import AccessToken, TokenSource

__all__ = ["MsalAuth"]


class MsalAuth(httpx.Auth):
    """Adds ``Authorization: Bearer …`` for ``scope`` from ``token_source``."""

    def __init__(self, token_source: TokenSource, scope: str, *, margin_s: float = 60.0) -> None:
        self.token_source = token_source
        self.scope = scope
        self._margin_s = margin_s
        self._token: AccessToken | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MsalAuth(scope={self.scope!r})"

    def _cached(self) -> AccessToken | None:
        token = self._token
        return token if token is not None and token.usable(margin_s=self._margin_s) else None

    def _acquire(self, rejected: AccessToken | None = None) -> AccessToken:
        """Return a usable token; with ``rejected``, one other than that refused token.

        Runs in a worker thread. The lock makes concurrent callers share one MSAL call: whoever
        enters second finds the token the first one fetched.
        """
        with self._lock:
            current = self._cached()
            if current is not None and (rejected is None or current.value != rejected.value):
                return current
            token = self.token_source.acquire(self.scope, force_refresh=rejected is not None)
            self._token = token
            return token

    def invalidate(self) -> None:
        """Forget the in-memory token (the next request asks the token source again)."""
        self._token = None

    def _authorize(self, request: httpx.Request, token: AccessToken) -> None:
        request.headers["Authorization"] = f"Bearer {token.value}"

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = self._cached()
        if token is None:
            token = await anyio.to_thread.run_sync(self._acquire, None)
        self._authorize(request, token)
        response = yield request
        if response.status_code == httpx.codes.UNAUTHORIZED:
            fresh = await anyio.to_thread.run_sync(self._acquire, token)
            self._authorize(request, fresh)
            yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        token = self._cached()
        if token is None:
            token = self._acquire()
        self._authorize(request, token)
        response = yield request
        if response.status_code == httpx.codes.UNAUTHORIZED:
            self._authorize(request, self._acquire(token))
            yield request
