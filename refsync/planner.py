"""Decide, per mapped row, what to do: a pure function of the row and its ledger entry.

=========  ==========================================================================
action     when
=========  ==========================================================================
create     the key is new, or was rejected on create and its payload has changed
resolve    an earlier create's outcome is unknown (``pending``): look it up first
update     synced (or rejected/conflicting on update) and the payload changed: a JSON Patch
           of only the changed, patchable paths, sent with the last known eTag
skip       the payload hash equals the last synced hash: zero API calls
hold       rejected or conflicting before and unchanged since; a closed deal; or changes
           that no allowed patch path can carry
=========  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from refsync.ledger import Entry, EntryState
from refsync.records import JsonPatch, MappedRow, Outcome


class Action(StrEnum):
    CREATE = "create"
    RESOLVE = "resolve"
    UPDATE = "update"
    SKIP = "skip"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class PlannedRow:
    """A row, its ledger entry as planned from, and the action chosen for it."""

    row: MappedRow
    action: Action
    entry: Entry | None = None
    patch: JsonPatch = field(default_factory=list)
    reason: str | None = None

    @property
    def key(self) -> str:
        assert self.row.key is not None
        return self.row.key


@dataclass(frozen=True, slots=True)
class UpdatePolicy:
    """How a target takes changes.

    ``patchable`` lists the JSON Pointer paths a PATCH may touch (None: objects are never
    updated, e.g. invitations). ``frozen_statuses`` are remote statuses that must never be patched
    (a Closed deal). ``resend`` re-creates an object whose payload changed where updates are
    impossible (re-inviting a guest).
    """

    patchable: frozenset[str] | None = None
    frozen_statuses: frozenset[str] = frozenset()
    resend: bool = False


def plan_row(row: MappedRow, entry: Entry | None, policy: UpdatePolicy) -> PlannedRow:
    """Choose the action for one valid row given its ledger entry (None for a new key)."""
    if entry is None:
        return PlannedRow(row, Action.CREATE)
    if entry.state is EntryState.PENDING:
        return PlannedRow(row, Action.RESOLVE, entry, reason="earlier create outcome unknown")
    if entry.state in (EntryState.REJECTED, EntryState.CONFLICT):
        if row.payload_hash == entry.payload_hash:
            what = "rejected" if entry.state is EntryState.REJECTED else "in conflict"
            detail = f": {entry.last_error}" if entry.last_error else ""
            return PlannedRow(row, Action.HOLD, entry,
                              reason=f"{what} and unchanged since{detail}")
        if entry.remote_id is None:
            return PlannedRow(row, Action.CREATE, entry)
    elif policy.resend and policy.patchable is None:
        return PlannedRow(row, Action.CREATE, entry, reason="resend requested")
    elif row.payload_hash == entry.synced_hash:
        return PlannedRow(row, Action.SKIP, entry)
    return _plan_change(row, entry, policy)


def _plan_change(row: MappedRow, entry: Entry, policy: UpdatePolicy) -> PlannedRow:
    if policy.patchable is None:
        if policy.resend:
            return PlannedRow(row, Action.CREATE, entry, reason="resend requested")
        return PlannedRow(row, Action.SKIP, entry, reason="already sent; resend not requested")
    if entry.remote_status in policy.frozen_statuses:
        return PlannedRow(row, Action.HOLD, entry,
                          reason=f"remote status is {entry.remote_status}; never patched")
    patch, unpatchable = json_patch(entry.remote_payload or {}, row.payload or {},
                                    policy.patchable)
    if not patch:
        paths = ", ".join(unpatchable) or "none"
        return PlannedRow(row, Action.HOLD, entry,
                          reason=f"changed fields cannot be patched: {paths}")
    reason = f"not patchable, left as is: {', '.join(unpatchable)}" if unpatchable else None
    return PlannedRow(row, Action.UPDATE, entry, patch=patch, reason=reason)


def json_patch(old: Mapping[str, Any], new: Mapping[str, Any],
               patchable: Collection[str]) -> tuple[JsonPatch, list[str]]:
    """A JSON Patch (``add``/``replace`` only) from ``old`` to ``new`` over ``patchable`` paths.

    Returns the patch and the paths that changed but that no allowed operation can carry
    (changes outside the allow-list, and removals, which the API does not accept).
    """
    patch: JsonPatch = []
    unpatchable: list[str] = []
    allowed = frozenset(patchable)
    split = [path.split("/") for path in allowed]
    prefixes = frozenset("/".join(parts[:i]) for parts in split for i in range(1, len(parts)))

    def walk(path: str, before: Any, after: Any) -> None:
        if before == after:
            return
        if path in allowed:
            if after is None:
                unpatchable.append(path)
            else:
                op = "add" if before is None else "replace"
                patch.append({"op": op, "path": path, "value": after})
            return
        if path in prefixes and isinstance(before, Mapping | None) and isinstance(after, Mapping):
            old_map: Mapping[str, Any] = before or {}
            for name in sorted(set(old_map) | set(after)):
                walk(f"{path}/{_escape(name)}", old_map.get(name), after.get(name))
            return
        unpatchable.append(path or "/")

    walk("", dict(old), dict(new))
    return patch, unpatchable


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


_OUTCOME_OF_ACTION = {Action.SKIP: Outcome.UNCHANGED, Action.HOLD: Outcome.HELD}


def settled_outcome(planned: PlannedRow) -> Outcome | None:
    """The outcome of a row the plan settles without a request (skip, hold), else None."""
    return _OUTCOME_OF_ACTION.get(planned.action)
