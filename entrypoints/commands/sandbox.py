"""``refsync sandbox``: the local stand-in for Microsoft's services (see ``python -m sandbox``)."""

from __future__ import annotations

import click


@click.command("sandbox", context_settings={"ignore_unknown_options": True,
                                            "allow_extra_args": True,
                                            "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> int:
    """Run the sandbox: Entra ID, Partner Center, Graph and GT365 on loopback over TLS.

    Every option is the sandbox's own; see ``refsync sandbox --help``.
    """
    from sandbox.cli import main

    return main(list(args))
