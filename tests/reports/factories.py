"""Builders of run reports: a realistic mix of outcomes, hostile text in the right places."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from refsync.records import Outcome, RowResult, Target
from refsync.reports import Provenance, RunReport

# A syntactically real JWT (header.payload.signature) and a bearer header as a server might echo.
JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJhdWQiOiJodHRwczovL2FwaS5wYXJ0bmVyLm1pY3Jvc29mdC5jb20iLCJvaWQiOiIxMjMifQ"
    ".c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
)
BEARER = "Bearer s3cr3tOpaqueAccessT0ken"
DB_PASSWORD = "hunter2-db-pass"
STARTED = datetime(2026, 11, 20, 22, 0, 0, tzinfo=UTC)
SYNCED = STARTED + timedelta(minutes=1)
#: Every secret the factories plant; none of them may appear in any report.
PLANTED_SECRETS = (JWT, "eyJ", "s3cr3tOpaqueAccessT0ken", "abc123XYZ", DB_PASSWORD)


def leaked(text: str) -> list[str]:
    """The planted secrets that appear in ``text`` (an empty list when the report is clean)."""
    return [secret for secret in PLANTED_SECRETS if secret in text]


def make_provenance(**overrides: Any) -> Provenance:
    values: dict[str, Any] = {
        "run_id": f"run-{uuid.uuid4().hex[:8]}",
        "target": Target.REFERRAL,
        "mapping_name": "dynamics-leads",
        "mapping_version": "3",
        "mapping_checksum": "sha256:" + "ab" * 32,
        "source_description": f"postgresql://crm:{DB_PASSWORD}@db.internal/crm table leads",
        "source_fingerprint": "SELECT * FROM leads WHERE updated_at > :watermark",
        "started_at": STARTED,
        "refsync_version": "0.1.0",
    }
    values.update(overrides)
    return Provenance(**values)


def mixed_results() -> list[RowResult]:
    """Twelve rows: every outcome but HELD and DUPLICATE, hostile text in keys and errors."""
    return [
        RowResult(2, "LEAD-001", Outcome.CREATED, remote_id="ref-1", remote_status="Active",
                  request_id="req-1", synced_at=SYNCED, source_id=(1,)),
        RowResult(3, "LEAD-002", Outcome.CREATED, remote_id="ref-2", remote_status="Active",
                  request_id="req-2", synced_at=SYNCED, source_id=(2,)),
        RowResult(4, "=HYPERLINK(\"http://evil\",\"x\")", Outcome.CREATED, remote_id="ref-3",
                  synced_at=SYNCED, source_id=(3,)),
        RowResult(5, "LEAD-004", Outcome.UPDATED, remote_id="ref-4", remote_status="Active",
                  request_id="req-4", synced_at=SYNCED, source_id=(4,)),
        RowResult(6, "LEAD-005", Outcome.UNCHANGED, remote_id="ref-5", source_id=(5,)),
        RowResult(7, "LEAD-006", Outcome.UNCHANGED, remote_id="ref-6", source_id=(6,)),
        RowResult(8, "LEAD-007", Outcome.INVALID,
                  error="country='Narnia': not an ISO 3166 country; +1 more", source_id=(7,)),
        RowResult(9, "LEAD-008", Outcome.REJECTED,
                  error=f"400 invalidRequest: header Authorization: {BEARER} token {JWT}",
                  request_id="req-8", source_id=(8,)),
        RowResult(10, "LEAD-009", Outcome.FAILED,
                  error="503 after 5 attempts; client_secret=abc123XYZ", source_id=(9,)),
        RowResult(11, "LEAD-010", Outcome.CONFLICT, remote_id="ref-10",
                  error="412 preconditionFailed: the deal changed in Partner Center",
                  source_id=("EU", 10)),
        RowResult(12, "LEAD-011", Outcome.FILTERED, source_id=(11,)),
        RowResult(13, "@SUM(1)", Outcome.INVALID, error="-dealValue must be positive",
                  source_id=(12,)),
    ]


def make_report(results: list[RowResult] | None = None, *, complete: bool = True,
                **provenance: Any) -> RunReport:
    made = make_provenance(**provenance)
    return RunReport.build(
        mixed_results() if results is None else results,
        made,
        finished_at=made.started_at + timedelta(minutes=3, seconds=7),
        complete=complete,
    )


