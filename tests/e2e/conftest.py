"""End-to-end helpers: a signed-in refsync configuration for a sandbox, and running the CLI."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connectors.auth import device_code_login
from entrypoints.cli import main
from entrypoints.commands.demo import add_run_state
from refsync.settings import load_settings
from tests.fixtures.sandbox import SandboxHandle


def signed_in_config(sandbox_config: Path, workdir: Path, *, ledger_url: str | None = None
                     ) -> Path:
    """A copy of the sandbox's config with the run's state in ``workdir``, signed in once."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "refsync.toml"
    shutil.copyfile(sandbox_config, config)
    add_run_state(config, workdir, ledger_url=ledger_url)
    device_code_login(load_settings(config), echo=lambda _: None)
    return config


REFERRALS = "/v1.0/engagements/referrals"
PC_SCOPE = "https://api.partner.microsoft.com/.default"


class PartnerCenterUser:
    """A person editing deals in Partner Center: the real API, with a delegated token."""

    def __init__(self, sandbox: SandboxHandle) -> None:
        self.client = sandbox.client(
            headers={"Authorization": f"Bearer {sandbox.token(PC_SCOPE)}"}, timeout=30)

    def __enter__(self) -> PartnerCenterUser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def patch(self, referral_id: str, *ops: dict[str, Any]) -> dict[str, Any]:
        response = self.client.patch(f"{REFERRALS}/{referral_id}", json=list(ops),
                                     headers={"Prefer": "return=representation"})
        response.raise_for_status()
        return dict(response.json())

    def create(self, payload: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(REFERRALS, json=payload)
        response.raise_for_status()
        return dict(response.json())

    def get(self, referral_id: str) -> dict[str, Any]:
        response = self.client.get(f"{REFERRALS}/{referral_id}")
        response.raise_for_status()
        return dict(response.json())


def last_report(output_dir: Path) -> dict[str, Any]:
    """The JSON report of the newest run in ``output_dir``."""
    newest = max(output_dir.glob("refsync-report-*.json"), key=lambda p: p.stat().st_mtime_ns)
    return dict(json.loads(newest.read_text()))


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    """Run ``refsync ARGS...`` in this process; returns (exit code, stdout + stderr)."""

    def run(*args: str) -> tuple[int, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run
