"""Shared fixtures. Each area's fixtures live in tests/fixtures/ and are registered here."""

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

pytest_plugins = ["tests.fixtures.databases", "tests.fixtures.browser", "tests.fixtures.sandbox"]
