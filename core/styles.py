"""
The three response styles of API contract §1, in one place.

A style turns plain data into a success body and a `Problem` into an error
body. Views never build bodies: they return data or raise, and the renderer
(`core.renderers`) and exception handler (`core.exceptions`) ask the style
selected for the request. A view selects a style with `response_style = "..."`;
anything answered outside a view (404, 405, limits, 500) takes the style of
the surface its path lies under (settings.RESPONSE_STYLE_PREFIXES, matched by
whole path segments). A view whose documented success body is an object of its
own, not an envelope (002's /health and /system-stats), sets
`success_envelope = False`: its successes go out as the data itself, its errors
still in its style.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from core.codes import PartnerCode
from core.timeutil import isoformat_z, utc_now

# Error kinds: DRF's `default_code` values plus the ones raised outside DRF.
VALIDATION = "invalid"
PARSE_ERROR = "parse_error"
NOT_AUTHENTICATED = "not_authenticated"
AUTHENTICATION_FAILED = "authentication_failed"
PERMISSION_DENIED = "permission_denied"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
THROTTLED = "throttled"
PAYLOAD_TOO_LARGE = "payload_too_large"
URI_TOO_LONG = "uri_too_long"
SERVICE_UNAVAILABLE = "service_unavailable"
SERVER_ERROR = "server_error"


@dataclass
class Problem:
    """A style-neutral error: what went wrong, before it is shaped for the wire."""

    status: int
    code: Any
    message: Any
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    code: str


def flatten_validation_detail(detail, prefix: str = "") -> list[FieldError]:
    """DRF's nested error detail as a flat list of (field path, reason, code)."""
    errors: list[FieldError] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key) if key != "non_field_errors" else ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            errors.extend(flatten_validation_detail(value, path))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list)):
                errors.extend(flatten_validation_detail(item, f"{prefix}[{index}]"))
            else:
                errors.append(FieldError(prefix, str(item), getattr(item, "code", "invalid")))
    else:
        errors.append(FieldError(prefix, str(detail), getattr(detail, "code", "invalid")))
    return errors


class ResponseStyle:
    """Base contract: `success_body`, `error_body`, `problem_for` and `validation_problem`."""

    name = ""
    language = "zh-hans"
    # Whether a DRF exception raised with its own detail ("账户已被禁用") keeps it as
    # the message; styles with fixed messages per code say no.
    keeps_exception_messages = False
    default_success_message = "操作成功"
    # kind -> (status, code, message)
    kinds: dict[str, tuple[int, Any, str]] = {}

    def success_body(self, data, message: str | None):
        raise NotImplementedError

    def error_body(self, problem: Problem, request) -> Any:
        raise NotImplementedError

    def problem_for(self, kind: str, *, message: str | None = None, data=None) -> Problem:
        status, code, default_message = self.kinds.get(kind, self.kinds[SERVER_ERROR])
        return Problem(status=status, code=code, message=message or default_message, data=data)

    def validation_problem(self, errors: list[FieldError]) -> Problem:
        raise NotImplementedError


class PartnerStyle(ResponseStyle):
    """Seed 001: `{code, message, data}` with the business codes of contract §2."""

    name = "partner"
    kinds = {
        PARSE_ERROR: (400, PartnerCode.MALFORMED_PARAMETER, "参数格式错误"),
        NOT_AUTHENTICATED: (401, PartnerCode.SIGNATURE_INVALID, "签名验证失败"),
        AUTHENTICATION_FAILED: (401, PartnerCode.SIGNATURE_INVALID, "签名验证失败"),
        PERMISSION_DENIED: (403, PartnerCode.FORBIDDEN, "权限不足"),
        NOT_FOUND: (404, PartnerCode.NOT_FOUND, "资源不存在"),
        METHOD_NOT_ALLOWED: (405, PartnerCode.METHOD_NOT_ALLOWED, "请求方法不支持"),
        UNSUPPORTED_MEDIA_TYPE: (415, PartnerCode.MALFORMED_PARAMETER, "参数格式错误"),
        THROTTLED: (429, PartnerCode.RATE_LIMITED, "请求频率超限"),
        PAYLOAD_TOO_LARGE: (413, PartnerCode.INVALID_PARAMETER, "请求参数错误"),
        URI_TOO_LONG: (414, PartnerCode.INVALID_PARAMETER, "请求参数错误"),
        SERVICE_UNAVAILABLE: (503, PartnerCode.UNAVAILABLE, "服务暂时不可用"),
        SERVER_ERROR: (500, PartnerCode.INTERNAL_ERROR, "服务器内部错误"),
    }
    _missing_codes = {"required", "null", "blank"}
    _format_codes = {"invalid", "parse_error", "date", "datetime", "not_a_list", "not_a_dict", "invalid_type"}

    def success_body(self, data, message):
        return {"code": int(PartnerCode.OK), "message": message or self.default_success_message, "data": data}

    def error_body(self, problem, request):
        return {"code": int(problem.code), "message": problem.message, "data": problem.data}

    def business_code(self, error: FieldError) -> PartnerCode:
        if error.code in self._missing_codes:
            return PartnerCode.MISSING_PARAMETER
        if error.code in self._format_codes:
            return PartnerCode.MALFORMED_PARAMETER
        return PartnerCode.INVALID_PARAMETER

    def validation_problem(self, errors):
        code = self.business_code(errors[0]) if errors else PartnerCode.INVALID_PARAMETER
        listed = [{"field": e.field, "reason": e.reason} for e in errors]
        data = {**listed[0], "errors": listed} if listed else None
        return Problem(status=400, code=code, message=code.message, data=data)


class AccountsStyle(ResponseStyle):
    """Seed 002: `{success, code, message, data}`; the error code is the HTTP status."""

    name = "accounts"
    keeps_exception_messages = True
    kinds = {
        PARSE_ERROR: (400, 400, "请求参数错误"),
        NOT_AUTHENTICATED: (401, 401, "未提供认证token"),
        AUTHENTICATION_FAILED: (401, 401, "无效的认证token"),
        PERMISSION_DENIED: (403, 403, "权限不足"),
        NOT_FOUND: (404, 404, "资源不存在"),
        METHOD_NOT_ALLOWED: (405, 405, "请求方法不允许"),
        UNSUPPORTED_MEDIA_TYPE: (415, 415, "仅支持 application/json 请求"),
        THROTTLED: (429, 429, "请求过于频繁"),  # 002 §5, word for word
        PAYLOAD_TOO_LARGE: (413, 413, "请求体过大"),
        URI_TOO_LONG: (414, 414, "请求URL过长"),
        SERVICE_UNAVAILABLE: (503, 503, "服务不可用"),
        SERVER_ERROR: (500, 500, "服务器内部错误"),
    }

    def success_body(self, data, message):
        return {"success": True, "code": 0, "message": message or self.default_success_message, "data": data}

    def error_body(self, problem, request):
        return {"success": False, "code": int(problem.code), "message": problem.message, "data": problem.data}

    def validation_problem(self, errors):
        listed = [{"field": e.field, "reason": e.reason} for e in errors]
        message = errors[0].reason if errors else "请求参数错误"
        return Problem(status=400, code=400, message=message, data={"errors": listed} if listed else None)


class PlainStyle(ResponseStyle):
    """Seed 003: plain success bodies; errors `{statusCode, error, message, path, method, timestamp}`."""

    name = "plain"
    language = "en"
    kinds = {
        PARSE_ERROR: (400, "VALIDATION_ERROR", "Request body is not valid JSON"),
        NOT_AUTHENTICATED: (401, "UNAUTHORIZED", "Unauthorized"),
        AUTHENTICATION_FAILED: (401, "UNAUTHORIZED", "Unauthorized"),
        PERMISSION_DENIED: (403, "FORBIDDEN", "Forbidden resource"),
        NOT_FOUND: (404, "NOT_FOUND", "Not Found"),
        METHOD_NOT_ALLOWED: (405, "METHOD_NOT_ALLOWED", "Method Not Allowed"),
        UNSUPPORTED_MEDIA_TYPE: (415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json"),
        THROTTLED: (429, "TOO_MANY_REQUESTS", "ThrottlerException: Too Many Requests"),
        PAYLOAD_TOO_LARGE: (413, "PAYLOAD_TOO_LARGE", "request entity too large"),
        URI_TOO_LONG: (414, "URI_TOO_LONG", "URI too long"),
        SERVICE_UNAVAILABLE: (503, "SERVICE_UNAVAILABLE", "Service Unavailable"),
        SERVER_ERROR: (500, "INTERNAL_SERVER_ERROR", "Internal server error"),
    }

    def success_body(self, data, message):
        return data

    def error_body(self, problem, request):
        return {
            "statusCode": problem.status,
            "error": problem.code,
            "message": problem.message,
            "path": request.path,
            "method": request.method,
            "timestamp": isoformat_z(utc_now()),
        }

    def validation_problem(self, errors):
        messages = [f"{e.field} {e.reason}" if e.field and not e.reason.startswith(e.field) else e.reason for e in errors]
        return Problem(status=400, code="VALIDATION_ERROR", message=messages or ["Validation failed"])


STYLES: dict[str, ResponseStyle] = {style.name: style for style in (PartnerStyle(), AccountsStyle(), PlainStyle())}


def path_is_under(path: str, prefix: str) -> bool:
    """
    Whether `path` is `prefix` itself or lies below it, by whole path segments.

    "/health" covers /health and /health/x but not /healthz or /health-check, and
    "/api/v1/presence" covers /api/v1/presence/nope but not /api/v1/presenceX: a
    string prefix would hand paths outside a surface that surface's style.
    """
    base = prefix.rstrip("/")
    return path == base or path.startswith(base + "/")


def style_for_path(path: str) -> ResponseStyle:
    """The style of the surface (settings.RESPONSE_STYLE_PREFIXES) that `path` lies under."""
    for prefix, name in settings.RESPONSE_STYLE_PREFIXES:
        if path_is_under(path, prefix):
            return STYLES[name]
    return STYLES[settings.DEFAULT_RESPONSE_STYLE]


def style_for(request, view=None) -> ResponseStyle:
    """The view's declared style, else the one its path falls under."""
    name = getattr(view, "response_style", None)
    if name:
        return STYLES[name]
    return style_for_path(request.path)


def wraps_success(view) -> bool:
    """False for a view that declares `success_envelope = False`: its success data is the body."""
    return getattr(view, "success_envelope", True) is not False


def success_body_for(request, view, data, message: str | None):
    """
    The body of a successful answer of `view`: the data in the envelope of the
    view's style, or the data itself when the view answers without one.
    """
    if not wraps_success(view):
        return data
    return style_for(request, view).success_body(data, message)
