"""Keep secrets out of every message, log line, report and ledger row.

Secrets are held as :class:`pydantic.SecretStr` in settings. Text that may have met a secret on its
way (an exception from MSAL, a server's error body echoing a header) passes through :func:`redact`
before it is stored or printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-_.~+/=]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*")
_KEYED = re.compile(
    r"(?i)((?:client_secret|access_token|refresh_token|id_token|password|assertion)"
    r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
)
# user:password@ inside a URL (a database URL in a source description or an error message).
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^\s/:@]*:)[^\s/@]+@")
MASK = "***"


def redact(text: str, known_secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with bearer tokens, JWTs, ``key=value`` secrets, URL passwords and known
    values masked."""
    for secret in known_secrets:
        if secret:
            text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)
    text = _BEARER.sub(rf"\g<1>{MASK}", text)
    text = _JWT.sub(MASK, text)
    return _KEYED.sub(rf"\g<1>{MASK}", text)
