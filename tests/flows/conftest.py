"""Fixtures of the flow tests: a signed-in configuration against the session sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.sandbox import SandboxHandle


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def write_config(sandbox_config: Path, target: Path, *, ledger_url: str) -> Path:
    """A refsync.toml that points at the sandbox, with this test's own ledger and outputs."""
    base = sandbox_config.read_text()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(base + f'ledger_url = "{ledger_url}"\n'
                             f'token_cache = "{target.parent / "token-cache.json"}"\n'
                             f'output_dir = "{target.parent / "runs"}"\n')
    return target


def sign_in(config: Path) -> None:
    """Device-code sign-in once (the sandbox approves it by itself); the cache serves the run."""
    from connectors.auth import device_code_login
    from refsync.settings import load_settings

    device_code_login(load_settings(config), echo=lambda _line: None)


@pytest.fixture
def flow_config(sandbox: SandboxHandle, tmp_path: Path) -> Path:
    """A signed-in configuration with a SQLite ledger in ``tmp_path``."""
    assert sandbox.config_path is not None
    config = write_config(sandbox.config_path, tmp_path / "refsync.toml",
                          ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}")
    sign_in(config)
    return config
