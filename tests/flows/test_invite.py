"""``refsync invite`` (the bulk-invite flow) against the sandbox's Graph invitations."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from entrypoints.cli import main
from tests.fixtures.sandbox import SandboxHandle

pytestmark = pytest.mark.integration

MAPPING = Path(__file__).parent / "data" / "guest-invites.yaml"
INVITATIONS = "POST /v1.0/invitations"

Cli = Callable[..., tuple[int, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*args: str) -> tuple[int, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run


def invitees(path: Path, count: int, *, bad: int = 0, renamed: int = 0) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Email"])
        for i in range(count):
            name = f"Dr. Guest {i}" if i < renamed else f"Guest {i}"
            writer.writerow([name, f"Guest.{i}@Fabrikam.com"])
        for i in range(bad):
            writer.writerow([f"Nobody {i}", f"not-an-address-{i}"])
    return path


def posted(sandbox: SandboxHandle) -> int:
    return sum(sandbox.stats()["requests"].get(INVITATIONS, {}).values())


def test_each_invitee_is_invited_once_and_again_only_with_resend(
        sandbox: SandboxHandle, flow_config: Path, tmp_path: Path, cli: Cli) -> None:
    sheet = invitees(tmp_path / "guests.csv", 25)
    args = ("invite", "--mapping", str(MAPPING), "--source", str(sheet),
            "--config", str(flow_config), "--chunk-size", "10")

    code, out = cli(*args)
    assert code == 0, out
    assert "progress: invitations: +10 rows" in out
    assert posted(sandbox) == 25
    assert sandbox.stats()["objects"]["invitation"] == 25

    code, out = cli(*args)  # the same sheet again: nobody is invited twice
    assert code == 0, out
    assert posted(sandbox) == 25

    invitees(sheet, 25, renamed=5)  # five rows corrected in the sheet
    code, out = cli(*args)
    assert code == 0, out
    assert posted(sandbox) == 25  # an invitation cannot be updated: left alone by default

    code, out = cli(*args, "--resend")
    assert code == 0, out
    assert posted(sandbox) == 50  # every invitee of the sheet is invited again
    assert sandbox.stats()["objects"]["guest"] == 25  # re-invited, not duplicated


def test_invalid_invitees_are_reported_and_never_sent_while_the_others_are_invited(
        sandbox: SandboxHandle, flow_config: Path, tmp_path: Path, cli: Cli) -> None:
    sheet = invitees(tmp_path / "guests.csv", 5, bad=2)
    code, out = cli("invite", "--mapping", str(MAPPING), "--source", str(sheet),
                    "--config", str(flow_config))
    assert code == 0, out  # invalid rows are settled here; only failed/rejected ones alert
    assert "invalid       2" in out
    assert posted(sandbox) == 5


def test_a_referral_mapping_is_refused_before_anything_is_sent(
        sandbox: SandboxHandle, flow_config: Path, tmp_path: Path, cli: Cli) -> None:
    referrals = Path(__file__).parents[2] / "mappings" / "dynamics365-leads.yaml"
    sheet = invitees(tmp_path / "guests.csv", 3)
    code, out = cli("invite", "--mapping", str(referrals), "--source", str(sheet),
                    "--config", str(flow_config))
    assert code == 2
    assert "not an invitation API" in out
    assert posted(sandbox) == 0
