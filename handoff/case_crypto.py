"""HPKE (RFC 9180) sealing of case contents to key pairs; every ciphertext bound to its case and row."""

import os
from dataclasses import dataclass
from typing import Union

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

#: Suites by name. The hybrid one (ML-KEM-768 + X25519) is the default: cases may be kept for years,
#: and a recorded ciphertext must stay closed even to a future quantum computer. See docs/crypto.md.
HYBRID = "mlkem768-x25519"
CLASSIC = "x25519"
DEFAULT_SUITE = os.environ.get("CONTACTPUNT_CASE_SUITE", HYBRID)

_SUITES = {
    HYBRID: hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
    CLASSIC: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
}
#: Private key sizes: ML-KEM seed (64) + X25519 (32), or X25519 alone.
PRIVATE_KEY_BYTES = {HYBRID: 96, CLASSIC: 32}
_DOMAIN = b"contactpunt/v1"

PrivateKey = Union[hpke.MLKEM768X25519PrivateKey, x25519.X25519PrivateKey]


class DecryptionError(Exception):
    """A ciphertext did not open: wrong key, altered bytes, or a row moved to another place."""


@dataclass(frozen=True)
class KeyPair:
    """A key pair as bytes: `private` must never be stored unwrapped."""

    suite: str
    private: bytes
    public: bytes


def generate_keypair(suite: str = DEFAULT_SUITE) -> KeyPair:
    return keypair_from_secret(os.urandom(PRIVATE_KEY_BYTES[suite]), suite)


def keypair_from_secret(secret: bytes, suite: str = DEFAULT_SUITE) -> KeyPair:
    """A deterministic key pair from uniformly random secret bytes (of PRIVATE_KEY_BYTES[suite])."""
    if len(secret) != PRIVATE_KEY_BYTES[suite]:
        raise ValueError(f"{suite} needs {PRIVATE_KEY_BYTES[suite]} secret bytes")
    if suite == HYBRID:
        pq = mlkem.MLKEM768PrivateKey.from_seed_bytes(secret[:64])
        classic = x25519.X25519PrivateKey.from_private_bytes(secret[64:])
        public = pq.public_key().public_bytes_raw() + classic.public_key().public_bytes_raw()
    else:
        public = x25519.X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes_raw()
    return KeyPair(suite, secret, public)


def _private_key(suite: str, private: bytes) -> PrivateKey:
    if suite == HYBRID:
        return hpke.MLKEM768X25519PrivateKey(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(private[:64]),
            x25519.X25519PrivateKey.from_private_bytes(private[64:]),
        )
    return x25519.X25519PrivateKey.from_private_bytes(private)


def _public_key(suite: str, public: bytes):
    if suite == HYBRID:
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(public[:-32]),
            x25519.X25519PublicKey.from_public_bytes(public[-32:]),
        )
    return x25519.X25519PublicKey.from_public_bytes(public)


def binding(*parts: str) -> bytes:
    """The HPKE `info` for a ciphertext: it enters the key schedule, so the ciphertext opens only
    in the place it was made for (this case, this row, this reader)."""
    return b"|".join([_DOMAIN, *(part.encode("utf-8") for part in parts)])


def seal(plaintext: bytes, suite: str, public: bytes, bound_to: bytes) -> bytes:
    return _SUITES[suite].encrypt(plaintext, _public_key(suite, public), info=bound_to)


def open_sealed(ciphertext: bytes, suite: str, private: bytes, bound_to: bytes) -> bytes:
    try:
        return _SUITES[suite].decrypt(ciphertext, _private_key(suite, private), info=bound_to)
    except (InvalidTag, ValueError) as error:
        raise DecryptionError("ciphertext does not open here") from error
