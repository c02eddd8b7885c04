"""``refsync sync``: run the sync flow locally for one mapping and source."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import click

from entrypoints.commands._options import config_option
from entrypoints.running import call_flow, print_outcome, run_flow


@click.command("sync")
@click.option("--mapping", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Mapping file (YAML).")
@click.option("--source", required=True,
              help="Spreadsheet path, SQLAlchemy URL, or env:VARIABLE holding the URL.")
@config_option
@click.option("--since", type=click.DateTime(), help="Backfill: rows after this watermark.")
@click.option("--until", type=click.DateTime(), help="Backfill: rows up to this watermark.")
@click.option("--full", is_flag=True, help="Ignore the watermark and read every row.")
@click.option("--resend", is_flag=True, help="Re-invite invitees already invited.")
@click.option("--chunk-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the result workbook and the reports go.")
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Send nothing: write what would be sent to this plan file, for "
                   "`refsync apply`.")
def command(mapping: Path, source: str, config: Path | None, since: datetime | None,
            until: datetime | None, full: bool, resend: bool, chunk_size: int,
            output_dir: Path | None, plan_file: Path | None) -> int:
    """Sync a mapping's rows to Partner Center, Graph or GT365; print what happened."""
    from flows.sync import sync_referrals

    if plan_file is not None:
        from flows.plan import plan_sync

        planned = asyncio.run(call_flow(plan_sync, mapping=str(mapping), source=source,
                                    plan_file=str(plan_file),
                                    config=str(config) if config else None, since=since,
                                    until=until, full=full, resend=resend,
                                    chunk_size=chunk_size))
        click.echo(planned.describe())
        return 0

    outcome = run_flow(
        sync_referrals, mapping=str(mapping), source=source,
        config=str(config) if config else None, since=since, until=until, full=full,
        resend=resend, chunk_size=chunk_size, output_dir=str(output_dir) if output_dir else None)
    return print_outcome(outcome)
