"""The sandbox as a program: ready line, TLS only, loopback only, config file, restarts."""

from __future__ import annotations

import json
import signal
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from refsync.settings import load_settings
from sandbox.cli import main
from tests.fixtures.sandbox import SandboxHandle, SandboxProcess

pytestmark = pytest.mark.integration


def test_ready_line_names_url_ca_tenant_and_client(sandbox_process: SandboxProcess) -> None:
    ready = sandbox_process.ready
    assert ready["event"] == "ready"
    assert ready["base_url"].startswith("https://127.0.0.1:")
    assert Path(ready["ca_path"]).is_absolute()
    assert Path(ready["ca_path"]).exists()
    assert ready["tenant_id"]
    assert ready["client_id"]
    assert "client_secret" not in ready


def test_secret_is_never_printed(start_sandbox) -> None:
    with start_sandbox() as proc:
        secret = proc.client_secret
    out = proc.process.stdout
    assert out is None or out.closed
    assert secret not in proc.log()
    assert secret not in json.dumps(proc.ready)


def test_written_config_is_private_and_loads_as_refsync_settings(sandbox: SandboxHandle) -> None:
    assert sandbox.config_path is not None
    mode = stat.S_IMODE(sandbox.config_path.stat().st_mode)
    assert mode == 0o600
    settings = load_settings(sandbox.config_path, environ={})
    assert settings.tenant_id == sandbox.tenant_id
    assert settings.client_id == sandbox.client_id
    assert settings.client_secret is not None
    assert settings.client_secret.get_secret_value() == sandbox.client_secret
    for url in (
        settings.authority_host,
        settings.partner_center_url,
        settings.graph_url,
        settings.gt365_url,
    ):
        assert url == sandbox.base_url
    assert settings.ca_bundle == sandbox.ca_path


def test_serves_tls_verified_by_its_own_ca_only(sandbox: SandboxHandle) -> None:
    with sandbox.client() as client:
        assert client.get("/_sandbox/stats").status_code == 200
    with (
        httpx.Client(verify=ssl.create_default_context()) as untrusting,
        pytest.raises(httpx.ConnectError),
    ):
        untrusting.get(f"{sandbox.base_url}/_sandbox/stats")


def test_plain_http_gets_no_answer(sandbox: SandboxHandle) -> None:
    plain = sandbox.base_url.replace("https://", "http://")
    with httpx.Client() as client, pytest.raises(httpx.TransportError):
        client.get(f"{plain}/_sandbox/stats", timeout=10)


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",  # noqa: S104 (the refused case)
        "192.0.2.10",
        "example.com",
    ],
)
def test_refuses_non_loopback_host(
    host: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--host", host, "--port", "0", "--state-dir", str(tmp_path)]) == 2
    assert "loopback" in capsys.readouterr().err
    assert not (tmp_path / "ca.pem").exists()


def test_main_returns_usage_exit_codes(tmp_path: Path, capsys) -> None:
    assert main(["--help"]) == 0
    assert "--drop-after-commit" in capsys.readouterr().out
    assert main(["--state-dir", str(tmp_path), "--drop-after-commit", "1.5"]) == 2
    assert main(["--token-lifetime", "0"]) == 2


def test_a_busy_port_is_a_clear_error(sandbox_process: SandboxProcess, tmp_path: Path) -> None:
    port = sandbox_process.base_url.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--state-dir", str(tmp_path), "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_fault_option_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--state-dir", str(tmp_path), "--error-rate", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "probability" in result.stderr


def test_state_ca_and_tokens_survive_a_restart(
    start_sandbox, tmp_path: Path, make_referral
) -> None:
    state_dir = tmp_path / "state"
    with start_sandbox(state_dir=state_dir) as first:
        with first.client() as admin:
            token = admin.post(
                "/_sandbox/token", json={"scope": "https://api.partner.microsoft.com/.default"}
            ).json()["access_token"]
        with first.client(headers={"authorization": f"Bearer {token}"}) as client:
            created = client.post("/v1.0/engagements/referrals", json=make_referral())
            assert created.status_code == 201
        assert first.stop() == 0
    with start_sandbox(state_dir=state_dir) as second:
        assert second.ca_path == first.ca_path
        assert second.tenant_id == first.tenant_id
        assert second.client_id == first.client_id
        assert second.client_secret == first.client_secret
        with second.client(headers={"authorization": f"Bearer {token}"}) as client:
            again = client.get(f"/v1.0/engagements/referrals/{created.json()['id']}")
        assert again.status_code == 200
        assert again.json()["eTag"] == created.json()["eTag"]


def test_sigkill_loses_no_committed_object(start_sandbox, tmp_path: Path, make_referral) -> None:
    state_dir = tmp_path / "state"
    with start_sandbox(state_dir=state_dir) as first:
        with first.client() as admin:
            token = admin.post(
                "/_sandbox/token", json={"scope": "https://api.partner.microsoft.com/.default"}
            ).json()["access_token"]
        with first.client(headers={"authorization": f"Bearer {token}"}) as client:
            ids = [
                client.post("/v1.0/engagements/referrals", json=make_referral()).json()["id"]
                for _ in range(5)
            ]
        first.kill()
    with start_sandbox(state_dir=state_dir) as second, second.client() as admin:
        stored = {r["id"] for r in admin.get("/_sandbox/state").json()["referrals"]}
    assert set(ids) <= stored


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_it_cleanly(start_sandbox, sig: signal.Signals) -> None:
    with start_sandbox() as proc:
        proc.process.send_signal(sig)
        assert proc.process.wait(timeout=15) == 0
        assert proc.process.stdout is not None
        assert proc.process.stdout.read() == b""  # nothing after the ready line on stdout
        assert "refsync sandbox stopped" in proc.log()
