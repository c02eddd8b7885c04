"""Partner Center updates against the sandbox: JSON Patch, eTags, 412, closed deals."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.destinations import PartnerCenterReferrals
from refsync.errors import ConflictError, RejectedError
from refsync.records import Target
from tests.fixtures.sandbox import SandboxHandle

from .sandbox_targets import new_key, open_target, payload_for, sandbox_settings

pytestmark = [pytest.mark.integration]

PATCH_ROUTE = "PATCH /v1.0/engagements/referrals/{id}"


def _patches(sandbox: SandboxHandle) -> int:
    return sum(sandbox.stats()["requests"].get(PATCH_ROUTE, {}).values())


@pytest.mark.anyio
async def test_update_with_the_current_etag_then_a_stale_one(sandbox: SandboxHandle,
                                                             tmp_path: Path) -> None:
    settings = sandbox_settings(sandbox.config_path, tmp_path)
    async with open_target(Target.REFERRAL, settings) as opened:
        destination = opened.destination
        assert isinstance(destination, PartnerCenterReferrals)
        created = await destination.create(payload_for(Target.REFERRAL, new_key()))
        patch = [{"op": "replace", "path": "/details/dealValue", "value": 25000}]
        updated = await destination.update(created.id, patch, etag=created.etag)
        assert updated.etag
        assert updated.etag != created.etag
        assert updated.body["details"]["dealValue"] == 25000
        with pytest.raises(ConflictError) as info:
            await destination.update(created.id, patch, etag=created.etag)
        assert info.value.remote_id == created.id
        current = await destination.get(created.id)
    assert current.etag == updated.etag


@pytest.mark.anyio
async def test_a_closed_deal_is_not_patched(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = sandbox_settings(sandbox.config_path, tmp_path)
    async with open_target(Target.REFERRAL, settings) as opened:
        destination = opened.destination
        assert isinstance(destination, PartnerCenterReferrals)
        created = await destination.create(payload_for(Target.REFERRAL, new_key()))
        closed = await destination.update(created.id, [
            {"op": "replace", "path": "/status", "value": "Closed"},
            {"op": "replace", "path": "/substatus", "value": "Won"},
        ], etag=created.etag)
        assert closed.status == "Closed"
        sent = _patches(sandbox)
        with pytest.raises(RejectedError, match="Closed"):
            await destination.update(
                created.id, [{"op": "replace", "path": "/details/notes", "value": "x"}],
                etag=closed.etag)
    assert _patches(sandbox) == sent  # refused before sending
