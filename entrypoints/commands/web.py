"""``refsync web``: the bulk-invite page (upload, preview, send, results, history).

It listens on loopback by default, where it needs no sign-in. Listening on any other address
requires ``--users`` (a TOML file of users with scrypt password hashes; make one with
``refsync web --hash-password``), so the page is never open to a network without sign-in.
"""

from __future__ import annotations

from pathlib import Path

import click

from entrypoints.commands._options import config_option
from refsync.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]


@click.command("web")
@config_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback requires --users.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--users", "users_file", type=click.Path(dir_okay=False, path_type=Path),
              envvar="REFSYNC_WEB_USERS",
              help="Users file (TOML) with password hashes; sign-in is then required.")
@click.option("--data-dir", default=Path(".refsync/web"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Uploads, results and the page's own database.")
@click.option("--mappings", "mappings_dir", default=ROOT / "mappings", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory of mapping files; its invite mappings are the kinds offered.")
@click.option("--max-upload-mib", default=10, show_default=True, type=click.IntRange(1, 512))
@click.option("--max-rows", default=10_000, show_default=True,
              type=click.IntRange(1, 2_000_000))
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve HTTPS with this certificate (PEM); cookies are then Secure.")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--hash-password", is_flag=True,
              help="Ask for a password, print its hash for the users file, and exit.")
def command(config: Path | None, host: str, port: int, users_file: Path | None,
            data_dir: Path, mappings_dir: Path, max_upload_mib: int, max_rows: int,
            certfile: Path | None, keyfile: Path | None, hash_password: bool) -> int:
    """Serve the bulk-invite web page."""
    from entrypoints.web.config import MiB, WebConfig, is_loopback
    from entrypoints.web.security import hash_password as make_hash
    from entrypoints.web.security import load_users

    if hash_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        click.echo(make_hash(password))
        return 0
    users = load_users(users_file) if users_file else None
    if users is None and not is_loopback(host):
        raise ConfigurationError(
            f"refusing to listen on {host} without sign-in: give --users (a users file with "
            "password hashes), or listen on 127.0.0.1")
    if (certfile is None) != (keyfile is None):
        raise ConfigurationError("give both --certfile and --keyfile, or neither")
    web_config = WebConfig(
        data_dir=data_dir, mappings_dir=mappings_dir, config=config, users=users,
        max_upload_bytes=max_upload_mib * MiB, max_rows=max_rows,
        secure_cookies=certfile is not None,
    )
    import uvicorn

    from entrypoints.web import create_app

    app = create_app(web_config)
    if not is_loopback(host) and certfile is None:
        click.echo("warning: serving plain HTTP beyond loopback; passwords cross the network "
                   "unencrypted unless a TLS proxy is in front (or use --certfile/--keyfile)",
                   err=True)
    scheme = "https" if certfile else "http"
    click.echo(f"refsync web on {scheme}://{host}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning",
                ssl_certfile=str(certfile) if certfile else None,
                ssl_keyfile=str(keyfile) if keyfile else None)
    return 0
