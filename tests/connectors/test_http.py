"""The shared HTTP client: trust, timeouts, tracing headers, and transport-error classification."""

from __future__ import annotations

import ssl
import uuid
from pathlib import Path

import httpx
import pytest
import trustme
from anyio.streams.tls import TLSListener

from connectors.http import (
    CLIENT_REQUEST_ID,
    CORRELATION_ID,
    build_async_client,
    build_client,
    ssl_context,
    transport_error,
)
from refsync.errors import ConfigurationError, TransientError, UncertainOutcome
from refsync.settings import Settings

pytestmark = pytest.mark.unit


@pytest.mark.anyio
async def test_every_request_gets_a_fresh_request_id_and_the_run_correlation_id(
    settings: Settings,
) -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200)

    async with build_async_client(settings, correlation_id="run-42",
                                  transport=httpx.MockTransport(handler)) as client:
        await client.get("https://pc.test/a")
        await client.post("https://pc.test/b", json={})
    ids = [h[CLIENT_REQUEST_ID] for h in seen]
    assert len(set(ids)) == 2
    assert all(uuid.UUID(i).version == 4 for i in ids)
    assert [h[CORRELATION_ID] for h in seen] == ["run-42", "run-42"]


def test_sync_client_for_msal_stamps_request_ids(settings: Settings) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers[CLIENT_REQUEST_ID])
        return httpx.Response(200)

    with build_client(settings, transport=httpx.MockTransport(handler)) as client:
        client.get("https://login.test/x")
    assert len(seen) == 1


@pytest.mark.anyio
async def test_timeouts_come_from_settings(settings: Settings) -> None:
    async with build_async_client(settings, correlation_id="c") as client:
        assert client.timeout.read == settings.request_timeout_s
        assert client.timeout.pool == settings.request_timeout_s
        assert client.timeout.connect is not None
        assert client.timeout.connect <= settings.request_timeout_s


def test_context_verifies_and_trusts_the_extra_ca(settings: Settings, tmp_path: Path) -> None:
    ca = trustme.CA()
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    plain = ssl_context(settings)
    extra = ssl_context(settings.model_copy(update={"ca_bundle": pem}))
    assert extra.verify_mode == ssl.CERT_REQUIRED
    assert extra.check_hostname is True
    assert extra.cert_store_stats()["x509_ca"] == plain.cert_store_stats()["x509_ca"] + 1


def test_missing_or_bad_ca_bundle_is_a_configuration_error(settings: Settings,
                                                           tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        ssl_context(settings.model_copy(update={"ca_bundle": tmp_path / "nope.pem"}))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="no usable PEM"):
        ssl_context(settings.model_copy(update={"ca_bundle": junk}))


def _request() -> httpx.Request:
    return httpx.Request("POST", "https://pc.test/v1.0/engagements/referrals?x=1")


@pytest.mark.parametrize(
    "exc_type", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError]
)
@pytest.mark.parametrize("creates", [True, False])
def test_requests_never_sent_are_plainly_transient(exc_type: type[httpx.TransportError],
                                                   creates: bool) -> None:
    error = transport_error(exc_type("boom", request=_request()), what="create", creates=creates)
    assert type(error) is TransientError
    assert "not sent" in str(error)


@pytest.mark.parametrize(
    "exc_type",
    [httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
     httpx.RemoteProtocolError],
)
def test_lost_answers_after_sending_a_create_are_uncertain(
    exc_type: type[httpx.TransportError],
) -> None:
    create = transport_error(exc_type("gone", request=_request()), what="create", creates=True)
    read = transport_error(exc_type("gone", request=_request()), what="list", creates=False)
    assert isinstance(create, UncertainOutcome)
    assert type(read) is TransientError


def test_untrusted_certificate_is_a_configuration_error() -> None:
    exc = httpx.ConnectError("verify failed", request=_request())
    cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cause.verify_message = "unable to get local issuer certificate"
    exc.__cause__ = cause
    error = transport_error(exc, what="create", creates=True)
    assert isinstance(error, ConfigurationError)
    assert "ca_bundle" in str(error)
    assert "x=1" not in str(error)  # no query string in messages


@pytest.mark.anyio
async def test_real_tls_with_the_extra_ca(settings: Settings, tmp_path: Path) -> None:
    """Over a real socket: a server whose CA is in ca_bundle is trusted, otherwise refused."""
    import anyio

    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(server_ctx)
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))

    async def serve(stream: anyio.abc.ByteStream) -> None:
        async with stream:
            try:
                await stream.receive()
                await stream.send(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            except (anyio.EndOfStream, anyio.BrokenResourceError, ssl.SSLError, OSError):
                pass

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610
    tls_listener = TLSListener(listener, server_ctx, standard_compatible=False)
    async with anyio.create_task_group() as group:
        group.start_soon(tls_listener.serve, serve)
        trusted = settings.model_copy(update={"ca_bundle": pem})
        async with build_async_client(trusted, correlation_id="c") as client:
            assert (await client.get(f"https://127.0.0.1:{port}/")).status_code == 204
        async with build_async_client(settings, correlation_id="c") as client:
            with pytest.raises(httpx.ConnectError) as info:
                await client.get(f"https://127.0.0.1:{port}/")
            assert isinstance(transport_error(info.value, what="get", creates=False),
                              ConfigurationError)
        group.cancel_scope.cancel()
    await tls_listener.aclose()
