"""Plan, review, apply: the ``plan-sync`` and ``apply-plan`` flows.

``plan-sync`` reads and maps every row and compares it with the ledger, but sends nothing and
writes nothing back: it writes a plan file a person can review. ``apply-plan`` re-reads the same
inputs, refuses the plan if the mapping, the source or any row's ledger entry changed since, and
otherwise runs exactly that plan (the engine checks each chunk again under its key locks).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from prefect import flow
from prefect.client.schemas.objects import State
from prefect.states import Completed, Failed

from flows.bootstrap import open_sync_job
from flows.parameters import SyncParameters, parse_parameters
from flows.sync import RunOutcome, run_sync
from refsync.planner import Action
from refsync.plans import (
    Plan,
    PlanOutdated,
    PlanStep,
    check_inputs,
    differences,
    read_plan,
    refuse_if_different,
    write_plan,
)

_SETTLED_ACTIONS = {Action.SKIP: "unchanged", Action.HOLD: "held"}


@dataclass(frozen=True)
class PlanOutcome:
    """What ``plan-sync`` wrote: where, how many requests of each kind, what needs none."""

    path: Path
    actions: dict[str, int]
    settled: dict[str, int]

    def describe(self) -> str:
        sends = ", ".join(f"{n} {a}" for a, n in sorted(self.actions.items())) or "nothing"
        rest = ", ".join(f"{n} {o}" for o, n in sorted(self.settled.items())) or "none"
        return f"plan written to {self.path}\nwill send: {sends}\nno request: {rest}"


@flow(name="plan-sync")
async def plan_sync(mapping: str, source: str, plan_file: str, config: str | None = None,
                    since: datetime | None = None, until: datetime | None = None,
                    full: bool = False, resend: bool = False,
                    chunk_size: int = 500) -> PlanOutcome:
    """Write what a sync would do, row by row, without sending or writing anything else."""
    params = parse_parameters(SyncParameters, mapping=mapping, source=source, config=config,
                              since=since, until=until, full=full, resend=resend,
                              chunk_size=chunk_size)
    async with open_sync_job(params) as job:
        settled: Counter[str] = Counter()
        steps: list[PlanStep] = []
        for frame in job.source.chunks(params.chunk_size):
            results, planned = job.run.preview(frame)
            settled.update(r.outcome.value for r in results)
            for item in planned:
                if item.action in _SETTLED_ACTIONS:
                    settled[_SETTLED_ACTIONS[item.action]] += 1
                else:
                    steps.append(PlanStep.of(item))
        plan = Plan(
            mapping_path=str(params.mapping.resolve()), mapping_checksum=job.mapping.checksum,
            source=params.source, source_fingerprint=job.source.fingerprint,
            target=job.run.target,
            parameters=params.model_dump(mode="json", exclude={"config", "output_dir"}),
            steps=tuple(steps), settled=dict(settled),
        )
    path = write_plan(plan, Path(plan_file))
    return PlanOutcome(path=path, actions=plan.action_counts(), settled=dict(settled))


@flow(name="apply-plan")
async def apply_plan(plan_file: str, config: str | None = None,
                     output_dir: str | None = None) -> State[RunOutcome]:
    """Run a reviewed plan exactly, or refuse it whole when anything moved on since."""
    plan = read_plan(Path(plan_file))
    params = parse_parameters(SyncParameters, **{**plan.parameters, "mapping": plan.mapping_path,
                                                 "config": config, "output_dir": output_dir})
    expected = plan.by_key()
    async with open_sync_job(params, expected_plan=expected) as job:
        check_inputs(plan, mapping_checksum=job.mapping.checksum,
                     source_fingerprint=job.source.fingerprint)
        problems: list[str] = []
        seen: set[str] = set()
        for frame in job.source.chunks(params.chunk_size):
            _, planned = job.run.preview(frame)
            seen.update(item.key for item in planned)
            problems += differences(expected, planned)
        problems += [f"{key}: in the plan, not in the source" for key in expected.keys() - seen]
        refuse_if_different(problems)
        outcome = await run_sync(job)
    if outcome.alerting:
        return Failed(message=f"{outcome.alerting} rows failed or were rejected", data=outcome)
    return Completed(data=outcome)


__all__ = ["PlanOutcome", "PlanOutdated", "apply_plan", "plan_sync"]
