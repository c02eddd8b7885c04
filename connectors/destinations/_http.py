"""One place where an HTTP answer becomes a result or a classified error.

Every destination sends through :func:`send`, so that all of them classify the same way:

=====================  ==========================================================================
answer                 raised
=====================  ==========================================================================
2xx                    nothing: the response is returned
400/404/409/422, 4xx   :class:`RejectedError` (status, ``error.code``, ``error.target``)
401/403                :class:`AuthError` (fatal: the run stops)
408                    :class:`TransientError` (the server gave up waiting for the request)
412                    :class:`ConflictError` (the object changed since its eTag was read)
429                    :class:`TransientError` with ``retry_after`` from ``Retry-After`` (seconds,
                       fractions allowed, or an HTTP date) or from "Try again in N seconds"
5xx                    :class:`TransientError`; :class:`UncertainOutcome` for a create, which the
                       server may have committed before failing
no answer              see :func:`connectors.http.transport_error`
=====================  ==========================================================================

Messages carry the status, the API's error code and message (redacted), and the ``request-id``
that Microsoft support asks for; never a header or a token.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from connectors.http import parse_retry_after, transport_error
from refsync.errors import (
    AuthError,
    ConflictError,
    RejectedError,
    TransientError,
    UncertainOutcome,
)
from refsync.executor import RetryPolicy
from refsync.records import JsonObject, RemoteObject
from refsync.secrets import redact

__all__ = [
    "error_details",
    "field",
    "json_object",
    "parse_datetime",
    "parse_retry_after",
    "raise_for_status",
    "request_id",
    "send",
]

_MESSAGE_LIMIT = 300


def field(body: Mapping[str, Any], name: str) -> Any:
    """``body[name]``, matching the name case-insensitively (the legacy API is PascalCase)."""
    if name in body:
        return body[name]
    folded = name.casefold()
    for key, value in body.items():
        if isinstance(key, str) and key.casefold() == folded:
            return value
    return None


def parse_datetime(value: object) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime; None when absent or unreadable.

    Partner Center sends seven fractional digits, which :meth:`datetime.fromisoformat` accepts
    (truncating to microseconds); naive values are taken as UTC, as the API documents.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def request_id(response: httpx.Response) -> str | None:
    """The server's ``request-id`` header, which Microsoft support asks for."""
    value = response.headers.get("request-id") or response.headers.get("x-ms-request-id")
    return str(value) if value else None


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def error_details(response: httpx.Response) -> tuple[str | None, str, str | None]:
    """``(code, message, target)`` from either error shape the APIs use.

    Partner Center and Graph wrap it: ``{"error": {"code", "message", "target"}}``; the 429 and
    GT365 bodies are flat: ``{"statusCode", "message"}``. A non-JSON body yields its first line.
    """
    body = _body(response)
    if isinstance(body, dict):
        inner = field(body, "error")
        source = inner if isinstance(inner, dict) else body
        code = field(source, "code")
        message = field(source, "message")
        target = field(source, "target")
        if isinstance(inner, str) and not message:
            message = inner
        return (
            str(code) if code is not None else None,
            _clip(str(message) if message is not None else response.reason_phrase),
            str(target) if target is not None else None,
        )
    text = response.text.strip().splitlines()[0] if response.text.strip() else ""
    return None, _clip(text or response.reason_phrase), None


def _clip(text: str) -> str:
    text = redact(text)
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _describe(response: httpx.Response, what: str) -> str:
    code, message, target = error_details(response)
    parts = [f"{what}: {response.status_code}"]
    if code:
        parts.append(code)
    text = " ".join(parts)
    if target:
        text += f" (target {target})"
    if message:
        text += f": {message}"
    rid = request_id(response)
    if rid:
        text += f" [request-id {rid}]"
    return text


def raise_for_status(response: httpx.Response, *, what: str, creates: bool,
                     remote_id: str | None = None) -> None:
    """Raise the classified error for a non-2xx ``response`` (see the module table)."""
    status = response.status_code
    if 200 <= status < 300:
        return
    message = _describe(response, what)
    if status in (401, 403):
        raise AuthError(message)
    if status == 412:
        raise ConflictError(message, remote_id=remote_id or "")
    if status == 429:
        raise TransientError(message, status=status, retry_after=parse_retry_after(response))
    if status == 408:
        raise TransientError(message, status=status)
    if status >= 500:
        retry_after = parse_retry_after(response)
        if creates:
            raise UncertainOutcome(message, status=status, retry_after=retry_after)
        raise TransientError(message, status=status, retry_after=retry_after)
    code, _, target = error_details(response)
    raise RejectedError(message, status=status, code=code, target=target)


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    what: str,
    creates: bool = False,
    remote_id: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request and return its 2xx response, or raise the classified error.

    ``creates`` marks a request that is not safe to repeat blindly (a POST that makes an object):
    its ambiguous failures become :class:`UncertainOutcome`.
    """
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(exc, what=what, creates=creates) from exc
    raise_for_status(response, what=what, creates=creates, remote_id=remote_id)
    return response


READ_ATTEMPTS = 6
READ_POLICY = RetryPolicy(base_delay_s=0.2, max_delay_s=10.0)


async def send_read(client: httpx.AsyncClient, url: str, *, what: str,
                    policy: RetryPolicy = READ_POLICY, **kwargs: Any) -> httpx.Response:
    """GET ``url``, retrying transient failures on the spot.

    A read is safe to repeat, and a long listing (one page of a hundred failing) must not start
    over from its first page: each page is retried by itself, with the engine's backoff, or after
    exactly the server's ``Retry-After``.
    """
    rng = random.Random()
    for attempt in range(1, READ_ATTEMPTS + 1):
        try:
            return await send(client, "GET", url, what=what, **kwargs)
        except TransientError as exc:
            if attempt == READ_ATTEMPTS:
                raise
            delay = exc.retry_after if exc.retry_after is not None else policy.backoff(attempt,
                                                                                      rng)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def invitation_object(response: httpx.Response, body: JsonObject, remote_id: Any, *,
                      payload: Mapping[str, Any], what: str) -> RemoteObject:
    """The :class:`RemoteObject` of an invitation answer (Graph or GT365), keyed by e-mail.

    A 2xx without an id leaves the outcome unknown, as for any create.
    """
    if not remote_id:
        raise UncertainOutcome(f"{what}: {response.status_code} without an id", status=None)
    email = field(body, "invitedUserEmailAddress") or payload.get("invitedUserEmailAddress")
    status = field(body, "status")
    return RemoteObject(
        id=str(remote_id),
        key=str(email) if email is not None else None,
        status=str(status) if status is not None else None,
        request_id=request_id(response),
        body=body,
    )


def json_object(response: httpx.Response, *, what: str, creates: bool = False) -> JsonObject:
    """The 2xx response's JSON object body.

    A 2xx without a readable object means the server acted but we cannot tell on what: for a
    create that is an :class:`UncertainOutcome` (resolve before resending), otherwise transient.
    """
    body = _body(response)
    if isinstance(body, dict):
        return body
    message = f"{what}: {response.status_code} without a JSON object body"
    rid = request_id(response)
    if rid:
        message += f" [request-id {rid}]"
    if creates:
        raise UncertainOutcome(message, status=response.status_code)
    raise TransientError(message, status=response.status_code)
