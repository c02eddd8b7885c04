"""prefect.yaml: the deployments people schedule are what the docs promise, and they load."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from prefect import Flow
from prefect.client.schemas.schedules import CronSchedule
from prefect.flows import load_flow_from_entrypoint

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "prefect.yaml").read_text()))


def deployment(project: dict[str, Any], name: str) -> dict[str, Any]:
    found = [d for d in project["deployments"] if d["name"] == name]
    assert len(found) == 1, f"exactly one deployment named {name}"
    return dict(found[0])


def test_the_nightly_sync_runs_at_night_in_a_named_time_zone_on_the_process_pool(
        project: dict[str, Any]) -> None:
    nightly = deployment(project, "nightly-sync")
    assert nightly["entrypoint"] == "flows/sync.py:sync_referrals"
    (schedule,) = nightly["schedules"]
    cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    assert ZoneInfo(cron.timezone or "") is not None
    _minute, hour, *_ = cron.cron.split()
    assert 0 <= int(hour) <= 5  # at night, in the named zone
    assert schedule["active"] is True
    assert nightly["work_pool"]["name"] == "refsync-process"
    assert nightly["concurrency_limit"] == 1  # two nights never overlap
    parameters = nightly["parameters"]
    assert parameters["source"].startswith("env:")  # a secret-bearing URL is never a parameter
    assert (ROOT / parameters["mapping"]).is_file()
    flow: Flow[..., Any] = load_flow_from_entrypoint(str(ROOT / nightly["entrypoint"]))
    assert flow.name == "sync-referrals"
    flow.validate_parameters(parameters)  # raises when a name or a type is wrong


def test_every_deployment_names_a_flow_that_loads_on_the_process_pool(
        project: dict[str, Any]) -> None:
    names = {d["name"] for d in project["deployments"]}
    assert {"nightly-sync", "backfill", "backfill-partition", "reconcile",
            "bulk-invite"} <= names
    for entry in project["deployments"]:
        assert entry["work_pool"]["name"] == "refsync-process", entry["name"]
        path, _, _ = entry["entrypoint"].partition(":")
        assert (ROOT / path).is_file(), entry["entrypoint"]
    reconcile = deployment(project, "reconcile")
    assert reconcile["entrypoint"].startswith("flows/reconcile.py:")
    assert reconcile["schedules"]
    assert reconcile["schedules"][0]["timezone"]
    for manual in ("backfill", "bulk-invite", "backfill-partition"):
        assert deployment(project, manual)["schedules"] == []


def test_the_backfill_fans_out_to_the_partition_deployment_under_a_shared_rate_limit(
        project: dict[str, Any]) -> None:
    backfill = deployment(project, "backfill")
    parameters = backfill["parameters"]
    flow_name, _, deployment_name = parameters["partition_deployment"].partition("/")
    partition = deployment(project, deployment_name)
    assert load_flow_from_entrypoint(str(ROOT / partition["entrypoint"])).name == flow_name
    assert parameters["rate_limit_name"]
    assert parameters["rate_limit_per_s"] > 0
    flow: Flow[..., Any] = load_flow_from_entrypoint(str(ROOT / backfill["entrypoint"]))
    flow.validate_parameters({**parameters, "mapping": "m.yaml", "since": "2024-01-01T00:00:00",
                              "until": "2024-02-01T00:00:00"})
