"""The planner as a pure function: rows and ledger entries in, actions out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from refsync.hashing import payload_hash
from refsync.ledger import Entry, EntryState
from refsync.planner import Action, UpdatePolicy, json_patch, plan_row
from refsync.records import MappedRow

pytestmark = pytest.mark.unit

REFERRALS = UpdatePolicy(patchable=frozenset({"/details/dealValue", "/team", "/status"}),
                         frozen_statuses=frozenset({"Closed"}))
INVITES = UpdatePolicy()


def row(**payload: Any) -> MappedRow:
    return MappedRow(2, "K", payload, payload_hash(payload))


def entry(state: EntryState, payload: dict[str, Any] | None = None, *,
          status: str | None = "Active", remote_id: str | None = "r1",
          last_hash: str | None = None) -> Entry:
    body = payload or {}
    digest = payload_hash(body)
    return Entry(target="t", key="K", state=state, version=3, remote_id=remote_id, etag='"e"',
                 remote_status=status, payload_hash=last_hash or digest,
                 synced_hash=digest if state is EntryState.SYNCED else None,
                 remote_payload=body, attempts=1, last_error="boom",
                 intent_at=datetime(2026, 1, 1, tzinfo=UTC), run_id="r", source_id=(),
                 row_number=2)


def test_new_keys_are_created_and_pending_ones_resolved_first() -> None:
    assert plan_row(row(a=1), None, REFERRALS).action is Action.CREATE
    assert plan_row(row(a=1), entry(EntryState.PENDING), REFERRALS).action is Action.RESOLVE


def test_unchanged_rows_are_skipped() -> None:
    details = {"dealValue": 5}
    assert plan_row(row(details=details), entry(EntryState.SYNCED, {"details": details}),
                    REFERRALS).action is Action.SKIP


def test_changed_rows_get_a_patch_of_the_changed_patchable_paths_only() -> None:
    planned = plan_row(row(details={"dealValue": 9}, name="new"),
                       entry(EntryState.SYNCED, {"details": {"dealValue": 5}, "name": "old"}),
                       REFERRALS)
    assert planned.action is Action.UPDATE
    assert planned.patch == [{"op": "replace", "path": "/details/dealValue", "value": 9}]
    assert planned.reason is not None
    assert "/name" in planned.reason


def test_changes_no_patch_can_carry_are_held() -> None:
    planned = plan_row(row(name="new"), entry(EntryState.SYNCED, {"name": "old"}), REFERRALS)
    assert planned.action is Action.HOLD


def test_closed_deals_are_held() -> None:
    planned = plan_row(row(details={"dealValue": 9}),
                       entry(EntryState.SYNCED, {"details": {"dealValue": 5}}, status="Closed"),
                       REFERRALS)
    assert planned.action is Action.HOLD


def test_rejected_rows_are_held_until_they_change() -> None:
    rejected = entry(EntryState.REJECTED, {"a": 1}, remote_id=None)
    assert plan_row(row(a=1), rejected, REFERRALS).action is Action.HOLD
    assert plan_row(row(a=2), rejected, REFERRALS).action is Action.CREATE


def test_invitations_are_not_resent_unless_asked() -> None:
    sent = entry(EntryState.SYNCED, {"invitedUserEmailAddress": "a@b.c"})
    assert plan_row(row(invitedUserEmailAddress="a@b.c"), sent, INVITES).action is Action.SKIP
    resend = UpdatePolicy(resend=True)
    assert plan_row(row(invitedUserEmailAddress="a@b.c"), sent, resend).action is Action.CREATE


def test_json_patch_adds_missing_and_never_removes() -> None:
    patch, unpatchable = json_patch({"team": [1], "status": "New"}, {"team": [1, 2]},
                                    ["/team", "/status"])
    assert patch == [{"op": "replace", "path": "/team", "value": [1, 2]}]
    assert unpatchable == ["/status"]
    patch, _ = json_patch({}, {"details": {"dealValue": 3}}, ["/details/dealValue"])
    assert patch == [{"op": "add", "path": "/details/dealValue", "value": 3}]
