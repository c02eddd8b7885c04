"""Signing in against the sandbox's token service: the CLI, the cache, silent runs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from connectors.auth import PARTNER_CENTER_SCOPE, DelegatedTokenSource
from entrypoints.cli import main
from refsync.settings import load_settings
from tests.fixtures.sandbox import SandboxHandle

pytestmark = [pytest.mark.integration]

TOKEN_ROUTE = "POST /{tenant}/oauth2/v2.0/token"


@pytest.fixture
def cli_config(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sandbox's config, with the token cache in this test's directory."""
    assert sandbox.config_path is not None
    monkeypatch.setenv("REFSYNC_TOKEN_CACHE", str(tmp_path / "cache" / "token-cache.json"))
    return sandbox.config_path


def test_login_status_logout(cli_config: Path, sandbox: SandboxHandle,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["auth", "login", "--config", str(cli_config)]) == 0
    captured = capsys.readouterr()
    assert "signed in as" in captured.out
    assert "code" in captured.err.lower()  # the instruction with the verification URL and code
    settings = load_settings(cli_config)
    assert stat.S_IMODE(settings.token_cache.stat().st_mode) == 0o600

    assert main(["auth", "status", "--config", str(cli_config)]) == 0
    status = capsys.readouterr().out
    assert "signed in as" in status
    assert "refresh token: present" in status
    assert "eyJ" not in status  # no JWT, ever

    assert main(["auth", "logout", "--config", str(cli_config)]) == 0
    assert not settings.token_cache.exists()


def test_a_later_run_acquires_silently_without_a_sign_in(cli_config: Path,
                                                          sandbox: SandboxHandle) -> None:
    assert main(["auth", "login", "--config", str(cli_config)]) == 0
    settings = load_settings(cli_config)
    grants_after_login = sandbox.stats()["requests"][TOKEN_ROUTE]["200"]
    with DelegatedTokenSource(settings) as source:  # a new process would do exactly this
        cached = source.acquire(PARTNER_CENTER_SCOPE)
        assert sandbox.stats()["requests"][TOKEN_ROUTE]["200"] == grants_after_login
        refreshed = source.acquire(PARTNER_CENTER_SCOPE, force_refresh=True)
    assert refreshed.value != cached.value
    assert sandbox.stats()["requests"][TOKEN_ROUTE]["200"] == grants_after_login + 1
    assert stat.S_IMODE(settings.token_cache.stat().st_mode) == 0o600


def test_login_against_an_untrusted_server_fails_clearly(cli_config: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    """Without the sandbox CA the TLS check fails, and the message says how to fix it."""
    import trustme

    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("REFSYNC_CA_BUNDLE", str(other))
    assert main(["auth", "login", "--config", str(cli_config)]) == 2
    assert "ca_bundle" in capsys.readouterr().err
