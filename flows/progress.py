"""Progress of a run as it happens, for whoever runs the flow in the same process (the CLI).

Flows call :func:`notify` after each chunk; a listener registered with :func:`listening` (the
CLI's progress bar) hears it. On a worker nobody listens and it costs nothing. Prefect's own
progress artifact is updated by the flows independently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """``rows`` more rows are done (``requests`` API requests spent); ``label`` says where."""

    label: str
    rows: int
    requests: int


Listener = Callable[[ProgressEvent], None]
_listeners: list[Listener] = []


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call ``listener`` for every progress event while the block runs."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def notify(event: ProgressEvent) -> None:
    for listener in list(_listeners):
        listener(event)
