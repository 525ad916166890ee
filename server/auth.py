"""Secrets: password hashes, opaque tokens, signed cookie values. No identity logic lives here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash every login attempt for an unknown e-mail is checked against, so that the response time
# does not reveal which addresses have accounts.
DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a token: a stolen table does not yield usable tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


def sign(value: str, key: str) -> str:
    mac = hmac.new(key.encode(), value.encode(), hashlib.sha256).digest()
    return f"{value}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def unsign(signed: str, key: str) -> str | None:
    value, _, _mac = signed.rpartition(".")
    if not value:
        return None
    return value if hmac.compare_digest(sign(value, key), signed) else None


_CODE_ALPHABET = "0123456789"


def new_join_code() -> str:
    """Eight digits: typed on a phone's number pad; guessing is throttled per address."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def new_id(nbytes: int = 9) -> str:
    return secrets.token_urlsafe(nbytes).replace("-", "a").replace("_", "b").lower()


# Recovery codes carry about 50 random bits, where a password carries what a person chose: OWASP's
# minimum argon2id setting is enough for them, and ten are made (or tried) at once. verify_password
# reads the parameters from the hash.
_code_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def hash_code(code: str) -> str:
    return _code_hasher.hash(code)
