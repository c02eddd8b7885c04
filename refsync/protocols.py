"""The narrow contracts between the core and the connectors.

A :class:`Source` yields DataFrame chunks; a :class:`Destination` creates objects and resolves
uncertain creates. Optional abilities are protocols of their own (:class:`Updatable`,
:class:`Listable`), checked with ``isinstance`` where they are used, so that a destination without
them still works everywhere else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from refsync.records import JsonPatch, RemoteObject, RowResult


@runtime_checkable
class Source(Protocol):
    """Yields the input in bounded chunks.

    Each chunk's index holds the 1-based row number a person would find the row under in the
    source (the spreadsheet row, or the position in a query's result); column names are the source's
    own headers.
    """

    fingerprint: str
    """A checksum of the input (file hash, or query and URL) for provenance and plans."""
    description: str
    """What a person reads in a report: the file name, or the URL without its password."""

    def chunks(self, chunk_size: int) -> Iterator[pd.DataFrame]: ...


@runtime_checkable
class Destination(Protocol):
    """Creates objects in one remote API and finds objects an uncertain create may have made."""

    target: str

    async def create(self, payload: Mapping[str, Any]) -> RemoteObject:
        """Send one create. Raises the classified errors of :mod:`refsync.errors`."""
        ...

    async def resolve(self, keys: Collection[str], since: datetime) -> dict[str, RemoteObject]:
        """Return the remote objects created since ``since`` whose key is one of ``keys``.

        Used before resending a create whose outcome is unknown. A destination for which a
        resend is harmless (the API itself is idempotent per key) returns an empty dict.
        """
        ...


@runtime_checkable
class Updatable(Protocol):
    """A destination whose objects can be read and patched with optimistic concurrency."""

    async def get(self, remote_id: str) -> RemoteObject: ...

    async def update(self, remote_id: str, patch: JsonPatch, *, etag: str | None) -> RemoteObject:
        """Apply a JSON Patch; a stale ``etag`` raises :class:`refsync.errors.ConflictError`."""
        ...


@runtime_checkable
class Listable(Protocol):
    """A destination that can list every object it holds (for reconciliation)."""

    def list_all(self) -> AsyncIterator[RemoteObject]: ...


@runtime_checkable
class WriteBack(Protocol):
    """Receives per-row results and records them where the rows came from."""

    def write(self, results: Sequence[RowResult]) -> None: ...

    def close(self) -> None:
        """Flush what is buffered; after this the write-back is complete."""
        ...
