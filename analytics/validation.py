"""
Validation of event batches (contract §8), without serializers.

A batch of 500 events would cost a DRF serializer per event; these checks are
plain functions over the parsed JSON. The batch envelope either passes or the
whole request is refused (400 VALIDATION_ERROR); each event is then judged
alone and yields a `ValidEvent` or one message: the contract's field rules are
worded like class-validator's (the library 003's NestJS service used: "installId
must be a string"); content the stores cannot keep exactly as sent (NUL, lone
surrogates, integers beyond 64 bits, NaN/Infinity/overflowing numbers, repeated
keys, nesting past MAX_PROPERTIES_DEPTH) is refused with a message in Chinese.

The body is read by `analytics.parsers.EventBatchParser`, which marks such
content (`analytics.jsonbody`) instead of failing the whole batch on it.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
import math
import re

from django.conf import settings
import orjson

from analytics.errors import AnalyticsError
from analytics.jsonbody import TOO_DEEP, HugeInt, NonFinite, RepeatedKeys
from analytics.services import ValidEvent

EVENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
INSTALL_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_USER_ID = 64
MAX_EVENT_ID = 64
# Longest province or city name kept as a location; longer values stay in properties only.
MAX_PLACE = 64
# Levels of objects and arrays in properties, properties itself being the first. Real
# properties are flat or nearly so; the bound keeps every store and serializer (orjson
# stops at 254 levels, PostgreSQL at its stack depth) far from its own limit.
MAX_PROPERTIES_DEPTH = 32
# Depth of the body the parser must keep: the batch object, `events`, the event, then properties.
BODY_DEPTH_KEPT = 3 + MAX_PROPERTIES_DEPTH
# Integers orjson (and so the stored JSON) can carry: signed or unsigned 64 bits.
MIN_INT, MAX_INT = -(2 ** 63), 2 ** 64 - 1
# NUL (PostgreSQL text and jsonb refuse it) and lone UTF-16 surrogates (not encodable as UTF-8).
_UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


class Unstorable:
    """The messages of content that cannot be stored exactly as sent (contract §8: the event fails alone)."""

    REPEATED_FIELD = "事件中有重复的字段"
    DEPTH = f"properties 的嵌套不能超过 {MAX_PROPERTIES_DEPTH} 层"
    REPEATED_KEY = "properties 中有重复的键"
    NUL = "properties 中的文本不能含有 NUL 字符 (\\u0000)"
    SURROGATE = "properties 中的文本不能含有未配对的代理字符 (\\ud800-\\udfff)"
    INTEGER = "properties 中的整数超出 64 位范围 (-2^63 至 2^64-1)"
    NON_FINITE = "properties 中的数字必须是有限值 (不能是 NaN、Infinity 或超出浮点数范围)"

    @staticmethod
    def text(field: str, text: str) -> str | None:
        """The message for a text field holding NUL or a lone surrogate, else None."""
        bad = _UNSTORABLE_TEXT.search(text)
        if bad is None:
            return None
        if bad.group() == "\x00":
            return f"{field} 不能含有 NUL 字符 (\\u0000)"
        return f"{field} 不能含有未配对的代理字符 (\\ud800-\\udfff)"


def batch_events(body) -> list:
    """The `events` list of a request body, or a 400 VALIDATION_ERROR naming what is wrong."""
    limit = settings.ANALYTICS_MAX_BATCH_EVENTS
    if not isinstance(body, dict):
        raise AnalyticsError.VALIDATION_ERROR.error(["request body must be a JSON object"])
    if isinstance(body, RepeatedKeys) and "events" in body.repeated:
        # Which of the two lists is the batch? Parsers disagree (first or last); refuse both.
        raise AnalyticsError.VALIDATION_ERROR.error(["events must be given only once"])
    events = body.get("events")
    if "events" not in body or events is None:
        raise AnalyticsError.VALIDATION_ERROR.error(["events should not be empty", "events must be an array"])
    if not isinstance(events, list):
        raise AnalyticsError.VALIDATION_ERROR.error(["events must be an array"])
    if not events:
        raise AnalyticsError.VALIDATION_ERROR.error(["events must contain at least 1 elements"])
    if len(events) > limit:
        raise AnalyticsError.VALIDATION_ERROR.error([f"events must contain no more than {limit} elements"])
    return events


class EventInvalid(ValueError):
    """One event's first broken rule, as the message the client sees."""


def validate_event(raw, *, now: datetime) -> ValidEvent:
    """Check one event against contract §8; raise EventInvalid with the first rule it breaks."""
    if not isinstance(raw, dict):
        raise EventInvalid("event must be an object")
    if isinstance(raw, RepeatedKeys):
        raise EventInvalid(Unstorable.REPEATED_FIELD)

    name = raw.get("eventName")
    if not isinstance(name, str):
        raise EventInvalid("eventName must be a string")
    if not EVENT_NAME.fullmatch(name):
        raise EventInvalid("eventName must start with a letter and contain only letters, digits and "
                           "underscores, 1-64 characters")

    install_id = raw.get("installId")
    if not isinstance(install_id, str):
        raise EventInvalid("installId must be a string")
    if not INSTALL_ID.fullmatch(install_id):
        raise EventInvalid("installId must be 8-64 characters of letters, digits, '_' or '-'")

    user_id = raw.get("userId")
    if user_id is not None:
        if isinstance(user_id, HugeInt):  # an integer userId is stored as its digits, however long
            user_id = user_id.text
        if isinstance(user_id, bool) or not isinstance(user_id, (str, int)):
            raise EventInvalid("userId must be a string or an integer")
        user_id = str(user_id)
        if not user_id or len(user_id) > MAX_USER_ID:
            raise EventInvalid(f"userId must be 1-{MAX_USER_ID} characters")
        if message := Unstorable.text("userId", user_id):
            raise EventInvalid(message)

    event_id = raw.get("eventId")
    if event_id is not None:
        if not isinstance(event_id, str):
            raise EventInvalid("eventId must be a string")
        if not event_id or len(event_id) > MAX_EVENT_ID:
            raise EventInvalid(f"eventId must be 1-{MAX_EVENT_ID} characters")
        if message := Unstorable.text("eventId", event_id):
            raise EventInvalid(message)

    client_ts = raw.get("clientTs")
    ahead = settings.ANALYTICS_MAX_CLOCK_AHEAD_SECONDS
    max_age = settings.ANALYTICS_MAX_EVENT_AGE_DAYS
    if isinstance(client_ts, HugeInt):  # a number, just far beyond either bound
        raise EventInvalid(f"clientTs must not be older than {max_age} days" if client_ts.negative
                           else f"clientTs must not be more than {ahead} seconds ahead of server time")
    if (isinstance(client_ts, bool) or not isinstance(client_ts, (int, float))
            or (isinstance(client_ts, float) and not math.isfinite(client_ts))):
        raise EventInvalid("clientTs must be a number")
    now_ts = now.timestamp()
    if client_ts > now_ts + ahead:
        raise EventInvalid(f"clientTs must not be more than {ahead} seconds ahead of server time")
    if client_ts < now_ts - max_age * 86400:
        raise EventInvalid(f"clientTs must not be older than {max_age} days")

    properties = raw.get("properties")
    properties_json = None
    province = city = ""
    if properties is not None:
        if not isinstance(properties, dict):
            raise EventInvalid("properties must be an object")
        if message := _unstorable(properties, 1):
            raise EventInvalid(message)
        # Measured on what is stored: the compact UTF-8 JSON written to the database.
        properties_json = orjson.dumps(properties)
        limit = settings.ANALYTICS_MAX_PROPERTIES_BYTES
        if len(properties_json) > limit:
            raise EventInvalid(f"properties must not exceed {limit} bytes as JSON")
        properties_json = properties_json.decode()
        province = _place(properties.get("province"))
        city = _place(properties.get("city"))

    return ValidEvent(
        event_name=name,
        install_id=install_id,
        client_ts=datetime.fromtimestamp(client_ts, tz=UTC),
        user_id=user_id,
        event_id=event_id,
        properties_json=properties_json,
        province=province,
        city=city,
    )


def _unstorable(value, depth: int) -> str | None:
    """
    Why the JSON `value` (a container at `depth`) cannot be stored exactly as it
    was sent, or None: the first problem in document order. Depth is checked on
    entry, so the recursion never goes past MAX_PROPERTIES_DEPTH.
    """
    if depth > MAX_PROPERTIES_DEPTH or value is TOO_DEEP:
        return Unstorable.DEPTH
    if isinstance(value, dict):
        if isinstance(value, RepeatedKeys):
            return Unstorable.REPEATED_KEY
        items = value.items()
    else:
        items = enumerate(value)
    for key, item in items:
        if type(key) is str and (bad := _UNSTORABLE_TEXT.search(key)):
            return Unstorable.NUL if bad.group() == "\x00" else Unstorable.SURROGATE
        kind = type(item)
        if kind is str:
            if bad := _UNSTORABLE_TEXT.search(item):
                return Unstorable.NUL if bad.group() == "\x00" else Unstorable.SURROGATE
        elif kind is int:
            if not MIN_INT <= item <= MAX_INT:
                return Unstorable.INTEGER
        elif kind is dict or kind is list or kind is RepeatedKeys or item is TOO_DEEP:
            if message := _unstorable(item, depth + 1):
                return message
        elif kind is HugeInt:
            return Unstorable.INTEGER
        elif kind is float:
            if not math.isfinite(item):  # orjson would write null (the parser marks these; a caller may not)
                return Unstorable.NON_FINITE
        elif kind is NonFinite:
            return Unstorable.NON_FINITE
        # bool and None are stored as sent.
    return None


def _place(value) -> str:
    """A province or city name worth counting: a non-blank string of at most MAX_PLACE characters."""
    if not isinstance(value, str):
        return ""
    value = value.strip()
    return value if len(value) <= MAX_PLACE else ""


def split_batch(events: list, *, now: datetime) -> tuple[list[ValidEvent], list[dict]]:
    """The batch's valid events, and `{index, message}` for each invalid one, in batch order."""
    valid: list[ValidEvent] = []
    errors: list[dict] = []
    for index, raw in enumerate(events):
        try:
            valid.append(validate_event(raw, now=now))
        except EventInvalid as invalid:
            errors.append({"index": index, "message": str(invalid)})
    return valid, errors


DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def dau_range(query) -> tuple[date, date]:
    """
    (start, end) dates of a DAU query: both YYYY-MM-DD and start <= end, else
    INVALID_DATE_FORMAT; at most ANALYTICS_DAU_MAX_DAYS days inclusive, else
    DATE_RANGE_TOO_LARGE.
    """
    parsed = []
    for name in ("startDate", "endDate"):
        value = query.get(name)
        if not isinstance(value, str) or not DATE.fullmatch(value):
            raise AnalyticsError.INVALID_DATE_FORMAT.error()
        try:
            parsed.append(date.fromisoformat(value))
        except ValueError:
            raise AnalyticsError.INVALID_DATE_FORMAT.error() from None
    start, end = parsed
    if start > end:
        raise AnalyticsError.INVALID_DATE_FORMAT.error()
    if (end - start).days + 1 > settings.ANALYTICS_DAU_MAX_DAYS:
        raise AnalyticsError.DATE_RANGE_TOO_LARGE.error()
    return start, end
