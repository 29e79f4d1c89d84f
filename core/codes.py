"""Business codes of the partner surface (seed 001, API contract §2) with their messages."""
from enum import IntEnum


class PartnerCode(IntEnum):
    OK = 0
    INVALID_PARAMETER = 40001
    MISSING_PARAMETER = 40002
    MALFORMED_PARAMETER = 40003
    SIGNATURE_INVALID = 40101
    TIMESTAMP_EXPIRED = 40102
    APP_NOT_FOUND = 40103
    REQUEST_REPLAYED = 40104  # an addition to 001's table (contract §2)
    IP_NOT_ALLOWED = 40301
    FORBIDDEN = 40302
    NOT_FOUND = 40401
    METHOD_NOT_ALLOWED = 40501  # an addition: 001 has no code for HTTP 405
    ALREADY_EXISTS = 40901
    STATE_CONFLICT = 40902
    RATE_LIMITED = 42901
    INTERNAL_ERROR = 50001
    UNAVAILABLE = 50301
    DATABASE_UNAVAILABLE = 50002  # health (seed 000)

    @property
    def message(self) -> str:
        return PARTNER_MESSAGES[self]


PARTNER_MESSAGES = {
    PartnerCode.OK: "操作成功",
    PartnerCode.INVALID_PARAMETER: "请求参数错误",
    PartnerCode.MISSING_PARAMETER: "必填参数缺失",
    PartnerCode.MALFORMED_PARAMETER: "参数格式错误",
    PartnerCode.SIGNATURE_INVALID: "签名验证失败",
    PartnerCode.TIMESTAMP_EXPIRED: "时间戳过期",
    PartnerCode.APP_NOT_FOUND: "App ID 不存在",
    PartnerCode.REQUEST_REPLAYED: "请求重复提交",
    PartnerCode.IP_NOT_ALLOWED: "IP 不在白名单",
    PartnerCode.FORBIDDEN: "权限不足",
    PartnerCode.NOT_FOUND: "资源不存在",
    PartnerCode.METHOD_NOT_ALLOWED: "请求方法不支持",
    PartnerCode.ALREADY_EXISTS: "资源已存在",
    PartnerCode.STATE_CONFLICT: "状态冲突",
    PartnerCode.RATE_LIMITED: "请求频率超限",
    PartnerCode.INTERNAL_ERROR: "服务器内部错误",
    PartnerCode.UNAVAILABLE: "服务暂时不可用",
    PartnerCode.DATABASE_UNAVAILABLE: "数据库连接失败",
}
