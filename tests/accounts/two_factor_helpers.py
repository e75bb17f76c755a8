"""Helpers of the sign-in security tests: a clock the tests move, and 2FA set up by service."""

from datetime import UTC, datetime, timedelta

import pyotp
from django.utils import timezone

from fitnesscrm.accounts import two_factor

# The start of a 30-second step, so `clock.advance(5)` stays in the same step.
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def controlled_clock(monkeypatch) -> Clock:
    """`timezone.now()` under the test's control (codes, expiry and locks all read it)."""
    clock = Clock(START)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def enrol(user, clock: Clock) -> tuple[str, list[str]]:
    """Turn 2FA on for `user` with the service; returns the secret and the recovery codes.

    The clock moves to the next step, so the code used to confirm is not replayed later.
    """
    _device, secret = two_factor.enrolment_start(user=user)
    codes = two_factor.enrolment_confirm(user=user, code=code_at(secret, clock.now))
    clock.advance(30)
    return secret, codes
