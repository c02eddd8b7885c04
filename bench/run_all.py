"""Run every benchmark in bench/ (``bench_*.py``) one after another; results in bench/results/.

Usage: ``make bench`` (or ``.venv/bin/python bench/run_all.py [name ...]`` for some of them).
Each benchmark prints its own table and writes ``bench/results/<name>.json``; this script only
sequences them and stops with the first failure's exit code.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        if code:
            print(f"{script.name} failed with exit code {code}", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
