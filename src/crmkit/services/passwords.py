"""Password hashing with the standard library's scrypt; only hashes are ever stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["hash_password", "new_password", "verify_password"]

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password``, as ``scrypt$<salt>$<hash>``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches the ``stored`` hash (``None`` never matches)."""
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt64, digest64 = stored.split("$")
    digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt64), n=_N, r=_R, p=_P)
    return hmac.compare_digest(digest, base64.b64decode(digest64))


def new_password(length: int = 12) -> str:
    """A random password without look-alike characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))
