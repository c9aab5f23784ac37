"""Case codes: the anonymous reporter's only way back, and the keys derived from them."""

import hashlib
import secrets

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from handoff.case_crypto import PRIVATE_KEY_BYTES, KeyPair, keypair_from_secret

#: Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand stays right.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_CHARS = 5, 4  # 20 symbols x 5 bits = 100 bits of entropy
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


class InvalidCaseCode(ValueError):
    """Not something a case code can be (wrong length or characters)."""


def new_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_CHARS))
    return "-".join(symbols[i:i + GROUP_CHARS] for i in range(0, len(symbols), GROUP_CHARS))


def normalise(typed: str) -> str:
    """Accepts lower case, spaces, hyphens and the usual look-alikes (O for 0, I or L for 1)."""
    symbols = "".join(ch for ch in typed.upper() if ch.isalnum()).translate(_READ_AS)
    if len(symbols) != GROUPS * GROUP_CHARS or any(ch not in ALPHABET for ch in symbols):
        raise InvalidCaseCode("not a case code")
    return "-".join(symbols[i:i + GROUP_CHARS] for i in range(0, len(symbols), GROUP_CHARS))


def _derive(code: str, purpose: bytes, length: int) -> bytes:
    # The code has 100 random bits, so a fast KDF suffices: there is nothing to guess faster than the code.
    return HKDF(SHA256(), length, salt=b"contactpunt case code", info=purpose).derive(normalise(code).encode("ascii"))


def lookup_key(code: str) -> str:
    """What the queue stores to find a case by its code (the code itself is never stored)."""
    return hashlib.sha256(_derive(code, b"lookup", 32)).hexdigest()


def reporter_keypair(code: str, suite: str) -> KeyPair:
    """The reporter's key pair: messages sealed to it open only for someone who has the code."""
    return keypair_from_secret(_derive(code, b"reporter key " + suite.encode(), PRIVATE_KEY_BYTES[suite]), suite)
