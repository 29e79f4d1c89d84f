"""
HMAC request signing as DRF authentication for the partner surface (API contract §3).

Checks, in order (each failure answered in the partner envelope):

1. The client IP's failed checks (per IP, settings.PARTNER_AUTH_FAILURE_RATE):
   for an IP this process has seen fail lately, a look at the shared count
   before any per-app work; over the limit → 429/42901. The look is only a
   pre-filter that spares a known guesser's per-app work; the limit itself is
   held atomically: a failure is recorded by a `hit` that answers 429 instead
   of 401 once the count is full, and a request that passes every check still
   goes through the count as a closed-or-open gate (step 6), so concurrent
   guesses get at most the limit's worth of answers that tell anything.
2. X-App-Id, X-Timestamp (unix ms), X-Signature (64 hex) present and well formed
   → else 401/40101 naming the header.
3. The timestamp within ±PARTNER_SIGNATURE_WINDOW_SECONDS of server time → else 401/40102.
4. The app exists (settings.PARTNER_CREDENTIALS_LOOKUP) → else 401/40103.
5. HMAC over METHOD + raw request target + timestamp + raw body matches the
   current secret or the previous one before its expiry (constant time) → else 401/40101.
   Failures of 2-5 are counted against the client IP.
6. The IP's failure count is under its limit (the gate) → else 429/42901; the
   app's QPS (the core limiter; headers on every response from here on) → else
   429/42901 with Retry-After.
7. The app is active → else 403/40302; the client IP is in its whitelist → else 403/40301.
8. The signature has not been accepted before within the window plus a
   clock-skew margin (a claim in the limiter's shared store: Redis, or the
   embedded default's SQLite file) → else 401/40104. A request refused by 6 or 7
   has not used its signature. If the store cannot be reached the request is
   refused with 503/50301: replay protection never fails open (the QPS limit
   alone would).

Errors are answered in that order, but 7 (local, no I/O) is decided first so
that 6 and 8 are one atomic step of the limiter, told whether to record the
signature (`hit_then_claim`): one round trip.

Each failure of 2-5 and 8 counts in procure_partner_auth_failures by its code, and a
replay also as a refusal of the policy "partner-replay" (core.metrics); the limiter
counts its own refusals by policy.

On success `request.user` is a `PartnerPrincipal` (its `app` is whatever the
lookup returned, e.g. the procurement model) and `request.auth` the
`PartnerCredentials`. core imports no app: the lookup is a dotted path in settings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import hashlib
from datetime import datetime
from functools import lru_cache
import ipaddress
import logging
import re
import threading
import time
from typing import Any, Callable

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from core import metrics
from core.clientip import client_ip, ip_in_networks
from core.codes import PartnerCode
from core.exceptions import ServiceError
from core.logging import set_caller
from core.middleware import raw_request_target
from core.ratelimit import Gate, RateLimitResult, get_limiter, parse_rate
from core.signing import compute_signature, decoded_target, signatures_match
from core.throttling import record_rate_limit
from core.timeutil import utc_now

logger = logging.getLogger("core.partner_auth")

_APP_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_TIMESTAMP = re.compile(r"^\d{1,16}$")
_SIGNATURE = re.compile(r"^[0-9A-Fa-f]{64}$")

# RFC 9110: a 401 names its scheme.
CHALLENGE = 'HMAC-SHA256 realm="partner", headers="X-App-Id X-Timestamp X-Signature"'
QPS_POLICY = "partner-app"
FAILURE_POLICY = "partner-auth-failures"


@dataclass(frozen=True)
class SigningSecret:
    """A plaintext secret and, for a previous secret kept during rotation, when it stops verifying."""

    value: str
    expires_at: datetime | None = None

    def valid_at(self, moment: datetime) -> bool:
        return self.expires_at is None or moment < self.expires_at


@dataclass(frozen=True)
class PartnerCredentials:
    """What the verifier needs to know about one partner app; returned by the settings hook."""

    app_id: str
    secrets: tuple[SigningSecret, ...]
    ip_whitelist: tuple[str, ...] = ()
    qps_limit: int = 100
    is_active: bool = True
    app: Any = field(default=None, compare=False)


class PartnerPrincipal:
    """`request.user` of a signed request: the calling app."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, credentials: PartnerCredentials):
        self.app_id = credentials.app_id
        self.app = credentials.app
        self.pk = credentials.app_id

    def __str__(self):
        return f"app:{self.app_id}"


@lru_cache(maxsize=1)
def _lookup(path: str) -> Callable[[str], PartnerCredentials | None]:
    return import_string(path)


@lru_cache(maxsize=256)
def _networks(entries: tuple[str, ...]):
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            # Entries are validated when saved; a bad one never widens access.
            logger.warning("partner_auth.bad_whitelist_entry", extra={"entry": entry[:64]})
    return tuple(networks)


class _CredentialsCache:
    """
    Found credentials per process for settings.PARTNER_CREDENTIALS_CACHE_SECONDS:
    saves the app query on most requests. Changes to an app (disabling it, a
    rotation, the whitelist) therefore reach every process within that time.
    Unknown app ids are never cached, so a new app works at once.
    """

    def __init__(self):
        self._entries: dict[str, tuple[float, PartnerCredentials]] = {}
        self._lock = threading.Lock()

    def get(self, app_id: str) -> PartnerCredentials | None:
        ttl = getattr(settings, "PARTNER_CREDENTIALS_CACHE_SECONDS", 0)
        if ttl <= 0:
            return _lookup(settings.PARTNER_CREDENTIALS_LOOKUP)(app_id)
        now = time.monotonic()
        entry = self._entries.get(app_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        credentials = _lookup(settings.PARTNER_CREDENTIALS_LOOKUP)(app_id)
        if credentials is not None:
            with self._lock:
                if len(self._entries) > 10_000:
                    self._entries.clear()
                self._entries[app_id] = (now + ttl, credentials)
        return credentials

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


credentials_cache = _CredentialsCache()


class _RecentFailures:
    """
    Client IPs this process has seen fail a check within the failure window.

    The shared failure count (the limiter) is only consulted for these IPs, so a
    caller that never fails costs no round trip for it. A guesser spread over
    several processes gets at most one unchecked attempt per process before each
    of them consults the shared count: the limit is exact up to that.
    """

    def __init__(self):
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def note(self, ip: str) -> None:
        with self._lock:
            if len(self._last) > 100_000:
                self._last.clear()
            self._last[ip] = time.monotonic()

    def seen(self, ip: str, window: float) -> bool:
        last = self._last.get(ip)
        return last is not None and time.monotonic() - last < window

    def clear(self) -> None:
        with self._lock:
            self._last.clear()


recent_failures = _RecentFailures()


def _reset(**kwargs):
    if kwargs.get("setting") in {"PARTNER_CREDENTIALS_LOOKUP", "PARTNER_CREDENTIALS_CACHE_SECONDS"}:
        _lookup.cache_clear()
        credentials_cache.clear()


setting_changed.connect(_reset)


def _what_was_signed(method: str, target: str, decoded: str | None, timestamp: str, body: bytes) -> dict:
    """
    What the server computed the signature over, for a partner to compare with its own
    string to sign (like S3's SignatureDoesNotMatch): never the secret nor the expected
    signature. The body is given by length and SHA-256, not echoed.
    """
    signed = {"method": method.upper(), "target": target, "timestamp": timestamp,
              "bodyLength": len(body), "bodySha256": hashlib.sha256(body).hexdigest()}
    if decoded is not None:
        signed["decodedTarget"] = decoded
    return signed


def _header_error(header: str, reason: str) -> ServiceError:
    return ServiceError(
        PartnerCode.SIGNATURE_INVALID.message,
        code=PartnerCode.SIGNATURE_INVALID,
        status=401,
        data={"field": header, "reason": reason},
        headers={"WWW-Authenticate": CHALLENGE},
    )


def window_seconds() -> int:
    return int(getattr(settings, "PARTNER_SIGNATURE_WINDOW_SECONDS", 300))


def qps_window_seconds() -> float:
    """The window an app's QPS limit counts over: one second, as 001 says, unless settings widen it."""
    return float(getattr(settings, "PARTNER_QPS_WINDOW_SECONDS", 1.0))


def replay_claim_ttl_ms() -> int:
    """
    How long a used signature is remembered: the whole window a timestamp can be
    accepted in (from `window` behind to `window` ahead of this host's clock),
    plus a margin for hosts whose clocks disagree, whatever the timestamp was.
    """
    return (2 * window_seconds() + int(getattr(settings, "PARTNER_REPLAY_SKEW_MARGIN_SECONDS", 60))) * 1000


def replay_claim_key(app_id: str, signature: str) -> str:
    """The limiter claim that marks `signature` (lower-case hex) of `app_id` as used."""
    return f"partner:replay:{app_id}:{signature}"


def _failure_gate(ip: str) -> Gate:
    limit, window = parse_rate(settings.PARTNER_AUTH_FAILURE_RATE)
    return Gate(f"{FAILURE_POLICY}:ip:{ip}", limit, window, FAILURE_POLICY)


def _rate_limited(result: RateLimitResult) -> ServiceError:
    """429/42901 for a refused limiter decision (the app's QPS or the IP's failed checks)."""
    return ServiceError(PartnerCode.RATE_LIMITED.message, code=PartnerCode.RATE_LIMITED, status=429,
                        headers={"Retry-After": str(result.retry_after)})


def _replay_store_unavailable(error: str) -> ServiceError:
    # Without the store a replay cannot be told from a first use: refuse rather than let it through.
    logger.error("partner_auth.replay_store_unavailable", extra={"error": error, "fail_closed": True})
    return ServiceError(PartnerCode.UNAVAILABLE.message, code=PartnerCode.UNAVAILABLE, status=503,
                        data={"reason": "防重放存储暂时不可用,请稍后用新的时间戳重试"},
                        headers={"Retry-After": "1"})


class PartnerSignatureAuthentication(BaseAuthentication):
    """DRF authentication for HMAC-signed partner requests (see the module docstring)."""

    def authenticate_header(self, request):
        # Present so that DRF keeps 401 for authentication failures.
        return CHALLENGE

    def authenticate(self, request):
        django_request = getattr(request, "_request", request)
        ip = client_ip(django_request)
        failures = _failure_gate(ip)
        limiter = get_limiter()

        if recent_failures.seen(ip, failures.window):
            blocked = limiter.peek(failures.key, failures.limit, failures.window, policy=FAILURE_POLICY)
            if not blocked.allowed:
                raise _rate_limited(blocked)
        try:
            credentials, signature = self._verify(django_request)
        except ServiceError as error:
            metrics.PARTNER_AUTH_FAILURES.labels(str(int(error.code))).inc()
            self._count_failure(limiter, ip, failures, error)
            raise

        set_caller(django_request, f"app:{credentials.app_id}")
        refusal = self._local_refusal(credentials, ip)
        outcome = limiter.hit_then_claim(
            f"{QPS_POLICY}:{credentials.app_id}", max(1, credentials.qps_limit), qps_window_seconds(), policy=QPS_POLICY,
            claim_key=replay_claim_key(credentials.app_id, signature), claim_ttl_ms=replay_claim_ttl_ms(),
            claim_wanted=refusal is None, gate=failures,
        )
        if outcome.gated:
            raise _rate_limited(outcome.gate)
        if outcome.store_error is not None and refusal is None:
            raise _replay_store_unavailable(outcome.store_error)
        record_rate_limit(django_request, outcome.rate)
        if not outcome.rate.allowed:
            raise _rate_limited(outcome.rate)
        if refusal is not None:
            raise refusal
        if outcome.claimed is False:
            metrics.PARTNER_AUTH_FAILURES.labels(str(int(PartnerCode.REQUEST_REPLAYED))).inc()
            metrics.refused(metrics.REPLAY_POLICY)
            self._count_failure(limiter, ip, failures, None)
            raise ServiceError(PartnerCode.REQUEST_REPLAYED.message, code=PartnerCode.REQUEST_REPLAYED, status=401,
                               data={"field": "X-Signature", "reason": "该签名已使用过,请用新的时间戳重新签名"},
                               headers={"WWW-Authenticate": CHALLENGE})
        principal = PartnerPrincipal(credentials)
        django_request.partner = principal
        return principal, credentials

    def _verify(self, request) -> tuple[PartnerCredentials, str]:
        """Steps 2-5: headers, time window, app, signature. Raises ServiceError."""
        app_id = request.META.get("HTTP_X_APP_ID", "")
        timestamp = request.META.get("HTTP_X_TIMESTAMP", "")
        signature = request.META.get("HTTP_X_SIGNATURE", "")
        for header, value, pattern, shape in (
            ("X-App-Id", app_id, _APP_ID, "1-64 个字母、数字或 _.:-"),
            ("X-Timestamp", timestamp, _TIMESTAMP, "毫秒级 Unix 时间戳"),
            ("X-Signature", signature, _SIGNATURE, "64 位十六进制 HMAC-SHA256"),
        ):
            if not value:
                raise _header_error(header, f"缺少请求头 {header}")
            if not pattern.fullmatch(value):
                raise _header_error(header, f"{header} 格式错误,应为{shape}")

        timestamp_ms = int(timestamp)
        now_ms = int(time.time() * 1000)
        window = window_seconds()
        if abs(now_ms - timestamp_ms) > window * 1000:
            raise ServiceError(
                PartnerCode.TIMESTAMP_EXPIRED.message, code=PartnerCode.TIMESTAMP_EXPIRED, status=401,
                data={"field": "X-Timestamp", "reason": f"与服务器时间相差超过 {window} 秒", "serverTime": now_ms},
                headers={"WWW-Authenticate": CHALLENGE},
            )

        credentials = credentials_cache.get(app_id)
        if credentials is None:
            raise ServiceError(PartnerCode.APP_NOT_FOUND.message, code=PartnerCode.APP_NOT_FOUND, status=401,
                               data={"field": "X-App-Id", "reason": "App ID 不存在"},
                               headers={"WWW-Authenticate": CHALLENGE})

        target = raw_request_target(request)
        body = request.body
        moment = utc_now()
        # The target as sent, then (if it differs) with meaningless escapes decoded: the path as
        # the partner wrote it before its HTTP library percent-encoded it (core.signing).
        targets = [target]
        decoded = decoded_target(target)
        if decoded is not None:
            targets.append(decoded)
        matched = False
        for candidate_target in targets:
            for secret in credentials.secrets:
                # Every secret is computed and compared, so timing does not tell which one matched.
                candidate = compute_signature(secret.value, request.method, candidate_target, timestamp, body)
                matched = signatures_match(candidate, signature) and secret.valid_at(moment) or matched
            if matched:
                break
        if not matched:
            error = _header_error("X-Signature", "签名不匹配:请将 data.signed 与你签名的内容逐项比对")
            error.data["signed"] = _what_was_signed(request.method, target, decoded, timestamp, body)
            raise error
        return credentials, signature.lower()

    @staticmethod
    def _count_failure(limiter, ip: str, failures: Gate, error: ServiceError | None) -> None:
        """
        Record one failed check for the client IP. Once its count is full the
        failure answers 429 instead of its own error: past the limit, no answer
        tells a guesser whether a guess was wrong.
        """
        recent_failures.note(ip)
        result = limiter.hit(failures.key, failures.limit, failures.window, policy=FAILURE_POLICY)
        if not result.allowed:
            raise _rate_limited(result) from error

    @staticmethod
    def _local_refusal(credentials: PartnerCredentials, ip: str) -> ServiceError | None:
        """Step 7: the error to answer if the app is disabled or the client IP outside its whitelist."""
        if not credentials.is_active:
            return ServiceError(PartnerCode.FORBIDDEN.message, code=PartnerCode.FORBIDDEN, status=403,
                                data={"reason": "应用已停用"})
        if credentials.ip_whitelist and not ip_in_networks(ip, _networks(tuple(credentials.ip_whitelist))):
            return ServiceError(PartnerCode.IP_NOT_ALLOWED.message, code=PartnerCode.IP_NOT_ALLOWED, status=403,
                                data={"ip": ip})
        return None


class PartnerSignatureScheme(OpenApiAuthenticationExtension):
    """OpenAPI: the three headers, required together."""

    target_class = "core.partner_auth.PartnerSignatureAuthentication"
    name = ["PartnerAppId", "PartnerTimestamp", "PartnerSignature"]

    def get_security_definition(self, auto_schema):
        how = (
            "signature = hex(HMAC-SHA256(appSecret, METHOD + PATH + TIMESTAMP + BODY)); PATH is the raw "
            "request target with its query string, BODY the raw body (empty for GET). See docs/partner-guide.md."
        )
        return [
            {"type": "apiKey", "in": "header", "name": "X-App-Id", "description": "the app id"},
            {"type": "apiKey", "in": "header", "name": "X-Timestamp",
             "description": "unix time in milliseconds; within ±300 s of server time"},
            {"type": "apiKey", "in": "header", "name": "X-Signature", "description": how},
        ]
