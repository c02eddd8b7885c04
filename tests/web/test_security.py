"""The page's guards: sign-in, CSRF, size limits, untrusted files, owners, formulas, secrets."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from entrypoints.cli import main
from entrypoints.web.security import Signer, User, hash_password, verify_password
from tests.web.conftest import (
    GOOD_ROWS,
    WebEnv,
    csrf_of,
    web_of,
    write_entra_csv,
    write_entra_sheet,
)

ClientFor = Callable[[Starlette], httpx.AsyncClient]


def users() -> dict[str, User]:
    return {
        "alice": User("alice", hash_password("alice-pw")),
        "bob": User("bob", hash_password("bob-pw")),
        "root": User("root", hash_password("root-pw"), admin=True),
    }


async def sign_in(client: httpx.AsyncClient, name: str) -> httpx.Response:
    page = await client.get("/signin")
    return await client.post("/signin", data={"csrf": csrf_of(page.text), "username": name,
                                              "password": f"{name}-pw"})


async def post_upload(client: httpx.AsyncClient, path: Path, csrf: str | None) -> httpx.Response:
    data = {"kind": "auto"} | ({"csrf": csrf} if csrf is not None else {})
    content = path.read_bytes()  # noqa: ASYNC240 - a small local test file
    return await client.post("/uploads", data=data, files={"file": (path.name, content)})


def stored_uploads(app: Starlette) -> int:
    return len(web_of(app).store.uploads())


@pytest.mark.unit
def test_password_hash_round_trip_and_refuses_others() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$")
    assert "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("wrong", stored)
    assert not verify_password("correct horse", "plain-text-password")


@pytest.mark.unit
def test_session_cookie_cannot_be_forged() -> None:
    signer = Signer(b"k" * 32)
    session = signer.new_session("alice")
    cookie = signer.dump(session)
    assert signer.load(cookie) == session
    nonce, _user, issued, mac = cookie.split(".")
    forged = f"{nonce}.{'Ym9i'}.{issued}.{mac}"  # "bob"
    assert signer.load(forged) is None
    assert signer.check_csrf(session, signer.csrf_token(session))
    assert not signer.check_csrf(signer.new_session("alice"), signer.csrf_token(session))


@pytest.mark.integration
@pytest.mark.anyio
async def test_upload_without_sign_in_is_refused(make_app: Callable[..., Starlette],
                                                 client_for: ClientFor, tmp_path: Path) -> None:
    app = make_app(users=users())
    client = client_for(app)
    home = await client.get("/")
    assert home.url.path == "/signin"
    csrf = csrf_of(home.text)  # a real token of this (anonymous) session

    response = await post_upload(client, write_entra_sheet(tmp_path / "g.xlsx", GOOD_ROWS), csrf)

    assert response.status_code == 401
    assert stored_uploads(app) == 0
    status = await client.get("/uploads/whatever-id-0123456789/status.json")
    assert status.status_code == 401


@pytest.mark.integration
@pytest.mark.anyio
async def test_wrong_password_is_refused(make_app: Callable[..., Starlette],
                                         client_for: ClientFor) -> None:
    client = client_for(make_app(users=users()))
    page = await client.get("/signin")
    response = await client.post("/signin", data={"csrf": csrf_of(page.text),
                                                  "username": "alice", "password": "nope"})
    assert response.status_code == 401
    assert "wrong password" in response.text
    assert (await client.get("/")).url.path == "/signin"


@pytest.mark.integration
@pytest.mark.anyio
@pytest.mark.parametrize("csrf", [None, "forged-token"])
async def test_upload_without_csrf_token_is_refused(make_app: Callable[..., Starlette],
                                                    client_for: ClientFor, tmp_path: Path,
                                                    csrf: str | None) -> None:
    app = make_app(users=users())
    client = client_for(app)
    assert (await sign_in(client, "alice")).url.path == "/"

    response = await post_upload(client, write_entra_sheet(tmp_path / "g.xlsx", GOOD_ROWS), csrf)

    assert response.status_code == 403
    assert "security token" in response.text
    assert stored_uploads(app) == 0


@pytest.mark.integration
@pytest.mark.anyio
async def test_token_from_before_sign_in_is_useless_after(make_app: Callable[..., Starlette],
                                                          client_for: ClientFor,
                                                          tmp_path: Path) -> None:
    app = make_app(users=users())
    client = client_for(app)
    before = csrf_of((await client.get("/signin")).text)
    await sign_in(client, "alice")
    response = await post_upload(client, write_entra_sheet(tmp_path / "g.xlsx", GOOD_ROWS),
                                 before)
    assert response.status_code == 403


@pytest.mark.integration
@pytest.mark.anyio
async def test_oversized_file_is_refused(make_app: Callable[..., Starlette],
                                         client_for: ClientFor, tmp_path: Path) -> None:
    app = make_app(max_upload_bytes=4096)
    client = client_for(app)
    csrf = csrf_of((await client.get("/")).text)
    big = tmp_path / "big.csv"
    big.write_text("Email,Name,Requested by\n" + "".join(
        f"person{i}@contoso.example,Person {i},admin\n" for i in range(2000)))
    assert big.stat().st_size > 4096 + 64 * 1024

    response = await post_upload(client, big, csrf)

    assert response.status_code == 413
    assert stored_uploads(app) == 0
    assert not any((web_of(app).uploads_dir).iterdir())


@pytest.mark.integration
@pytest.mark.anyio
async def test_file_just_over_the_limit_is_refused_after_reading(
        make_app: Callable[..., Starlette], client_for: ClientFor, tmp_path: Path) -> None:
    app = make_app(max_upload_bytes=4096)
    client = client_for(app)
    csrf = csrf_of((await client.get("/")).text)
    big = tmp_path / "big.csv"
    big.write_text("Email,Name,Requested by\n" + "x" * 5000 + "@contoso.example,A,B\n")

    response = await post_upload(client, big, csrf)

    assert response.status_code == 413
    assert "larger than the limit" in response.text
    assert stored_uploads(app) == 0


@pytest.mark.integration
@pytest.mark.anyio
async def test_too_many_rows_are_refused(make_app: Callable[..., Starlette],
                                         client_for: ClientFor, tmp_path: Path) -> None:
    app = make_app(max_rows=5)
    client = client_for(app)
    csrf = csrf_of((await client.get("/")).text)
    sheet = tmp_path / "many.csv"
    sheet.write_text("Email,Name,Requested by\n" + "".join(
        f"p{i}@contoso.example,P {i},admin\n" for i in range(10)))

    response = await post_upload(client, sheet, csrf)

    assert response.status_code == 400
    assert "limit is 5" in response.text
    assert stored_uploads(app) == 0


@pytest.mark.integration
@pytest.mark.anyio
@pytest.mark.parametrize(("name", "content", "says"), [
    ("guests.xls", b"\xd0\xcf\x11\xe0 old excel", "only .xlsx and .csv"),
    ("guests.xlsx", b"PK\x03\x04 this is not a zip", "guests.xlsx"),
    ("empty.csv", b"", "empty"),
])
async def test_unreadable_files_are_refused_with_the_reason(
        make_app: Callable[..., Starlette], client_for: ClientFor, tmp_path: Path,
        name: str, content: bytes, says: str) -> None:
    app = make_app()
    client = client_for(app)
    csrf = csrf_of((await client.get("/")).text)
    path = tmp_path / name
    path.write_bytes(content)

    response = await post_upload(client, path, csrf)

    assert response.status_code == 400
    assert says in response.text
    assert "input.xlsx" not in response.text  # the stored name never leaks
    assert stored_uploads(app) == 0


@pytest.mark.integration
@pytest.mark.anyio
async def test_one_user_cannot_see_anothers_upload_but_an_admin_can(
        make_app: Callable[..., Starlette], client_for: ClientFor, tmp_path: Path) -> None:
    app = make_app(users=users())
    alice, bob, root = client_for(app), client_for(app), client_for(app)
    await sign_in(alice, "alice")
    await sign_in(bob, "bob")
    await sign_in(root, "root")
    csrf = csrf_of((await alice.get("/")).text)
    page = await post_upload(alice, write_entra_sheet(tmp_path / "g.xlsx", GOOD_ROWS), csrf)
    path = page.url.path
    assert path.startswith("/uploads/")

    assert (await bob.get(path)).status_code == 404
    assert (await bob.get(f"{path}/status.json")).status_code == 404
    assert (await bob.get(f"{path}/download")).status_code == 404
    bob_csrf = csrf_of((await bob.get("/")).text)
    assert (await bob.post(f"{path}/send", data={"csrf": bob_csrf})).status_code == 404
    assert "g.xlsx" not in (await bob.get("/history")).text
    assert (await root.get(path)).status_code == 200
    assert "g.xlsx" in (await root.get("/history")).text


@pytest.mark.integration
@pytest.mark.anyio
async def test_formula_cells_are_neutralised_in_every_output(
        make_app: Callable[..., Starlette], client_for: ClientFor, tmp_path: Path,
        web_env: WebEnv) -> None:
    app = make_app()
    client = client_for(app)
    rows = [
        ["ada@contoso.example", "https://myapps.microsoft.com", "false",
         '=HYPERLINK("https://evil.example","click")'],
        ["bad@sandbox.example", "https://myapps.microsoft.com", "false", "@SUM(1+1)"],
    ]
    csrf = csrf_of((await client.get("/")).text)
    page = await post_upload(client, write_entra_csv(tmp_path / "f.csv", rows), csrf)
    assert "=HYPERLINK" in page.text
    await client.post(f"{page.url.path}/send", data={"csrf": csrf_of(page.text)})
    web_of(app).sender.join(120)

    workbook = await client.get(f"{page.url.path}/download")
    assert workbook.headers["content-disposition"].endswith('f-results.csv"')
    cells = [cell for row in csv.reader(io.StringIO(workbook.text)) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert '\'=HYPERLINK("https://evil.example","click")' in cells
    assert "'@SUM(1+1)" in cells
    assert "Redeem URL" in cells
    outcomes = (await client.get(f"{page.url.path}/outcomes.csv")).text
    rows_out = list(csv.reader(io.StringIO(outcomes.lstrip("\ufeff"))))[1:]
    assert len(rows_out) == 2
    assert not [c for row in rows_out for c in row if c.startswith(("=", "+", "-", "@"))]


@pytest.mark.integration
@pytest.mark.anyio
async def test_secrets_are_never_rendered(make_app: Callable[..., Starlette],
                                          client_for: ClientFor, tmp_path: Path,
                                          web_env: WebEnv) -> None:
    app = make_app()
    client = client_for(app)
    csrf = csrf_of((await client.get("/")).text)
    page = await post_upload(client, write_entra_sheet(tmp_path / "g.xlsx", GOOD_ROWS), csrf)
    secret = web_env.sandbox.client_secret
    assert secret
    for url in ("/", page.url.path, "/history", f"{page.url.path}/status.json"):
        assert secret not in (await client.get(url)).text


@pytest.mark.e2e
def test_listening_beyond_loopback_needs_users(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["web", "--host", "192.0.2.10", "--data-dir", str(tmp_path)])
    assert code == 2
    assert "without sign-in" in capsys.readouterr().err


@pytest.mark.e2e
def test_users_file_must_hold_hashes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    users_file = tmp_path / "users.toml"
    users_file.write_text('[users.alice]\npassword = "hunter2"\n')
    code = main(["web", "--host", "192.0.2.10", "--users", str(users_file)])
    assert code == 2
    err = capsys.readouterr().err
    assert "must be a hash" in err
    assert "hunter2" not in err


@pytest.mark.integration
@pytest.mark.anyio
async def test_body_without_length_is_cut_off_at_the_limit(
        make_app: Callable[..., Starlette], client_for: ClientFor) -> None:
    app = make_app(max_upload_bytes=4096)
    client = client_for(app)
    csrf = csrf_of((await client.get("/")).text)
    boundary = "refsyncboundary"

    async def body() -> AsyncIterator[bytes]:
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
               f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
               f"filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode()
        for _ in range(200):
            yield b"x" * 1024

    response = await client.post(
        "/uploads", content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"})

    assert response.status_code == 413
    assert stored_uploads(app) == 0


@pytest.mark.integration
@pytest.mark.anyio
async def test_pages_carry_security_headers_and_a_guarded_cookie(
        make_app: Callable[..., Starlette], client_for: ClientFor) -> None:
    client = client_for(make_app())
    response = await client.get("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
