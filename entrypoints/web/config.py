"""How the web page is set up: where it keeps things, who may sign in, how much it accepts."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from entrypoints.web.security import User

MiB = 1024 * 1024
LOCAL_USER = "local"
"""The one (admin) user of a page that listens on loopback only and has no users file."""


@dataclass(frozen=True)
class WebConfig:
    """The page's settings; ``users`` None means loopback-only without sign-in.

    Attributes:
        data_dir: uploads, result files, the page's own database and its session secret.
        mappings_dir: the invite kinds offered (see :mod:`entrypoints.web.kinds`).
        config: the refsync settings file (endpoints, identity, ledger) the sends use.
        users: who may sign in; required whenever the server listens beyond loopback.
        max_upload_bytes: the largest file accepted (the request body is cut off beyond it).
        max_rows: the most data rows one upload may hold.
        secure_cookies: mark cookies ``Secure`` (the server is reached over HTTPS).
    """

    data_dir: Path
    mappings_dir: Path
    config: Path | None = None
    users: dict[str, User] | None = None
    max_upload_bytes: int = 10 * MiB
    max_rows: int = 10_000
    secure_cookies: bool = False

    @property
    def sign_in_required(self) -> bool:
        return self.users is not None


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (``localhost``, 127/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
