"""Auth: real MSAL against a fake token service, the persisted cache, and MsalAuth on httpx."""

from __future__ import annotations

import stat
import threading
import time
from pathlib import Path

import anyio
import httpx
import pytest
from pydantic import SecretStr

from connectors.auth import (
    GRAPH_SCOPE,
    PARTNER_CENTER_SCOPE,
    AccessToken,
    AppOnlyTokenSource,
    DelegatedTokenSource,
    FileTokenCache,
    MsalAuth,
    auth_for_target,
    auth_status,
    device_code_login,
    logout,
)
from refsync.errors import AuthError, ConfigurationError
from refsync.records import Target
from refsync.settings import Settings

from .fake_entra import CLIENT_SECRET, USERNAME, FakeEntra

pytestmark = pytest.mark.unit


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- app-only -------------------------------------------------------------------------------


def test_app_only_token_is_acquired_once_and_reused(settings: Settings, entra: FakeEntra) -> None:
    with entra.client() as http:
        source = AppOnlyTokenSource(settings, http_client=http)
        first = source.acquire(GRAPH_SCOPE)
        second = source.acquire(GRAPH_SCOPE)
    assert first.value == second.value == entra.issued[0]
    assert entra.grants == ["client_credentials"]
    assert first.expires_at > time.time() + 3000


def test_app_only_force_refresh_asks_the_service_again(settings: Settings,
                                                        entra: FakeEntra) -> None:
    with entra.client() as http:
        source = AppOnlyTokenSource(settings, http_client=http)
        first = source.acquire(GRAPH_SCOPE)
        fresh = source.acquire(GRAPH_SCOPE, force_refresh=True)
    assert first.value != fresh.value
    assert entra.grants == ["client_credentials", "client_credentials"]


def test_refused_secret_is_an_auth_error_without_the_secret(entra: FakeEntra,
                                                            settings: Settings) -> None:
    wrong = settings.model_copy(update={"client_secret": SecretStr("wrong-secret-value")})
    with entra.client() as http, pytest.raises(AuthError) as info:
        AppOnlyTokenSource(wrong, http_client=http).acquire(GRAPH_SCOPE)
    assert "invalid_client" in str(info.value)
    assert "wrong-secret-value" not in str(info.value)


def test_app_only_without_a_secret_is_a_configuration_error(settings: Settings) -> None:
    no_secret = settings.model_copy(update={"client_secret": None})
    with pytest.raises(ConfigurationError, match="client_secret"):
        AppOnlyTokenSource(no_secret)


def test_unreachable_token_service_is_transient(settings: Settings) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    from refsync.errors import TransientError

    with httpx.Client(transport=httpx.MockTransport(refuse)) as http, \
            pytest.raises(TransientError, match="not sent"):
        AppOnlyTokenSource(settings, http_client=http).acquire(GRAPH_SCOPE)


# --- delegated: device code, silent, refresh --------------------------------------------------


def test_device_code_login_persists_an_owner_only_cache(settings: Settings,
                                                        entra: FakeEntra) -> None:
    shown: list[str] = []
    with entra.client() as http:
        username = device_code_login(settings, scope=PARTNER_CENTER_SCOPE, echo=shown.append,
                                     http_client=http)
    assert username == USERNAME
    assert "ABCD-EFGH" in shown[0]
    assert "devicelogin" in shown[0]
    cache = settings.token_cache
    assert _mode(cache) == 0o600
    assert _mode(cache.parent) == 0o700
    assert [p.name for p in cache.parent.iterdir()] == [cache.name]  # no temporary file left
    status = auth_status(settings)
    assert status is not None
    assert status.username == USERNAME
    assert status.has_refresh_token
    assert status.access_token_expires_at is not None
    assert entra.issued[0] not in repr(status)


def test_later_runs_acquire_silently_from_the_cache(settings: Settings,
                                                    entra: FakeEntra) -> None:
    with entra.client() as http:
        device_code_login(settings, echo=lambda _: None, http_client=http)
        with DelegatedTokenSource(settings, http_client=http) as source:
            token = source.acquire(PARTNER_CENTER_SCOPE)
    assert token.value == entra.issued[0]  # served from the persisted cache, no new grant
    assert [g.rsplit(":", 1)[-1] for g in entra.grants] == ["device_code"]


def test_force_refresh_uses_the_refresh_token_and_saves_it(settings: Settings,
                                                            entra: FakeEntra) -> None:
    with entra.client() as http:
        device_code_login(settings, echo=lambda _: None, http_client=http)
        before = settings.token_cache.read_text()
        with DelegatedTokenSource(settings, http_client=http) as source:
            token = source.acquire(PARTNER_CENTER_SCOPE, force_refresh=True)
    assert entra.grants[-1] == "refresh_token"
    assert token.value == entra.issued[-1] != entra.issued[0]
    assert settings.token_cache.read_text() != before
    assert _mode(settings.token_cache) == 0o600


def test_not_signed_in_tells_the_user_to_log_in(settings: Settings, entra: FakeEntra) -> None:
    with entra.client() as http, DelegatedTokenSource(settings, http_client=http) as source, \
            pytest.raises(AuthError, match="refsync auth login"):
        source.acquire(PARTNER_CENTER_SCOPE)
    assert entra.grants == []  # decided from the cache alone


def test_expired_refresh_token_tells_the_user_to_log_in(settings: Settings,
                                                        entra: FakeEntra) -> None:
    with entra.client() as http:
        device_code_login(settings, echo=lambda _: None, http_client=http)
        entra.refuse_refresh = True
        with DelegatedTokenSource(settings, http_client=http) as source, \
                pytest.raises(AuthError, match="refsync auth login") as info:
            source.acquire(PARTNER_CENTER_SCOPE, force_refresh=True)
    assert "invalid_grant" in str(info.value)


def test_declined_device_code_is_an_auth_error(settings: Settings, entra: FakeEntra) -> None:
    entra.approved = False
    with entra.client() as http, pytest.raises(AuthError, match="authorization_declined"):
        device_code_login(settings, echo=lambda _: None, http_client=http)
    assert not settings.token_cache.exists()


def test_logout_removes_the_cache(settings: Settings, entra: FakeEntra) -> None:
    with entra.client() as http:
        device_code_login(settings, echo=lambda _: None, http_client=http)
    assert logout(settings) is True
    assert not settings.token_cache.exists()
    assert auth_status(settings) is None
    assert logout(settings) is False


# --- the cache file ---------------------------------------------------------------------------


def test_cache_readable_by_others_is_tightened_on_load(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    path.write_text("{}")
    path.chmod(0o644)
    FileTokenCache(path)
    assert _mode(path) == 0o600


def test_corrupt_cache_is_an_auth_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    path.write_text("{not json")
    with pytest.raises(AuthError, match="unreadable"):
        FileTokenCache(path)


def test_cache_is_written_only_when_changed(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.json"
    cache = FileTokenCache(path)
    cache.save()
    assert not path.exists()


def test_cache_file_is_never_created_with_wider_permissions(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """Even under a permissive umask, the new file and its directory are owner-only."""
    import os

    old = os.umask(0)
    try:
        cache = FileTokenCache(tmp_path / "d" / "cache.json")
        cache.has_state_changed = True
        cache.save()
    finally:
        os.umask(old)
    assert _mode(tmp_path / "d" / "cache.json") == 0o600
    assert _mode(tmp_path / "d") == 0o700


# --- MsalAuth on httpx ------------------------------------------------------------------------


class CountingSource:
    """A token source that hands out numbered tokens and records each call."""

    def __init__(self, lifetime: float = 3600) -> None:
        self.calls: list[bool] = []
        self.lifetime = lifetime
        self._lock = threading.Lock()

    def acquire(self, scope: str, *, force_refresh: bool = False) -> AccessToken:
        with self._lock:
            self.calls.append(force_refresh)
            return AccessToken.from_msal(f"token-{len(self.calls)}", self.lifetime)

    def close(self) -> None:
        pass


def _recording(status_for: dict[str, int] | None = None) -> tuple[list[str], httpx.MockTransport]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        header = request.headers.get("Authorization", "")
        seen.append(header)
        token = header.removeprefix("Bearer ")
        return httpx.Response((status_for or {}).get(token, 200), json={})

    return seen, httpx.MockTransport(handler)


@pytest.mark.anyio
async def test_bearer_token_is_added_and_reused_in_memory() -> None:
    source = CountingSource()
    seen, transport = _recording()
    async with httpx.AsyncClient(transport=transport, auth=MsalAuth(source, GRAPH_SCOPE)) as c:
        for _ in range(3):
            assert (await c.get("https://api.test/x")).status_code == 200
    assert seen == ["Bearer token-1"] * 3
    assert source.calls == [False]


@pytest.mark.anyio
async def test_a_401_refreshes_once_and_resends() -> None:
    source = CountingSource()
    seen, transport = _recording({"token-1": 401})
    async with httpx.AsyncClient(transport=transport, auth=MsalAuth(source, GRAPH_SCOPE)) as c:
        response = await c.post("https://api.test/x", json={"a": 1})
    assert response.status_code == 200
    assert seen == ["Bearer token-1", "Bearer token-2"]
    assert source.calls == [False, True]


@pytest.mark.anyio
async def test_a_second_401_is_returned_not_retried_forever() -> None:
    source = CountingSource()
    seen, transport = _recording({"token-1": 401, "token-2": 401})
    async with httpx.AsyncClient(transport=transport, auth=MsalAuth(source, GRAPH_SCOPE)) as c:
        response = await c.get("https://api.test/x")
    assert response.status_code == 401
    assert len(seen) == 2


@pytest.mark.anyio
async def test_an_expiring_token_is_replaced_before_it_is_sent() -> None:
    source = CountingSource(lifetime=0)  # expired as soon as it is issued
    seen, transport = _recording()
    async with httpx.AsyncClient(transport=transport, auth=MsalAuth(source, GRAPH_SCOPE)) as c:
        await c.get("https://api.test/x")
        await c.get("https://api.test/x")
    assert seen == ["Bearer token-1", "Bearer token-2"]


@pytest.mark.anyio
async def test_concurrent_requests_share_one_acquisition() -> None:
    source = CountingSource()
    seen, transport = _recording()
    auth = MsalAuth(source, GRAPH_SCOPE)
    async with httpx.AsyncClient(transport=transport, auth=auth) as c, \
            anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(c.get, "https://api.test/x")
    assert len(seen) == 20
    assert source.calls == [False]


@pytest.mark.anyio
async def test_concurrent_401s_refresh_once() -> None:
    source = CountingSource()
    _, transport = _recording({"token-1": 401})
    auth = MsalAuth(source, GRAPH_SCOPE)
    async with httpx.AsyncClient(transport=transport, auth=auth) as c:
        await c.get("https://api.test/warm")  # token-1 rejected -> token-2
        responses: list[int] = []

        async def fetch() -> None:
            responses.append((await c.get("https://api.test/x")).status_code)

        async with anyio.create_task_group() as group:
            for _ in range(10):
                group.start_soon(fetch)
    assert responses == [200] * 10
    assert source.calls == [False, True]


@pytest.mark.anyio
async def test_auth_errors_from_the_source_stop_the_request(settings: Settings,
                                                            entra: FakeEntra) -> None:
    seen, transport = _recording()
    with entra.client() as http:
        auth = auth_for_target(Target.REFERRAL, settings, http_client=http)
        async with httpx.AsyncClient(transport=transport, auth=auth) as c:
            with pytest.raises(AuthError, match="refsync auth login"):
                await c.get("https://api.test/x")
    assert seen == []


def test_tokens_never_show_in_reprs() -> None:
    token = AccessToken.from_msal("eyJhbGciOi.secret-token.value", 3600)
    auth = MsalAuth(CountingSource(), PARTNER_CENTER_SCOPE)
    auth._token = token
    assert "secret-token" not in repr(token)
    assert "secret-token" not in repr(auth)


def test_auth_for_target_picks_the_identity(settings: Settings) -> None:
    pc = auth_for_target(Target.REFERRAL, settings)
    legacy = auth_for_target("partner_center.legacy_referral", settings)
    graph = auth_for_target(Target.GRAPH_INVITATION, settings)
    gt365 = auth_for_target(Target.GT365_INVITATION, settings)
    try:
        assert isinstance(pc.token_source, DelegatedTokenSource)
        assert pc.scope == legacy.scope == PARTNER_CENTER_SCOPE
        assert isinstance(graph.token_source, AppOnlyTokenSource)
        assert graph.scope == gt365.scope == GRAPH_SCOPE
        assert CLIENT_SECRET not in repr(graph.token_source)
    finally:
        for auth in (pc, legacy, graph, gt365):
            auth.token_source.close()


def test_unwritable_cache_location_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = FileTokenCache(blocker / "cache.json")  # its directory would be a regular file
    cache.has_state_changed = True
    with pytest.raises(ConfigurationError, match="cannot write the token cache"):
        cache.save()
    assert cache.has_state_changed  # still to be written


@pytest.mark.parametrize(("status", "retry_after"), [(429, "2"), (503, "3"), (500, None)])
def test_an_overloaded_token_service_is_transient_with_its_retry_after(
    settings: Settings, entra: FakeEntra, status: int, retry_after: str | None
) -> None:
    from connectors.http import build_client
    from refsync.errors import TransientError

    def overloaded(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            headers = {"Retry-After": retry_after} if retry_after else {}
            return httpx.Response(status, json={"error": "temporarily_unavailable"},
                                  headers=headers)
        return entra.handle(request)

    with build_client(settings, transport=httpx.MockTransport(overloaded)) as http, \
            pytest.raises(TransientError) as info:
        AppOnlyTokenSource(settings, http_client=http).acquire(GRAPH_SCOPE)
    assert info.value.status == status
    assert info.value.retry_after == (float(retry_after) if retry_after else None)


def test_token_usability_margin() -> None:
    long_lived = AccessToken(value="t", expires_at=1000.0, lifetime_s=3600)
    assert long_lived.usable(now=939.0)
    assert not long_lived.usable(now=941.0)  # inside the 60 s margin
    short = AccessToken(value="t", expires_at=1000.0, lifetime_s=20)
    assert short.usable(now=994.0)  # margin capped at a quarter of its life (5 s)
    assert not short.usable(now=996.0)
