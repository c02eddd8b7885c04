from pathlib import Path

import pytest

from refsync.errors import ConfigurationError
from refsync.settings import load_settings

pytestmark = pytest.mark.unit


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "refsync.toml"
    path.write_text(text)
    return path


def test_file_values_are_read_and_relative_paths_resolve_against_the_file(tmp_path: Path) -> None:
    cfg = _write(tmp_path, 'tenant_id = "t1"\nclient_id = "c1"\nca_bundle = "ca.pem"\n')
    settings = load_settings(cfg, environ={})
    assert settings.tenant_id == "t1"
    assert settings.ca_bundle == tmp_path / "ca.pem"
    assert settings.authority == "https://login.microsoftonline.com/t1"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _write(tmp_path, 'tenant_id = "t1"\nclient_id = "c1"\n')
    monkeypatch.setenv("REFSYNC_CLIENT_ID", "from-env")
    assert load_settings(cfg).client_id == "from-env"


def test_config_file_is_found_through_refsync_config(tmp_path: Path) -> None:
    cfg = _write(tmp_path, 'tenant_id = "t2"\nclient_id = "c2"\n')
    assert load_settings(environ={"REFSYNC_CONFIG": str(cfg)}).tenant_id == "t2"


def test_secret_never_appears_in_repr_or_errors(tmp_path: Path) -> None:
    secret = "s3cr3t-value-that-must-not-leak"
    cfg = _write(
        tmp_path,
        f'tenant_id = "t"\nclient_id = "c"\nclient_secret = "{secret}"\n'
        'graph_url = "http://plain-http.example"\n',
    )
    with pytest.raises(ConfigurationError) as info:
        load_settings(cfg, environ={})
    assert "graph_url" in str(info.value)
    assert secret not in str(info.value)
    ok = load_settings(_write(tmp_path, f'tenant_id="t"\nclient_id="c"\nclient_secret="{secret}"'))
    assert secret not in repr(ok)
    assert ok.client_secret is not None
    assert ok.client_secret.get_secret_value() == secret


def test_missing_file_and_bad_toml_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        load_settings(tmp_path / "absent.toml", environ={})
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings(_write(tmp_path, "tenant_id = "), environ={})


def test_missing_required_setting_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="client_id"):
        load_settings(_write(tmp_path, 'tenant_id = "t"\n'), environ={})
