"""``refsync auth status|logout`` on a cache made by a real MSAL sign-in (fake token service)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.auth import device_code_login
from entrypoints.cli import main
from refsync.settings import load_settings

from .fake_entra import AUTHORITY_HOST, CLIENT_ID, TENANT, USERNAME, FakeEntra

pytestmark = pytest.mark.unit


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "refsync.toml"
    path.write_text(
        f'tenant_id = "{TENANT}"\nclient_id = "{CLIENT_ID}"\n'
        f'authority_host = "{AUTHORITY_HOST}"\ntoken_cache = "state/token-cache.json"\n'
    )
    return path


def test_status_when_nobody_signed_in(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["auth", "status", "--config", str(config)]) == 1
    assert "not signed in" in capsys.readouterr().out


def test_status_and_logout_after_login(config: Path, entra: FakeEntra,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings(config)
    with entra.client() as http:
        device_code_login(settings, echo=lambda _: None, http_client=http)
    assert main(["auth", "status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"signed in as {USERNAME}" in out
    assert "valid for" in out
    assert "refresh token: present" in out
    for token in [*entra.issued, *entra.refresh_tokens]:
        assert token not in out
    assert main(["auth", "logout", "--config", str(config)]) == 0
    assert "signed out" in capsys.readouterr().out
    assert not settings.token_cache.exists()
    assert main(["auth", "status", "--config", str(config)]) == 1


def test_missing_config_is_a_clean_error(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["auth", "status", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml" in capsys.readouterr().err
