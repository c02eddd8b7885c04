"""Sending an upload in the background, with progress a reload can pick up.

A send is the sync machinery run by a Prefect flow (``web-bulk-invite``) over the stored upload:
:func:`flows.bootstrap.open_sync_job` opens the run and :func:`flows.sync.run_sync` drives it, so
the ledger's idempotency protocol decides what is sent. Two small decorators watch the run
without changing it:

* :class:`_Recorder` wraps the destination and keeps what each created invitation returned
  (the invitation id and redeem URL, which the write-back columns do not carry);
* :class:`_ProgressWriteBack` wraps the write-back and stores every chunk's row outcomes in the
  :class:`~entrypoints.web.store.WebStore` as they arrive: that is the live progress the page polls.

After the run the redeem URLs are appended to the results copy
(:func:`~entrypoints.web.receipts.append_redeem_urls`).

The flow runs in a thread of its own with its own event loop, so a long send never holds up the
web server's requests.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow

from entrypoints.web.receipts import append_redeem_urls
from entrypoints.web.store import RowOutcome, UploadState, WebStore
from flows.bootstrap import open_sync_job
from flows.parameters import SyncParameters, parse_parameters
from flows.sync import RunOutcome, run_sync
from refsync.errors import RefsyncError
from refsync.mapping.targets import target_info
from refsync.protocols import Destination, Updatable, WriteBack
from refsync.records import JsonPatch, RemoteObject, RowResult, Target
from refsync.secrets import redact

CHUNK_SIZE = 25
"""Rows per engine chunk in a web send: small, so that progress moves visibly."""


@dataclass(frozen=True, slots=True)
class _Receipt:
    invitation_id: str | None
    redeem_url: str | None


class _Recorder:
    """A destination that passes every call through and remembers what each create returned."""

    def __init__(self, inner: Destination) -> None:
        self.inner = inner
        self.target = inner.target
        self._key_field = target_info(Target(inner.target)).key_field
        self.receipts: dict[str, _Receipt] = {}

    def _remember(self, key: Any, remote: RemoteObject) -> None:
        body = remote.body
        invitation_id = body.get("id") if isinstance(body.get("id"), str) else None
        redeem = body.get("inviteRedeemUrl")
        if key is not None:
            self.receipts[str(key).casefold()] = _Receipt(
                invitation_id=invitation_id or remote.id,
                redeem_url=redeem if isinstance(redeem, str) else None,
            )

    async def create(self, payload: Mapping[str, Any]) -> RemoteObject:
        remote = await self.inner.create(payload)
        self._remember(payload.get(self._key_field), remote)
        return remote

    async def resolve(self, keys: Collection[str], since: datetime) -> dict[str, RemoteObject]:
        found = await self.inner.resolve(keys, since)
        for key, remote in found.items():
            self._remember(key, remote)
        return found


class _UpdatableRecorder(_Recorder):
    """The recorder of a destination that can also read and patch (Partner Center)."""

    inner: Any

    async def get(self, remote_id: str) -> RemoteObject:
        result: RemoteObject = await self.inner.get(remote_id)
        return result

    async def update(self, remote_id: str, patch: JsonPatch, *, etag: str | None) -> RemoteObject:
        result: RemoteObject = await self.inner.update(remote_id, patch, etag=etag)
        return result


def recorder_for(destination: Destination) -> _Recorder:
    if isinstance(destination, Updatable):
        return _UpdatableRecorder(destination)
    return _Recorder(destination)


class _ProgressWriteBack:
    """A write-back that also stores each chunk's outcomes for the page, then passes them on."""

    def __init__(self, inner: WriteBack, store: WebStore, upload_id: str,
                 recorder: _Recorder, secrets: Sequence[str]) -> None:
        self.inner = inner
        self.store = store
        self.upload_id = upload_id
        self.recorder = recorder
        self.secrets = tuple(secrets)
        self.files = getattr(inner, "files", None)

    def write(self, results: Sequence[RowResult]) -> None:
        self.inner.write(results)
        outcomes = []
        for result in results:
            receipt = self.recorder.receipts.get((result.key or "").casefold())
            outcomes.append(RowOutcome(
                row_number=result.row_number, key=result.key, outcome=result.outcome.value,
                remote_id=result.remote_id,
                invitation_id=receipt.invitation_id if receipt else None,
                redeem_url=receipt.redeem_url if receipt else None,
                error=redact(result.error, self.secrets) if result.error else None,
            ))
        if outcomes:
            self.store.add_results(self.upload_id, outcomes)

    def close(self) -> None:
        self.inner.close()


@flow(name="web-bulk-invite", log_prints=False)
async def web_bulk_invite(upload_id: str, store_path: str, mapping: str, source: str,
                          output_dir: str, config: str | None = None,
                          resend: bool = False) -> RunOutcome:
    """Send one uploaded sheet's invites, recording per-row progress for the web page."""
    params = parse_parameters(SyncParameters, mapping=mapping, source=source, config=config,
                              resend=resend, chunk_size=CHUNK_SIZE, output_dir=output_dir)
    store = WebStore(Path(store_path))
    async with open_sync_job(params) as job:
        store.started(upload_id, job.run.run_id)
        recorder = recorder_for(job.run.destination)
        job.run.destination = recorder
        secret = job.settings.client_secret
        job.writeback = _ProgressWriteBack(
            job.writeback, store, upload_id, recorder,
            (secret.get_secret_value(),) if secret else ())
        outcome = await run_sync(job)
        header = getattr(job.source, "header", None)
        if outcome.result_paths and header is not None:
            urls = {r.row_number: r.redeem_url for r in store.results(upload_id) if r.redeem_url}
            append_redeem_urls(outcome.result_paths[0], header.row_number, urls)
        return outcome


@dataclass(frozen=True, slots=True)
class SendRequest:
    """Everything a background send needs; plain values only (they become flow parameters)."""

    upload_id: str
    store_path: Path
    mapping: Path
    source: Path
    output_dir: Path
    config: Path | None
    resend: bool
    filename: str
    """The uploaded file's own name, shown in messages instead of the stored one."""


async def run_send(request: SendRequest, store: WebStore) -> None:
    """Run the flow for one upload and record how it ended; never raises."""
    try:
        state = await web_bulk_invite(
            upload_id=request.upload_id, store_path=str(request.store_path),
            mapping=str(request.mapping), source=str(request.source),
            output_dir=str(request.output_dir),
            config=str(request.config) if request.config else None, resend=request.resend,
            return_state=True,
        )
        result = await state.aresult(raise_on_failure=False)
    except Exception as exc:  # the thread must record every ending, whatever it was
        result = exc
    if isinstance(result, RunOutcome):
        copy = result.result_paths[0] if result.result_paths else None
        store.finish(request.upload_id, state=UploadState.DONE, counts=result.counts,
                     result_file=str(copy) if copy else None, message=None)
        return
    message = str(result) if isinstance(result, RefsyncError) else (
        f"the send stopped: {type(result).__name__}: {result}")
    message = message.replace(str(request.source), request.filename)
    message = message.replace(request.source.name, request.filename)
    store.finish(request.upload_id, state=UploadState.FAILED, counts={}, result_file=None,
                 message=redact(message))


class Sender:
    """Starts sends in background threads and waits for them when the server stops."""

    def __init__(self, store: WebStore) -> None:
        self.store = store
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self, request: SendRequest) -> None:
        thread = threading.Thread(target=lambda: asyncio.run(run_send(request, self.store)),
                                  name=f"refsync-send-{request.upload_id}", daemon=True)
        with self._lock:
            self._threads = {k: t for k, t in self._threads.items() if t.is_alive()}
            self._threads[request.upload_id] = thread
        thread.start()

    def running(self) -> list[str]:
        with self._lock:
            return [k for k, t in self._threads.items() if t.is_alive()]

    def join(self, timeout_s: float | None = None) -> None:
        """Wait for every running send (server shutdown, tests)."""
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout_s)
