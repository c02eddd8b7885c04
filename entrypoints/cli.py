"""The ``refsync`` command line: parse, call one function, map errors to exit codes.

Exit codes: 0 all rows good, 1 some rows failed or were rejected, 2 configuration or auth error.
Each subcommand lives in ``entrypoints/commands/<name>.py`` and exports a click command named
``command``; they are imported lazily so that ``refsync --help`` stays fast.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from refsync.errors import FatalError

# Chosen before Prefect is first imported: no telemetry, and a temporary Prefect server that may
# take longer than Prefect's default 20 s to start on a busy machine. The environment wins.
PREFECT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def apply_prefect_defaults() -> None:
    """Set :data:`PREFECT_DEFAULTS` where the environment does not say otherwise."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)


apply_prefect_defaults()

_COMMANDS: dict[str, str] = {
    # name -> module under entrypoints.commands exporting `command`
    "sync": "sync",
    "apply": "apply",
    "sandbox": "sandbox",
    "demo": "demo",
    "mapping": "mapping",
    "auth": "auth",
    "backfill": "backfill",
    "invite": "invite",
    "progress": "progress",
    "web": "web",
    "reconcile": "reconcile",
    "report": "report",
    "writeback": "writeback",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _COMMANDS.get(cmd_name)
        if module is None:
            return None
        command: click.Command = importlib.import_module(
            f"entrypoints.commands.{module}"
        ).command
        return command


@click.group(cls=_LazyGroup)
@click.version_option(package_name="refsync")
def cli() -> None:
    """Keep Partner Center referrals and Microsoft 365 guest invitations in step with a CRM."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (2 for configuration and auth errors)."""
    try:
        result = cli.main(args=argv, prog_name="refsync", standalone_mode=False)
    except FatalError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
