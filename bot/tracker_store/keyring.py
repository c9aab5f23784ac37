"""Tracker encryption keys: a ring of named AES-256 keys, the first one current; from a file or the environment."""

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contactpunt.data_dir import data_dir

KEYS_ENV = "CONTACTPUNT_TRACKER_KEYS"
KEY_FILE_ENV = "CONTACTPUNT_TRACKER_KEY_FILE"
_PREFIX = "cp1"


class KeyringError(RuntimeError):
    """No usable key, or a ciphertext whose key is not in the ring."""


@dataclass(frozen=True)
class Keyring:
    keys: Tuple[Tuple[str, bytes], ...]  # (key id, 32-byte key), current first

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def _key(self, key_id: str) -> bytes:
        for name, key in self.keys:
            if name == key_id:
                return key
        raise KeyringError(f"tracker key {key_id!r} is not configured")

    def encrypt(self, plaintext: str, bound_to: str) -> str:
        """'cp1:<key id>:<base64 nonce+ciphertext>'; `bound_to` is authenticated (AEAD associated data)."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[0][1]).encrypt(nonce, plaintext.encode("utf-8"), bound_to.encode("utf-8"))
        return f"{_PREFIX}:{self.current_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def key_id_of(self, stored: str) -> str:
        prefix, key_id, _ = stored.split(":", 2)
        if prefix != _PREFIX:
            raise KeyringError("not an encrypted tracker event")
        return key_id

    def decrypt(self, stored: str, bound_to: str) -> str:
        try:
            _, key_id, body = stored.split(":", 2)
            raw = base64.b64decode(body)
            return AESGCM(self._key(key_id)).decrypt(raw[:12], raw[12:], bound_to.encode("utf-8")).decode("utf-8")
        except (ValueError, InvalidTag) as error:
            raise KeyringError("a stored tracker event does not decrypt") from error


def parse(text: str) -> Keyring:
    """'id:base64key,id:base64key' (current first), as in the key file or CONTACTPUNT_TRACKER_KEYS."""
    keys: List[Tuple[str, bytes]] = []
    for part in text.replace("\n", ",").split(","):
        if not part.strip():
            continue
        key_id, _, encoded = part.strip().partition(":")
        key = base64.b64decode(encoded)
        if not key_id.isalnum() or len(key) != 32:
            raise KeyringError("each tracker key is 'id:<32 bytes in base64>' with an alphanumeric id")
        keys.append((key_id, key))
    if not keys:
        raise KeyringError(f"no tracker key: set {KEYS_ENV} or {KEY_FILE_ENV}")
    return Keyring(tuple(keys))


def new_key_line() -> str:
    return f"k{secrets.token_hex(4)}:{base64.b64encode(os.urandom(32)).decode('ascii')}"


def ensure_key_file(path: Path) -> Path:
    """Create a key file (mode 600) with one fresh key when none exists: the embedded default."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_key_line() + "\n")
    return path


def default_key_file() -> Path:
    """Where `contactpunt run` keeps the key when none is configured: tracker.keys in the data directory."""
    return data_dir() / "tracker.keys"


def load(environ: Dict[str, str] = None) -> Keyring:
    """From CONTACTPUNT_TRACKER_KEYS, else the file in CONTACTPUNT_TRACKER_KEY_FILE, else the default file."""
    environ = os.environ if environ is None else environ
    if environ.get(KEYS_ENV):
        return parse(environ[KEYS_ENV])
    key_file = Path(environ[KEY_FILE_ENV]) if environ.get(KEY_FILE_ENV) else default_key_file()
    if not key_file.exists():
        raise KeyringError(f"no tracker key: set {KEYS_ENV} or {KEY_FILE_ENV}, or start `contactpunt run` once")
    return parse(key_file.read_text(encoding="ascii"))


def add_key(path: Path) -> str:
    """Put a new key first in the key file (the old ones stay, to read what they encrypted)."""
    line = new_key_line()
    existing = path.read_text(encoding="ascii") if path.exists() else ""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(line + "\n" + existing)
    return line.split(":", 1)[0]
