"""Upload, preview, send and results through the ASGI app (httpx), against the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import openpyxl
import pytest
from starlette.applications import Starlette

from tests.web.conftest import BAD_ROWS, GOOD_ROWS, WebEnv, csrf_of, web_of, write_entra_sheet

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

ClientFor = Callable[[Starlette], httpx.AsyncClient]


async def upload(client: httpx.AsyncClient, path: Path, kind: str = "auto") -> httpx.Response:
    page = await client.get("/")
    with path.open("rb") as handle:
        return await client.post("/uploads", data={"csrf": csrf_of(page.text), "kind": kind},
                                 files={"file": (path.name, handle.read())})


async def send(client: httpx.AsyncClient, app: Starlette, page: httpx.Response,
               *, resend: bool = False) -> httpx.Response:
    data = {"csrf": csrf_of(page.text)} | ({"resend": "yes"} if resend else {})
    response = await client.post(f"{page.url.path}/send", data=data)
    assert response.status_code == 200
    web_of(app).sender.join(120)
    return await client.get(page.url.path)


async def test_preview_counts_and_marks_bad_cells(make_app: Callable[..., Starlette],
                                                  client_for: ClientFor, tmp_path: Path,
                                                  web_env: WebEnv) -> None:
    app = make_app()
    client = client_for(app)
    sheet = write_entra_sheet(tmp_path / "guests.xlsx", GOOD_ROWS + BAD_ROWS)

    page = await upload(client, sheet)

    assert page.status_code == 200
    assert "Preview: nothing has been sent" in page.text
    assert 'id="count-send">3<' in page.text
    assert 'id="count-refuse">2<' in page.text
    assert 'id="count-skip">0<' in page.text
    assert 'class="bad"' in page.text
    assert "http://insecure.example" in page.text
    assert not web_env.sandbox.state()["invitations"]


async def test_send_then_same_sheet_again_sends_nothing(make_app: Callable[..., Starlette],
                                                        client_for: ClientFor, tmp_path: Path,
                                                        web_env: WebEnv) -> None:
    app = make_app()
    client = client_for(app)
    sheet = write_entra_sheet(tmp_path / "guests.xlsx", GOOD_ROWS + BAD_ROWS)

    first = await upload(client, sheet)
    done = await send(client, app, first)

    assert "Results" in done.text, done.text
    upload_id = first.url.path.rsplit("/", 1)[1]
    status = (await client.get(f"/uploads/{upload_id}/status.json")).json()
    assert status["state"] == "done", status["message"]
    assert status["counts"] == {"created": 3, "invalid": 2}
    results = web_of(app).store.results(upload_id)
    created = [r for r in results if r.outcome == "created"]
    assert len(created) == 3
    assert all(r.redeem_url and r.redeem_url.startswith("https://") for r in created)
    assert all(r.invitation_id for r in created)
    sent_before = len(web_env.sandbox.state()["invitations"])
    assert sent_before == 3

    second = await upload(client, sheet)
    assert 'id="count-send">0<' in second.text
    assert 'id="count-skip">3<' in second.text
    assert "already invited" in second.text
    again = await send(client, app, second)

    assert "Results" in again.text
    assert len(web_env.sandbox.state()["invitations"]) == sent_before
    second_id = second.url.path.rsplit("/", 1)[1]
    counts = (await client.get(f"/uploads/{second_id}/status.json")).json()["counts"]
    assert counts == {"unchanged": 3, "invalid": 2}

    workbook = await client.get(f"/uploads/{upload_id}/download")
    assert workbook.status_code == 200
    path = tmp_path / "results.xlsx"
    path.write_bytes(workbook.content)
    sheet_out = openpyxl.load_workbook(path).active
    assert sheet_out is not None
    header = [c.value for c in sheet_out[2]]
    assert "Invited user id" in header
    assert "Invitation error" in header
