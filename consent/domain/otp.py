"""One-time codes for granting consent by phone: short-lived, few attempts, stored only as a MAC."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

__all__ = ["OTP_DIGITS", "OTP_MAX_ATTEMPTS", "OTP_TTL", "code_mac", "mask_phone", "new_code", "verify_code"]

OTP_DIGITS = 6
OTP_TTL = timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5


def new_code() -> str:
    return f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"


def code_mac(secret: bytes, consent_id: str, code: str) -> str:
    """Bound to the consent, so a code leaked from one request is useless for another."""
    return hmac.new(secret, f"otp|{consent_id}|{code}".encode(), hashlib.sha256).hexdigest()


def verify_code(secret: bytes, consent_id: str, code: str, expected_mac: str) -> bool:
    return hmac.compare_digest(code_mac(secret, consent_id, code), expected_mac)


def mask_phone(phone: str) -> str:
    return phone[:-7] + "*****" + phone[-2:] if len(phone) > 7 else "*" * len(phone)
