"""Fixtures of the web page's tests: a configured app on the session sandbox, sheets to upload."""

from __future__ import annotations

import csv
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import uvicorn
from starlette.applications import Starlette

from entrypoints.web import WebConfig, create_app
from entrypoints.web.app import WebApp
from tests.fixtures.sandbox import SandboxHandle

MAPPINGS = Path(__file__).resolve().parent / "mappings"
ENTRA_HEADERS = [
    "Email address to invite [inviteeEmail] Required",
    "Redirection url [inviteRedirectURL] Required",
    "Send invitation message (true or false) [sendEmail]",
    "Customized invitation message [customizedMessageBody]",
]
GOOD_ROWS = [
    ["ada.lovelace@contoso.example", "https://myapps.microsoft.com", "false", "Welcome, Ada"],
    ["alan.turing@fabrikam.example", "https://myapps.microsoft.com", "false", "Welcome"],
    ["grace.hopper@northwind.example", "https://myapps.microsoft.com", "false", ""],
]
BAD_ROWS = [
    ["ftp.user@wingtip.example", "http://insecure.example", "false", ""],
    ["edsger@wingtip.example", "", "false", ""],
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def write_entra_sheet(path: Path, rows: list[list[Any]], *, headers: list[str] | None = None,
                      example: bool = True) -> Path:
    """An Entra "Bulk invite users" workbook: version line, headers, example row, data."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sheet1"
    sheet.append(["version:v1.0"])
    sheet.append(headers or ENTRA_HEADERS)
    if example:
        sheet.append(["Example: someone@example.com", "https://myapps.microsoft.com", "true",
                      "Hello"])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_entra_csv(path: Path, rows: list[list[str]]) -> Path:
    """The same template saved as CSV (as Entra's download is)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["version:v1.0"])
        writer.writerow(ENTRA_HEADERS)
        writer.writerows(rows)
    return path


@dataclass
class WebEnv:
    """A web app's configuration on the reset sandbox, with its own ledger and data dir."""

    root: Path
    config_path: Path
    sandbox: SandboxHandle

    def web_config(self, **overrides: Any) -> WebConfig:
        values: dict[str, Any] = {"data_dir": self.root / "web", "mappings_dir": MAPPINGS,
                                  "config": self.config_path}
        values.update(overrides)
        return WebConfig(**values)


@pytest.fixture
def web_env(tmp_path: Path, sandbox: SandboxHandle) -> WebEnv:
    assert sandbox.config_path is not None
    config = tmp_path / "refsync.toml"
    config.write_text(
        sandbox.config_path.read_text()
        + f'ledger_url = "sqlite:///{tmp_path / "ledger.db"}"\n'
        + f'token_cache = "{tmp_path / "token-cache.json"}"\n'
        + f'output_dir = "{tmp_path / "runs"}"\n'
    )
    return WebEnv(root=tmp_path, config_path=config, sandbox=sandbox)


@pytest.fixture
def make_app(web_env: WebEnv) -> Iterator[Callable[..., Starlette]]:
    """``make_app(**WebConfig overrides)``; every app's background sends are joined after."""
    apps: list[Starlette] = []

    def make(**overrides: Any) -> Starlette:
        app = create_app(web_env.web_config(**overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        web_of(app).close()


def web_of(app: Starlette) -> WebApp:
    web: WebApp = app.state.web
    return web


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@pytest.fixture
def client_for() -> Iterator[Callable[[Starlette], httpx.AsyncClient]]:
    """An httpx client on the ASGI app (closed after the test)."""
    clients: list[httpx.AsyncClient] = []

    def make(app: Starlette) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://127.0.0.1", follow_redirects=True)
        clients.append(client)
        return client

    yield make
    # AsyncClient.aclose needs a loop; the transport holds nothing open, so dropping is enough.
    clients.clear()


@dataclass
class LiveServer:
    url: str
    app: Starlette


@pytest.fixture
def live_server(make_app: Callable[..., Starlette]) -> Iterator[Callable[..., LiveServer]]:
    """``live_server(**overrides)``: the app served by uvicorn on a free loopback port.

    The socket is bound and listening before the server thread starts, so the browser can
    connect at once; its connections wait in the backlog until uvicorn accepts them.
    """
    servers: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    def start(**overrides: Any) -> LiveServer:
        app = make_app(**overrides)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        servers.append((server, thread, sock))
        return LiveServer(url=f"http://127.0.0.1:{port}", app=app)

    yield start
    for server, thread, sock in servers:
        server.should_exit = True
        thread.join(30)
        sock.close()
