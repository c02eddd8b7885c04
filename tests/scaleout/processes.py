"""Child processes whose output a test can wait on, line by line, and kill as a tree."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class Child:
    """A subprocess whose merged stdout/stderr is copied to a log file and to a line queue."""

    def __init__(self, name: str, args: Sequence[str], *, env: Mapping[str, str], cwd: Path,
                 log_dir: Path, lines: queue.Queue[tuple[str, str]] | None = None) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.lines: queue.Queue[tuple[str, str]] = lines if lines is not None else queue.Queue()
        self.process = subprocess.Popen(
            list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(env),
            cwd=cwd, start_new_session=True)
        self._reader = threading.Thread(target=self._pump, name=f"read-{name}", daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        with self.log_path.open("ab") as log:
            for raw in self.process.stdout:
                log.write(raw)
                log.flush()
                self.lines.put((self.name, raw.decode(errors="replace").rstrip()))
        self.process.stdout.close()
        self.lines.put((self.name, ""))  # end of output

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill_tree(self) -> None:
        """SIGKILL this process and every process it started (flow runs live in sessions of
        their own, so a process group is not enough)."""
        for pid in [*descendants(self.process.pid), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL of the tree if it does not end in time; no child outlives it."""
        below = descendants(self.process.pid)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_tree()
        for pid in below:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid``, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def wait_for_line(lines: queue.Queue[tuple[str, str]], accept: Callable[[str, str], bool], *,
                  timeout_s: float, what: str) -> str:
    """Block until a line satisfies ``accept(source, line)``; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no {what} within {timeout_s:.0f} s")
        try:
            source, line = lines.get(timeout=remaining)
        except queue.Empty:
            continue
        if accept(source, line):
            return line


def matching(pattern: str, source: str | None = None) -> Callable[[str, str], bool]:
    compiled = re.compile(pattern)
    return lambda src, line: (source is None or src == source) and bool(compiled.search(line))
