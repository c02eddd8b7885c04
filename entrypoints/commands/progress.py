"""``refsync progress``: where each backfill stands; and the progress display of running flows.

The command reads the backfill tables in the ledger's database, so it shows the same picture
whichever worker runs the partitions. :func:`showing_progress` is the live display that
``refsync backfill`` and ``refsync invite`` put on stderr while their flow runs: a rich progress
bar in a terminal, one plain line per chunk otherwise (logs, CI, a test reading the pipe).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click

from entrypoints.commands._options import config_option


@contextmanager
def showing_progress(description: str) -> Iterator[None]:
    """Display the flows' progress events on stderr while the block runs."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.progress import ProgressEvent, listening

    console = Console(stderr=True)
    totals = {"rows": 0, "requests": 0}
    if not console.is_terminal:
        def line(event: ProgressEvent) -> None:
            totals["rows"] += event.rows
            totals["requests"] += event.requests
            click.echo(f"progress: {event.label}: +{event.rows} rows; {totals['rows']} rows, "
                       f"{totals['requests']} requests in all", err=True)

        with listening(line):
            yield
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(description, total=None, info="")

        def update(event: ProgressEvent) -> None:
            totals["rows"] += event.rows
            totals["requests"] += event.requests
            bar.update(task, info=f"{totals['rows']} rows, {totals['requests']} requests "
                                  f"({event.label})")

        with listening(update):
            yield


@click.command("progress")
@config_option
@click.option("--backfill", "backfill_id", help="Only this backfill (its id).")
def command(config: Path | None, backfill_id: str | None) -> int:
    """Show every backfill's partitions: state, rows, requests, checkpoint, today's spend."""
    from flows.backfill_state import BackfillState, checkpoint_name
    from refsync.ledger import Ledger
    from refsync.settings import load_settings

    ledger = Ledger.open(load_settings(config).ledger_url)
    try:
        state = BackfillState(ledger.engine)
        parts = state.partitions(backfill_id)
        if not parts:
            click.echo("no backfill recorded" + (f" with id {backfill_id}" if backfill_id else ""))
            return 0
        today = datetime.now(UTC).date()
        for bid in dict.fromkeys(p.backfill_id for p in parts):
            mine = [p for p in parts if p.backfill_id == bid]
            click.echo(f"backfill {bid} ({mine[0].mapping_name}): "
                       f"{state.used_on(bid, today)} requests spent today (UTC)")
            click.echo(f"{'part':>4}  {'state':<8}  {'rows':>8}  {'requests':>8}  checkpoint")
            for p in mine:
                mark = ledger.watermark(checkpoint_name(bid, p.partition))
                shown = mark.isoformat() if hasattr(mark, "isoformat") else str(mark or "-")
                click.echo(f"{p.partition:>4}  {p.state.value:<8}  {p.rows:>8}  {p.requests:>8}"
                           f"  {shown} (window {p.since.isoformat()} .. {p.until.isoformat()})")
    finally:
        ledger.close()
    return 0
