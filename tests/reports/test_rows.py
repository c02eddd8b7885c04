from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from refsync.records import Outcome, RowResult
from refsync.reports.rows import ReportRow, clean_text, iso_utc
from tests.reports.factories import BEARER, JWT

pytestmark = pytest.mark.unit


def test_bearer_tokens_jwts_and_keyed_secrets_are_masked() -> None:
    text = clean_text(f"Authorization: {BEARER}; id_token={JWT}; client_secret=abc123 done")
    assert "s3cr3tOpaqueAccessT0ken" not in text
    assert JWT not in text
    assert "eyJ" not in text
    assert "abc123" not in text
    assert text.endswith("done")


def test_passwords_inside_urls_are_masked_but_the_rest_is_kept() -> None:
    text = clean_text("cannot reach postgresql+psycopg://crm:p%40ss@db:5432/crm (timeout)")
    assert text == "cannot reach postgresql+psycopg://crm:***@db:5432/crm (timeout)"
    assert clean_text("see https://example.com/a:b@c") == "see https://example.com/a:b@c"


def test_control_characters_become_replacement_characters_but_line_breaks_stay() -> None:
    assert clean_text("a\x00b\x1bc\td\ne") == "a\ufffdb\ufffdc\td\ne"


def test_times_are_written_in_utc_with_z() -> None:
    assert iso_utc(datetime(2026, 1, 2, 4, 5, 6, tzinfo=timezone(timedelta(hours=2)))) == (
        "2026-01-02T02:05:06Z"
    )


def test_a_row_is_cleaned_and_its_source_id_made_json_safe() -> None:
    synced = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    row = ReportRow.of(RowResult(
        7, "K-7", Outcome.REJECTED, error=f"refused {BEARER}", synced_at=synced,
        source_id=("EU", 7, Decimal("1.5"), date(2026, 1, 2), None, float("inf")),
    ))
    assert row.error == "refused Bearer ***"
    assert row.source_id == ("EU", 7, "1.5", "2026-01-02", None, "inf")  # Decimal stays exact
    assert row.source_id_text() == "EU | 7 | 1.5 | 2026-01-02 |  | inf"
    assert row.flat() == (7, "K-7", "rejected", None, None, None, "2026-01-02T03:04:05Z",
                          "refused Bearer ***", "EU | 7 | 1.5 | 2026-01-02 |  | inf")


def test_numpy_and_pandas_source_ids_become_plain_json_values() -> None:
    row = ReportRow.of(RowResult(2, "K", Outcome.CREATED, source_id=(
        np.int64(3), np.bool_(True), np.float32(1.5), pd.Timestamp("2026-01-01 10:00"),
        pd.NA, pd.NaT, float("nan"), np.nan,
    )))
    assert row.source_id == (3, True, 1.5, "2026-01-01T10:00:00Z", None, None, None, None)
    assert [type(part) for part in row.source_id[:3]] == [int, bool, float]
