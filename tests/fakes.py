"""Hand-written fakes of the connectors, for testing the core without network or files."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from refsync.errors import ConflictError, RefsyncError, RejectedError, UncertainOutcome
from refsync.hashing import payload_hash
from refsync.records import FieldError, JsonPatch, MappedRow, RemoteObject

PATCHABLE = frozenset({"/details/dealValue", "/details/notes", "/status"})


class FakeMapper:
    """Maps columns ``key``, ``value`` (and optional ``notes``) to a tiny referral payload."""

    name = "fake"
    checksum = "0" * 64

    def map_frame(self, frame: pd.DataFrame) -> list[MappedRow]:
        rows = []
        for number, record in frame.iterrows():
            key = record.get("key")
            value = record.get("value")
            if value is None or value == "bad":
                rows.append(MappedRow(int(number), key, None, None,
                                      (FieldError("not a number", column="value",
                                                  value=str(value)),)))
                continue
            payload = {"externalReferenceId": key,
                       "details": {"dealValue": value, "notes": record.get("notes", "")}}
            rows.append(MappedRow(int(number), key, payload, payload_hash(payload),
                                  source_id=(key,)))
        return rows


def frame(*rows: tuple[Any, ...], first_row: int = 2) -> pd.DataFrame:
    columns = ["key", "value", "notes"][: len(rows[0])] if rows else ["key", "value"]
    index = range(first_row, first_row + len(rows))
    return pd.DataFrame(list(rows), columns=columns, index=index)


class FakeDestination:
    """An in-memory Partner Center with scripted faults.

    ``faults[key]`` is a list of what to do on the next calls for that key: an exception to raise
    before anything happens, or ``("commit", exc)`` to store the object and then raise (a dropped
    connection after the server committed).
    """

    target = "partner_center.referral"

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.faults: dict[str, list[Any]] = {}
        self.calls: list[tuple[str, str]] = []

    def _fault(self, key: str) -> Any:
        queue = self.faults.get(key)
        return queue.pop(0) if queue else None

    def _remote(self, obj: dict[str, Any]) -> RemoteObject:
        return RemoteObject(id=obj["id"], key=obj["externalReferenceId"], etag=obj["eTag"],
                            status=obj["status"], body=dict(obj), request_id="req-" + obj["id"])

    async def create(self, payload: Mapping[str, Any]) -> RemoteObject:
        key = str(payload["externalReferenceId"])
        self.calls.append(("create", key))
        fault = self._fault(key)
        if isinstance(fault, RefsyncError):
            raise fault
        if payload.get("details", {}).get("dealValue") == -1:
            raise RejectedError("dealValue must be positive", status=400,
                                code="invalidRequest", target="details.dealValue")
        obj = {**payload, "id": uuid.uuid4().hex, "eTag": uuid.uuid4().hex, "status": "Active",
               "createdDateTime": datetime.now(UTC)}
        self.objects[obj["id"]] = obj
        if isinstance(fault, tuple):
            raise fault[1]
        return self._remote(obj)

    async def resolve(self, keys: Collection[str], since: datetime) -> dict[str, RemoteObject]:
        self.calls.append(("resolve", ",".join(sorted(keys))))
        return {obj["externalReferenceId"]: self._remote(obj) for obj in self.objects.values()
                if obj["externalReferenceId"] in keys and obj["createdDateTime"] >= since}

    async def get(self, remote_id: str) -> RemoteObject:
        self.calls.append(("get", remote_id))
        return self._remote(self.objects[remote_id])

    async def update(self, remote_id: str, patch: JsonPatch, *, etag: str | None) -> RemoteObject:
        obj = self.objects[remote_id]
        self.calls.append(("update", obj["externalReferenceId"]))
        if etag is not None and etag != obj["eTag"]:
            raise ConflictError("precondition failed", remote_id=remote_id)
        for op in patch:
            node = obj
            *parents, leaf = op["path"].strip("/").split("/")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = op["value"]
        obj["eTag"] = uuid.uuid4().hex
        return self._remote(obj)

    def keys(self) -> list[str]:
        return sorted(obj["externalReferenceId"] for obj in self.objects.values())

    def edit(self, key: str, **changes: Any) -> None:
        """Change a deal as a person in Partner Center would (new eTag)."""
        obj = next(o for o in self.objects.values() if o["externalReferenceId"] == key)
        obj.update(changes)
        obj["eTag"] = uuid.uuid4().hex


def uncertain() -> UncertainOutcome:
    return UncertainOutcome("connection dropped after sending")
