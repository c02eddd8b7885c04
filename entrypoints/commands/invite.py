"""``refsync invite``: guest invitations from a spreadsheet, once per invitee."""

from __future__ import annotations

from pathlib import Path

import click

from entrypoints.commands._options import config_option
from entrypoints.commands.progress import showing_progress


@click.command("invite")
@click.option("--mapping", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Invitation mapping (Graph, GT365, ...).")
@click.option("--source", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Spreadsheet of invitees (.xlsx or .csv).")
@config_option
@click.option("--resend", is_flag=True, help="Invite again those already invited.")
@click.option("--chunk-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the result workbook and the reports go.")
def command(mapping: Path, source: Path, config: Path | None, resend: bool, chunk_size: int,
            output_dir: Path | None) -> int:
    """Invite every invitee of a spreadsheet; print what happened to each row."""
    from entrypoints.running import print_outcome, run_flow
    from flows.invite import bulk_invite

    with showing_progress("invitations"):
        outcome = run_flow(bulk_invite, mapping=str(mapping), source=str(source),
                           config=str(config) if config else None, resend=resend,
                           chunk_size=chunk_size,
                           output_dir=str(output_dir) if output_dir else None)
    return print_outcome(outcome)
