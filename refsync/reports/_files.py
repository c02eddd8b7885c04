"""Where a report file goes, and writing it so that a reader never sees half of one."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from refsync.reports.model import RunReport

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def default_name(run_id: str, suffix: str) -> str:
    """``refsync-report-<run id>.<suffix>``, the run id cut down to file-name-safe characters."""
    safe = _UNSAFE.sub("_", run_id).strip("._") or "run"
    return f"refsync-report-{safe}.{suffix}"


def resolve_target(out: Path, report: RunReport, suffix: str) -> Path:
    """``out`` itself when it names a file, the default name inside it when it is a directory.

    A path that does not exist yet is a directory unless it has a suffix (``report.csv``).
    """
    out = Path(out)
    is_dir = out.is_dir() or (not out.exists() and not out.suffix)
    target = out / default_name(report.run_id, suffix) if is_dir else out
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step.

    A crash or an exception while writing leaves any previous file untouched and no debris.
    """
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
