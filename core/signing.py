"""
Request signing for the partner surface (seed 001, API contract §3).

    signature = hex(HMAC-SHA256(appSecret, METHOD + PATH + TIMESTAMP + BODY))

PATH is the request target exactly as sent on the request line (raw path and
raw query string), BODY the raw body bytes (empty for GET). This module is the
ONE place that builds the string to sign: the verifier
(`core.partner_auth`), the `sign_request` command and the Python client
(`core.partner_client`) all call it. It imports nothing from Django so that
the client can be copied out and used on its own.
"""
from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADERS = ("X-App-Id", "X-Timestamp", "X-Signature")


def _bytes(value: str | bytes | None) -> bytes:
    if value is None:
        return b""
    return value if isinstance(value, bytes) else value.encode("utf-8")


def string_to_sign(method: str, target: str | bytes, timestamp: str | int, body: str | bytes | None) -> bytes:
    """METHOD + PATH + TIMESTAMP + BODY as bytes (METHOD upper-cased, the rest verbatim)."""
    return method.upper().encode("ascii") + _bytes(target) + str(timestamp).encode("ascii") + _bytes(body)


def compute_signature(secret: str | bytes, method: str, target: str | bytes, timestamp: str | int,
                      body: str | bytes | None = b"") -> str:
    """The lower-case hex HMAC-SHA256 of the string to sign under `secret`."""
    return hmac.new(_bytes(secret), string_to_sign(method, target, timestamp, body), hashlib.sha256).hexdigest()


def signatures_match(expected_hex: str, given: str) -> bool:
    """Constant-time comparison; hex is compared case-insensitively (contract §3)."""
    return hmac.compare_digest(expected_hex.lower().encode("ascii"), given.strip().lower().encode("ascii", "replace"))


def now_ms() -> int:
    """The current unix time in milliseconds, as X-Timestamp carries it."""
    return int(time.time() * 1000)


def signed_headers(app_id: str, secret: str | bytes, method: str, target: str, body: str | bytes | None = b"",
                   timestamp: int | str | None = None) -> dict[str, str]:
    """The three headers of a signed request (plus Content-Type when there is a body)."""
    timestamp = str(now_ms() if timestamp is None else timestamp)
    headers = {
        "X-App-Id": app_id,
        "X-Timestamp": timestamp,
        "X-Signature": compute_signature(secret, method, target, timestamp, body),
    }
    if body:
        headers["Content-Type"] = "application/json"
    return headers
