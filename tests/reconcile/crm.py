"""A CRM ``deals`` table with write-back columns, in SQLite, for the reconcile tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

MAPPING = Path(__file__).parent / "data" / "crm-deals.yaml"

_metadata = sa.MetaData()
deals = sa.Table(
    "deals", _metadata,
    sa.Column("deal_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("deal_ref", sa.String(40), nullable=False),
    sa.Column("topic", sa.String(200)),
    sa.Column("company", sa.String(200)),
    sa.Column("email", sa.String(200)),
    sa.Column("deal_value", sa.Numeric(12, 2)),
    sa.Column("notes", sa.Text),
    sa.Column("referral_id", sa.String(64)),
    sa.Column("referral_status", sa.String(32)),
    sa.Column("referral_synced_at", sa.DateTime),
    sa.Column("referral_error", sa.Text),
    sa.Column("deal_status", sa.String(32)),
)


@dataclass
class Crm:
    """The CRM database of one test."""

    url: str

    def insert(self, *rows: dict[str, Any]) -> None:
        engine = sa.create_engine(self.url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.insert(deals), list(rows))
        finally:
            engine.dispose()

    def rows(self) -> dict[str, dict[str, Any]]:
        """Every deal by its reference."""
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                return {r.deal_ref: r._asdict()
                        for r in conn.execute(sa.select(deals).order_by(deals.c.deal_id))}
        finally:
            engine.dispose()

    def execute(self, statement: sa.Executable) -> None:
        engine = sa.create_engine(self.url)
        try:
            with engine.begin() as conn:
                conn.execute(statement)
        finally:
            engine.dispose()


def deal(number: int, ref: str, **values: Any) -> dict[str, Any]:
    return {"deal_id": number, "deal_ref": ref, "topic": f"Deal {ref}",
            "company": f"Contoso {number}", "email": f"Buyer{number}@Contoso.example",
            "deal_value": 1000 + number, "notes": f"lead {number}", **values}


def new_crm(directory: Path) -> Crm:
    """An empty ``deals`` table in a new SQLite database in ``directory``."""
    url = f"sqlite:///{directory / 'crm.db'}"
    engine = sa.create_engine(url)
    try:
        _metadata.create_all(engine)
    finally:
        engine.dispose()
    return Crm(url)
