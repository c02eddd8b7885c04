"""Register the deployments of ``prefect.yaml`` with a Prefect server.

``prefect deploy`` is the usual way. This module does the same for the parts refsync uses
(entrypoint, work pool, parameters, cron schedules, tags, concurrency limit, the working directory
as pull step) without prompts and without a check that fails on some servers: Prefect 3.8.8's
``prefect deploy`` asks the server for the pool's online workers with ``limit: null``, which a
server running FastAPI 0.154 refuses (422). Run it from the checkout the workers use::

    python -m flows.deployments                       # every deployment in prefect.yaml
    python -m flows.deployments backfill backfill-partition
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import DeploymentScheduleCreate
from prefect.client.schemas.schedules import CronSchedule
from prefect.flows import load_flow_from_entrypoint
from prefect.utilities.callables import parameter_schema

from refsync.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]


def read_project(path: Path) -> list[dict[str, Any]]:
    """The ``deployments:`` of a prefect.yaml (anchors resolved by the YAML loader)."""
    try:
        project = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from exc
    deployments = project.get("deployments") if isinstance(project, dict) else None
    if not isinstance(deployments, list):
        raise ConfigurationError(f"{path} has no deployments: list")
    return [dict(d) for d in deployments]


async def apply_deployments(path: Path = ROOT / "prefect.yaml",
                            names: Sequence[str] = (), *,
                            working_directory: Path = ROOT) -> dict[str, UUID]:
    """Create or update the named deployments (all when ``names`` is empty); their ids."""
    entries = read_project(path)
    unknown = set(names) - {d["name"] for d in entries}
    if unknown:
        raise ConfigurationError(f"{path} has no deployment named {', '.join(sorted(unknown))}")
    chosen = [d for d in entries if not names or d["name"] in names]
    created: dict[str, UUID] = {}
    async with get_client() as client:
        for entry in chosen:
            where = str(working_directory / entry["entrypoint"])
            flow: Flow[..., Any] = load_flow_from_entrypoint(where)
            flow_id = await client.create_flow_from_name(flow.name)
            pool = entry.get("work_pool") or {}
            schedules = [
                DeploymentScheduleCreate(
                    schedule=CronSchedule(cron=s["cron"], timezone=s.get("timezone")),
                    active=s.get("active", True))
                for s in entry.get("schedules") or []
            ]
            created[entry["name"]] = await client.create_deployment(
                flow_id=flow_id, name=entry["name"], entrypoint=entry["entrypoint"],
                description=entry.get("description"), tags=entry.get("tags") or [],
                parameters=entry.get("parameters") or {},
                parameter_openapi_schema=parameter_schema(flow.fn).model_dump_for_openapi(),
                enforce_parameter_schema=True, schedules=schedules,
                concurrency_limit=entry.get("concurrency_limit"),
                work_pool_name=pool.get("name"), work_queue_name=pool.get("work_queue_name"),
                job_variables=pool.get("job_variables") or {},
                pull_steps=[{"prefect.deployments.steps.set_working_directory": {
                    "directory": str(working_directory)}}],
            )
    return created


def main(argv: Sequence[str] | None = None) -> int:
    names = list(sys.argv[1:] if argv is None else argv)
    for name, deployment_id in asyncio.run(apply_deployments(names=names)).items():
        print(f"deployed {name} ({deployment_id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
