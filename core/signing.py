"""
Request signing for the partner surface (seed 001, API contract §3).

    signature = hex(HMAC-SHA256(appSecret, METHOD + PATH + TIMESTAMP + BODY))

PATH is the request target exactly as sent on the request line (raw path and
raw query string), BODY the raw body bytes (empty for GET). This module is the
ONE place that builds the string to sign: the verifier
(`core.partner_auth`), the `sign_request` command and the Python client
(`core.partner_client`) all call it. It imports nothing from Django so that
the client can be copied out and used on its own.

Partners sign the path as they wrote it (seed 001: `/api/v1/intents?filter[status]=…`),
and most HTTP libraries percent-encode brackets, spaces and non-ASCII characters on
the wire. `decoded_target` gives the second form the verifier tries: the raw target
with the escapes of characters that carry no meaning in a URL decoded, and every
delimiter (`& = + # % ; / ?`) left escaped, so that two requests that mean different
things never verify under one signature.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time

SIGNATURE_HEADERS = ("X-App-Id", "X-Timestamp", "X-Signature")


def _bytes(value: str | bytes | None) -> bytes:
    if value is None:
        return b""
    return value if isinstance(value, bytes) else value.encode("utf-8")


# ASCII characters whose escape is decoded: RFC 3986's unreserved ones, the sub- and gen-delimiters
# that mean nothing to the service's query parsing (brackets, comma, colon, @, ! $ ' ( ) *), and
# those that can never appear raw on a request line (space, " < > backslash ^ ` { | }), so that their
# decoded form cannot collide with another request's wire form. Never decoded: & = + # % ; / ?
# and control characters, which would change what the request means.
_DECODABLE_ASCII = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    "[],:@!$'()*"
    " \"<>\\^`{|}"
)
_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _utf8_length(lead: int) -> int:
    """How many bytes a UTF-8 sequence starting with `lead` has (0: not a lead byte)."""
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _decode_run(run: str) -> str:
    escapes = [run[i:i + 3] for i in range(0, len(run), 3)]
    values = [int(escape[1:], 16) for escape in escapes]
    out, i = [], 0
    while i < len(values):
        value = values[i]
        if value < 0x80:
            out.append(chr(value) if chr(value) in _DECODABLE_ASCII else escapes[i])
            i += 1
            continue
        length = _utf8_length(value)
        if length:
            try:
                out.append(bytes(values[i:i + length]).decode("utf-8") if i + length <= len(values) else None)
            except UnicodeDecodeError:
                out.append(None)
            if out[-1] is not None:
                i += length
                continue
            out.pop()
        out.append(escapes[i])  # not a whole UTF-8 character: left as sent
        i += 1
    return "".join(out)


def decoded_target(target: str) -> str | None:
    """
    `target` with the percent-escapes of meaningless characters decoded (whole
    UTF-8 characters, brackets, commas, spaces, unreserved ASCII; never a
    delimiter or `%25`), or None when that changes nothing.
    """
    if "%" not in target:
        return None
    decoded = _ESCAPES.sub(lambda match: _decode_run(match.group(0)), target)
    return decoded if decoded != target else None


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
