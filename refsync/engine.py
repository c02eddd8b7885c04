"""One sync run, chunk by chunk: map, dedupe, lock, plan, resolve, send, record.

This is the idempotency protocol of DESIGN.md in code:

1. every key of a chunk is locked (another worker's keys are deferred to the end of the run);
2. ledger entries are read *after* locking, and each row is planned against its entry;
3. the intents of all creates are committed (``pending``) before any is sent;
4. an uncertain create (timeout, dropped connection, 5xx) is never resent blindly: the keys are
   resolved by listing what was created since the intent, matched on the client, adopted when
   found and re-created only when not;
5. the outcomes of the chunk are committed in one transaction, then the locks are released.

Every input row leaves :meth:`SyncRun.process` with exactly one :class:`RowResult`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import pandas as pd

from refsync.errors import ConflictError, RefsyncError, RejectedError, UncertainOutcome
from refsync.executor import AdaptiveLimiter, Attempted, RetryBudget, RetryPolicy, execute
from refsync.ledger import Entry, EntryState, EntryUpdate, Intent, Ledger, RunStamp
from refsync.ledger.locks import KeyLocks
from refsync.planner import Action, PlannedRow, UpdatePolicy, plan_row, settled_outcome
from refsync.plans import PlanStep, differences, refuse_if_different
from refsync.protocols import Destination, Updatable
from refsync.records import MappedRow, Outcome, RemoteObject, RowResult
from refsync.secrets import redact


class RowMapper(Protocol):
    """What the engine needs of a compiled mapping."""

    @property
    def checksum(self) -> str: ...

    def map_frame(self, frame: pd.DataFrame) -> list[MappedRow]: ...


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Knobs of one run; defaults suit a nightly run against Partner Center."""

    max_concurrency: int = 8
    requests_per_second: float | None = None
    retry_budget: int = 1000
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    resolve_rounds: int = 3
    lock_wait_s: float = 300.0
    resend: bool = False
    gate: Callable[[], Awaitable[None]] | None = None
    """Awaited before every request: a rate limit shared by all workers (see flows/)."""


@dataclass
class _Resolution:
    """Rows settled by a lookup (adopted or failed) and rows to create again."""

    results: list[RowResult] = field(default_factory=list)
    updates: list[EntryUpdate] = field(default_factory=list)
    recreate: list[PlannedRow] = field(default_factory=list)


class SyncRun:
    """The state of one run: seen keys, deferred rows, the limiter, the retry budget."""

    def __init__(
        self,
        *,
        mapper: RowMapper,
        mapping_name: str,
        destination: Destination,
        ledger: Ledger,
        locks: KeyLocks,
        policy: UpdatePolicy,
        options: RunOptions = RunOptions(),
        run_id: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        known_secrets: Sequence[str] = (),
        expected_plan: Mapping[str, PlanStep] | None = None,
    ) -> None:
        self.run_id = run_id or uuid.uuid4().hex
        self.target = destination.target
        self.mapper = mapper
        self.destination = destination
        self.ledger = ledger
        self.locks = locks
        self.policy = replace(policy, resend=options.resend or policy.resend)
        self.options = options
        self.stamp = RunStamp(self.run_id, mapping_name, mapper.checksum)
        self.limiter = AdaptiveLimiter(options.max_concurrency,
                                       requests_per_second=options.requests_per_second,
                                       gate=options.gate)
        self.budget = RetryBudget(options.retry_budget)
        self._clock = clock
        self._secrets = tuple(known_secrets)
        self._seen: dict[str, int] = {}
        self._preview_seen: dict[str, int] = {}
        self._deferred: list[MappedRow] = []
        self._unresolved: list[MappedRow] = []
        self._intent_at = clock()
        self._expected = expected_plan
        self.requests_sent = 0

    # -- public --------------------------------------------------------------------------------

    async def process(self, frame: pd.DataFrame) -> list[RowResult]:
        """Sync one chunk of source rows; returns a result for every row except deferred ones.

        Rows whose key another worker holds are deferred to :meth:`finish`.
        """
        results: list[RowResult] = []
        candidates: list[MappedRow] = []
        for row in self.mapper.map_frame(frame):
            settled = self._screen(row, self._seen)
            if settled is None:
                candidates.append(row)
            else:
                results.append(settled)
        keys = [row.key for row in candidates if row.key is not None]
        held = self.locks.try_acquire(keys)
        try:
            mine = [row for row in candidates if row.key in held]
            self._deferred.extend(row for row in candidates if row.key not in held)
            results.extend(await self._sync(mine))
        finally:
            self.locks.release(held)
        return results

    def preview(self, frame: pd.DataFrame) -> tuple[list[RowResult], list[PlannedRow]]:
        """Plan one chunk without locking, sending or writing: for ``--plan`` and reviews.

        Returns the rows settled without the ledger (filtered, invalid, duplicate) and the plan
        of every other row.
        """
        settled: list[RowResult] = []
        candidates: list[MappedRow] = []
        for row in self.mapper.map_frame(frame):
            result = self._screen(row, self._preview_seen)
            if result is None:
                candidates.append(row)
            else:
                settled.append(result)
        entries = self.ledger.entries(self.target, [r.key for r in candidates if r.key])
        return settled, [plan_row(r, entries.get(r.key or ""), self.policy) for r in candidates]

    async def finish(self) -> list[RowResult]:
        """Settle what the chunks left: uncertain creates, and keys other workers held.

        Uncertain creates of the whole run are looked up together here, with one listing of
        what was created since the earliest of them, instead of one listing per chunk. Their
        keys, and those another worker held, are locked again (waiting this time) and planned
        afresh, since the ledger may have moved on meanwhile.
        """
        rows = self._deferred + self._unresolved
        self._deferred, self._unresolved = [], []
        if not rows:
            return []
        keys = [row.key for row in rows if row.key is not None]
        held = self.locks.acquire(keys, self.options.lock_wait_s)
        try:
            results = await self._sync([row for row in rows if row.key in held],
                                       settle_uncertain=True)
        finally:
            self.locks.release(held)
        results.extend(
            self._result(row, Outcome.FAILED, error="another worker held this key too long")
            for row in rows if row.key not in held
        )
        return results

    # -- stages --------------------------------------------------------------------------------

    def _screen(self, row: MappedRow, seen: dict[str, int]) -> RowResult | None:
        """Settle rows that never reach the ledger: filtered, invalid, duplicate keys."""
        if row.filtered:
            return self._result(row, Outcome.FILTERED)
        if not row.is_valid or row.key is None:
            message = "; ".join(str(e) for e in row.errors) or "no key"
            return self._result(row, Outcome.INVALID, error=message)
        first = seen.setdefault(row.key, row.row_number)
        if first != row.row_number:
            return self._result(row, Outcome.DUPLICATE,
                                error=f"key {row.key!r} already on row {first}; sent once")
        return None

    async def _sync(self, rows: list[MappedRow], *, settle_uncertain: bool = False
                    ) -> list[RowResult]:
        """Plan and send ``rows`` (their keys held). Uncertain creates are left to
        :meth:`finish` unless ``settle_uncertain``."""
        if not rows:
            return []
        entries = self.ledger.entries(self.target, [r.key for r in rows if r.key])
        planned = [plan_row(row, entries.get(row.key or ""), self.policy) for row in rows]
        if self._expected is not None:
            refuse_if_different(differences(self._expected, planned))
        results: list[RowResult] = []
        updates: list[EntryUpdate] = []
        sends: list[PlannedRow] = []
        to_resolve: list[PlannedRow] = []
        for item in planned:
            outcome = settled_outcome(item)
            if outcome is not None:
                results.append(self._result(item.row, outcome, entry=item.entry,
                                            error=item.reason if outcome is Outcome.HELD
                                            else None))
            elif item.action is Action.RESOLVE:
                if settle_uncertain:
                    to_resolve.append(item)
                else:
                    self._unresolved.append(item.row)
            else:
                sends.append(item)
        resolution = await self._resolve(to_resolve)
        results.extend(resolution.results)
        updates.extend(resolution.updates)
        sends.extend(resolution.recreate)
        sent_results, sent_updates = await self._send(sends, settle_uncertain=settle_uncertain)
        results.extend(sent_results)
        updates.extend(sent_updates)
        now = self._clock()
        with self.ledger.unit() as unit:
            unit.record(self.target, updates, stamp=self.stamp, at=now)
            unit.add_events(self.target, self.run_id, results, at=now)
        return results

    async def _resolve(self, items: list[PlannedRow]) -> _Resolution:
        """Look up pending creates remotely: adopt what exists, return the rest to re-create.

        The lookup is retried like any request; if it keeps failing, the rows stay ``pending``
        and are reported failed, to be resolved by the next run (never re-created blindly).
        """
        resolution = _Resolution()
        if not items:
            return resolution
        intents = [i.entry.intent_at for i in items if i.entry and i.entry.intent_at]
        # The destination widens the window by its own allowance for the remote clock.
        since = min(intents, default=self._clock())
        keys = [i.key for i in items]
        (lookup,) = await execute([keys], lambda k: self.destination.resolve(k, since),
                                  limiter=self.limiter, budget=self.budget,
                                  policy=self.options.retry_policy)
        self.requests_sent += lookup.attempts
        if lookup.error is not None:
            message = f"could not resolve an earlier create: {self._message(lookup.error)}"
            for item in items:
                resolution.results.append(self._result(item.row, Outcome.FAILED, error=message))
                resolution.updates.append(EntryUpdate(item.key, EntryState.PENDING,
                                                      payload_hash=item.row.payload_hash,
                                                      error=message, attempts=0))
            return resolution
        found = lookup.result or {}
        for item in items:
            remote = found.get(item.key)
            if remote is None:
                resolution.recreate.append(replace(item, action=Action.CREATE))
                continue
            assert item.entry is not None
            resolution.updates.append(EntryUpdate(
                item.key, EntryState.SYNCED, payload_hash=item.entry.payload_hash, remote=remote,
                attempts=0, row_number=item.row.row_number, source_id=item.row.source_id))
            resolution.results.append(self._result(item.row, Outcome.CREATED, remote=remote))
        return resolution

    async def _send(self, items: list[PlannedRow], *, settle_uncertain: bool
                    ) -> tuple[list[RowResult], list[EntryUpdate]]:
        """Send creates and updates; resolve uncertain creates between rounds, or leave them
        (still ``pending``) to :meth:`finish`."""
        results: list[RowResult] = []
        updates: list[EntryUpdate] = []
        pending = items
        for round_number in range(1, self.options.resolve_rounds + 1):
            creates = [i for i in pending if i.action is Action.CREATE]
            self._commit_intents(creates)
            attempts = await execute(pending, self._send_one, limiter=self.limiter,
                                     budget=self.budget, policy=self.options.retry_policy)
            self.requests_sent += sum(a.attempts for a in attempts)
            uncertain: list[PlannedRow] = []
            for attempt in attempts:
                item = attempt.item
                if isinstance(attempt.error, UncertainOutcome) and item.action is Action.CREATE:
                    uncertain.append(item)
                    continue
                result, update = await self._settle(attempt)
                results.append(result)
                updates.append(update)
            if not uncertain:
                return results, updates
            if not settle_uncertain:
                self._unresolved.extend(item.row for item in uncertain)
                return results, updates
            resolution = await self._resolve(
                [replace(i, entry=self._pending_entry(i)) for i in uncertain])
            results.extend(resolution.results)
            updates.extend(resolution.updates)
            pending = resolution.recreate
            if not pending or round_number == self.options.resolve_rounds:
                break
        for item in pending:  # still unknown: stays pending, resolved by the next run
            results.append(self._result(item.row, Outcome.FAILED,
                                        error="outcome unknown after retries; resolved next run"))
            updates.append(EntryUpdate(item.key, EntryState.PENDING,
                                       payload_hash=item.row.payload_hash,
                                       error="outcome unknown after retries"))
        return results, updates

    def _pending_entry(self, item: PlannedRow) -> Entry:
        """The entry as :meth:`_commit_intents` left it, for resolving this round's creates."""
        base = item.entry
        return Entry(
            target=self.target, key=item.key, state=EntryState.PENDING,
            version=(base.version + 1) if base else 1,
            remote_id=None, etag=None, remote_status=None,
            payload_hash=item.row.payload_hash, synced_hash=None,
            remote_payload=item.row.payload, attempts=base.attempts if base else 0,
            last_error=None, intent_at=self._intent_at, run_id=self.run_id,
            source_id=item.row.source_id, row_number=item.row.row_number,
        )

    def _commit_intents(self, creates: list[PlannedRow]) -> None:
        self._intent_at = self._clock()
        if not creates:
            return
        intents = [
            Intent(key=i.key, payload=i.row.payload or {}, payload_hash=i.row.payload_hash or "",
                   row_number=i.row.row_number, source_id=i.row.source_id, entry=i.entry)
            for i in creates
        ]
        with self.ledger.unit() as unit:
            unit.mark_pending(self.target, intents, stamp=self.stamp,
                              at=self._intent_at)

    async def _send_one(self, item: PlannedRow) -> RemoteObject:
        payload = item.row.payload or {}
        if item.action is Action.CREATE:
            return await self.destination.create(payload)
        assert isinstance(self.destination, Updatable)
        assert item.entry is not None
        assert item.entry.remote_id is not None
        return await self.destination.update(item.entry.remote_id, item.patch,
                                             etag=item.entry.etag)

    async def _settle(self, attempt: Attempted[PlannedRow, RemoteObject]
                      ) -> tuple[RowResult, EntryUpdate]:
        item, error = attempt.item, attempt.error
        row = item.row
        common: dict[str, Any] = {"payload_hash": row.payload_hash, "attempts": attempt.attempts,
                                  "row_number": row.row_number, "source_id": row.source_id}
        if error is None:
            assert attempt.result is not None
            outcome = Outcome.CREATED if item.action is Action.CREATE else Outcome.UPDATED
            return (self._result(row, outcome, remote=attempt.result),
                    EntryUpdate(item.key, EntryState.SYNCED, payload=row.payload,
                                remote=attempt.result, **common))
        message = self._message(error)
        if isinstance(error, ConflictError):
            return await self._conflict(item, message, common)
        if isinstance(error, RejectedError):
            return (self._result(row, Outcome.REJECTED, error=message, entry=item.entry),
                    EntryUpdate(item.key, EntryState.REJECTED, error=message, **common))
        if item.action is Action.CREATE:  # the intent stands: the next run resolves it
            keep = EntryState.PENDING
        else:  # a failed update leaves the entry as it was
            assert item.entry is not None
            keep, common["payload_hash"] = item.entry.state, None
        return (self._result(row, Outcome.FAILED, error=message, entry=item.entry),
                EntryUpdate(item.key, keep, error=message, **common))

    async def _conflict(self, item: PlannedRow, message: str, common: dict[str, Any]
                        ) -> tuple[RowResult, EntryUpdate]:
        """412: re-read the deal. Our own earlier update is adopted; anyone else's is reported."""
        assert isinstance(self.destination, Updatable)
        assert item.entry is not None
        assert item.entry.remote_id is not None
        remote = await self.destination.get(item.entry.remote_id)
        self.requests_sent += 1
        if _patch_applied(item.patch, remote.body):
            return (self._result(item.row, Outcome.UPDATED, remote=remote),
                    EntryUpdate(item.key, EntryState.SYNCED, payload=item.row.payload,
                                remote=remote, **common))
        text = "changed in Partner Center since the last sync; not overwritten"
        return (self._result(item.row, Outcome.CONFLICT, remote=remote, error=text),
                EntryUpdate(item.key, EntryState.CONFLICT, remote=remote, error=text, **common))

    # -- helpers -------------------------------------------------------------------------------

    def _message(self, error: RefsyncError) -> str:
        return redact(str(error), self._secrets)

    def _result(self, row: MappedRow, outcome: Outcome, *, remote: RemoteObject | None = None,
                entry: Entry | None = None, error: str | None = None) -> RowResult:
        remote_id = remote.id if remote else (entry.remote_id if entry else None)
        status = remote.status if remote else (entry.remote_status if entry else None)
        synced = self._clock() if outcome in (Outcome.CREATED, Outcome.UPDATED) else None
        return RowResult(row_number=row.row_number, key=row.key, outcome=outcome,
                         remote_id=remote_id, remote_status=status, error=error,
                         request_id=remote.request_id if remote else None, synced_at=synced,
                         source_id=row.source_id)


def _patch_applied(patch: Sequence[dict[str, Any]], body: Any) -> bool:
    """Whether every operation of ``patch`` already holds in ``body`` (case-insensitive keys)."""
    if not patch:
        return False
    for op in patch:
        node = body
        for part in op["path"].strip("/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict):
                return False
            lowered = {str(k).lower(): v for k, v in node.items()}
            node = lowered.get(part.lower())
        if node != op["value"]:
            return False
    return True
