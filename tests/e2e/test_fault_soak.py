"""The claim of the idempotency protocol, under fault injection and crashes.

10,000 rows; the sandbox drops 5% of creates after committing them, fails 5% with a 5xx, throttles
in bursts, and expires every token once mid-run; the sync process is killed with SIGKILL (its whole
process group, Prefect's temporary server included) at five random moments and started again; then
one clean run over every row (``--full``). Every eligible row must end with exactly one referral,
the report must account for every row, and the write-back must be complete.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import sqlalchemy as sa

from sandbox.launcher import SandboxProcess
from tests.e2e.conftest import last_report, signed_in_config
from tests.factories import make_crm, write_leads_mapping
from tests.fixtures.sandbox import SandboxHandle

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
ROWS = 10_000
CHUNK = 500
PROGRESS = re.compile(r"(\d+) rows read")


def sync_command(mapping: Path, crm: str, config: Path) -> list[str]:
    return [sys.executable, "-m", "entrypoints.cli", "sync", "--mapping", str(mapping),
            "--source", crm, "--config", str(config), "--chunk-size", str(CHUNK)]


def run_until(command: list[str], rows: int, *, on_first_progress: Callable[[], None] | None
              = None) -> str:
    """Run the sync and SIGKILL its process group once it reports ``rows`` rows read."""
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "INFO"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert process.stdout is not None
    seen: list[str] = []
    try:
        for line in process.stdout:
            seen.append(line)
            match = PROGRESS.search(line)
            if match is None:
                continue
            if on_first_progress is not None:
                on_first_progress()
                on_first_progress = None
            if int(match.group(1)) >= rows:
                os.killpg(process.pid, signal.SIGKILL)
                break
    finally:
        process.wait(timeout=60)
        process.stdout.close()
    return "".join(seen)


def test_every_row_ends_with_exactly_one_referral_despite_faults_and_kills(
        tmp_path: Path,
        start_sandbox: Callable[..., AbstractContextManager[SandboxProcess]]) -> None:
    crm = f"sqlite:///{tmp_path / 'crm.db'}"
    make_crm(crm, ROWS)
    mapping = write_leads_mapping(tmp_path / "leads.yaml")
    rng = random.Random(20261122)
    kill_points = sorted(rng.sample(range(1, ROWS // CHUNK), 5))

    with start_sandbox("--auto-approve", "--seed", "99") as proc:
        assert proc.config_path is not None
        admin = SandboxHandle(proc)
        config = signed_in_config(proc.config_path, tmp_path / "run")
        admin.set_faults(error_rate=0.05, drop_after_commit=0.05, rate_limit_per_s=300)
        command = sync_command(mapping, crm, config)
        for number, chunks in enumerate(kill_points):
            expire = admin.expire_tokens if number == 2 else None
            output = run_until(command, chunks * CHUNK, on_first_progress=expire)
            assert PROGRESS.search(output), output[-3000:]

        admin.set_faults(error_rate=0, drop_after_commit=0, rate_limit_per_s=0)
        clean = subprocess.run([*command, "--full"], cwd=ROOT, capture_output=True, text=True,
                               timeout=600, check=False)
        assert clean.returncode == 0, clean.stdout[-3000:] + clean.stderr[-3000:]

        stats = admin.stats()
        assert stats["duplicate_external_reference_ids"] == []
        assert stats["objects"]["referral"] == ROWS, "exactly one referral per eligible row"
        dropped = sum(counts.get("dropped", 0) for counts in stats["requests"].values())
        assert dropped > 0, "faults were really injected"
        remote_ids = {r["id"] for r in admin.state()["referrals"]}
        admin.close()

    report = last_report(tmp_path / "run" / "runs")
    assert report["total"] == ROWS, "the report accounts for every row"
    assert report["counts"]["failed"] == 0
    engine = sa.create_engine(crm)
    with engine.connect() as conn:
        written = [r.referral_id for r in conn.execute(sa.text("SELECT referral_id FROM leads"))]
    engine.dispose()
    assert None not in written, "the write-back is complete"
    assert set(written) == remote_ids
