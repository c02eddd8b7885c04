"""Fixtures of the report tests; the builders live in :mod:`tests.reports.factories`."""

from __future__ import annotations

import pytest

from refsync.reports import RunReport
from tests.reports.factories import make_report


@pytest.fixture
def report() -> RunReport:
    return make_report()
