"""Adviser secrets at rest: the private key and TOTP seed, wrapped by a key derived from the passphrase."""

import json
import os
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

#: Argon2id parameters (RFC 9106 second recommendation: 64 MiB, 3 passes, 4 lanes).
ARGON2 = {"iterations": 3, "lanes": 4, "memory_cost": 64 * 1024}
MIN_PASSPHRASE_CHARS = 12
TOTP_DIGITS = 6
TOTP_STEP = 30


class WrongPassphrase(Exception):
    """The passphrase does not unwrap this adviser's secrets."""


@dataclass(frozen=True)
class WrappedSecrets:
    """What the database holds for an adviser: nothing here opens without the passphrase."""

    kdf: str  # JSON: algorithm, parameters, salt
    private_key: bytes  # nonce + AES-256-GCM ciphertext
    totp_seed: bytes


def _kek(passphrase: str, kdf: dict) -> bytes:
    return Argon2id(
        salt=bytes.fromhex(kdf["salt"]), length=32, iterations=kdf["iterations"],
        lanes=kdf["lanes"], memory_cost=kdf["memory_cost"],
    ).derive(passphrase.encode("utf-8"))


def _wrap(kek: bytes, secret: bytes, label: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(kek).encrypt(nonce, secret, label.encode("utf-8"))


def _unwrap(kek: bytes, wrapped: bytes, label: str) -> bytes:
    try:
        return AESGCM(kek).decrypt(wrapped[:12], wrapped[12:], label.encode("utf-8"))
    except InvalidTag:
        raise WrongPassphrase() from None


def check_passphrase_strength(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise ValueError(f"a passphrase needs at least {MIN_PASSPHRASE_CHARS} characters")


def wrap_secrets(login: str, passphrase: str, private_key: bytes, totp_seed: bytes) -> WrappedSecrets:
    """Wrap both secrets under a fresh salt; the labels bind each to this adviser and its purpose."""
    check_passphrase_strength(passphrase)
    kdf = {"algorithm": "argon2id", "salt": os.urandom(16).hex(), **ARGON2}
    kek = _kek(passphrase, kdf)
    return WrappedSecrets(
        kdf=json.dumps(kdf),
        private_key=_wrap(kek, private_key, f"adviser-private-key|{login}"),
        totp_seed=_wrap(kek, totp_seed, f"adviser-totp|{login}"),
    )


def unwrap_secrets(login: str, passphrase: str, wrapped: WrappedSecrets) -> tuple:
    """(private key, TOTP seed), or WrongPassphrase."""
    kek = _kek(passphrase, json.loads(wrapped.kdf))
    return (
        _unwrap(kek, wrapped.private_key, f"adviser-private-key|{login}"),
        _unwrap(kek, wrapped.totp_seed, f"adviser-totp|{login}"),
    )


def new_totp_seed() -> bytes:
    return os.urandom(20)


def _totp(seed: bytes) -> TOTP:
    return TOTP(seed, TOTP_DIGITS, SHA1(), TOTP_STEP, enforce_key_length=False)


def totp_uri(seed: bytes, login: str) -> str:
    """otpauth:// URI for an authenticator app (shown once, when the adviser is added)."""
    return _totp(seed).get_provisioning_uri(login, "Contactpunt")


def totp_code(seed: bytes, at: float) -> str:
    return _totp(seed).generate(int(at)).decode("ascii")


def totp_valid(seed: bytes, code: str, at: float = None) -> bool:
    """True for the code of this 30-second step or the one before or after (clock drift)."""
    now = time.time() if at is None else at
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != TOTP_DIGITS:
        return False
    for drift in (0, -TOTP_STEP, TOTP_STEP):
        try:
            _totp(seed).verify(code.encode("ascii"), int(now + drift))
            return True
        except InvalidToken:
            continue
    return False
