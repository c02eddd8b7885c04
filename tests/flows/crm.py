"""A CRM ``leads`` table of any size in SQLite or PostgreSQL, for backfill tests and benches."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

MAPPING = Path(__file__).parent / "data" / "crm-leads-sql.yaml"
EPOCH = datetime(2024, 1, 1)

_metadata = sa.MetaData()
leads = sa.Table(
    "leads", _metadata,
    sa.Column("lead_id", sa.String(40), primary_key=True),
    sa.Column("modified_at", sa.DateTime, nullable=False),
    sa.Column("topic", sa.String(200)),
    sa.Column("company", sa.String(200)),
    sa.Column("street", sa.String(200)),
    sa.Column("city", sa.String(100)),
    sa.Column("country", sa.String(2)),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("email", sa.String(200)),
    sa.Column("phone", sa.String(40)),
    sa.Column("deal_value", sa.Numeric(12, 2)),
    sa.Column("close_date", sa.DateTime),
)


def make_leads(url: str, count: int, *, per_timestamp: int = 3) -> tuple[datetime, datetime]:
    """Fill a ``leads`` table with ``count`` valid rows; return the window that holds them all.

    Several rows share each ``modified_at`` (``per_timestamp``), as they do in real CRMs after a
    bulk edit, so that chunk boundaries fall between rows of the same watermark.
    """
    engine = sa.create_engine(url)
    try:
        _metadata.create_all(engine)
        rows = [
            {"lead_id": f"LEAD-{i:06d}",
             "modified_at": EPOCH + timedelta(minutes=i // per_timestamp),
             "topic": f"Opportunity {i}", "company": f"Contoso {i}", "street": f"{i} Main St",
             "city": "Seattle", "country": "US", "first_name": "Ada", "last_name": f"Lee{i}",
             "email": f"ada{i}@contoso.com", "phone": "+1 425 555 0100",
             "deal_value": 1000 + i, "close_date": datetime(2027, 6, 30)}
            for i in range(count)
        ]
        with engine.begin() as conn:
            for start in range(0, count, 5000):
                conn.execute(sa.insert(leads), rows[start:start + 5000])
    finally:
        engine.dispose()
    last = EPOCH + timedelta(minutes=(count - 1) // per_timestamp)
    return EPOCH - timedelta(minutes=1), last + timedelta(minutes=1)
