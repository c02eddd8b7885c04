"""The ledger: per ``(target, key)``, what refsync sent, what came back, and what is in flight."""

from refsync.ledger.store import (
    Entry,
    EntryState,
    EntryUpdate,
    Intent,
    Ledger,
    LedgerUnit,
    RunStamp,
)

__all__ = ["Entry", "EntryState", "EntryUpdate", "Intent", "Ledger", "LedgerUnit", "RunStamp"]
