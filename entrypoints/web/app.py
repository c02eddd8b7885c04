"""The bulk-invite web page: upload, preview, send, results, history.

Each route parses its input, calls one function (preview, send, store) and maps errors to a page
with the reason and an HTTP status. The session, the CSRF check and the owner check happen here,
before anything else; :class:`_Guard` caps request bodies and sets security headers on every
response.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.sources import CsvSource, InputLimits, WorkbookSource, open_source
from entrypoints.web.config import LOCAL_USER, WebConfig
from entrypoints.web.kinds import InviteKind, discover_kinds, recognise
from entrypoints.web.preview import REFUSE, SEND, SKIP, Preview, build_preview
from entrypoints.web.security import (
    Session,
    Signer,
    User,
    load_or_create_secret,
    verify_password,
)
from entrypoints.web.sending import Sender, SendRequest
from entrypoints.web.store import Upload, UploadState, WebStore
from refsync.cells import neutralise
from refsync.errors import ConfigurationError, InputError
from refsync.ledger import Ledger
from refsync.settings import load_settings
from refsync.source_spec import SpreadsheetSourceSpec

HERE = Path(__file__).resolve().parent
COOKIE = "refsync_session"
ALLOWED_SUFFIXES = (".xlsx", ".csv")
_MULTIPART_SLACK = 64 * 1024  # form fields and part headers around the file
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_HTML_SECURITY = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


class _TooLarge(Exception):
    pass


class _Guard:
    """Refuse bodies above the limit (even without Content-Length) and add security headers."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _too_large(send, self.max_body)
            return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return message

        async def secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in _HTML_SECURITY.items()
                         if k.encode() not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra,
                                                  (b"cache-control", b"no-store")]}
            await send(message)

        try:
            await self.app(scope, limited, secured)
        except _TooLarge:
            if not started:
                await _too_large(send, self.max_body)


async def _too_large(send: Send, limit: int) -> None:
    body = (f"The upload is larger than the limit of {limit // 1024} KiB.").encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@dataclass
class _Context:
    """One request's session and user (None: not signed in)."""

    session: Session
    user: User | None
    new_cookie: bool


class WebApp:
    """The page's parts: configuration, kinds, store, ledger, sender and templates."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.data_dir = config.data_dir.resolve()
        self.uploads_dir = self.data_dir / "uploads"
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        self.settings = load_settings(config.config)
        self.kinds = discover_kinds(config.mappings_dir)
        self.store = WebStore(self.data_dir / "web.db")
        self.store.interrupt_unfinished()
        self.ledger = Ledger.open(self.settings.ledger_url)
        self.sender = Sender(self.store)
        self.signer = Signer(load_or_create_secret(self.data_dir / "web-secret"))
        self.limits = InputLimits(max_file_bytes=config.max_upload_bytes,
                                  max_uncompressed_bytes=max(64 * config.max_upload_bytes,
                                                             64 * 1024 * 1024),
                                  max_rows=config.max_rows)
        self.templates = Jinja2Templates(env=jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True))

    def close(self) -> None:
        self.sender.join()
        self.ledger.close()

    def kind(self, name: str | None) -> InviteKind | None:
        return next((k for k in self.kinds if k.name == name), None)

    # -- sessions ------------------------------------------------------------------------------

    def context(self, request: Request) -> _Context:
        session = self.signer.load(request.cookies.get(COOKIE))
        new = session is None
        if session is None:
            session = self.signer.new_session()
        user: User | None
        if self.config.users is None:
            user = User(LOCAL_USER, "", admin=True)
        else:
            user = self.config.users.get(session.user) if session.user else None
        return _Context(session=session, user=user, new_cookie=new)

    def finish(self, ctx: _Context, response: Response) -> Response:
        if ctx.new_cookie:
            response.set_cookie(COOKIE, self.signer.dump(ctx.session), httponly=True,
                                samesite="strict", secure=self.config.secure_cookies,
                                max_age=self.signer.max_age_s, path="/")
        return response

    def page(self, request: Request, ctx: _Context, name: str, status: int = 200,
             **values: Any) -> Response:
        values |= {"user": ctx.user, "csrf": self.signer.csrf_token(ctx.session),
                   "sign_in_required": self.config.sign_in_required}
        response = self.templates.TemplateResponse(request, name, values, status_code=status)
        return self.finish(ctx, response)

    def error(self, request: Request, ctx: _Context, status: int, message: str) -> Response:
        return self.page(request, ctx, "error.html", status=status, message=message)

    # -- access --------------------------------------------------------------------------------

    def upload_for(self, ctx: _Context, upload_id: str) -> Upload:
        """The upload if this user may see it; 404 otherwise (its existence is not revealed)."""
        if ctx.user is None or not _UPLOAD_ID.match(upload_id):
            raise HTTPException(404)
        try:
            upload = self.store.get(upload_id)
        except KeyError:
            raise HTTPException(404) from None
        if not ctx.user.admin and upload.owner != ctx.user.name:
            raise HTTPException(404)
        return upload

    def input_path(self, upload: Upload) -> Path:
        return self.uploads_dir / upload.id / upload.stored_name

    def result_path(self, upload: Upload) -> Path | None:
        """The upload's result workbook, if it exists inside the upload's own folder."""
        if not upload.result_file:
            return None
        path = Path(upload.result_file).resolve()
        if not path.is_relative_to(self.uploads_dir / upload.id) or not path.is_file():
            return None
        return path

    def preview(self, upload: Upload) -> Preview:
        kind = self.kind(upload.kind)
        assert kind is not None
        return build_preview(kind, self.input_path(upload), self.ledger, limits=self.limits)


def _signed_in(handler: Callable[[WebApp, Request, _Context], Awaitable[Response]]
               ) -> Callable[[Request], Awaitable[Response]]:
    """Run ``handler`` for a signed-in user; others go to the sign-in page (or get 401)."""

    async def endpoint(request: Request) -> Response:
        web: WebApp = request.app.state.web
        ctx = web.context(request)
        if ctx.user is None:
            if request.method == "GET" and not request.url.path.endswith(".json"):
                return web.finish(ctx, RedirectResponse("/signin", status_code=303))
            return web.error(request, ctx, 401, "Sign in first.")
        return await handler(web, request, ctx)

    return endpoint


async def _form(request: Request, web: WebApp, ctx: _Context) -> FormData:
    """The posted form, after checking its CSRF token against the session."""
    form = await request.form(max_files=1, max_fields=20)
    token = form.get("csrf")
    if not isinstance(token, str) or not web.signer.check_csrf(ctx.session, token):
        raise HTTPException(403, "The form is missing its security token or it has expired; "
                                 "reload the page and try again.")
    return form


# -- sign-in -----------------------------------------------------------------------------------


async def signin_page(request: Request) -> Response:
    web: WebApp = request.app.state.web
    ctx = web.context(request)
    if not web.config.sign_in_required:
        return web.finish(ctx, RedirectResponse("/", status_code=303))
    return web.page(request, ctx, "signin.html")


async def signin(request: Request) -> Response:
    web: WebApp = request.app.state.web
    ctx = web.context(request)
    form = await _form(request, web, ctx)
    users = web.config.users or {}
    name = str(form.get("username") or "")
    password = str(form.get("password") or "")
    user = users.get(name)
    # the hash is checked even for unknown names so that timing does not tell which exist
    stored = user.password_hash if user else _DUMMY_HASH
    if not verify_password(password, stored) or user is None:
        return web.page(request, ctx, "signin.html", status=401,
                        failed="Unknown user name or wrong password.", username=name)
    fresh = _Context(session=web.signer.new_session(user.name), user=user, new_cookie=True)
    return web.finish(fresh, RedirectResponse("/", status_code=303))


async def signout(request: Request) -> Response:
    web: WebApp = request.app.state.web
    ctx = web.context(request)
    await _form(request, web, ctx)
    fresh = _Context(session=web.signer.new_session(), user=None, new_cookie=True)
    return web.finish(fresh, RedirectResponse("/signin" if web.config.sign_in_required else "/",
                                              status_code=303))


_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43


# -- pages -------------------------------------------------------------------------------------


async def _index(web: WebApp, request: Request, ctx: _Context, *, status: int = 200,
                 problem: str | None = None) -> Response:
    assert ctx.user is not None
    owner = None if ctx.user.admin else ctx.user.name
    return web.page(request, ctx, "index.html", status=status, kinds=web.kinds,
                    labels={k.name: k.label for k in web.kinds},
                    uploads=web.store.uploads(owner=owner, limit=20), problem=problem,
                    max_upload_kib=web.config.max_upload_bytes // 1024,
                    max_rows=web.config.max_rows)


@_signed_in
async def index(web: WebApp, request: Request, ctx: _Context) -> Response:
    return await _index(web, request, ctx)


@_signed_in
async def history(web: WebApp, request: Request, ctx: _Context) -> Response:
    assert ctx.user is not None
    owner = None if ctx.user.admin else ctx.user.name
    return web.page(request, ctx, "history.html", uploads=web.store.uploads(owner=owner),
                    kinds={k.name: k.label for k in web.kinds})


@_signed_in
async def upload(web: WebApp, request: Request, ctx: _Context) -> Response:
    assert ctx.user is not None
    form = await _form(request, web, ctx)
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return await _index(web, request, ctx, status=400, problem="Choose a file to upload.")
    filename = Path(file.filename.replace("\\", "/")).name[:200] or "upload"
    suffix = Path(filename).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return await _index(web, request, ctx, status=400,
                            problem=f"{filename}: only .xlsx and .csv files are accepted.")
    upload_id = secrets.token_urlsafe(16)
    folder = web.uploads_dir / upload_id
    folder.mkdir()
    stored = folder / f"input{suffix}"
    digest = hashlib.sha256()
    size = 0
    with stored.open("wb") as handle:
        while block := await file.read(256 * 1024):
            size += len(block)
            if size > web.config.max_upload_bytes:
                break
            digest.update(block)
            handle.write(block)
    if size > web.config.max_upload_bytes:
        shutil.rmtree(folder)
        return await _index(web, request, ctx, status=413,
                            problem=f"{filename} is larger than the limit of "
                                    f"{web.config.max_upload_bytes // 1024} KiB.")
    try:
        headers = await run_in_threadpool(_headers, stored, web.limits)
    except InputError as exc:
        shutil.rmtree(folder)
        message = str(exc).replace(str(stored), filename).replace(stored.name, filename)
        return await _index(web, request, ctx, status=400, problem=message)
    chosen = str(form.get("kind") or "auto")
    kind = web.kind(chosen) if chosen != "auto" else recognise(web.kinds, headers)
    web.store.add_upload(upload_id=upload_id, owner=ctx.user.name, filename=filename,
                         stored_name=stored.name, size=size, sha256=digest.hexdigest(),
                         kind=kind.name if kind else None, total=0)
    return web.finish(ctx, RedirectResponse(f"/uploads/{upload_id}", status_code=303))


def _headers(path: Path, limits: InputLimits) -> tuple[str, ...]:
    """The sheet's header row, read with every limit of an untrusted file applied."""
    source = open_source(SpreadsheetSourceSpec(), path, limits=limits)
    assert isinstance(source, CsvSource | WorkbookSource)
    try:
        return tuple(source.header.columns)
    finally:
        source.close()


@_signed_in
async def upload_page(web: WebApp, request: Request, ctx: _Context) -> Response:
    upload = web.upload_for(ctx, request.path_params["upload_id"])
    kind = web.kind(upload.kind)
    values: dict[str, Any] = {"upload": upload, "kind": kind, "kinds": web.kinds,
                              "SEND": SEND, "SKIP": SKIP, "REFUSE": REFUSE}
    if upload.state is UploadState.UPLOADED:
        if kind is None:
            values["problem"] = ("The kind of invite could not be recognised from the headers; "
                                 "choose it.")
            return web.page(request, ctx, "upload.html", **values)
        try:
            values["preview"] = await run_in_threadpool(web.preview, upload)
        except (InputError, ConfigurationError) as exc:
            message = str(exc).replace(str(web.input_path(upload)), upload.filename)
            values["problem"] = message.replace(upload.stored_name, upload.filename)
        return web.page(request, ctx, "upload.html", **values)
    values["results"] = web.store.results(upload.id)
    return web.page(request, ctx, "upload.html", **values)


@_signed_in
async def choose_kind(web: WebApp, request: Request, ctx: _Context) -> Response:
    upload = web.upload_for(ctx, request.path_params["upload_id"])
    form = await _form(request, web, ctx)
    kind = web.kind(str(form.get("kind") or ""))
    if kind is None:
        return web.error(request, ctx, 400, "Unknown kind of invite.")
    web.store.set_kind(upload.id, kind.name, 0)
    return web.finish(ctx, RedirectResponse(f"/uploads/{upload.id}", status_code=303))


@_signed_in
async def send(web: WebApp, request: Request, ctx: _Context) -> Response:
    upload = web.upload_for(ctx, request.path_params["upload_id"])
    form = await _form(request, web, ctx)
    kind = web.kind(upload.kind)
    if kind is None:
        return web.error(request, ctx, 400, "Choose the kind of invite first.")
    resend = form.get("resend") == "yes"
    try:
        preview = await run_in_threadpool(web.preview, upload)
    except (InputError, ConfigurationError) as exc:
        return web.error(request, ctx, 400, str(exc).replace(str(web.input_path(upload)),
                                                             upload.filename))
    if web.store.claim_send(upload.id, resend=resend, total=len(preview.rows)):
        web.sender.start(SendRequest(
            upload_id=upload.id, store_path=web.store.path, mapping=kind.path,
            source=web.input_path(upload), output_dir=web.uploads_dir / upload.id / "results",
            config=web.config.config, resend=resend, filename=upload.filename,
        ))
    return web.finish(ctx, RedirectResponse(f"/uploads/{upload.id}", status_code=303))


@_signed_in
async def status(web: WebApp, request: Request, ctx: _Context) -> Response:
    upload = web.upload_for(ctx, request.path_params["upload_id"])
    return JSONResponse({"state": upload.state.value, "finished": upload.state.finished,
                         "done": upload.done, "total": upload.total, "counts": upload.counts,
                         "message": upload.message})


@_signed_in
async def download(web: WebApp, request: Request, ctx: _Context) -> Response:
    upload = web.upload_for(ctx, request.path_params["upload_id"])
    if not upload.result_file:
        raise HTTPException(404)
    path = web.result_path(upload)
    if path is None:
        raise HTTPException(404)
    name = f"{Path(upload.filename).stem}-results{path.suffix}"
    return FileResponse(path, filename=name)


@_signed_in
async def results_csv(web: WebApp, request: Request, ctx: _Context) -> Response:
    """The results table as CSV: every cell neutralised, so none can become a formula."""
    upload = web.upload_for(ctx, request.path_params["upload_id"])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Row", "Invitee", "Outcome", "Remote id", "Invitation id", "Redeem URL",
                     "Error"])
    for r in web.store.results(upload.id):
        writer.writerow([neutralise(v) if v is not None else "" for v in (
            r.row_number, r.key, r.outcome, r.remote_id, r.invitation_id, r.redeem_url,
            r.error)])
    name = f"{Path(upload.filename).stem}-outcomes.csv"
    return Response(buffer.getvalue().encode("utf-8-sig"), media_type="text/csv",
                    headers={"content-disposition": f'attachment; filename="{_ascii(name)}"'})


def _ascii(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    web: WebApp = request.app.state.web
    ctx = web.context(request)
    messages = {404: "Not found.", 403: "Forbidden.", 405: "Method not allowed."}
    detail = exc.detail if exc.detail and exc.detail not in ("Not Found", "Forbidden") else None
    return web.error(request, ctx, exc.status_code,
                     detail or messages.get(exc.status_code, "Request refused."))


def create_app(config: WebConfig) -> Starlette:
    """Build the ASGI app. Opening it reads the kinds, the store, the ledger and the secret.

    Raises:
        ConfigurationError: the settings, the mappings directory or the ledger is unusable.
    """
    web = WebApp(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            web.close()

    routes = [
        Route("/", index),
        Route("/signin", signin_page, methods=["GET"]),
        Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/history", history),
        Route("/uploads", upload, methods=["POST"]),
        Route("/uploads/{upload_id}", upload_page),
        Route("/uploads/{upload_id}/kind", choose_kind, methods=["POST"]),
        Route("/uploads/{upload_id}/send", send, methods=["POST"]),
        Route("/uploads/{upload_id}/status.json", status),
        Route("/uploads/{upload_id}/download", download),
        Route("/uploads/{upload_id}/outcomes.csv", results_csv),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error})
    app.state.web = web
    app.add_middleware(_Guard, max_body=config.max_upload_bytes + _MULTIPART_SLACK)
    return app
