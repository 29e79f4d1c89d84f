"""
What the OpenAPI document says about the presence operations (read by
`core.schema_examples`): user-facing texts and the 003 errors each adds to the
plain style's own, with the messages of presence.errors.
"""
from core.schema_examples import validation_case
from presence.errors import PresenceError

_JWT = "需要用户 JWT(Authorization: Bearer <token>);未登录或 token 无效返回 401 UNAUTHORIZED。"

OPERATIONS = {
    "presence_heartbeat": {
        "summary": "上报心跳 (Send a heartbeat)",
        "description": "客户端每 60 秒上报一次心跳(installId 8–64 位 [A-Za-z0-9_-],appVersion 1–32 位,clientTs 数字),"
        "返回 {ok: true, serverTs}(毫秒)。心跳同时把该安装记为当日活跃。在线状态存储不可用时返回 503。" + _JWT,
        "errors": {"400": [validation_case("plain", "installId", "must be longer than or equal to 8 characters")]},
    },
    "presence_online_count": {
        "summary": "查询在线人数 (Online count)",
        "description": "返回 windowSeconds 秒内(默认 180,1–3600)有心跳的不同 installId 数量。" + _JWT,
        "errors": {"400": [validation_case("plain", "windowSeconds", "must not be greater than 3600")]},
    },
    "presence_online_history": {
        "summary": "查询在线人数历史 (Online history)",
        "description": "按 interval(1m、5m、15m、30m、1h)聚合每分钟快照,返回对齐后的时间段;"
        "没有快照的时间段不返回。startTime ≥ endTime、时间无法解析或范围超过 31 天返回 400 INVALID_TIME_RANGE,"
        "其他 interval 返回 400 INVALID_INTERVAL。" + _JWT,
        "errors": {"400": [
            (PresenceError.INVALID_TIME_RANGE.value, PresenceError.INVALID_TIME_RANGE.message, None),
            (PresenceError.INVALID_INTERVAL.value, PresenceError.INVALID_INTERVAL.message, None),
        ]},
    },
    "presence_health": {
        "summary": "在线服务健康检查 (Presence health)",
        "description": "无需认证。在线状态存储可用时返回 200 {status: ok, service, timestamp},不可用时返回 503 SERVICE_UNAVAILABLE。",
    },
}
