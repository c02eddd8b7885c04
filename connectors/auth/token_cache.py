"""MSAL's token cache, persisted to one file that only its owner can ever read.

The file holds a refresh token: whoever reads it can act as the signed-in user. So it is written
to a temporary file created ``0600`` with ``O_EXCL`` (``tempfile.mkstemp``) in the same directory
and renamed over the old one, which means it is never visible with wider permissions, not even
between creation and a ``chmod``, and a crash mid-write never leaves half a cache behind. The
directory is created ``0700``. A cache found with group or other bits set is tightened at once
and reported in the log, because its content may already have been read.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
import threading
from pathlib import Path

import msal

from refsync.errors import AuthError, ConfigurationError

__all__ = ["FileTokenCache"]

log = logging.getLogger(__name__)
_OWNER_ONLY = 0o600


class FileTokenCache(msal.SerializableTokenCache):  # type: ignore[misc]
    """A :class:`msal.SerializableTokenCache` loaded from and saved to ``path``."""

    has_state_changed: bool  # set by MSAL whenever a token or account is added or removed

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._save_lock = threading.Lock()
        self._load()

    def __repr__(self) -> str:
        return f"FileTokenCache(path={str(self.path)!r})"

    def _load(self) -> None:
        try:
            mode = self.path.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the token cache {self.path}: {exc.strerror or exc}"
            ) from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            os.chmod(self.path, _OWNER_ONLY)
            log.warning(
                "token cache %s was readable by others; permissions reset to 0600. "
                "Sign in again (refsync auth logout, then login) if others may have read it",
                self.path,
            )
        try:
            self.deserialize(self.path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the token cache {self.path}: {exc.strerror or exc}"
            ) from exc
        except ValueError as exc:  # not JSON, or not UTF-8 (UnicodeDecodeError)
            # "from None": the decoder's message may quote the file, which holds tokens.
            raise AuthError(
                f"token cache {self.path} is unreadable ({type(exc).__name__}); "
                "run `refsync auth login` to sign in again"
            ) from None

    def save(self) -> None:
        """Write the cache if MSAL changed it (a new or refreshed token, a removed account)."""
        with self._save_lock:
            if not self.has_state_changed:
                return
            # Cleared before serialising: a token MSAL adds meanwhile sets it again and is
            # written by the next save instead of being silently forgotten.
            self.has_state_changed = False
            try:
                self._write(self.serialize())
            except OSError as exc:
                self.has_state_changed = True
                raise ConfigurationError(
                    f"cannot write the token cache {self.path}: {exc.strerror or exc}"
                ) from exc

    def _write(self, text: str) -> None:
        directory = self.path.parent
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, self.path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def delete(self) -> bool:
        """Remove the file and forget every token; True if there was a file."""
        with self._save_lock:
            self.deserialize(None)
            self.has_state_changed = False
            try:
                self.path.unlink()
            except FileNotFoundError:
                return False
            return True
