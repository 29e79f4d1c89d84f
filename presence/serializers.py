"""
Presence input validators and output shapes.

Validation messages follow the NestJS class-validator wording that 003's
clients already parse ("installId must be a string"); each starts with its
field name, so core's plain style lists them as they are, in an array.
"""
from __future__ import annotations

from datetime import UTC, timedelta
import math
import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializer_fields import QueryIntegerField, StrictCharField
from presence.errors import PresenceError, presence_error
from presence.selectors import INTERVALS

INSTALL_ID_PATTERN = r"^[A-Za-z0-9_-]+\Z"


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """A JSON number (int or float, finite); strings and booleans are refused."""

    default_error_messages = {"invalid": "{field} must be a number"}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)) or not math.isfinite(data):
            self.fail("invalid", field=self.field_name)
        return data

    def to_representation(self, value):
        return value


def _string_messages(name: str, low: int, high: int) -> dict:
    return {
        "required": f"{name} should not be empty",
        "null": f"{name} should not be empty",
        "blank": f"{name} should not be empty",
        "invalid": f"{name} must be a string",
        "min_length": f"{name} must be longer than or equal to {low} characters",
        "max_length": f"{name} must be shorter than or equal to {high} characters",
    }


class HeartbeatInput(serializers.Serializer):
    """003 §1.1 / contract §7: installId 8–64 of [A-Za-z0-9_-], appVersion 1–32, clientTs a number."""

    installId = StrictCharField(
        min_length=8,
        max_length=64,
        trim_whitespace=False,
        error_messages=_string_messages("installId", 8, 64),
        validators=[RegexValidator(INSTALL_ID_PATTERN, message="installId must match /^[A-Za-z0-9_-]+$/ regular expression")],
    )
    appVersion = StrictCharField(
        min_length=1, max_length=32, trim_whitespace=False, error_messages=_string_messages("appVersion", 1, 32)
    )
    clientTs = NumberField(
        error_messages={"required": "clientTs should not be empty", "null": "clientTs must be a number"},
        help_text="Unix seconds of the client's clock; kept out of every count (the server's clock decides).",
    )


class HeartbeatOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    serverTs = serializers.IntegerField(help_text="server time, Unix milliseconds")


class OnlineCountQuery(serializers.Serializer):
    """003 §1.2: windowSeconds, default 180, 1–3,600."""

    def get_fields(self):
        low, high = settings.PRESENCE_MIN_WINDOW, settings.PRESENCE_MAX_WINDOW
        return {
            "windowSeconds": QueryIntegerField(
                required=False,
                default=settings.PRESENCE_DEFAULT_WINDOW,
                min_value=low,
                max_value=high,
                help_text=f"seconds, {low}–{high}",
                error_messages={
                    "invalid": "windowSeconds must be an integer number",
                    "max_string_length": "windowSeconds must be an integer number",
                    "min_value": f"windowSeconds must not be less than {low}",
                    "max_value": f"windowSeconds must not be greater than {high}",
                },
            )
        }


class OnlineCountOutput(serializers.Serializer):
    count = serializers.IntegerField()
    windowSeconds = serializers.IntegerField()
    queriedAt = serializers.CharField(help_text="ISO 8601, UTC, milliseconds")


class HistoryQuery(serializers.Serializer):
    """003 §1.3, for the schema only: `parse_history_query` does the checking (its errors have their own codes)."""

    startTime = serializers.CharField(help_text="ISO 8601; without an offset it is read as UTC")
    endTime = serializers.CharField(help_text="ISO 8601; after startTime, at most 31 days later")
    interval = serializers.ChoiceField(choices=list(INTERVALS), required=False, default="5m")


class HistoryPoint(serializers.Serializer):
    ts = serializers.CharField(help_text="bucket start, ISO 8601 UTC")
    count = serializers.IntegerField(help_text="rounded mean of the bucket's minute snapshots")


class HistorySummary(serializers.Serializer):
    max = serializers.IntegerField()
    min = serializers.IntegerField()
    avg = serializers.IntegerField()


class HistoryOutput(serializers.Serializer):
    data = HistoryPoint(many=True)
    interval = serializers.ChoiceField(choices=list(INTERVALS))
    startTime = serializers.CharField(help_text="start of the first bucket of the aligned range")
    endTime = serializers.CharField(help_text="end of the last bucket of the aligned range (exclusive)")
    total = serializers.IntegerField()
    summary = HistorySummary()


class HealthOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok"])
    service = serializers.CharField()
    timestamp = serializers.CharField()


# A '+' in an offset arrives as a space when a client forgets to encode it ("...T12:00:00 08:00").
_UNENCODED_OFFSET = re.compile(r"(T[^ ]*) (\d{2}(:?\d{2})?)$")


def _parse_time(name: str, raw):
    if raw is None or raw == "":
        raise presence_error(PresenceError.INVALID_TIME_RANGE, f"无效的时间范围: 缺少 {name}")
    text = _UNENCODED_OFFSET.sub(r"\1+\2", raw.strip())
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise presence_error(PresenceError.INVALID_TIME_RANGE, f"无效的时间范围: {name} 不是有效的 ISO 8601 时间")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC) if 1970 < moment.year < 9999 else None
    if moment is None:
        # Outside the Unix era nothing was ever snapshotted, and bucket arithmetic would overflow.
        raise presence_error(PresenceError.INVALID_TIME_RANGE, f"无效的时间范围: {name} 超出支持的范围")
    return moment


def parse_history_query(params) -> tuple:
    """(start, end, interval) from the query string, or a 400 INVALID_TIME_RANGE / INVALID_INTERVAL."""
    start = _parse_time("startTime", params.get("startTime"))
    end = _parse_time("endTime", params.get("endTime"))
    if start >= end:
        raise presence_error(PresenceError.INVALID_TIME_RANGE, "无效的时间范围: startTime 必须早于 endTime")
    max_days = settings.PRESENCE_HISTORY_MAX_DAYS
    if end - start > timedelta(days=max_days):
        raise presence_error(PresenceError.INVALID_TIME_RANGE, f"无效的时间范围: 最多 {max_days} 天")
    interval = params.get("interval", "5m")
    if interval not in INTERVALS:
        raise presence_error(
            PresenceError.INVALID_INTERVAL, f"无效的聚合间隔: interval 须为 {', '.join(INTERVALS)} 之一"
        )
    return start, end, interval
