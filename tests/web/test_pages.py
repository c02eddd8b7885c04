"""Page behaviours around the main path: choosing the kind, resend, restarts, sign-out."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from entrypoints.web.store import RowOutcome, UploadState, WebStore
from tests.web.conftest import GOOD_ROWS, csrf_of, web_of, write_entra_sheet
from tests.web.test_security import post_upload, sign_in, users

ClientFor = Callable[[Starlette], httpx.AsyncClient]


@pytest.mark.integration
@pytest.mark.anyio
async def test_unrecognised_sheet_asks_for_the_kind_then_previews(
        make_app: Callable[..., Starlette], client_for: ClientFor, tmp_path: Path) -> None:
    app = make_app()
    client = client_for(app)
    sheet = tmp_path / "people.csv"
    sheet.write_text("Mail,Who\nada@contoso.example,Ada\n")
    page = await post_upload(client, sheet, csrf_of((await client.get("/")).text))
    assert "could not be recognised" in page.text
    assert "Preview" not in page.text

    chosen = await client.post(f"{page.url.path}/kind",
                               data={"csrf": csrf_of(page.text), "kind": "web-test-gt365-invite"})

    assert chosen.status_code == 200
    assert "Guest invite (GT365), simple sheet" in chosen.text
    assert "key column 'Email' not found" in html.unescape(chosen.text)  # why it does not fit
    assert "input.csv" not in chosen.text


@pytest.mark.integration
@pytest.mark.anyio
async def test_kind_named_at_upload_wins_over_recognition(
        make_app: Callable[..., Starlette], client_for: ClientFor, tmp_path: Path) -> None:
    app = make_app()
    client = client_for(app)
    sheet = tmp_path / "gt365.csv"
    sheet.write_text("Email,Name,Requested by\nada@contoso.example,Ada,Priya\n")
    page = await client.get("/")
    response = await client.post(
        "/uploads", data={"csrf": csrf_of(page.text), "kind": "web-test-gt365-invite"},
        files={"file": (sheet.name, sheet.read_bytes())})
    assert 'id="count-send">1<' in response.text
    upload = web_of(app).store.uploads()[0]
    assert upload.kind == "web-test-gt365-invite"


@pytest.mark.integration
@pytest.mark.anyio
async def test_send_is_started_once_and_resend_is_recorded(
        make_app: Callable[..., Starlette], client_for: ClientFor, tmp_path: Path) -> None:
    app = make_app()
    client = client_for(app)
    page = await post_upload(client, write_entra_sheet(tmp_path / "g.xlsx", GOOD_ROWS),
                             csrf_of((await client.get("/")).text))
    csrf = csrf_of(page.text)
    await client.post(f"{page.url.path}/send", data={"csrf": csrf, "resend": "yes"})
    await client.post(f"{page.url.path}/send", data={"csrf": csrf, "resend": "yes"})
    web_of(app).sender.join(120)

    upload = web_of(app).store.uploads()[0]
    assert upload.resend
    assert upload.state is UploadState.DONE
    assert upload.counts == {"created": 3}
    assert len(web_of(app).store.results(upload.id)) == 3


@pytest.mark.unit
def test_a_restart_marks_unfinished_sends_interrupted(tmp_path: Path) -> None:
    store = WebStore(tmp_path / "web.db")
    store.add_upload(upload_id="u" * 22, owner="local", filename="g.xlsx",
                     stored_name="input.xlsx", size=1, sha256="0" * 64, kind="k", total=0)
    assert store.claim_send("u" * 22, resend=False, total=2)
    assert not store.claim_send("u" * 22, resend=False, total=2)
    store.add_results("u" * 22, [RowOutcome(4, "ada@contoso.example", "created")])

    restarted = WebStore(tmp_path / "web.db")
    assert restarted.interrupt_unfinished() == 1
    upload = restarted.get("u" * 22)
    assert upload.state is UploadState.INTERRUPTED
    assert upload.done == 1
    assert "upload the sheet again" in (upload.message or "")


@pytest.mark.integration
@pytest.mark.anyio
async def test_sign_out_ends_the_session(make_app: Callable[..., Starlette],
                                         client_for: ClientFor) -> None:
    client = client_for(make_app(users=users()))
    home = await sign_in(client, "alice")
    assert "Signed in as <strong>alice</strong>" in home.text

    out = await client.post("/signout", data={"csrf": csrf_of(home.text)})

    assert out.url.path == "/signin"
    assert (await client.get("/history")).url.path == "/signin"
