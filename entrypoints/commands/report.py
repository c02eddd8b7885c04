"""``refsync report list`` and ``refsync report show --key``: the ledger's memory of past runs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from entrypoints.commands._options import config_option


@click.group("report")
def command() -> None:
    """What earlier runs did: the last runs with their counts, or the history of one key."""


def _ledger(config: Path | None) -> Any:
    from refsync.ledger import Ledger
    from refsync.settings import load_settings

    return Ledger.open(load_settings(config).ledger_url)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _clean(value: object) -> str:
    from refsync.reports.rows import clean_text

    return "-" if value is None or value == "" else clean_text(str(value))


@command.command("list")
@config_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000),
              help="How many runs, newest first.")
@click.option("--mapping", "mapping_name", help="Only the runs of this mapping (its name).")
def list_runs(config: Path | None, limit: int, mapping_name: str | None) -> int:
    """The last runs, newest first: when, which mapping, how it ended and its counts."""
    ledger = _ledger(config)
    try:
        runs = ledger.runs(limit=limit, mapping_name=mapping_name)
    finally:
        ledger.close()
    if not runs:
        click.echo("no runs recorded")
        return 0
    click.echo(f"{'started (UTC)':<21} {'run id':<32} {'mapping':<24} {'status':<10} counts")
    for run in runs:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(run["counts"].items())) or "-"
        kind = " (reconcile)" if str(run["source_description"]).startswith("reconcile:") else ""
        click.echo(f"{_when(run['started_at']):<21} {_clean(run['run_id']):<32} "
                   f"{_clean(run['mapping_name']):<24} {_clean(run['status']):<10} "
                   f"{counts}{kind}")
    return 0


@command.command("show")
@config_option
@click.option("--key", required=True, help="The externalReferenceId (or invitee e-mail).")
def show_key(config: Path | None, key: str) -> int:
    """The history of one key across runs, and what the ledger holds for it now."""
    from refsync.records import Target

    ledger = _ledger(config)
    try:
        entries = [e for t in Target for e in ledger.entries(t.value, [key]).values()]
        events = ledger.history(key)
    finally:
        ledger.close()
    if not entries and not events:
        click.echo(f"the ledger knows nothing of {key!r}", err=True)
        return 1
    for entry in entries:
        click.echo(f"{_clean(entry.key)} ({entry.target}): {entry.state.value}, referral "
                   f"{_clean(entry.remote_id)}, status {_clean(entry.remote_status)}, "
                   f"row {_clean(entry.row_number)}, last run {_clean(entry.run_id)}")
        if entry.last_error:
            click.echo(f"  last error: {_clean(entry.last_error)}")
    if events:
        click.echo(f"{'at (UTC)':<21} {'run id':<32} {'outcome':<10} {'row':>6} "
                   f"{'remote id':<36} error")
    for event in events:
        click.echo(f"{_when(event['at']):<21} {_clean(event['run_id']):<32} "
                   f"{_clean(event['outcome']):<10} {_clean(event['row_number']):>6} "
                   f"{_clean(event['remote_id']):<36} {_clean(event['error'])}")
    return 0
