"""Hand-made ledger entries, remote referrals and source rows for the pure reconcile tests."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from refsync.ledger import Entry, EntryState
from refsync.reconcile import SourceRow
from refsync.records import RemoteObject, Target

SENT: dict[str, Any] = {
    "name": "Deal", "type": "Independent", "status": "New", "substatus": "Pending",
    "customerProfile": {"name": "Contoso", "address": {"city": "Redmond", "country": "US"}},
    "details": {"dealValue": 1500.0, "currency": "USD",
                "closingDateTime": "2027-06-30T00:00:00Z",
                "requirements": {"solutions": [{"id": "SOL-1"}]}},
    "team": [{"firstName": "Luke", "email": "luke@fabrikam.example"}],
}


def new_id() -> str:
    return str(uuid.uuid4())


def sent(**details: Any) -> dict[str, Any]:
    payload = copy.deepcopy(SENT)
    payload["details"].update(details)
    return payload


def entry(key: str, remote_id: str | None, *, state: EntryState = EntryState.SYNCED,
          status: str | None = "Active", payload: dict[str, Any] | None = None,
          source_id: tuple[Any, ...] | None = None, row_number: int | None = None) -> Entry:
    return Entry(
        target=Target.REFERRAL.value, key=key, state=state, version=1, remote_id=remote_id,
        etag='"e1"', remote_status=status, payload_hash="h-" + key, synced_hash="h-" + key,
        remote_payload=sent() if payload is None else payload, attempts=1, last_error=None,
        intent_at=None, run_id="run-1", source_id=(key,) if source_id is None else source_id,
        row_number=row_number)


def remote(key: str | None, remote_id: str | None = None, *, status: str = "Active",
           substatus: str = "Accepted", direction: str = "Outgoing",
           body: dict[str, Any] | None = None) -> RemoteObject:
    """A referral as the API lists it: what was sent, plus the fields the server adds."""
    rid = remote_id or new_id()
    doc = copy.deepcopy(sent() if body is None else body)
    doc.update(id=rid, eTag='"e2"', status=status, substatus=substatus, direction=direction,
               createdDateTime="2026-11-22T03:00:00.1234567Z",
               engagementId=new_id())
    doc["details"]["closingDateTime"] = "2027-06-30T00:00:00.0000000Z"
    if key is not None:
        doc["externalReferenceId"] = key
    return RemoteObject(id=rid, key=key, etag='"e2"', status=status, body=doc)


def row(key: str, number: int, **details: Any) -> SourceRow:
    payload = sent(**details)
    payload["externalReferenceId"] = key
    return SourceRow(row_number=number, source_id=(number,), payload=payload,
                     payload_hash=f"row-{key}")
