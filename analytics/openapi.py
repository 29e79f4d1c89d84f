"""
What the OpenAPI document says about the analytics operations (read by
`core.schema_examples`): user-facing texts and the 003 errors of analytics.errors.
"""
from analytics.errors import AnalyticsError


def _case(error: AnalyticsError):
    _status, code, message = error.value
    return (code, message, None)


OPERATIONS = {
    "analytics_events_create": {
        "summary": "批量上报事件 (Send a batch of events)",
        "description": "一次上报 1–500 个事件,请求体最多 1 MB,可匿名调用(带 JWT 时同样接受)。"
        "请求体不是 JSON、缺少 events、为空、过长或不是数组时返回 400 VALIDATION_ERROR;"
        "否则逐个校验事件:合法的保存,不合法的计入 failed 并在 errors 中给出 {index, message},响应为 200。"
        "带相同 (installId, eventId) 的重试事件只保存一次,计入 duplicates。",
        "errors": {"400": [_case(AnalyticsError.VALIDATION_ERROR)]},
    },
    "analytics_dau_retrieve": {
        "summary": "查询日活统计 (Daily active users)",
        "description": "返回 startDate 至 endDate(YYYY-MM-DD,含两端,最多 90 天)每天的活跃安装数,以及按省份、城市的分布;"
        "没有活跃的日期也返回 0,summary.totalDau 为各日之和,timeZone 为切分日期所用的时区。"
        "日期格式错误或开始晚于结束返回 400 INVALID_DATE_FORMAT,超过 90 天返回 400 DATE_RANGE_TOO_LARGE。需要用户 JWT。",
        "errors": {"400": [_case(AnalyticsError.INVALID_DATE_FORMAT), _case(AnalyticsError.DATE_RANGE_TOO_LARGE)]},
    },
}
