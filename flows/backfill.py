"""The ``backfill`` flow: a watermark window split into partitions, each its own flow run.

``backfill`` registers the partitions of ``(since, until]`` in the ledger's database (see
:mod:`flows.backfill_state`) and runs every partition that is not done yet: as a subflow here, or,
given ``partition_deployment``, through :func:`prefect.deployments.run_deployment`, so that any
worker of the pool picks each one up. ``backfill-partition`` syncs one sub-window with the sync
flow's machinery, checkpointing after every chunk (:mod:`flows.checkpoints`); a partition killed
halfway continues from its checkpoint, and the ledger makes every row it re-reads cost nothing.

With ``api_budget_per_day`` each chunk first reserves its requests from the day's budget; when
the budget is spent the partition pauses cleanly and the backfill reports when it should finish
at this pace. Running the same backfill again (same parameters) continues it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

import pandas as pd
from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.client.schemas.objects import FlowRun, State
from prefect.deployments import run_deployment
from prefect.states import Completed, Failed
from pydantic import Field, model_validator

from flows.backfill_state import (
    BackfillState,
    Partition,
    PartitionState,
    backfill_id,
    checkpoint_name,
    split_window,
)
from flows.bootstrap import incremental, open_sync_job
from flows.checkpoints import Checkpointer
from flows.parameters import SyncParameters, parse_parameters
from flows.progress import ProgressEvent, notify
from flows.ratelimit import Gate, ensure_rate_limit, rate_limit_gate
from flows.sync import RunOutcome, run_sync
from refsync.errors import ConfigurationError
from refsync.ledger import Ledger
from refsync.mapping import load_mapping
from refsync.records import Outcome
from refsync.settings import load_settings


class BackfillParameters(SyncParameters):
    """A backfill's window is required; it is split into ``partitions`` sub-windows."""

    since: datetime
    until: datetime
    partitions: int = Field(default=4, ge=1, le=256)
    api_budget_per_day: int | None = Field(default=None, ge=1)
    rate_limit_name: str | None = Field(default=None, min_length=1)
    rate_limit_per_s: float | None = Field(default=None, ge=2)
    partition_deployment: str | None = Field(default=None, min_length=3)

    @model_validator(mode="after")
    def _budget_fits_a_chunk(self) -> BackfillParameters:
        if self.api_budget_per_day is not None and self.api_budget_per_day < self.chunk_size:
            raise ValueError("api_budget_per_day must allow at least one chunk (chunk_size)")
        if self.rate_limit_per_s is not None and self.rate_limit_name is None:
            raise ValueError("rate_limit_per_s needs rate_limit_name")
        if (self.since.tzinfo is None) != (self.until.tzinfo is None):
            raise ValueError("since and until must both carry a time zone or both not")
        return self


@dataclass(frozen=True)
class BackfillOutcome:
    """What a backfill run achieved, partition by partition."""

    backfill_id: str
    partitions: tuple[Partition, ...]
    failed_partitions: int
    """Partition runs of this backfill run that ended failed (rows failed or were rejected)."""
    projected_finish: datetime | None

    @property
    def done(self) -> bool:
        return all(p.state is PartitionState.DONE for p in self.partitions)

    @property
    def paused(self) -> bool:
        return any(p.state is PartitionState.PAUSED for p in self.partitions)

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.partitions)

    @property
    def requests(self) -> int:
        return sum(p.requests for p in self.partitions)

    def table(self) -> str:
        """A plain-text table of the partitions, for the terminal and the summary artifact."""
        lines = [f"backfill {self.backfill_id}",
                 f"{'part':>4}  {'window (exclusive start, inclusive end)':<52}  {'state':<8}"
                 f"  {'rows':>8}  {'requests':>8}"]
        for p in self.partitions:
            window = f"{p.since.isoformat()} .. {p.until.isoformat()}"
            lines.append(f"{p.partition:>4}  {window:<52}  {p.state.value:<8}  {p.rows:>8}"
                         f"  {p.requests:>8}")
        lines.append(f"{'all':>4}  {'':<52}  {'done' if self.done else 'open':<8}"
                     f"  {self.rows:>8}  {self.requests:>8}")
        if self.projected_finish is not None:
            lines.append(f"budget spent for today; at this pace it finishes around "
                         f"{self.projected_finish:%Y-%m-%d %H:%M} UTC")
        return "\n".join(lines)


# -- one partition --------------------------------------------------------------------------------


class _DailySpend:
    """Requests of one partition against the backfill's daily budget, reserved chunk by chunk."""

    def __init__(self, state: BackfillState, backfill: str, budget: int, chunk: int) -> None:
        self.state, self.backfill, self.budget, self.chunk = state, backfill, budget, chunk
        self._reserved = 0
        self._day = _today()

    def reserve(self) -> bool:
        self._day = _today()
        if self.state.reserve(self.backfill, self._day, self.chunk, budget=self.budget):
            self._reserved = self.chunk
            return True
        return False

    def settle(self, spent: int) -> None:
        """Replace the outstanding reservation by what was really spent."""
        self.state.adjust(self.backfill, self._day, spent - self._reserved)
        self._reserved = 0


def _today() -> date:
    return datetime.now(UTC).date()


@flow(name="backfill-partition", flow_run_name="backfill-{backfill}-p{partition}",
      log_prints=False)
async def backfill_partition(
    mapping: str,
    source: str,
    backfill: str,
    partition: int,
    since: datetime,
    until: datetime,
    config: str | None = None,
    chunk_size: int = 500,
    resend: bool = False,
    api_budget_per_day: int | None = None,
    rate_limit_name: str | None = None,
    output_dir: str | None = None,
) -> State[RunOutcome | None]:
    """Sync one partition of a backfill from its checkpoint to its end."""
    logger = get_run_logger()
    params = parse_parameters(SyncParameters, mapping=mapping, source=source, config=config,
                              since=since, until=until, resend=resend, chunk_size=chunk_size,
                              output_dir=output_dir)
    settings = load_settings(params.config)
    ledger = Ledger.open(settings.ledger_url)
    try:
        state = BackfillState(ledger.engine)
        try:
            recorded = state.partition(backfill, partition)
        except LookupError as exc:
            raise ConfigurationError(f"{exc}: partitions are registered by the backfill flow; "
                                     "run that rather than a partition on its own") from exc
        if recorded.state is PartitionState.DONE:
            return Completed(message="partition already done", data=None)
        start = ledger.watermark(checkpoint_name(backfill, partition))
        spend = (_DailySpend(state, backfill, api_budget_per_day, chunk_size)
                 if api_budget_per_day else None)
        if spend is not None and not spend.reserve():
            state.update(backfill, partition, state=PartitionState.PAUSED)
            return Completed(message="the API budget for today is spent", data=None)
        state.update(backfill, partition, state=PartitionState.RUNNING)
        if start is not None:
            logger.info("partition %d resumes after %s", partition, start)
            params = params.model_copy(update={"since": start})
        gate = rate_limit_gate(rate_limit_name) if rate_limit_name else None
        outcome = await _sync_partition(params, state, backfill, partition, spend, gate)
    finally:
        ledger.close()
    if outcome.alerting:
        return Failed(message=f"{outcome.alerting} rows failed or were rejected", data=outcome)
    return Completed(data=outcome)


async def _sync_partition(params: SyncParameters, state: BackfillState, backfill: str,
                          partition: int, spend: _DailySpend | None,
                          gate: Gate | None) -> RunOutcome:
    name = checkpoint_name(backfill, partition)
    checkpoints = Checkpointer(None)  # every row this run reads lies past the stored checkpoint
    written: Any = None
    spent_before = 0
    async with open_sync_job(params, gate=gate) as job:
        spec = job.mapping.spec
        if not incremental(spec) or spec.watermark is None:
            raise ConfigurationError(
                f"mapping {spec.name} cannot be backfilled: it needs a SQL source with a "
                "watermark column")
        watermark = spec.watermark

        async def after_chunk(frame: pd.DataFrame, results: Any) -> bool:
            nonlocal spent_before, written
            mark = checkpoints.advance(dict(zip(frame.index, frame[watermark], strict=True)),
                                       results)
            spent = job.run.requests_sent - spent_before
            spent_before = job.run.requests_sent
            if mark is not None and mark is not written:
                with job.ledger.unit() as unit:
                    unit.set_watermark(name, _plain(mark), run_id=job.run.run_id)
                written = mark
            state.update(backfill, partition, state=PartitionState.RUNNING, rows=len(frame),
                         requests=spent)
            get_run_logger().info("backfill chunk done: partition %d, %d rows, checkpoint %s",
                                  partition, len(frame), mark)
            notify(ProgressEvent(label=f"partition {partition}", rows=len(frame),
                                 requests=spent))
            if spend is None:
                return True
            spend.settle(spent)
            return spend.reserve()

        outcome = await run_sync(job, after_chunk=after_chunk, record_watermark=False)
        tail = job.run.requests_sent - spent_before
        if spend is not None:
            spend.settle(tail)
        failed = outcome.counts.get(Outcome.FAILED.value, 0)
        if outcome.stopped:
            final = PartitionState.PAUSED
        elif failed:
            final = PartitionState.PENDING  # the next run retries from the checkpoint
        else:
            final = PartitionState.DONE
            with job.ledger.unit() as unit:
                unit.set_watermark(name, params.until, run_id=job.run.run_id)
        state.update(backfill, partition, state=final, requests=tail)
    return outcome


def _plain(value: Any) -> Any:
    """A pandas scalar as the plain Python value the ledger's watermark encoding knows."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


# -- the whole backfill ---------------------------------------------------------------------------


@flow(name="backfill", log_prints=False)
async def backfill(
    mapping: str,
    source: str,
    since: datetime,
    until: datetime,
    partitions: int = 4,
    config: str | None = None,
    chunk_size: int = 500,
    resend: bool = False,
    api_budget_per_day: int | None = None,
    rate_limit_name: str | None = None,
    rate_limit_per_s: float | None = None,
    partition_deployment: str | None = None,
    output_dir: str | None = None,
) -> State[BackfillOutcome]:
    """Backfill ``(since, until]`` in partitions; run again to continue a paused or killed one."""
    logger = get_run_logger()
    raw = parse_parameters(
        BackfillParameters, mapping=mapping, source=source, since=since, until=until,
        partitions=partitions, config=config, chunk_size=chunk_size, resend=resend,
        api_budget_per_day=api_budget_per_day, rate_limit_name=rate_limit_name,
        rate_limit_per_s=rate_limit_per_s, partition_deployment=partition_deployment,
        output_dir=output_dir)
    assert isinstance(raw, BackfillParameters)
    params = raw
    spec = load_mapping(params.mapping)
    if not incremental(spec) or spec.watermark is None:
        raise ConfigurationError(f"mapping {spec.name} cannot be backfilled: it needs a SQL "
                                 "source with a watermark column")
    settings = load_settings(params.config)
    ledger = Ledger.open(settings.ledger_url)
    try:
        state = BackfillState(ledger.engine)
        bid = backfill_id(spec.name, params.source, params.since, params.until,
                          params.partitions)
        parts = state.register(bid, spec.name,
                               split_window(params.since, params.until, params.partitions))
        if params.rate_limit_name and params.rate_limit_per_s:
            await ensure_rate_limit(params.rate_limit_name, params.rate_limit_per_s)
        todo = [p for p in parts if p.state is not PartitionState.DONE]
        logger.info("backfill %s: %d of %d partitions to run", bid, len(todo), len(parts))
        failures = await _run_partitions(params, bid, todo)
        final = tuple(state.partitions(bid))
        outcome = BackfillOutcome(
            backfill_id=bid, partitions=final, failed_partitions=failures,
            projected_finish=_projected_finish(final, ledger, params.api_budget_per_day))
    finally:
        ledger.close()
    await _publish(outcome)
    if failures:
        return Failed(message=f"{failures} partition runs failed: rows failed or were rejected, "
                              "or the run ended in an error", data=outcome)
    return Completed(data=outcome)


async def _run_partitions(params: BackfillParameters, bid: str, todo: list[Partition]) -> int:
    """Run the partitions (in parallel on workers, or one after the other here); count failures."""
    def arguments(p: Partition) -> dict[str, Any]:
        return {
            "mapping": str(params.mapping), "source": params.source, "backfill": bid,
            "partition": p.partition, "since": p.since, "until": p.until,
            "config": str(params.config) if params.config else None,
            "chunk_size": params.chunk_size, "resend": params.resend,
            "api_budget_per_day": params.api_budget_per_day,
            "rate_limit_name": params.rate_limit_name,
            "output_dir": str(params.output_dir) if params.output_dir else None,
        }

    if params.partition_deployment:
        started = [
            cast(Awaitable[FlowRun], run_deployment(
                params.partition_deployment, parameters=arguments(p), timeout=None,
                as_subflow=True))
            for p in todo]
        runs = await asyncio.gather(*started)
        return sum(1 for run in runs if run.state is None or not run.state.is_completed())
    failures = 0
    for p in todo:
        finished = await backfill_partition(**arguments(p), return_state=True)
        if not finished.is_completed():
            result = await finished.aresult(raise_on_failure=False)
            if isinstance(result, BaseException):
                raise result
            failures += 1
    return failures


def _projected_finish(parts: tuple[Partition, ...], ledger: Ledger,
                      budget: int | None) -> datetime | None:
    """When a backfill paused at its budget should finish, at the requests per window so far.

    The share of the window done is measured by each partition's checkpoint; the requests still
    needed are extrapolated from those spent, and spread over the coming days' budgets.
    """
    if budget is None or not any(p.state is PartitionState.PAUSED for p in parts):
        return None
    span = done = 0.0
    for p in parts:
        width = (p.until - p.since).total_seconds()
        span += width
        if p.state is PartitionState.DONE:
            done += width
            continue
        mark = ledger.watermark(checkpoint_name(p.backfill_id, p.partition))
        if isinstance(mark, datetime):
            done += (_utc(mark) - _utc(p.since)).total_seconds()
    spent = sum(p.requests for p in parts)
    if done <= 0 or span <= 0 or spent <= 0:
        return None
    remaining = spent * (span - done) / done
    tomorrow = datetime.combine(_today() + timedelta(days=1), time(), tzinfo=UTC)
    return tomorrow + timedelta(days=remaining / budget)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def _publish(outcome: BackfillOutcome) -> None:
    await acreate_markdown_artifact(
        key="refsync-backfill-summary",
        markdown=f"# refsync backfill `{outcome.backfill_id}`\n\n```\n{outcome.table()}\n```\n",
        description="partitions of the backfill")
    await acreate_table_artifact(
        key="refsync-backfill-partitions",
        table=[{"partition": p.partition, "since": p.since.isoformat(),
                "until": p.until.isoformat(), "state": p.state.value, "rows": p.rows,
                "requests": p.requests} for p in outcome.partitions],
        description="one row per partition")


__all__ = ["BackfillOutcome", "BackfillParameters", "backfill", "backfill_partition"]
