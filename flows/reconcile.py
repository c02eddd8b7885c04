"""The ``reconcile`` flow, and the write-back replay: both read the ledger back, neither syncs.

``reconcile`` lists every outgoing referral (paged), reads the mapping's ledger entries and, when
given, the source; :func:`refsync.reconcile.reconcile` decides; then the flow writes the deal
endings back to the CRM (before the ledger learns them, so a failed write-back is retried by the
next reconciliation), records statuses and adoptions in the ledger, and writes the report.

The write-back of a reconciliation writes two columns and no others: the mapping's
``write_back.deal_status`` (each closed deal's ending) and the referral id (of those deals and,
with ``adopt``, of the referrals adopted). The status column is the sync's: the next sync would
overwrite an ending kept there. A mapping without that column is refused before anything is read.

``replay-writeback`` rebuilds the write-back of a mapping from the ledger alone, through the
write-back the sync itself opens: losing the source connection after the API call loses nothing.
Like a sync it leaves the deal endings alone; the ledger holds a closed deal's status (Closed),
not its ending, so the next ``reconcile --write-back`` is what restores those.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from prefect import flow, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, ValidationError

from connectors.sources import open_source
from connectors.writeback import (
    DEAL_STATUS_WRITES,
    SQL_COLUMNS,
    SqlWriteBack,
    WriteBackColumns,
    open_writeback,
)
from flows.bootstrap import open_sync_job, result_paths, signed_in_destination, writeback_columns
from flows.parameters import SyncParameters, parse_parameters
from refsync.errors import ConfigurationError
from refsync.executor import AdaptiveLimiter, RetryBudget, execute
from refsync.ledger import Ledger, RunStamp
from refsync.mapping import CompiledMapping, MappingSpec, compile_mapping, load_mapping
from refsync.protocols import Listable, Source
from refsync.reconcile import (
    Category,
    SourceRow,
    ledger_updates,
    reconcile,
    replayed_results,
    status_results,
)
from refsync.records import RemoteObject
from refsync.reports.reconciliation import (
    ReconcileReport,
    render_summary,
    write_reconcile_reports,
)
from refsync.settings import Settings, load_settings
from refsync.source_spec import SqlSourceSpec

# Findings a person has to look at; the rest is the normal life of a deal.
ATTENTION = (Category.MISSING_REMOTELY, Category.DUPLICATE, Category.DRIFT,
             Category.NOT_IN_LEDGER)


class ReconcileParameters(BaseModel):
    """What one reconciliation reads and what it may change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mapping: Path
    source: str | None = None
    config: Path | None = None
    adopt: bool = False
    write_back: bool = False
    output_dir: Path | None = None


@dataclass(frozen=True)
class ReconcileOutcome:
    """What a caller learns of a reconciliation."""

    run_id: str
    counts: dict[str, int]
    summary: str
    recorded: int = 0
    adopted: int = 0
    written_back: int = 0
    report_paths: dict[str, Path] = field(default_factory=dict)

    @property
    def attention(self) -> int:
        """Findings that need a person (missing, duplicate, drifted, unknown referrals)."""
        return sum(self.counts.get(c.value, 0) for c in ATTENTION) - self.adopted


@dataclass
class _ReconcileJob:
    params: ReconcileParameters
    settings: Settings
    mapping: CompiledMapping
    ledger: Ledger
    destination: Listable
    target: str
    source: Source | None
    location: str | None
    writeback: SqlWriteBack | None = None


@asynccontextmanager
async def _open_job(params: ReconcileParameters, *,
                    transport: httpx.AsyncBaseTransport | None = None,
                    ) -> AsyncIterator[_ReconcileJob]:
    """Settings, mapping, ledger, the signed-in API client and (optionally) the source.

    The parts are the sync's own (see :mod:`flows.bootstrap`); a reconciliation opens no
    write-back unless asked and reads the whole source, never from a watermark. A write-back
    is opened before the API client, so that one that cannot be opened (no side table for a
    query, a key the query does not return) stops the run before any request.
    """
    settings = load_settings(params.config)
    mapping = compile_mapping(load_mapping(params.mapping))
    spec = mapping.spec
    if params.write_back and params.source is None:
        raise ConfigurationError("--write-back needs --source: the CRM to write the statuses to")
    if params.write_back:
        _deal_status_columns(spec)  # refused before anything is read
    async with AsyncExitStack() as stack:
        ledger = Ledger.open(settings.ledger_url)
        stack.callback(ledger.close)
        location = None
        source: Source | None = None
        if params.source is not None:
            location = SyncParameters(mapping=params.mapping,
                                      source=params.source).source_location()
            opened = open_source(spec.source, location, key_column=spec.source_key_column)
            stack.callback(opened.close)
            source = opened
        writeback = None
        if params.write_back:
            assert location is not None
            writeback = _deal_status_writeback(spec, location)
            stack.callback(writeback.engine.dispose)  # however the run ends
        destination = await signed_in_destination(stack, settings, spec.target.type,
                                                  transport=transport)
        target = destination.target
        if not isinstance(destination, Listable):
            raise ConfigurationError(
                f"target {spec.target.type.value} cannot list its objects: nothing to reconcile")
        yield _ReconcileJob(params=params, settings=settings, mapping=mapping, ledger=ledger,
                            destination=destination, target=target, source=source,
                            location=location, writeback=writeback)


@task(name="list-remote", cache_policy=NO_CACHE)
async def list_remote(destination: Listable, retry_budget: int) -> list[RemoteObject]:
    """Every object the API lists; a transient failure restarts the listing (with backoff)."""

    async def collect(_: None) -> list[RemoteObject]:
        return [obj async for obj in destination.list_all()]

    (listing,) = await execute([None], collect, limiter=AdaptiveLimiter(1),
                               budget=RetryBudget(retry_budget))
    if listing.error is not None:
        raise listing.error
    assert listing.result is not None
    return listing.result


@task(name="read-source", cache_policy=NO_CACHE)
def read_source(source: Source, mapping: CompiledMapping, chunk_size: int = 500
                ) -> dict[str, SourceRow]:
    """The source's valid rows by key (a key's first row wins, as in a sync)."""
    rows: dict[str, SourceRow] = {}
    for frame in source.chunks(chunk_size):
        for row in mapping.map_frame(frame):
            if row.is_valid and row.key is not None and row.key not in rows:
                assert row.payload is not None
                rows[row.key] = SourceRow(row.row_number, row.source_id, row.payload,
                                         row.payload_hash)
    return rows


def _deal_status_columns(spec: MappingSpec) -> WriteBackColumns:
    """The columns of ``--write-back``; a mapping with nowhere to put the endings is refused."""
    if not isinstance(spec.source, SqlSourceSpec):
        raise ConfigurationError(
            f"{spec.where('source')}: mapping {spec.name}: --write-back of deal endings needs a "
            "SQL source (a spreadsheet's results copy has no deal status)")
    if spec.write_back is None or spec.write_back.deal_status is None:
        raise ConfigurationError(
            f"{spec.where('write_back')}: mapping {spec.name} names no write_back.deal_status "
            "column for --write-back: add one (the deal endings never go to write_back.status, "
            "which every sync rewrites)")
    return writeback_columns(spec, SQL_COLUMNS)


def _deal_status_writeback(spec: MappingSpec, location: str) -> SqlWriteBack:
    """The mapping's SQL write-back, writing only the referral id and the deal's ending."""
    columns = _deal_status_columns(spec)
    assert spec.write_back is not None
    opened = open_writeback(spec.source, location, columns=columns,
                            side_table=spec.write_back.table, writes=DEAL_STATUS_WRITES)
    assert isinstance(opened, SqlWriteBack)
    return opened


async def run_reconcile(job: _ReconcileJob) -> ReconcileOutcome:
    """Compare, write back, record and report one mapping (see the module docstring)."""
    spec = job.mapping.spec
    run_id = uuid.uuid4().hex
    started = datetime.now(UTC)
    remotes = await list_remote(job.destination, job.settings.retry_budget)
    rows = read_source(job.source, job.mapping) if job.source is not None else None
    mine = list(job.ledger.all_entries(job.target, mapping_name=spec.name))
    known = {e.key for e in mine}
    others = [e.key for e in job.ledger.all_entries(job.target) if e.key not in known]
    result = reconcile(remotes, mine, source=rows, other_keys=others)

    written = 0
    if job.writeback is not None:
        job.writeback.write(status_results(result, adopt=job.params.adopt))
        job.writeback.close()
        written = job.writeback.rows_written

    updates = ledger_updates(result, adopt=job.params.adopt, source=rows)
    adopted = sum(1 for u in updates if u.payload is not None)
    now = datetime.now(UTC)
    with job.ledger.unit() as unit:
        unit.start_run(run_id=run_id, mapping_name=spec.name, target=job.target,
                       mapping_checksum=spec.checksum,
                       source_description=f"reconcile: {_described(job)}",
                       source_fingerprint=job.source.fingerprint if job.source else None)
        unit.record(job.target, updates, stamp=RunStamp(run_id, spec.name, spec.checksum),
                    at=now)
        unit.finish_run(run_id, status="completed",
                        counts={k: v for k, v in result.counts.items() if v})

    report = ReconcileReport(
        run_id=run_id, mapping_name=spec.name, target=job.target,
        source_description=job.source.description if job.source else None,
        started_at=started, finished_at=datetime.now(UTC), result=result,
        recorded=len(updates), adopted=adopted, written_back=written)
    out = job.params.output_dir or job.settings.output_dir
    paths = write_reconcile_reports(report, out)
    summary = render_summary(report)
    await acreate_markdown_artifact(
        key="refsync-reconcile-summary",
        markdown=f"# refsync reconcile `{run_id}`\n\n```\n{summary}\n```\n",
        description="findings per category")
    return ReconcileOutcome(run_id=run_id, counts=result.counts, summary=summary,
                            recorded=len(updates), adopted=adopted, written_back=written,
                            report_paths=paths)


def _described(job: _ReconcileJob) -> str:
    return job.source.description if job.source is not None else "ledger and API only"


@flow(name="reconcile", log_prints=False)
async def reconcile_flow(
    mapping: str,
    source: str | None = None,
    config: str | None = None,
    adopt: bool = False,
    write_back: bool = False,
    output_dir: str | None = None,
) -> ReconcileOutcome:
    """Compare Partner Center with the ledger and the CRM; record and write back deal endings."""
    try:
        params = ReconcileParameters.model_validate(dict(
            mapping=mapping, source=source, config=config, adopt=adopt, write_back=write_back,
            output_dir=output_dir))
    except ValidationError as exc:
        raise ConfigurationError(f"invalid parameters: {exc.error_count()} problem(s): "
                                 + "; ".join(str(e["msg"]) for e in exc.errors())) from None
    async with _open_job(params) as job:
        return await run_reconcile(job)


@dataclass(frozen=True)
class ReplayOutcome:
    """How many ledger entries were replayed into the write-back, and the files it wrote."""

    rows: int
    counts: Mapping[str, int]
    result_paths: list[Path] = field(default_factory=list)


@flow(name="replay-writeback", log_prints=False)
async def replay_writeback(mapping: str, source: str, config: str | None = None,
                           output_dir: str | None = None) -> ReplayOutcome:
    """Write back every ledger entry of a mapping again, from the ledger alone."""
    params = parse_parameters(SyncParameters, mapping=mapping, source=source, config=config,
                              output_dir=output_dir)
    async with open_sync_job(params) as job:
        entries = list(job.ledger.all_entries(job.run.target, mapping_name=job.mapping.spec.name))
        last = {e.key: _last_event(job.ledger, e.key, job.run.target) for e in entries}
        results = replayed_results(entries, last)
        job.writeback.write(results)
        job.writeback.close()
        return ReplayOutcome(rows=len(results),
                             counts=dict(Counter(r.outcome.value for r in results)),
                             result_paths=result_paths(job.writeback))


def _last_event(ledger: Ledger, key: str, target: str) -> Mapping[str, Any] | None:
    events = ledger.history(key, target=target)
    return events[-1] if events else None
