"""The runs a report directory has seen: a JSON-lines file of summaries, one line per run.

The trend chart and ``refsync report list`` read it; a run appends its own line once its
report files are written. One line is one ``write`` on a file opened for appending, so two
runs finishing together do not interleave their lines, and a crash can at worst leave a torn
last line, which reading skips with a warning instead of losing every other run.

The history of a single key across runs (``refsync report show --key``) comes from the JSON
reports in the same directory, which hold every row.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from refsync.errors import InputError
from refsync.records import Outcome, RowResult, Target
from refsync.reports._files import default_name
from refsync.reports.json_report import read_json
from refsync.reports.model import RunSummary, zero_counts
from refsync.reports.rows import iso_utc

log = logging.getLogger(__name__)

HISTORY_FILE = "history.jsonl"
HISTORY_VERSION = 1


def summary_to_json(summary: RunSummary) -> dict[str, Any]:
    return {
        "v": HISTORY_VERSION,
        "run_id": summary.run_id,
        "target": summary.target.value,
        "mapping_name": summary.mapping_name,
        "started_at": iso_utc(summary.started_at),
        "finished_at": iso_utc(summary.finished_at),
        "complete": summary.complete,
        "counts": {outcome.value: n for outcome, n in summary.counts.items()},
    }


def summary_from_json(data: dict[str, Any]) -> RunSummary:
    """A summary from one history line; a line of another version or shape raises ValueError."""
    if data.get("v") != HISTORY_VERSION:
        raise ValueError(f"history line version {data.get('v')!r}, expected {HISTORY_VERSION}")
    counts = zero_counts()
    for name, n in data["counts"].items():
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"count of {name!r} is {n!r}")
        counts[Outcome(name)] = n
    return RunSummary(
        run_id=str(data["run_id"]),
        target=Target(data["target"]),
        mapping_name=str(data["mapping_name"]),
        started_at=datetime.fromisoformat(data["started_at"].replace("Z", "+00:00")),
        finished_at=datetime.fromisoformat(data["finished_at"].replace("Z", "+00:00")),
        complete=bool(data["complete"]),
        counts=counts,
    )


class RunHistory:
    """The summaries of the runs whose reports went to one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / HISTORY_FILE

    def append(self, summary: RunSummary) -> None:
        """Record one run; a run recorded again replaces its earlier line when read."""
        self.directory.mkdir(parents=True, exist_ok=True)
        line = json.dumps(summary_to_json(summary), ensure_ascii=False, separators=(",", ":"))
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)

    def _lines(self) -> Iterator[RunSummary]:
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{self.path}: run history unreadable ({exc})") from exc
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield summary_from_json(json.loads(line))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                log.warning("%s line %d skipped: %s: %s", self.path, number,
                            type(exc).__name__, exc)

    def runs(self) -> list[RunSummary]:
        """Every recorded run once (its latest line), oldest first."""
        latest: dict[str, RunSummary] = {}
        for summary in self._lines():
            latest.pop(summary.run_id, None)
            latest[summary.run_id] = summary
        return sorted(latest.values(), key=lambda s: s.started_at)

    def recent(self, limit: int) -> list[RunSummary]:
        """The last ``limit`` runs, oldest first."""
        return self.runs()[-limit:] if limit > 0 else []


@dataclass(frozen=True, slots=True)
class KeyEvent:
    """What one run did with one key."""

    run_id: str
    started_at: datetime
    mapping_name: str
    result: RowResult


def key_history(directory: Path, key: str) -> list[KeyEvent]:
    """Every recorded run's result for ``key``, oldest first, read from the JSON reports.

    Runs whose JSON report is missing or damaged are skipped with a warning.
    """
    events: list[KeyEvent] = []
    for summary in RunHistory(directory).runs():
        path = Path(directory) / default_name(summary.run_id, "json")
        try:
            report = read_json(path)
        except InputError as exc:
            log.warning("run %s skipped: %s", summary.run_id, exc)
            continue
        events.extend(
            KeyEvent(report.run_id, report.started_at, report.mapping_name, result)
            for result in report.results
            if result.key == key
        )
    return events
