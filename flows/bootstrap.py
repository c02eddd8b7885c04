"""The one place that wires a run: settings, mapping, source, ledger, auth, API, write-back.

Flows and the CLI call :func:`open_sync_job` and get a :class:`SyncJob` whose parts are closed
again, in reverse order, when the block ends, however it ends.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from connectors.auth import auth_for_target
from connectors.destinations import open_destination
from connectors.http import build_async_client, build_client, new_correlation_id
from connectors.sources import open_source
from connectors.sources.delimited import CsvSource
from connectors.sources.workbook import WorkbookSource
from connectors.writeback import open_writeback
from connectors.writeback.columns import SPREADSHEET_COLUMNS, SQL_COLUMNS, WriteBackColumns
from flows.parameters import SyncParameters
from refsync.engine import RunOptions, SyncRun
from refsync.errors import ConfigurationError
from refsync.ledger import Ledger
from refsync.mapping import (
    CompiledMapping,
    MappingSpec,
    WriteBackSpec,
    compile_mapping,
    load_mapping,
)
from refsync.plans import PlanStep
from refsync.policies import update_policy
from refsync.protocols import Destination, Source, WriteBack
from refsync.records import RowResult
from refsync.reports import Provenance
from refsync.settings import Settings, load_settings
from refsync.source_spec import SqlSourceSpec


@dataclass
class SyncJob:
    """Everything one run needs, opened and ready."""

    params: SyncParameters
    settings: Settings
    mapping: CompiledMapping
    ledger: Ledger
    source: Source
    destination: Destination
    writeback: WriteBack
    run: SyncRun
    provenance: Provenance
    output_dir: Path
    since: Any


async def signed_in_destination(stack: AsyncExitStack, settings: Settings, target: str, *,
                                transport: httpx.AsyncBaseTransport | None = None
                                ) -> Destination:
    """The target's API behind one shared, signed-in client; closed with ``stack``."""
    token_http = build_client(settings)
    stack.callback(token_http.close)
    auth = auth_for_target(target, settings, http_client=token_http)
    stack.callback(auth.token_source.close)
    client = build_async_client(settings, correlation_id=new_correlation_id(), auth=auth,
                                transport=transport)
    await stack.enter_async_context(client)
    return open_destination(target, client, settings)


def incremental(spec: MappingSpec) -> bool:
    """Whether runs of this mapping read only rows past a stored watermark (SQL sources).

    A spreadsheet is an export: every run reads all of it, and the ledger's hashes make the
    unchanged rows cost nothing.
    """
    return spec.watermark is not None and isinstance(spec.source, SqlSourceSpec)


def output_dir_for(settings: Settings, params: SyncParameters) -> Path:
    """One directory for every run's reports (the trend reads its history) and result files."""
    return params.output_dir or settings.output_dir


@asynccontextmanager
async def open_sync_job(params: SyncParameters, *,
                        transport: httpx.AsyncBaseTransport | None = None,
                        expected_plan: Mapping[str, PlanStep] | None = None,
                        gate: Callable[[], Awaitable[None]] | None = None,
                        ) -> AsyncIterator[SyncJob]:
    """Open every part of a sync run; close them all when the block ends.

    ``gate`` is awaited before every API request: a rate limit shared by all workers.
    """
    settings = load_settings(params.config)
    mapping = compile_mapping(load_mapping(params.mapping))
    spec = mapping.spec
    run_id = uuid.uuid4().hex
    async with AsyncExitStack() as stack:
        ledger = Ledger.open(settings.ledger_url)
        stack.callback(ledger.close)
        since = params.since
        if incremental(spec) and since is None and not params.full:
            since = ledger.watermark(spec.name)
        location = params.source_location()
        source = open_source(spec.source, location, since=since, until=params.until,
                             key_column=spec.source_key_column)
        out = output_dir_for(settings, params)
        destination = await signed_in_destination(stack, settings, spec.target.type,
                                                  transport=transport)
        locks = ledger.key_locks()
        stack.callback(locks.close)
        run = SyncRun(
            mapper=mapping, mapping_name=spec.name, destination=destination, ledger=ledger,
            locks=locks, policy=update_policy(spec.target.type, resend=params.resend),
            options=RunOptions(max_concurrency=settings.max_concurrency,
                               requests_per_second=settings.max_requests_per_second,
                               retry_budget=settings.retry_budget, resend=params.resend,
                               gate=gate),
            run_id=run_id, known_secrets=_secrets(settings), expected_plan=expected_plan,
        )
        writeback = _open_writeback(spec, location, source, out)
        provenance = Provenance(
            run_id=run_id, target=spec.target.type, mapping_name=spec.name,
            mapping_version=str(spec.version), mapping_checksum=spec.checksum,
            source_description=source.description, source_fingerprint=source.fingerprint,
            started_at=datetime.now(UTC),
        )
        yield SyncJob(params=params, settings=settings, mapping=mapping, ledger=ledger,
                      source=source, destination=destination, writeback=writeback, run=run,
                      provenance=provenance, output_dir=out, since=since)


class _NoWriteBack:
    """A SQL source whose mapping names no write-back columns: results live in the ledger only."""

    def write(self, results: Sequence[RowResult]) -> None:
        return None

    def close(self) -> None:
        return None


class _AfterReading:
    """Holds results until the source is read to the end, then writes them all.

    SQLite cannot commit a write while a read cursor is open on the same file, and the source
    streams the CRM table with one; server databases need no such wait.
    """

    def __init__(self, inner: WriteBack) -> None:
        self._inner = inner
        self._held: list[RowResult] = []

    def write(self, results: Sequence[RowResult]) -> None:
        self._held.extend(results)

    def close(self) -> None:
        self._inner.write(self._held)
        self._held = []
        self._inner.close()


def _open_writeback(spec: MappingSpec, location: str, source: Source, out: Path) -> WriteBack:
    """The write-back the mapping asks for: a results copy for spreadsheets; for SQL, UPDATEs
    in the CRM table or upserts into the side table (``write_back.table``)."""
    chosen = spec.write_back
    if isinstance(spec.source, SqlSourceSpec):
        if chosen is None:
            return _NoWriteBack()
        columns = writeback_columns(spec, SQL_COLUMNS)
        writeback = open_writeback(spec.source, location, columns=columns,
                                   side_table=chosen.table)
        if sa.engine.make_url(location).get_backend_name() == "sqlite":
            return _AfterReading(writeback)
        return writeback
    spreadsheet_columns = writeback_columns(spec, SPREADSHEET_COLUMNS) if chosen else None
    assert isinstance(source, WorkbookSource | CsvSource)
    return open_writeback(spec.source, location, output_dir=out, columns=spreadsheet_columns,
                          source=source)


def writeback_columns(spec: MappingSpec, defaults: WriteBackColumns) -> WriteBackColumns:
    """The mapping's write-back columns, ``defaults`` where it names none.

    Raises:
        ConfigurationError: two facts would share a column (a default included); the message
            names the mapping's ``write_back`` line.
    """
    chosen = spec.write_back or WriteBackSpec()
    try:
        return WriteBackColumns(
            referral_id=chosen.remote_id or defaults.referral_id,
            status=chosen.status or defaults.status,
            synced_at=chosen.synced_at or defaults.synced_at,
            error=chosen.error or defaults.error,
            deal_status=chosen.deal_status,
        )
    except ConfigurationError as exc:
        raise ConfigurationError(f"{spec.where('write_back')}: {exc}") from None


def result_paths(writeback: WriteBack) -> list[Path]:
    """The files a spreadsheet write-back wrote (results copy, success and error CSVs)."""
    files = getattr(writeback, "files", None)
    return [files.copy, files.success, files.error] if files is not None else []


def _secrets(settings: Settings) -> tuple[str, ...]:
    return (settings.client_secret.get_secret_value(),) if settings.client_secret else ()
