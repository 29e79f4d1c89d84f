"""Time helpers shared by every surface: one wire format for instants."""
from datetime import UTC, datetime
import time

from django.utils import timezone

PROCESS_STARTED_MONOTONIC = time.monotonic()


def utc_now() -> datetime:
    return datetime.now(UTC)


def isoformat_z(moment: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with milliseconds: 2026-02-25T10:30:00.000Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# The operator's clock: the service time zone (TIME_ZONE) with the offset always shown.
# The same shape as DATETIME_FORMAT in config/formats/zh_Hans/formats.py, so object
# titles (built with this) and the admin's fields (formatted by Django) agree.
LOCAL_DISPLAY_FORMAT = "%Y-%m-%d %H:%M:%S %z"


def local_display(moment: datetime | None) -> str:
    """An aware datetime in the current time zone with its offset: 2026-12-02 02:51:39 +0800."""
    if moment is None:
        return "-"
    return timezone.localtime(moment).strftime(LOCAL_DISPLAY_FORMAT)


def uptime_seconds() -> int:
    """Whole seconds since this process imported core."""
    return int(time.monotonic() - PROCESS_STARTED_MONOTONIC)
