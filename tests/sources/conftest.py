"""Fixtures of the source tests."""

from __future__ import annotations

import pytest

from refsync.source_spec import SpreadsheetSourceSpec


@pytest.fixture
def spec() -> SpreadsheetSourceSpec:
    """The default spreadsheet section: first visible sheet, header detected."""
    return SpreadsheetSourceSpec()
