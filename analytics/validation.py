"""
Validation of event batches (contract §8), without serializers.

A batch of 500 events would cost a DRF serializer per event; these checks are
plain functions over the parsed JSON. The batch envelope either passes or the
whole request is refused (400 VALIDATION_ERROR); each event is then judged
alone and yields a `ValidEvent` or one message, worded like class-validator's
(the library 003's NestJS service used: "installId must be a string").
"""
from __future__ import annotations

from datetime import UTC, date, datetime
import json
import math
import re

from django.conf import settings

from analytics.errors import AnalyticsError
from analytics.services import ValidEvent

EVENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
INSTALL_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_USER_ID = 64
MAX_EVENT_ID = 64
# Longest province or city name kept as a location; longer values stay in properties only.
MAX_PLACE = 64


def batch_events(body) -> list:
    """The `events` list of a request body, or a 400 VALIDATION_ERROR naming what is wrong."""
    limit = settings.ANALYTICS_MAX_BATCH_EVENTS
    if not isinstance(body, dict):
        raise AnalyticsError.VALIDATION_ERROR.error(["request body must be a JSON object"])
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
        if isinstance(user_id, bool) or not isinstance(user_id, (str, int)):
            raise EventInvalid("userId must be a string or an integer")
        user_id = str(user_id)
        if not user_id or len(user_id) > MAX_USER_ID:
            raise EventInvalid(f"userId must be 1-{MAX_USER_ID} characters")
        if not _storable(user_id):
            raise EventInvalid("userId must be valid text without NUL characters")

    event_id = raw.get("eventId")
    if event_id is not None:
        if not isinstance(event_id, str):
            raise EventInvalid("eventId must be a string")
        if not event_id or len(event_id) > MAX_EVENT_ID:
            raise EventInvalid(f"eventId must be 1-{MAX_EVENT_ID} characters")
        if not _storable(event_id):
            raise EventInvalid("eventId must be valid text without NUL characters")

    client_ts = raw.get("clientTs")
    if (isinstance(client_ts, bool) or not isinstance(client_ts, (int, float))
            or (isinstance(client_ts, float) and not math.isfinite(client_ts))):
        raise EventInvalid("clientTs must be a number")
    ahead = settings.ANALYTICS_MAX_CLOCK_AHEAD_SECONDS
    max_age = settings.ANALYTICS_MAX_EVENT_AGE_DAYS
    now_ts = now.timestamp()
    if client_ts > now_ts + ahead:
        raise EventInvalid(f"clientTs must not be more than {ahead} seconds ahead of server time")
    if client_ts < now_ts - max_age * 86400:
        raise EventInvalid(f"clientTs must not be older than {max_age} days")

    properties = raw.get("properties")
    province = city = ""
    if properties is not None:
        if not isinstance(properties, dict):
            raise EventInvalid("properties must be an object")
        limit = settings.ANALYTICS_MAX_PROPERTIES_BYTES
        try:
            size = len(json.dumps(properties, ensure_ascii=False, separators=(",", ":")).encode())
        except UnicodeEncodeError:  # a lone surrogate ("\ud800") parsed from the JSON
            raise EventInvalid("properties must be valid text without NUL characters") from None
        if size > limit:
            raise EventInvalid(f"properties must not exceed {limit} bytes as JSON")
        if not _all_storable(properties):
            raise EventInvalid("properties must be valid text without NUL characters")
        province = _place(properties.get("province"))
        city = _place(properties.get("city"))

    return ValidEvent(
        event_name=name,
        install_id=install_id,
        client_ts=datetime.fromtimestamp(client_ts, tz=UTC),
        user_id=user_id,
        event_id=event_id,
        properties=properties,
        province=province,
        city=city,
    )


def _storable(text: str) -> bool:
    """
    Whether PostgreSQL can store `text`: JSON may carry NUL (\\u0000) and lone
    surrogates, which text and jsonb columns refuse (SQLite would take the NUL;
    both stores must behave alike).
    """
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _all_storable(value) -> bool:
    """`_storable` for every key and string inside a parsed JSON value."""
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, dict):
        return all("\x00" not in key and _all_storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_all_storable(item) for item in value)
    return True


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
