"""A real Prefect deployment for the scale-out tests: server on PostgreSQL, process workers.

- ``prefect_server`` (module): a fresh PostgreSQL database for Prefect, ``prefect server start``
  as a subprocess (ready when it logs that Uvicorn runs, then ``api_healthcheck`` answers), the
  ``refsync-process`` work pool, and the backfill deployments of prefect.yaml deployed with
  ``python -m flows.deployments`` (see there why not ``prefect deploy``).
- ``start_worker`` (function): a factory of ``prefect worker start --pool refsync-process
  --type process --limit 3`` subprocesses, ready when they log that they started; all are
  stopped (with their flow runs) when the test ends.

Every line the server and the workers print goes to one queue (``prefect_server.lines``), so a
test can wait for a log line of any of them.
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fixtures.databases import POSTGRES_ADMIN_URL
from tests.scaleout.processes import Child, matching, wait_for_line

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
POOL = "refsync-process"
START_TIMEOUT_S = 120.0
WORKER_LIMIT = 3
"""Flow runs one worker runs at once: a backfill (1 + 4 flow runs) needs both workers."""


@dataclass
class PrefectServer:
    api_url: str
    env: dict[str, str]
    workdir: Path
    lines: queue.Queue[tuple[str, str]]
    server: Child

    def cli(self, *args: str, timeout: float = 120) -> str:
        """Run a ``prefect`` command against this server; its output (fails on non-zero)."""
        done = subprocess.run([PREFECT, "--no-prompt", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise AssertionError(f"prefect {' '.join(args)} failed ({done.returncode}):\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def prefect_database() -> Iterator[str]:
    """A fresh PostgreSQL database for Prefect's own state (asyncpg URL)."""
    name = f"refsync_prefect_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    url = admin.url.set(drivername="postgresql+asyncpg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="module")
def prefect_server(prefect_database: str,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    workdir = tmp_path_factory.mktemp("prefect")
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(workdir / "home"),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_database,
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    lines: queue.Queue[tuple[str, str]] = queue.Queue()
    server = Child("server", [PREFECT, "server", "start", "--host", "127.0.0.1", "--port",
                              str(port)],
                   env={k: v for k, v in env.items() if k != "PREFECT_API_URL"}, cwd=workdir,
                   log_dir=workdir, lines=lines)
    try:
        wait_for_line(lines, lambda src, line: src == "server" and (
            "Uvicorn running" in line or "Check out the dashboard" in line or line == ""),
            timeout_s=START_TIMEOUT_S, what="Prefect server start")
        if server.process.poll() is not None:
            raise AssertionError(f"the Prefect server exited:\n{server.log()}")
        handle = PrefectServer(api_url=api_url, env=env, workdir=workdir, lines=lines,
                               server=server)
        _await_healthy(handle)
        handle.cli("work-pool", "create", POOL, "--type", "process")
        subprocess.run([sys.executable, "-m", "flows.deployments", "backfill",
                        "backfill-partition"], env=env, cwd=ROOT, check=True, timeout=300)
        yield handle
    finally:
        server.stop()


def _await_healthy(server: PrefectServer) -> None:
    """The API answers its health check (bounded by a deadline inside the child)."""
    script = (
        "import asyncio, time\n"
        "from prefect.client.orchestration import get_client\n"
        "async def main():\n"
        "    deadline = time.monotonic() + 60\n"
        "    async with get_client() as client:\n"
        "        while (error := await client.api_healthcheck()) is not None:\n"
        "            if time.monotonic() > deadline:\n"
        "                raise SystemExit(f'unhealthy: {error}')\n"
        "            await asyncio.sleep(0.2)\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script], env=server.env, check=True, timeout=120)


@pytest.fixture
def start_worker(prefect_server: PrefectServer,
                 tmp_path: Path) -> Iterator[Callable[[str], Child]]:
    started: list[Child] = []

    def start(name: str) -> Child:
        worker = Child(name, [PREFECT, "worker", "start", "--pool", POOL, "--type", "process",
                              "--name", name, "--limit", str(WORKER_LIMIT)],
                       env=prefect_server.env, cwd=ROOT, log_dir=tmp_path,
                       lines=prefect_server.lines)
        started.append(worker)
        wait_for_line(prefect_server.lines, matching(r"started!|Worker .* started", name),
                      timeout_s=START_TIMEOUT_S, what=f"worker {name} start")
        return worker

    yield start
    for worker in started:
        worker.stop()
