"""Password hashing (Argon2) and signed, expiring tokens for API clients and the session cookie."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_TOKEN_SALT = "claims.auth.token"  # noqa: S105 - a salt, not a secret
# A fixed hash used to spend the same time when the username does not exist.
_DUMMY_PASSWORD = "not-a-real-password"  # noqa: S105


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(_DUMMY_PASSWORD)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-effort check; a missing user still costs one Argon2 verification."""
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_token(secret_key: str, user_id: int) -> str:
    return URLSafeTimedSerializer(secret_key, salt=_TOKEN_SALT).dumps({"uid": user_id})


def read_token(secret_key: str, token: str, max_age: int) -> int | None:
    """The user id carried by a valid, unexpired token, else None."""
    try:
        data: Any = URLSafeTimedSerializer(secret_key, salt=_TOKEN_SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    uid = data.get("uid") if isinstance(data, dict) else None
    return uid if isinstance(uid, int) else None
