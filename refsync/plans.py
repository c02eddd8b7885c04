"""Plans that a person reviews before anything is sent, and that are then applied exactly.

``refsync sync ... --plan plan.json`` writes what each row *would* do; ``refsync apply plan.json``
does exactly that or nothing: it refuses when the mapping file or the source changed (their
checksums), or when any row's ledger entry moved on since the plan was made (its version), so that a
reviewed plan can never turn into different requests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from refsync.errors import ConfigurationError, FatalError
from refsync.planner import PlannedRow

PLAN_FORMAT = "refsync-plan/1"


class PlanOutdated(FatalError):
    """The world moved on since the plan was written; nothing of it was (or will be) sent."""


@dataclass(frozen=True, slots=True)
class PlanStep:
    """What one row will do, and the ledger state it was planned against."""

    row: int
    key: str
    action: str
    payload_hash: str | None
    ledger_version: int | None
    patch: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None

    @classmethod
    def of(cls, planned: PlannedRow) -> PlanStep:
        return cls(row=planned.row.row_number, key=planned.key, action=planned.action.value,
                   payload_hash=planned.row.payload_hash,
                   ledger_version=planned.entry.version if planned.entry else None,
                   patch=list(planned.patch), reason=planned.reason)


@dataclass(frozen=True, slots=True)
class Plan:
    """A reviewed intention: the inputs it was made from and one step per row that will be sent."""

    mapping_path: str
    mapping_checksum: str
    source: str
    source_fingerprint: str
    target: str
    parameters: Mapping[str, Any]
    steps: tuple[PlanStep, ...]
    settled: Mapping[str, int]
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def by_key(self) -> dict[str, PlanStep]:
        return {step.key: step for step in self.steps}

    def action_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for step in self.steps:
            counts[step.action] = counts.get(step.action, 0) + 1
        return counts


def write_plan(plan: Plan, path: Path) -> Path:
    document = {"format": PLAN_FORMAT, **asdict(plan)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def read_plan(path: Path) -> Plan:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"plan file not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{path} is not a plan (invalid JSON: {exc})") from None
    if not isinstance(document, dict) or document.get("format") != PLAN_FORMAT:
        raise ConfigurationError(f"{path} is not a {PLAN_FORMAT} plan")
    try:
        steps = tuple(PlanStep(**step) for step in document["steps"])
        return Plan(
            mapping_path=document["mapping_path"],
            mapping_checksum=document["mapping_checksum"], source=document["source"],
            source_fingerprint=document["source_fingerprint"], target=document["target"],
            parameters=document["parameters"], steps=steps, settled=document["settled"],
            created_at=document["created_at"],
        )
    except (KeyError, TypeError) as exc:
        raise ConfigurationError(f"{path} is not a complete plan: {exc}") from None


def check_inputs(plan: Plan, *, mapping_checksum: str, source_fingerprint: str) -> None:
    """Refuse a plan whose mapping file or source changed since it was written."""
    if plan.mapping_checksum != mapping_checksum:
        raise PlanOutdated(f"the mapping {plan.mapping_path} changed since the plan was made")
    if plan.source_fingerprint != source_fingerprint:
        raise PlanOutdated(f"the source {plan.source} changed since the plan was made")


def differences(expected: Mapping[str, PlanStep], planned: Iterable[PlannedRow]) -> list[str]:
    """How ``planned`` (made now, under the key locks) differs from the reviewed plan."""
    problems: list[str] = []
    for row in planned:
        step = expected.get(row.key)
        now = PlanStep.of(row)
        if step is None:
            if now.action not in ("skip", "hold"):
                problems.append(f"{row.key}: not in the plan, would now {now.action}")
            continue
        if (step.action, step.payload_hash, step.ledger_version, step.patch) != (
                now.action, now.payload_hash, now.ledger_version, now.patch):
            problems.append(f"{row.key}: planned {step.action} at ledger version "
                            f"{step.ledger_version}, now {now.action} at {now.ledger_version}")
    return problems


def refuse_if_different(problems: Sequence[str]) -> None:
    if problems:
        shown = "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)"
                                           if len(problems) > 5 else "")
        raise PlanOutdated(f"the ledger moved on since the plan was made: {shown}")
