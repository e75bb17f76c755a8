"""Encryption of small secrets kept in the database (the TOTP secrets of authenticator apps).

The key is derived from SECRET_KEY; SECRET_KEY_FALLBACKS still decrypt, so rotating the
secret key does not lock anyone out: re-saving (a new enrolment) moves to the new key.
A database dump alone therefore does not give anyone the codes of the staff.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(f"fitnesscrm.accounts.totp:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def encrypt(value: str) -> str:
    return _keys().encrypt(value.encode()).decode()


class DecryptionFailed(Exception):
    """The value was encrypted with a key that is no longer configured."""


def decrypt(token: str) -> str:
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionFailed("The secret cannot be decrypted with the configured keys.") from exc
