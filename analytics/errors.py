"""The analytics error codes (seed 003 §2 and §4), with their messages."""
from enum import Enum

from core.exceptions import ServiceError


class AnalyticsError(Enum):
    """(HTTP status, 003 error name, message): messages as 003's error tables word them."""

    VALIDATION_ERROR = (400, "VALIDATION_ERROR", "参数校验失败")
    INVALID_DATE_FORMAT = (400, "INVALID_DATE_FORMAT", "无效的日期格式")
    DATE_RANGE_TOO_LARGE = (400, "DATE_RANGE_TOO_LARGE", "日期范围过大 (最多90天)")

    def error(self, message=None) -> ServiceError:
        """The ServiceError to raise; `message` replaces the default (a string or a list)."""
        status, code, default = self.value
        return ServiceError(message if message is not None else default, code=code, status=status)
