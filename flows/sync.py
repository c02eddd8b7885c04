"""The ``sync-referrals`` flow: a nightly incremental run or a backfill over a window.

The flow only sequences core calls: one Prefect task per chunk (never per row), then the
write-back, the watermark, the report and the artifacts. It fails, saying how many, when rows
failed or were rejected, so that alerts fire; it returns the :class:`RunOutcome` either way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    acreate_markdown_artifact,
    acreate_progress_artifact,
    aupdate_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.states import Completed, Failed

from flows.bootstrap import SyncJob, incremental, open_sync_job, result_paths
from flows.parameters import SyncParameters, parse_parameters
from refsync.engine import SyncRun
from refsync.records import Outcome, RowResult
from refsync.reports import RunReport, publish, render_markdown, render_summary_table
from refsync.watermarks import advanced_watermark

_ALERTING = (Outcome.FAILED, Outcome.REJECTED)


@dataclass(frozen=True)
class RunOutcome:
    """What a caller (CLI, test, parent flow) learns of a run."""

    run_id: str
    counts: dict[str, int]
    summary: str
    report_paths: dict[str, Path] = field(default_factory=dict)
    result_paths: list[Path] = field(default_factory=list)
    requests_sent: int = 0
    stopped: bool = False
    """The run stopped early because its ``after_chunk`` hook asked it to (e.g. a budget)."""

    @property
    def alerting(self) -> int:
        return sum(self.counts.get(o.value, 0) for o in _ALERTING)


@task(name="sync-chunk", cache_policy=NO_CACHE)
async def sync_chunk(run: SyncRun, frame: pd.DataFrame) -> list[RowResult]:
    """Map, plan, send and record one chunk of rows."""
    return await run.process(frame)


@task(name="sync-deferred", cache_policy=NO_CACHE)
async def sync_deferred(run: SyncRun) -> list[RowResult]:
    """Rows another worker held during the run, now waited for."""
    return await run.finish()


ChunkHook = Callable[[pd.DataFrame, Sequence[RowResult]], Awaitable[bool]]
"""Called after each chunk is written back with its rows and results; False stops the run."""


async def run_sync(job: SyncJob, *, after_chunk: ChunkHook | None = None,
                   record_watermark: bool = True) -> RunOutcome:
    """Drive one opened job through every chunk, then write back, report and record the run.

    ``after_chunk`` lets a caller checkpoint and stop cleanly between chunks (a backfill's
    budget); ``record_watermark=False`` leaves the mapping's nightly watermark alone (a backfill
    window keeps its own progress).
    """
    logger = get_run_logger()
    spec = job.mapping.spec
    with job.ledger.unit() as unit:
        unit.start_run(run_id=job.run.run_id, mapping_name=spec.name, target=job.run.target,
                       mapping_checksum=spec.checksum,
                       source_description=job.provenance.source_description,
                       source_fingerprint=job.provenance.source_fingerprint)
    results: list[RowResult] = []
    progress = await acreate_progress_artifact(progress=0.0, key=None,
                                              description=f"refsync run {job.run.run_id}")
    total = getattr(job.source, "total_rows", None)
    watermarks: dict[int, Any] = {}
    status = "failed"
    stopped = False
    read = 0
    try:
        for frame in job.source.chunks(job.params.chunk_size):
            if incremental(spec) and spec.watermark in frame.columns:
                watermarks.update(zip(frame.index, frame[spec.watermark], strict=True))
            chunk_results = await sync_chunk(job.run, frame)
            job.writeback.write(chunk_results)
            results.extend(chunk_results)
            read += len(frame)
            done = len(results)
            logger.info("%d rows read, %d settled (%d requests)", read, done,
                        job.run.requests_sent)
            if total:
                await aupdate_progress_artifact(progress, min(100.0, 100.0 * done / total))
            if after_chunk is not None and not await after_chunk(frame, chunk_results):
                stopped = True
                break
        deferred = await sync_deferred(job.run)
        job.writeback.write(deferred)
        results.extend(deferred)
        job.writeback.close()
        if not stopped:
            await aupdate_progress_artifact(progress, 100.0)
        status = "stopped" if stopped else "completed"
    except BaseException:
        # A fatal error (401/403, a refused input) still leaves a report of the rows done.
        publish(_report(job, results, complete=False), job.output_dir)
        raise
    finally:
        counts = Counter(r.outcome.value for r in results)
        with job.ledger.unit() as unit:
            unit.finish_run(job.run.run_id, status=status, counts=dict(counts))
            if status == "completed" and record_watermark and incremental(spec):
                mark = advanced_watermark(
                    ((watermarks.get(r.row_number), r.outcome) for r in results),
                    previous=job.since)
                if mark is not None:
                    unit.set_watermark(spec.name, mark, run_id=job.run.run_id)
    report = _report(job, results, complete=not stopped)
    paths = publish(report, job.output_dir)
    summary = render_summary_table(report)
    await acreate_markdown_artifact(key="refsync-run-summary", markdown=render_markdown(report),
                                    description="counts per outcome")
    return RunOutcome(run_id=job.run.run_id, counts=dict(counts), summary=summary,
                      report_paths=paths, result_paths=result_paths(job.writeback),
                      requests_sent=job.run.requests_sent, stopped=stopped)


def _report(job: SyncJob, results: Sequence[RowResult], *, complete: bool) -> RunReport:
    return RunReport(provenance=job.provenance, finished_at=datetime.now(UTC),
                     results=tuple(sorted(results, key=lambda r: r.row_number)),
                     complete=complete)


@flow(name="sync-referrals", log_prints=False)
async def sync_referrals(
    mapping: str,
    source: str,
    config: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    full: bool = False,
    resend: bool = False,
    chunk_size: int = 500,
    output_dir: str | None = None,
) -> State[RunOutcome]:
    """Sync one mapping's rows to its target: nightly (by watermark) or over a backfill window."""
    params = parse_parameters(SyncParameters, mapping=mapping, source=source, config=config,
                              since=since, until=until, full=full, resend=resend,
                              chunk_size=chunk_size, output_dir=output_dir)
    async with open_sync_job(params) as job:
        outcome = await run_sync(job)
    if outcome.alerting:
        return Failed(message=f"{outcome.alerting} rows failed or were rejected", data=outcome)
    return Completed(data=outcome)
