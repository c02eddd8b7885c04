"""Shared fixtures. Each area's fixtures live in tests/fixtures/ and are registered here."""

import atexit
import os
import shutil
import tempfile

from entrypoints.cli import apply_prefect_defaults

apply_prefect_defaults()
# Prefect's temporary server keeps its SQLite database under PREFECT_HOME: one per test session,
# so that parallel sessions and the developer's own profile never share (or lock) it.
if "PREFECT_HOME" not in os.environ:
    _prefect_home = tempfile.mkdtemp(prefix="refsync-prefect-")
    os.environ["PREFECT_HOME"] = _prefect_home
    atexit.register(shutil.rmtree, _prefect_home, ignore_errors=True)
# Prefect logs its temporary server's shutdown at exit, after pytest closed the captured streams.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

pytest_plugins = ["tests.fixtures.databases", "tests.fixtures.browser", "tests.fixtures.sandbox"]
