"""Contract tests: one behaviour over every destination, against the real sandbox.

Real TLS (the sandbox's own CA, trusted through ``ca_bundle``), real MSAL (client credentials
for Graph and GT365; device code, then silent refresh, for Partner Center).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest

from connectors.auth import PARTNER_CENTER_SCOPE
from refsync.errors import AuthError, RejectedError, TransientError, UncertainOutcome
from refsync.protocols import Listable
from refsync.records import Target
from tests.fixtures.sandbox import SandboxHandle

from .sandbox_targets import (
    DELEGATED,
    ROUTES,
    bad_payload_for,
    expected_key,
    new_key,
    open_target,
    payload_for,
    sandbox_settings,
)

pytestmark = [pytest.mark.integration]

TARGETS = list(Target)


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
async def test_create_returns_the_remote_object(target: Target, sandbox: SandboxHandle,
                                                tmp_path: Path) -> None:
    settings = sandbox_settings(sandbox.config_path, tmp_path)
    key = new_key()
    async with open_target(target, settings) as opened:
        obj = await opened.destination.create(payload_for(target, key))
    assert obj.id
    assert obj.key == expected_key(target, key)
    assert obj.request_id
    assert sandbox.stats()  # the sandbox answered and is still healthy


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
async def test_bad_payload_is_rejected(target: Target, sandbox: SandboxHandle,
                                       tmp_path: Path) -> None:
    settings = sandbox_settings(sandbox.config_path, tmp_path)
    async with open_target(target, settings) as opened:
        with pytest.raises(RejectedError) as info:
            await opened.destination.create(bad_payload_for(target))
    assert info.value.status == 400
    assert str(info.value)


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
async def test_throttling_is_transient_with_retry_after(target: Target, sandbox: SandboxHandle,
                                                        tmp_path: Path) -> None:
    settings = sandbox_settings(sandbox.config_path, tmp_path)
    async with open_target(target, settings) as opened:
        await opened.destination.create(payload_for(target, new_key()))  # token, warm-up
        sandbox.set_faults(rate_limits={ROUTES[target]: 1})
        await opened.destination.create(payload_for(target, new_key()))  # the one allowed
        with pytest.raises(TransientError) as info:
            await opened.destination.create(payload_for(target, new_key()))
    assert not isinstance(info.value, UncertainOutcome)
    assert info.value.status == 429
    assert info.value.retry_after is not None
    assert info.value.retry_after > 0


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
async def test_missing_token_is_an_auth_error(target: Target, sandbox: SandboxHandle,
                                              tmp_path: Path) -> None:
    settings = sandbox_settings(sandbox.config_path, tmp_path)
    async with open_target(target, settings, with_auth=False) as opened:
        with pytest.raises(AuthError):
            await opened.destination.create(payload_for(target, new_key()))
    assert sandbox.state()  # nothing to clean up: the request was refused


@pytest.mark.anyio
@pytest.mark.parametrize("target", DELEGATED)
async def test_not_signed_in_is_an_auth_error_that_says_what_to_do(
    target: Target, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings = sandbox_settings(sandbox.config_path, tmp_path)
    async with open_target(target, settings, sign_in=False) as opened:
        with pytest.raises(AuthError, match="refsync auth login"):
            await opened.destination.create(payload_for(target, new_key()))


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
async def test_server_error_after_sending_a_create_is_uncertain(
    target: Target, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings = sandbox_settings(sandbox.config_path, tmp_path)
    async with open_target(target, settings) as opened:
        await opened.destination.create(payload_for(target, new_key()))
        sandbox.set_faults(error_rate=1.0, routes=[ROUTES[target]])
        with pytest.raises(UncertainOutcome) as info:
            await opened.destination.create(payload_for(target, new_key()))
    assert info.value.status is not None
    assert info.value.status >= 500


@pytest.mark.anyio
@pytest.mark.parametrize("target", DELEGATED)
async def test_dropped_create_is_uncertain_and_resolve_finds_it(
    target: Target, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings = sandbox_settings(sandbox.config_path, tmp_path)
    key = new_key()
    since = datetime.now(UTC)
    async with open_target(target, settings) as opened:
        await opened.destination.create(payload_for(target, new_key()))
        sandbox.set_faults(drop_after_commit=1.0, routes=[ROUTES[target]])
        with pytest.raises(UncertainOutcome):
            await opened.destination.create(payload_for(target, key))
        sandbox.set_faults(drop_after_commit=0.0)
        found = await opened.destination.resolve([key, new_key()], since)
    assert list(found) == [key]
    assert found[key].id


@pytest.mark.anyio
async def test_resolve_pages_through_more_than_one_page(sandbox: SandboxHandle,
                                                        tmp_path: Path) -> None:
    settings = sandbox_settings(sandbox.config_path, tmp_path)
    since = datetime.now(UTC) - timedelta(seconds=1)
    keys = [new_key() for _ in range(130)]
    async with open_target(Target.REFERRAL, settings) as opened:
        for key in keys:
            await opened.destination.create(payload_for(Target.REFERRAL, key))
        found = await opened.destination.resolve([keys[-1], keys[0]], since)
        assert isinstance(opened.destination, Listable)
        listed = [o.key async for o in opened.destination.list_all()]
    assert set(found) == {keys[0], keys[-1]}
    assert listed.count(keys[-1]) == 1
    assert set(keys) <= set(listed)


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
async def test_tokens_expired_mid_run_are_refreshed(target: Target, sandbox: SandboxHandle,
                                                    tmp_path: Path) -> None:
    settings = sandbox_settings(sandbox.config_path, tmp_path)
    async with open_target(target, settings) as opened:
        await opened.destination.create(payload_for(target, new_key()))
        sandbox.expire_tokens()
        # The sandbox stamps ``iat`` in whole seconds and revokes every token with an ``iat``
        # before the expiry instant, so a token issued later in that same second would count
        # as revoked too. Start the refresh in the next second.
        await anyio.sleep(1.0 - time.time() % 1.0)
        obj = await opened.destination.create(payload_for(target, new_key()))
    assert obj.id
    answers = sandbox.stats()["requests"][ROUTES[target]]
    assert answers.get("401") == 1  # the stale token was refused once, then replaced


@pytest.mark.anyio
async def test_app_only_token_is_refused_by_partner_center(sandbox: SandboxHandle,
                                                           tmp_path: Path) -> None:
    """Partner Center is delegated only: an app token gets 403, which is fatal."""
    import httpx

    from connectors.destinations import PartnerCenterReferrals
    from connectors.http import build_async_client

    settings = sandbox_settings(sandbox.config_path, tmp_path)
    token = sandbox.token(PARTNER_CENTER_SCOPE, app_only=True)

    def bearer(request: httpx.Request) -> httpx.Request:
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    async with build_async_client(settings, correlation_id="c") as client:
        client.auth = bearer
        with pytest.raises(AuthError) as info:
            await PartnerCenterReferrals(client, settings).create(
                payload_for(Target.REFERRAL, new_key()))
    assert token not in str(info.value)
