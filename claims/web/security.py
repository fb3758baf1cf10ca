"""Web security: CSRF tokens, the login rate limit and cookie flags.

CSRF: a random value lives in an HttpOnly, SameSite=Strict cookie; every form carries
HMAC(secret_key, that value). Another site can neither read the cookie nor compute the HMAC, so a
forged form post fails. The same check guards the login form (login CSRF) and every other POST.

Login rate limit: failed attempts are counted per client address and per username in a sliding
window (in the process's memory: each uvicorn process counts its own; behind several processes the
limit is per process, which still bounds guessing).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import Request, Response

from claims.settings import Settings

CSRF_COOKIE = "claims_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def secure_cookie(request: Request, settings: Settings) -> bool:
    """Cookies are Secure when configured so or when the request came over HTTPS."""
    return settings.cookie_secure or is_https(request)


def csrf_seed(request: Request) -> tuple[str, bool]:
    """The request's CSRF cookie value, or a new one (second item: it must be set on the response)."""
    seed = request.cookies.get(CSRF_COOKIE, "")
    if len(seed) >= 32 and seed.isalnum():
        return seed, False
    return secrets.token_hex(16), True


def csrf_token(secret_key: str, seed: str) -> str:
    return hmac.new(secret_key.encode(), b"csrf:" + seed.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret_key: str, request: Request, submitted: str | None) -> bool:
    seed = request.cookies.get(CSRF_COOKIE, "")
    if not seed or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret_key, seed), submitted)


def set_csrf_cookie(response: Response, request: Request, settings: Settings, seed: str) -> None:
    response.set_cookie(
        CSRF_COOKIE, seed, httponly=True, samesite="strict", secure=secure_cookie(request, settings), path="/"
    )


class LoginLimiter:
    """At most ``attempts`` failures per ``window`` seconds for one key (address or username)."""

    def __init__(self, attempts: int = 5, window: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts, self.window, self.clock = attempts, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.setdefault(key, deque())
        while stamps and now - stamps[0] > self.window:
            stamps.popleft()
        return stamps

    def blocked(self, *keys: str) -> float:
        """Seconds to wait before trying again (0: allowed)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                stamps = self._recent(key, now)
                if len(stamps) >= self.attempts:
                    wait = max(wait, self.window - (now - stamps[0]))
            if len(self._failures) > 100_000:  # bound memory under a flood of distinct keys
                self._failures.clear()
        return wait

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
