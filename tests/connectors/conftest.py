"""Fixtures for the connector tests: settings pointing at fakes, and a fake token service."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from refsync.settings import Settings

from .fake_entra import AUTHORITY_HOST, CLIENT_ID, CLIENT_SECRET, TENANT, FakeEntra


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a fake tenant, with the token cache in a fresh temporary directory."""
    return Settings(
        tenant_id=TENANT,
        client_id=CLIENT_ID,
        client_secret=SecretStr(CLIENT_SECRET),
        authority_host=AUTHORITY_HOST,
        partner_center_url="https://pc.test",
        graph_url="https://graph.test",
        gt365_url="https://gt365.test",
        token_cache=tmp_path / "auth" / "token-cache.json",
        max_concurrency=4,
        request_timeout_s=7.5,
    )


@pytest.fixture
def entra() -> FakeEntra:
    return FakeEntra()
