"""
Encryption at rest for credentials the service must read back (partner app secrets).

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under the key(s) in
settings.SIGNING_ENCRYPTION_KEY, never SECRET_KEY itself. Several keys,
comma-separated, allow re-keying: the first encrypts, every one decrypts
(`manage.py reencrypt_partner_secrets` moves old rows to the first key).
"""
from __future__ import annotations

import base64
from functools import lru_cache
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed


class SecretDecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def _fernet_key(text: str) -> bytes:
    """A Fernet key as given (44 url-safe base64 chars), or one derived from any other passphrase."""
    raw = text.strip().encode("utf-8")
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32 and len(raw) == 44:
            return raw
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(b"procure-secretbox:" + raw).digest())


@lru_cache(maxsize=1)
def _box(keys: str) -> MultiFernet:
    parts = [part for part in keys.split(",") if part.strip()]
    if not parts:
        raise SecretDecryptionError("SIGNING_ENCRYPTION_KEY is empty")
    return MultiFernet([Fernet(_fernet_key(part)) for part in parts])


def encrypt(plaintext: str) -> str:
    """Encrypt under the first configured key; the token is ASCII, safe for a text column."""
    return _box(settings.SIGNING_ENCRYPTION_KEY).encrypt(plaintext.encode("utf-8")).decode("ascii")


@lru_cache(maxsize=4096)
def _decrypt_cached(keys: str, token: str) -> str:
    try:
        return _box(keys).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise SecretDecryptionError("stored secret cannot be decrypted with the configured key(s)") from exc


def decrypt(token: str) -> str:
    """Decrypt a stored token. Results are memoised per process (the hot path verifies every request)."""
    return _decrypt_cached(settings.SIGNING_ENCRYPTION_KEY, token)


def reencrypt(token: str) -> str:
    """The same plaintext under the first (current) key."""
    return _box(settings.SIGNING_ENCRYPTION_KEY).rotate(token.encode("ascii")).decode("ascii")


def _clear(**kwargs):
    if kwargs.get("setting") == "SIGNING_ENCRYPTION_KEY":
        _box.cache_clear()
        _decrypt_cached.cache_clear()


setting_changed.connect(_clear)
