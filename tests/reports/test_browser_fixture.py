"""The browser fixture skips on a developer's machine without Chromium, and fails under CI."""

from __future__ import annotations

import pytest

from tests.fixtures import browser

pytestmark = pytest.mark.unit


def test_a_missing_browser_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium at /nowhere"):
        browser._unavailable("no Chromium at /nowhere")


def test_a_missing_browser_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        browser._unavailable("no Chromium at /nowhere")
