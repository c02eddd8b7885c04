"""``refsync writeback --replay``: write a mapping's results back again, from the ledger alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from entrypoints.commands._options import config_option


@click.command("writeback")
@click.option("--replay", is_flag=True,
              help="Rebuild the write-back from the ledger (the only mode).")
@click.option("--mapping", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Mapping file (YAML).")
@click.option("--source", required=True,
              help="Spreadsheet path, SQLAlchemy URL, or env:VARIABLE holding the URL.")
@config_option
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Spreadsheets: where the results copy goes.")
def command(replay: bool, mapping: Path, source: str, config: Path | None,
            output_dir: Path | None) -> int:
    """Write every ledger entry's id, outcome and error back to its source row again.

    The same write-back as a sync (UPDATEs of the SQL table, or the spreadsheet's results copy),
    fed from the ledger instead of a run: after a write-back was lost, nothing is resent. Deal
    endings (write_back.deal_status) are left as they are: the ledger knows a deal is Closed, not
    how it ended; `refsync reconcile --write-back` writes them again from Partner Center.
    """
    if not replay:
        raise click.UsageError("writeback needs --replay (rebuild it from the ledger)")
    from entrypoints.running import call_flow
    from flows.reconcile import replay_writeback

    outcome = asyncio.run(call_flow(
        replay_writeback, mapping=str(mapping), source=source,
        config=str(config) if config else None,
        output_dir=str(output_dir) if output_dir else None))
    counts = ", ".join(f"{k} {v}" for k, v in sorted(outcome.counts.items())) or "none"
    click.echo(f"replayed {outcome.rows} ledger entries ({counts})")
    for path in outcome.result_paths:
        click.echo(f"results:  {path}")
    return 0
