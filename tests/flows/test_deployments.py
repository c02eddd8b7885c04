"""``python -m flows.deployments`` registers prefect.yaml's deployments as written there."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.schedules import CronSchedule
from prefect.exceptions import ObjectAlreadyExists

from flows.deployments import apply_deployments
from refsync.errors import ConfigurationError

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.anyio
async def test_the_nightly_deployment_arrives_with_its_schedule_pool_and_parameters() -> None:
    async with get_client() as client:
        with contextlib.suppress(ObjectAlreadyExists):
            await client.create_work_pool(WorkPoolCreate(name="refsync-process", type="process"))
    ids = await apply_deployments(names=["nightly-sync", "backfill-partition"])
    assert set(ids) == {"nightly-sync", "backfill-partition"}
    async with get_client() as client:
        nightly = await client.read_deployment(ids["nightly-sync"])
    assert nightly.work_pool_name == "refsync-process"
    assert nightly.entrypoint == "flows/sync.py:sync_referrals"
    assert nightly.parameters["source"] == "env:REFSYNC_NIGHTLY_SOURCE"
    (schedule,) = nightly.schedules
    assert isinstance(schedule.schedule, CronSchedule)
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 1 * * *",
                                                                     "Europe/Berlin")
    assert nightly.pull_steps == [{"prefect.deployments.steps.set_working_directory": {
        "directory": str(ROOT)}}]
    assert nightly.enforce_parameter_schema


@pytest.mark.anyio
async def test_an_unknown_deployment_name_is_refused_before_anything_is_registered() -> None:
    with pytest.raises(ConfigurationError, match="no deployment named nightly-typo"):
        await apply_deployments(names=["nightly-typo"])
