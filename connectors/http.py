"""The HTTP clients every connector shares: verified TLS, sized pools, tracing headers.

One :class:`httpx.AsyncClient` serves a whole run so that connections are reused across rows, and
one synchronous :class:`httpx.Client` serves MSAL (passed as its ``http_client``), because MSAL's
own session would let ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` override the CA it was given.

Trust is always explicit: the system CAs plus ``settings.ca_bundle`` (the sandbox's CA), loaded
into an :class:`ssl.SSLContext`. Nothing here ever turns verification off, and environment
variables are not consulted for trust (``trust_env`` only lets proxies and ``.netrc`` through).

Every request carries a fresh ``client-request-id`` GUID and the run's ``MS-CorrelationId``, the
two headers Partner Center support asks for when tracing a call.
"""

from __future__ import annotations

import re
import ssl
import uuid
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from refsync.errors import ConfigurationError, RefsyncError, TransientError, UncertainOutcome
from refsync.settings import Settings

__all__ = [
    "CLIENT_REQUEST_ID",
    "CORRELATION_ID",
    "build_async_client",
    "build_client",
    "new_correlation_id",
    "parse_retry_after",
    "ssl_context",
    "transport_error",
]

CLIENT_REQUEST_ID = "client-request-id"
CORRELATION_ID = "MS-CorrelationId"
_USER_AGENT = "refsync/0.1"
# Connection setup and waiting for a pooled connection fail fast: neither has sent anything, so
# the caller can retry at once. Reads get the configured (longer) budget.
_CONNECT_TIMEOUT_S = 10.0
_TRY_AGAIN = re.compile(r"(?i)try again in\s+(\d+(?:\.\d+)?)\s*(?:s\b|sec|second)")


def new_correlation_id() -> str:
    """A fresh GUID for one run's ``MS-CorrelationId``."""
    return str(uuid.uuid4())


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """System CAs plus ``settings.ca_bundle``; hostname checks and verification always on.

    Raises:
        ConfigurationError: ``ca_bundle`` is missing or is not a PEM file of certificates.
    """
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if settings.ca_bundle is not None:
        _load_ca(context, settings.ca_bundle)
    return context


def _load_ca(context: ssl.SSLContext, path: Path) -> None:
    try:
        context.load_verify_locations(cafile=str(path))
    except FileNotFoundError:
        raise ConfigurationError(f"ca_bundle not found: {path}") from None
    except ssl.SSLError as exc:
        raise ConfigurationError(f"ca_bundle {path} holds no usable PEM certificate") from exc


def _timeout(settings: Settings) -> httpx.Timeout:
    connect = min(_CONNECT_TIMEOUT_S, settings.request_timeout_s)
    return httpx.Timeout(settings.request_timeout_s, connect=connect)


def _limits(settings: Settings) -> httpx.Limits:
    # One connection per concurrent request, kept alive between rows; a little headroom so that a
    # resolve listing running beside the creates never waits for a slot.
    size = settings.max_concurrency + 2
    return httpx.Limits(max_connections=size, max_keepalive_connections=size, keepalive_expiry=30)


def _headers(correlation_id: str | None) -> dict[str, str]:
    headers = {"User-Agent": _USER_AGENT, "Accept": "application/json"}
    if correlation_id:
        headers[CORRELATION_ID] = correlation_id
    return headers


async def _stamp_async(request: httpx.Request) -> None:
    request.headers[CLIENT_REQUEST_ID] = str(uuid.uuid4())


def _stamp(request: httpx.Request) -> None:
    request.headers[CLIENT_REQUEST_ID] = str(uuid.uuid4())


def parse_retry_after(response: httpx.Response, *, now: datetime | None = None) -> float | None:
    """Seconds to wait: ``Retry-After``, else the body's "Try again in N seconds"."""
    header = response.headers.get("Retry-After")
    if header:
        value = header.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            current = now or datetime.now(UTC)
            aware = when if when.tzinfo else when.replace(tzinfo=UTC)
            return max(0.0, (aware - current).total_seconds())
    match = _TRY_AGAIN.search(response.text if response.content else "")
    return float(match.group(1)) if match else None


def _raise_unavailable(response: httpx.Response) -> None:
    """Turn a token service's 429 or 5xx into an exception MSAL lets through.

    MSAL would hand a 429 back as an error dict without its status or ``Retry-After`` (and
    replay it from memory), and a 5xx as an exception without them; raised here, both reach
    :func:`transport_error` as transient, with the server's ``Retry-After``.
    """
    status = response.status_code
    if status == httpx.codes.TOO_MANY_REQUESTS or status >= httpx.codes.INTERNAL_SERVER_ERROR:
        response.read()
        response.raise_for_status()


def build_async_client(
    settings: Settings,
    *,
    correlation_id: str,
    auth: httpx.Auth | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The one client a run shares between all its requests.

    Args:
        settings: supplies trust (``ca_bundle``), ``request_timeout_s`` and ``max_concurrency``.
        correlation_id: the run's ``MS-CorrelationId``, sent on every request.
        auth: adds the bearer token (see :class:`connectors.auth.MsalAuth`).
        transport: replaces the network, for tests (``httpx.MockTransport``).
    """
    return httpx.AsyncClient(
        auth=auth,
        headers=_headers(correlation_id),
        timeout=_timeout(settings),
        limits=_limits(settings),
        verify=ssl_context(settings),
        transport=transport,
        event_hooks={"request": [_stamp_async]},
        follow_redirects=False,
    )


def build_client(
    settings: Settings,
    *,
    correlation_id: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A synchronous client with the same trust and timeouts, for MSAL's ``http_client``."""
    return httpx.Client(
        headers=_headers(correlation_id),
        timeout=_timeout(settings),
        verify=ssl_context(settings),
        transport=transport,
        event_hooks={"request": [_stamp], "response": [_raise_unavailable]},
        follow_redirects=False,
    )


def _tls_verification_failed(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def transport_error(exc: httpx.HTTPError, *, what: str, creates: bool) -> RefsyncError:
    """Classify an httpx exception by whether the request can have reached the server.

    A request that never left (connection refused, connect or pool timeout) is a plain
    :class:`TransientError`. One that may have been received (read/write timeout, reset, protocol
    error) is an :class:`UncertainOutcome` when it ``creates`` something, since the server may
    have committed it; for an idempotent call repeating it is harmless, so it is transient. A TLS
    certificate that does not verify is a :class:`ConfigurationError`: retrying cannot help.

    Returns the error for the caller to ``raise ... from exc``.
    """
    request_line = _describe(exc)
    bad_cert = _tls_verification_failed(exc)
    if bad_cert is not None:
        return ConfigurationError(
            f"{what}: TLS certificate of {request_line} not trusted "
            f"({bad_cert.verify_message}); set ca_bundle to the CA that issued it"
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ConfigurationError(f"{what}: unusable URL {request_line}: {exc}")
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        if status >= 500 or status == 429:
            return TransientError(f"{what}: {request_line} answered {status}", status=status,
                                  retry_after=parse_retry_after(exc.response))
        return ConfigurationError(f"{what}: {request_line} answered {status}")
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
                  | httpx.ProxyError):
        return TransientError(f"{what}: {request_line} not sent ({detail})")
    if creates:
        return UncertainOutcome(
            f"{what}: no answer from {request_line} after sending ({detail}); "
            "the object may have been created"
        )
    return TransientError(f"{what}: no answer from {request_line} ({detail})")


def _describe(exc: httpx.HTTPError) -> str:
    try:
        request = exc.request
    except RuntimeError:
        return "the server"
    return f"{request.method} {request.url.copy_with(query=None)}"
