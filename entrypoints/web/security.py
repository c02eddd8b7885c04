"""Who may use the web page, and proof that a form came from it.

* Passwords are stored as ``scrypt$n$r$p$salt$hash`` (standard-library :func:`hashlib.scrypt`,
  base64 parts), so a users file never holds a password and needs no extra dependency.
* The session is a cookie signed with HMAC-SHA256 under a server secret: ``nonce.user.issued.mac``.
  It carries no secret of its own; tampering with any part invalidates the MAC.
* The CSRF token is bound to the session: ``HMAC(secret, "csrf:" + nonce)``. Every form sends it
  back in a hidden field; a request without it, or with another session's, is refused. Signing in
  issues a new nonce, so a token seen before sign-in is useless after it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from refsync.errors import ConfigurationError

_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """An scrypt hash of ``password`` in the users file's format."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                            maxmem=_MAXMEM, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r),
                                p=int(p), maxmem=_MAXMEM, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True, slots=True)
class User:
    """A person who may sign in; an admin sees everyone's uploads."""

    name: str
    password_hash: str
    admin: bool = False


def load_users(path: Path) -> dict[str, User]:
    """Read a users file (TOML)::

        [users.alice]
        password = "scrypt$16384$8$1$..."   # from `refsync web --hash-password`
        admin = true

    Raises:
        ConfigurationError: the file is missing or malformed, or a password is not a hash
            (the message never repeats what the file holds in its place).
    """
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigurationError(f"users file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from None
    table = data.get("users")
    if not isinstance(table, dict) or not table:
        raise ConfigurationError(f"{path}: no [users.NAME] tables")
    users: dict[str, User] = {}
    for name, entry in table.items():
        if not isinstance(entry, dict):
            raise ConfigurationError(f"{path}: users.{name} must be a table")
        stored = entry.get("password")
        if not isinstance(stored, str) or not stored.startswith("scrypt$") \
                or stored.count("$") != 5:
            raise ConfigurationError(
                f"{path}: users.{name}.password must be a hash made by "
                "`refsync web --hash-password`, never the password itself"
            )
        admin = entry.get("admin", False)
        if not isinstance(admin, bool):
            raise ConfigurationError(f"{path}: users.{name}.admin must be true or false")
        users[name] = User(name=name, password_hash=stored, admin=admin)
    return users


@dataclass(frozen=True, slots=True)
class Session:
    """What the session cookie says: a nonce (for CSRF), the signed-in user (or ``""``)."""

    nonce: str
    user: str
    issued: int


class Signer:
    """Signs and checks session cookies and CSRF tokens with one server secret."""

    def __init__(self, secret: bytes, *, max_age_s: int = 12 * 3600) -> None:
        if len(secret) < 32:
            raise ConfigurationError("the web secret must be at least 32 bytes")
        self._secret = secret
        self.max_age_s = max_age_s

    def _mac(self, message: str) -> str:
        return _b64(hmac.new(self._secret, message.encode(), hashlib.sha256).digest())

    def new_session(self, user: str = "") -> Session:
        return Session(nonce=secrets.token_urlsafe(18), user=user, issued=int(time.time()))

    def dump(self, session: Session) -> str:
        body = f"{session.nonce}.{_b64(session.user.encode())}.{session.issued}"
        return f"{body}.{self._mac('session:' + body)}"

    def load(self, cookie: str | None) -> Session | None:
        """The session a cookie holds, or None when it is absent, forged or expired."""
        if not cookie or cookie.count(".") != 3:
            return None
        body, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac("session:" + body)):
            return None
        nonce, user, issued = body.split(".")
        try:
            session = Session(nonce=nonce, user=_unb64(user).decode(), issued=int(issued))
        except (ValueError, UnicodeDecodeError):
            return None
        if time.time() - session.issued > self.max_age_s:
            return None
        return session

    def csrf_token(self, session: Session) -> str:
        return self._mac("csrf:" + session.nonce)

    def check_csrf(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(session))


def load_or_create_secret(path: Path) -> bytes:
    """The server secret kept in ``path`` (mode 0600), created on first use.

    Keeping it on disk lets sessions survive a restart; it never leaves the data directory.
    """
    if path.exists():
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    path.parent.mkdir(parents=True, exist_ok=True)
    data = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return data
