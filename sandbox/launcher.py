"""Start the sandbox as a child process and wait for its ready line.

Used by ``refsync demo`` and by the test fixtures: both need a real, separate sandbox process
whose readiness is the JSON line it prints once it accepts connections (never a guess or a sleep).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

READY_TIMEOUT_S = 60.0


@dataclass
class SandboxProcess:
    """A running ``python -m sandbox`` and what its ready line said."""

    process: subprocess.Popen[bytes]
    state_dir: Path
    log_path: Path
    base_url: str
    ca_path: Path
    tenant_id: str
    client_id: str
    config_path: Path | None
    ready: dict[str, Any] = field(default_factory=dict)

    @property
    def client_secret(self) -> str:
        """The app's secret, read from the owner-only registration (never printed)."""
        registration = json.loads((self.state_dir / "registration.json").read_text())
        return str(registration["client_secret"])

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts the sandbox CA."""
        return ssl.create_default_context(cafile=str(self.ca_path))

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client on the base URL that trusts the sandbox CA (caller closes it)."""
        return httpx.Client(base_url=self.base_url, verify=self.ssl_context(), **kwargs)

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._close_pipes()

    def kill(self) -> int:
        """SIGKILL (no clean shutdown) and wait; returns the exit code."""
        if self.process.poll() is None:
            self.process.kill()
        try:
            return self.process.wait(timeout=15)
        finally:
            self._close_pipes()

    def _close_pipes(self) -> None:
        if self.process.stdout is not None:
            self.process.stdout.close()

    def log(self) -> str:
        """What the sandbox wrote to stderr so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _read_ready(
    process: subprocess.Popen[bytes], log_path: Path, timeout_s: float
) -> dict[str, Any]:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout_s
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    buffer = b""
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(timeout=remaining):
                raise RuntimeError(f"the sandbox did not become ready:\n{log_path.read_text()}")
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                process.wait(timeout=10)
                raise RuntimeError(
                    f"the sandbox exited ({process.returncode}) before it was ready:\n"
                    f"{log_path.read_text()}"
                )
            buffer += chunk
            for line in buffer.split(b"\n")[:-1]:
                if line.startswith(b"{"):
                    event = json.loads(line)
                    if event.get("event") == "ready":
                        return dict(event)
    finally:
        selector.close()


def launch_sandbox(
    state_dir: Path,
    *options: str,
    write_config: Path | None = None,
    cwd: Path | None = None,
    timeout_s: float = READY_TIMEOUT_S,
) -> SandboxProcess:
    """Start ``python -m sandbox --port 0 --state-dir STATE_DIR [options]``; await readiness.

    Its stderr goes to ``STATE_DIR/sandbox.log``.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "sandbox.log"
    args = [sys.executable, "-m", "sandbox", "--port", "0", "--state-dir", str(state_dir)]
    if write_config is not None:
        args += ["--write-config", str(write_config)]
    args += list(options)
    with log_path.open("ab") as log:
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, cwd=cwd)
    try:
        ready = _read_ready(process, log_path, timeout_s)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return SandboxProcess(
        process=process,
        state_dir=state_dir,
        log_path=log_path,
        base_url=ready["base_url"],
        ca_path=Path(ready["ca_path"]),
        tenant_id=ready["tenant_id"],
        client_id=ready["client_id"],
        config_path=Path(ready["config_path"]) if ready.get("config_path") else None,
        ready=ready,
    )
