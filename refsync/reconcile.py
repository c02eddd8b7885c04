"""Does Partner Center agree with the ledger and the CRM? A pure comparison, then what to record.

Reconciliation reads every outgoing referral back from the API and sets it beside what refsync
believes (the ledger) and what the CRM holds now (the source rows). Each disagreement becomes a
:class:`Finding` in one :class:`Category`:

================  ==============================================================================
category          when
================  ==============================================================================
missing_remotely  the ledger holds a remote id that the API no longer lists
not_in_ledger     a referral carries an ``externalReferenceId`` no ledger entry knows (created by
                  hand, or by a run whose ledger was lost): adoptable by that key
duplicate         two or more referrals carry the same ``externalReferenceId``
drift             a field refsync last sent differs from what the referral holds now
status_changed    the referral's status is not the one the ledger recorded (a deal closed as Won,
                  Lost, Declined or Expired in Partner Center)
pending           a create whose outcome is unknown; the next sync resolves it
not_synced        a valid source row no ledger entry and no referral knows; the next sync creates it
not_in_source     a ledger entry of this mapping whose key the source no longer holds
================  ==============================================================================

A referral with nothing to say yields no finding; :attr:`Reconciliation.in_sync` counts them.
Everything here is plain data in and plain data out: the flow fetches, this module decides, the
flow records (:func:`ledger_updates`) and writes back (:func:`status_results`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from refsync.ledger import Entry, EntryState, EntryUpdate
from refsync.records import JsonObject, Outcome, RemoteObject, RowResult

CLOSED = "Closed"
"""Partner Center's terminal status; its substatus says how the deal ended."""
DEAL_ENDINGS = ("Won", "Lost", "Declined", "Expired")

# Paths the server sets or moves on by itself: a referral sent New/Pending comes back
# Active/Accepted. Status is reported as its own category, never as drift.
_SERVER_MANAGED = frozenset({"/status", "/substatus"})
# Fields Partner Center adds to every referral; an adopted referral's "last sent" payload is
# what remains without them.
_SERVER_FIELDS = frozenset({
    "id", "eTag", "engagementId", "organizationId", "organizationName", "direction",
    "createdDateTime", "updatedDateTime", "acceptedDateTime", "closedDateTime", "links",
    "@odata.etag",
})


_TIMESTAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})?")


class Category(StrEnum):
    MISSING_REMOTELY = "missing_remotely"
    NOT_IN_LEDGER = "not_in_ledger"
    DUPLICATE = "duplicate"
    DRIFT = "drift"
    STATUS_CHANGED = "status_changed"
    PENDING = "pending"
    NOT_SYNCED = "not_synced"
    NOT_IN_SOURCE = "not_in_source"


@dataclass(frozen=True, slots=True)
class FieldDrift:
    """One JSON Pointer path whose value changed since refsync last sent it."""

    path: str
    sent: Any
    now: Any

    def __str__(self) -> str:
        return f"{self.path}: sent {self.sent!r}, now {self.now!r}"


@dataclass(frozen=True, slots=True)
class SourceRow:
    """What reconciliation needs of one valid source row."""

    row_number: int
    source_id: tuple[Any, ...]
    payload: JsonObject
    payload_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One disagreement about one key."""

    category: Category
    key: str | None
    remote_id: str | None = None
    ledger_state: str | None = None
    ledger_status: str | None = None
    remote_status: str | None = None
    remote_substatus: str | None = None
    drift: tuple[FieldDrift, ...] = ()
    detail: str = ""
    row_number: int | None = None
    source_id: tuple[Any, ...] = ()
    adoptable: bool = False

    @property
    def deal_ending(self) -> str | None:
        """Won/Lost/Declined/Expired for a closed deal, else None."""
        if self.remote_status == CLOSED and self.remote_substatus in DEAL_ENDINGS:
            return self.remote_substatus
        return None


@dataclass(frozen=True, slots=True)
class ClosedDeal:
    """A ledger key whose referral is closed, and how the deal ended."""

    key: str
    remote_id: str
    ending: str
    row_number: int | None
    source_id: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Every finding, the referrals that agree, and the remote objects findings refer to."""

    findings: tuple[Finding, ...]
    in_sync: int
    remote_count: int
    ledger_count: int
    source_count: int | None
    remotes: Mapping[str, RemoteObject] = field(default_factory=dict)
    """Remote objects by id, for findings that lead to a ledger update."""
    closed: tuple[ClosedDeal, ...] = ()
    """Every deal of this mapping that Partner Center holds as Closed, newly or not."""

    @property
    def counts(self) -> dict[str, int]:
        """Findings per category, every category present (zero included), in category order."""
        seen = Counter(f.category for f in self.findings)
        return {c.value: seen.get(c, 0) for c in Category}

    def of(self, category: Category) -> list[Finding]:
        return [f for f in self.findings if f.category is category]


def reconcile(
    remotes: Iterable[RemoteObject],
    entries: Iterable[Entry],
    *,
    source: Mapping[str, SourceRow] | None = None,
    other_keys: Iterable[str] = (),
) -> Reconciliation:
    """Compare the referrals the API lists with the ledger entries of one mapping and its source.

    Args:
        remotes: every referral the API lists (incoming ones are ignored).
        entries: the ledger entries of the mapping being reconciled.
        source: the mapping's valid source rows by key; None when the source was not read
            (then ``not_synced`` and ``not_in_source`` cannot be told).
        other_keys: keys the ledger holds for other mappings of the same target: their referrals
            are someone else's to reconcile, not unknown ones.
    """
    listed = [r for r in remotes if _outgoing(r)]
    by_id = {r.id: r for r in listed}
    by_key: dict[str, list[RemoteObject]] = {}
    for listed_remote in listed:
        if listed_remote.key:
            by_key.setdefault(listed_remote.key, []).append(listed_remote)
    mine = list(entries)
    known = {e.key for e in mine}
    foreign = set(other_keys) - known
    findings: list[Finding] = []
    closed: list[ClosedDeal] = []
    in_sync = 0
    matched: set[str] = set()

    for entry in mine:
        row = source.get(entry.key) if source is not None else None
        remote: RemoteObject | None = by_id.get(entry.remote_id) if entry.remote_id else None
        if remote is not None:
            matched.add(remote.id)
        else:
            # A pending create has no id yet; the key may still find what it made.
            candidates = by_key.get(entry.key, [])
            if entry.remote_id is None and candidates:
                remote = candidates[0]
                matched.add(remote.id)
        entry_findings = _entry_findings(entry, remote, row)
        ending = _ending(remote) if remote is not None else None
        if remote is not None and ending is not None:
            closed.append(ClosedDeal(
                entry.key, remote.id, ending, row.row_number if row else entry.row_number,
                row.source_id if row else entry.source_id))
        if source is not None and row is None:
            entry_findings.append(_finding(Category.NOT_IN_SOURCE, entry, remote, None,
                                           detail="the source no longer holds this key"))
        findings.extend(entry_findings)
        if not entry_findings:
            in_sync += 1

    for key, group in sorted(by_key.items()):
        if len(group) > 1:
            ids = ", ".join(r.id for r in group)
            findings.append(Finding(
                Category.DUPLICATE, key, remote_id=group[0].id,
                remote_status=group[0].status, remote_substatus=_substatus(group[0]),
                detail=f"{len(group)} referrals carry this key: {ids}"))

    ledger_ids = {e.key: e.remote_id for e in mine}
    for other in listed:
        if other.id in matched or (other.key is not None and other.key in foreign):
            continue
        row = source.get(other.key) if source is not None and other.key else None
        adoptable = (other.key is not None and other.key not in known
                     and not _is_later_duplicate(other, by_key))
        if other.key is None:
            detail = "no externalReferenceId: not refsync's to adopt"
        elif other.key in known:
            detail = (f"the ledger records referral {ledger_ids[other.key] or 'none'} for this "
                      "key: not adopted")
        elif adoptable:
            detail = ("created outside refsync or by a run whose ledger was lost; "
                      "adoptable by externalReferenceId")
        else:
            detail = "a later duplicate of this key: not adoptable"
        findings.append(Finding(
            Category.NOT_IN_LEDGER, other.key, remote_id=other.id, remote_status=other.status,
            remote_substatus=_substatus(other), detail=detail,
            row_number=row.row_number if row else None, source_id=row.source_id if row else (),
            adoptable=adoptable))

    if source is not None:
        for key, row in source.items():
            if key in known or key in by_key or key in foreign:
                continue
            findings.append(Finding(Category.NOT_SYNCED, key, row_number=row.row_number,
                                    source_id=row.source_id,
                                    detail="not sent yet; the next sync creates it"))

    return Reconciliation(
        findings=tuple(findings), in_sync=in_sync, remote_count=len(listed),
        ledger_count=len(mine), source_count=None if source is None else len(source),
        remotes=by_id, closed=tuple(closed))


def _entry_findings(entry: Entry, remote: RemoteObject | None,
                    row: SourceRow | None) -> list[Finding]:
    if entry.state is EntryState.PENDING:
        where = (f"referral {remote.id} carries this key; the next sync adopts it" if remote
                 else "not found remotely; the next sync creates it")
        return [_finding(Category.PENDING, entry, remote, row,
                         detail=f"create outcome unknown: {where}")]
    if remote is None:
        if entry.remote_id is None:
            return []  # rejected before it was ever created: the sync report lists it
        return [_finding(Category.MISSING_REMOTELY, entry, None, row,
                         detail=f"the ledger records referral {entry.remote_id}; "
                                "the API does not list it")]
    found: list[Finding] = []
    if remote.status != entry.remote_status:
        ending = _substatus(remote) if remote.status == CLOSED else None
        what = (f"closed as {ending} in Partner Center" if ending
                else f"status {entry.remote_status or 'unknown'} -> {remote.status}")
        found.append(_finding(Category.STATUS_CHANGED, entry, remote, row, detail=what))
    drift = field_drift(entry.remote_payload or {}, remote.body)
    if drift:
        found.append(_finding(Category.DRIFT, entry, remote, row, drift=drift,
                              detail="; ".join(str(d) for d in drift)))
    return found


def _finding(category: Category, entry: Entry, remote: RemoteObject | None,
             row: SourceRow | None, *, detail: str,
             drift: tuple[FieldDrift, ...] = ()) -> Finding:
    return Finding(
        category, entry.key,
        remote_id=remote.id if remote else entry.remote_id,
        ledger_state=entry.state.value, ledger_status=entry.remote_status,
        remote_status=remote.status if remote else None,
        remote_substatus=_substatus(remote) if remote else None,
        drift=drift, detail=detail,
        row_number=row.row_number if row else entry.row_number,
        source_id=row.source_id if row else entry.source_id)


def field_drift(sent: Mapping[str, Any], now: Mapping[str, Any]) -> tuple[FieldDrift, ...]:
    """Every leaf of ``sent`` whose value ``now`` no longer holds (JSON Pointer paths).

    Only what refsync sent is compared: fields the server adds are not drift, and the status
    pair moves on by itself. Numbers compare by value (``15000`` equals ``15000.0``) and
    timestamps by instant (the API writes seven fractional digits).
    """
    out: list[FieldDrift] = []

    def walk(path: str, before: Any, after: Any) -> None:
        if path in _SERVER_MANAGED:
            return
        if isinstance(before, Mapping):
            after_map = after if isinstance(after, Mapping) else {}
            lowered = {str(k).lower(): v for k, v in after_map.items()}
            for name, value in before.items():
                walk(f"{path}/{_escape(str(name))}", value,
                     after_map.get(name, lowered.get(str(name).lower())))
            return
        if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
            for index, (b, a) in enumerate(zip(before, after, strict=True)):
                walk(f"{path}/{index}", b, a)
            return
        if not _same(before, after):
            out.append(FieldDrift(path or "/", before, after))

    walk("", dict(sent), dict(now))
    return tuple(out)


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, bool) or isinstance(after, bool):  # True == 1 in Python, not in JSON
        return type(before) is type(after) and before == after
    if before == after:
        return True
    if isinstance(before, int | float) and isinstance(after, int | float):
        return float(before) == float(after)
    if isinstance(before, str) and isinstance(after, str):
        first, second = _instant(before), _instant(after)
        return first is not None and first == second
    return False


def _instant(text: str) -> datetime | None:
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    head, fraction, zone = match.groups()
    zone = "+00:00" if zone in ("Z", "z") else zone
    # Python reads at most six fractional digits; the API writes seven.
    try:
        return datetime.fromisoformat(f"{head}.{(fraction or '0')[:6]}{zone or ''}")
    except ValueError:
        return None


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _outgoing(remote: RemoteObject) -> bool:
    direction = remote.body.get("direction")
    return direction is None or str(direction).casefold() == "outgoing"


def _ending(remote: RemoteObject) -> str | None:
    substatus = _substatus(remote)
    return substatus if remote.status == CLOSED and substatus in DEAL_ENDINGS else None


def _substatus(remote: RemoteObject) -> str | None:
    value = remote.body.get("substatus")
    return None if value is None else str(value)


def _is_later_duplicate(remote: RemoteObject, by_key: Mapping[str, Sequence[RemoteObject]]
                        ) -> bool:
    group = by_key.get(remote.key or "", ())
    return len(group) > 1 and group[0].id != remote.id


def adopted_payload(remote: RemoteObject, row: SourceRow | None) -> JsonObject:
    """What an adopted referral counts as "last sent": its body without server fields.

    With the source row at hand, only the paths the mapping produces are kept, and the status
    pair is the row's (the server moves it on by itself), so that the next sync patches exactly
    the fields the CRM and the referral disagree on.
    """
    body = {k: v for k, v in remote.body.items() if k not in _SERVER_FIELDS}
    if row is None:
        return body
    projected = _project(body, row.payload)
    for name in ("status", "substatus"):
        if name in row.payload:
            projected[name] = row.payload[name]
    return projected


def _project(body: Mapping[str, Any], shape: Mapping[str, Any]) -> JsonObject:
    out: JsonObject = {}
    for name, value in shape.items():
        if name not in body:
            continue
        if isinstance(value, Mapping) and isinstance(body[name], Mapping):
            out[name] = _project(body[name], value)
        else:
            out[name] = body[name]
    return out


def ledger_updates(result: Reconciliation, *, adopt: bool,
                   source: Mapping[str, SourceRow] | None = None) -> list[EntryUpdate]:
    """What the ledger should learn from a reconciliation.

    * a status changed in Partner Center is recorded (remote status and eTag), so that the
      planner holds a Closed deal instead of patching it;
    * with ``adopt``, each adoptable referral becomes a synced entry of its key. When it already
      says what the source row says, the row's hash is recorded and the next sync skips it;
      otherwise the next sync patches the differences.
    """
    updates: list[EntryUpdate] = []
    for finding in result.of(Category.STATUS_CHANGED):
        remote = result.remotes.get(finding.remote_id or "")
        if remote is None or finding.key is None or finding.ledger_state is None:
            continue
        updates.append(EntryUpdate(finding.key, EntryState(finding.ledger_state), remote=remote,
                                   attempts=0, error=None))
    if adopt:
        for finding in result.of(Category.NOT_IN_LEDGER):
            remote = result.remotes.get(finding.remote_id or "")
            if not finding.adoptable or remote is None or finding.key is None:
                continue
            row = source.get(finding.key) if source is not None else None
            # The row's hash is recorded as synced only when the referral already says what
            # the row says; otherwise the next sync patches the difference.
            agrees = row is not None and not field_drift(row.payload, remote.body)
            updates.append(EntryUpdate(
                finding.key, EntryState.SYNCED, payload=adopted_payload(remote, row),
                payload_hash=row.payload_hash if row is not None and agrees else None,
                remote=remote, attempts=0, row_number=row.row_number if row else None,
                source_id=row.source_id if row else ()))
    return updates


def status_results(result: Reconciliation, *, adopt: bool = False) -> list[RowResult]:
    """What a reconciliation writes back to the CRM: one result per row it knows more about.

    * every closed deal with a source id, its ending (Won, Lost, Declined, Expired) in
      ``remote_status``; not only the newly closed ones, so that a write-back that failed last
      time is made good by the next reconciliation;
    * with ``adopt``, every adopted referral whose source row was read: the CRM learns its id
      now, not at the next sync, with the ending when the deal is already closed (None when it
      is open, which erases no ending: see :mod:`connectors.writeback.sql`).

    The write-back takes the referral id and the ending from these, nothing else: the outcome
    here (``unchanged``) is not a sync's and never reaches the status column.
    """
    results = [
        RowResult(row_number=deal.row_number or 0, key=deal.key, outcome=Outcome.UNCHANGED,
                  remote_id=deal.remote_id, remote_status=deal.ending, source_id=deal.source_id)
        for deal in result.closed if deal.source_id
    ]
    if adopt:
        for finding in result.of(Category.NOT_IN_LEDGER):
            remote = result.remotes.get(finding.remote_id or "")
            if not finding.adoptable or remote is None or not finding.source_id:
                continue
            results.append(RowResult(
                row_number=finding.row_number or 0, key=finding.key, outcome=Outcome.UNCHANGED,
                remote_id=remote.id, remote_status=_ending(remote), source_id=finding.source_id))
    return results


_OUTCOME_OF_STATE = {
    EntryState.SYNCED: Outcome.UNCHANGED,
    EntryState.REJECTED: Outcome.REJECTED,
    EntryState.CONFLICT: Outcome.CONFLICT,
    EntryState.PENDING: Outcome.FAILED,
}


def replayed_results(entries: Iterable[Entry],
                     last_events: Mapping[str, Mapping[str, Any] | None]) -> list[RowResult]:
    """One :class:`RowResult` per ledger entry that names its source row, for a replay.

    The outcome is the key's last recorded event (created, updated, rejected, ...), which is
    what the write-back of the run that last changed the key said; a key without events gets
    the outcome its state implies. Entries with neither a row number nor a source id (adopted
    referrals no source row was found for) have nowhere to go and are left out.
    """
    results: list[RowResult] = []
    for entry in entries:
        if entry.row_number is None and not entry.source_id:
            continue
        event = last_events.get(entry.key)
        outcome = _OUTCOME_OF_STATE[entry.state]
        synced_at: datetime | None = None
        error = entry.last_error
        if event is not None:
            outcome = Outcome(event["outcome"])
            if outcome in (Outcome.CREATED, Outcome.UPDATED):
                synced_at = event["at"]
            error = error or event.get("error")
        results.append(RowResult(
            row_number=entry.row_number or 0, key=entry.key, outcome=outcome,
            remote_id=entry.remote_id, remote_status=entry.remote_status, error=error,
            synced_at=synced_at, source_id=entry.source_id))
    return results
