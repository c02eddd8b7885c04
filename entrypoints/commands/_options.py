"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

config_option = click.option(
    "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="REFSYNC_CONFIG", help="Configuration file (TOML); also $REFSYNC_CONFIG.",
)
