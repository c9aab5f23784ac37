"""Keyed pseudonyms for channel user ids (HMAC-SHA256), so no Telegram or Teams id reaches Rasa or the queue."""

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Dict, Optional

from contactpunt.data_dir import data_dir

KEY_ENV = "CONTACTPUNT_PSEUDONYM_KEY"
MIN_KEY_BYTES = 32


class PseudonymKeyError(RuntimeError):
    """No usable pseudonym key is configured."""


def default_key_file() -> Path:
    return data_dir() / "pseudonym.key"


def ensure_key_file(path: Optional[Path] = None) -> Path:
    """Create the key file (mode 600) with a fresh 32-byte key when none exists: the embedded default."""
    path = path or default_key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(MIN_KEY_BYTES)).decode("ascii") + "\n")
    return path


def _decode(text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise PseudonymKeyError(f"{KEY_ENV} must be base64") from None
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"the pseudonym key must be at least {MIN_KEY_BYTES} bytes")
    return key


def load_key(configured: Optional[str] = None, environ: Optional[Dict[str, str]] = None) -> bytes:
    """The key from the channel's credentials, else CONTACTPUNT_PSEUDONYM_KEY, else the data directory's file."""
    environ = os.environ if environ is None else environ
    if configured:
        return _decode(configured)
    if environ.get(KEY_ENV):
        return _decode(environ[KEY_ENV])
    path = default_key_file()
    if not path.exists():
        raise PseudonymKeyError(f"no pseudonym key: set {KEY_ENV} or start `contactpunt run` once")
    return _decode(path.read_text(encoding="ascii"))


def pseudonym(channel: str, user_id: str, key: bytes) -> str:
    """A stable conversation id for one user of one channel that cannot be turned back into the user id."""
    digest = hmac.new(key, f"{channel}|{user_id}".encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:40]}"
