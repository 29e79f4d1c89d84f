"""Time helpers shared by every surface: one wire format for instants."""
from datetime import UTC, datetime
import time

PROCESS_STARTED_MONOTONIC = time.monotonic()


def utc_now() -> datetime:
    return datetime.now(UTC)


def isoformat_z(moment: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with milliseconds: 2026-02-25T10:30:00.000Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def uptime_seconds() -> int:
    """Whole seconds since this process imported core."""
    return int(time.monotonic() - PROCESS_STARTED_MONOTONIC)
