"""The login limiter counts failures in a sliding window; CSRF tokens are bound to their cookie."""

from __future__ import annotations

from claims.web.security import LoginLimiter, csrf_token


def test_limiter_window_and_reset() -> None:
    now = [0.0]
    limiter = LoginLimiter(attempts=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.blocked("u") == 0
        limiter.failed("u")
    assert 0 < limiter.blocked("u") <= 60
    assert limiter.blocked("other") == 0
    now[0] = 61
    assert limiter.blocked("u") == 0
    limiter.failed("u")
    limiter.succeeded("u")
    assert limiter.blocked("u") == 0


def test_csrf_token_depends_on_secret_and_seed() -> None:
    a = csrf_token("secret-one-0123456789", "a" * 32)
    assert a == csrf_token("secret-one-0123456789", "a" * 32)
    assert a != csrf_token("secret-two-0123456789", "a" * 32)
    assert a != csrf_token("secret-one-0123456789", "b" * 32)
