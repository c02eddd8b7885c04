"""``refsync backfill``: the backfill flow run here, partition after partition.

Exit codes: 0 when every partition is done or the day's API budget paused it cleanly (run the
same command again to continue), 1 when rows failed or were rejected, 2 for configuration and
auth errors.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import click

from entrypoints.commands._options import config_option
from entrypoints.commands.progress import showing_progress


@click.command("backfill")
@click.option("--mapping", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Mapping file (YAML) with a SQL source and a watermark column.")
@click.option("--source", required=True, help="SQLAlchemy URL, or env:VARIABLE holding it.")
@click.option("--since", required=True, type=click.DateTime(),
              help="Start of the window (exclusive) on the watermark column.")
@click.option("--until", required=True, type=click.DateTime(),
              help="End of the window (inclusive).")
@click.option("--partitions", default=4, show_default=True, type=click.IntRange(1, 256))
@click.option("--budget", "api_budget_per_day", type=click.IntRange(1),
              help="API requests allowed per UTC day; the backfill pauses at it.")
@config_option
@click.option("--resend", is_flag=True, help="Send rows again even when unchanged.")
@click.option("--chunk-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the reports go.")
def command(mapping: Path, source: str, since: datetime, until: datetime, partitions: int,
            api_budget_per_day: int | None, config: Path | None, resend: bool, chunk_size: int,
            output_dir: Path | None) -> int:
    """Backfill a watermark window in partitions; run it again to continue where it stopped."""
    from entrypoints.running import call_flow
    from flows.backfill import BackfillOutcome, backfill

    with showing_progress("backfill"):
        state = asyncio.run(call_flow(
            backfill, mapping=str(mapping), source=source, since=since, until=until,
            partitions=partitions, api_budget_per_day=api_budget_per_day,
            config=str(config) if config else None, resend=resend, chunk_size=chunk_size,
            output_dir=str(output_dir) if output_dir else None, return_state=True))
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    if not isinstance(result, BackfillOutcome):
        raise click.ClickException(f"the backfill ended without an outcome: {state.message}")
    click.echo(result.table())
    if result.failed_partitions:
        click.echo(f"{result.failed_partitions} partitions had rows that failed or were rejected; "
                   "see their reports", err=True)
        return 1
    if result.paused:
        click.echo("paused at the API budget; run the same command again to continue", err=True)
    return 0
