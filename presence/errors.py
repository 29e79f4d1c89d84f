"""Presence error codes (seed 003 §1, §4) with their messages; raised as core ServiceErrors."""
from enum import Enum

from core.exceptions import ServiceError


class PresenceError(str, Enum):
    INVALID_TIME_RANGE = "INVALID_TIME_RANGE"
    INVALID_INTERVAL = "INVALID_INTERVAL"

    @property
    def message(self) -> str:
        return MESSAGES[self]


MESSAGES = {
    PresenceError.INVALID_TIME_RANGE: "无效的时间范围",
    PresenceError.INVALID_INTERVAL: "无效的聚合间隔",
}


def presence_error(error: PresenceError, message: str | None = None) -> ServiceError:
    """A 400 in the 003 error body: `error` carries the code, `message` the reason."""
    return ServiceError(message or error.message, code=error.value, status=400)
