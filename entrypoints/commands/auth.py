"""``refsync auth``: sign in to Partner Center once, see who is signed in, sign out.

Partner Center accepts only a user's token, so an unattended run needs a sign-in done once by a
person: ``login`` runs the device-code flow and keeps MSAL's token cache (with its refresh token)
in ``token_cache``, readable by its owner only. ``status`` reads that cache without the network
and never prints a token; ``logout`` deletes it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from entrypoints.commands._options import config_option


@click.group("auth")
def command() -> None:
    """Sign in to Partner Center (device code) for unattended runs."""


@command.command("login")
@config_option
def login(config: Path | None) -> None:
    """Sign in with a device code; prints the URL to open and the code to enter."""
    from connectors.auth import device_code_login
    from refsync.settings import load_settings

    settings = load_settings(config)
    username = device_code_login(settings, echo=lambda text: click.echo(text, err=True))
    click.echo(f"signed in as {username}; token cache: {settings.token_cache}")


@command.command("status")
@config_option
def status(config: Path | None) -> int:
    """Show who is signed in and until when the cached token is good (never the token)."""
    from connectors.auth import auth_status
    from refsync.settings import load_settings

    settings = load_settings(config)
    current = auth_status(settings)
    if current is None:
        click.echo(f"not signed in (no account in {settings.token_cache}); "
                   "run `refsync auth login`")
        return 1
    click.echo(f"signed in as {current.username}")
    expires = current.access_token_expires_at
    if expires is None:
        click.echo("access token: none cached")
    else:
        left = (expires - datetime.now(UTC)).total_seconds()
        state = f"valid for {int(left // 60)} min" if left > 0 else "expired"
        click.echo(f"access token: expires {expires:%Y-%m-%d %H:%M:%S} UTC ({state})")
    click.echo("refresh token: " + ("present (runs refresh silently)" if current.has_refresh_token
                                    else "missing (run `refsync auth login`)"))
    click.echo(f"token cache: {settings.token_cache}")
    return 0


@command.command("logout")
@config_option
def logout(config: Path | None) -> None:
    """Delete the token cache: the next run needs `refsync auth login` again."""
    from connectors.auth import logout as remove_cache
    from refsync.settings import load_settings

    settings = load_settings(config)
    if remove_cache(settings):
        click.echo(f"signed out; removed {settings.token_cache}")
    else:
        click.echo(f"not signed in; no token cache at {settings.token_cache}")
