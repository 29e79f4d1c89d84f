"""
Errors and the one exception handler.

Application code raises `ServiceError` (or DRF's own exceptions); this module
turns any exception into a style-neutral `Problem` and lets the request's
style shape the body. It serves DRF views (`exception_handler`) and Django
code outside views (`error_response`, used by middleware and handler404/500).
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, DisallowedHost
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.http.multipartparser import MultiPartParserError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from rest_framework import exceptions as drf_exceptions

from core import messages, metrics, styles
from core.jsonutil import dumps

logger = logging.getLogger("core.errors")


class ServiceError(drf_exceptions.APIException):
    """
    An error the service answers on purpose.

    `code` is the surface's own code (a partner business code, an HTTP-like
    accounts code, or a 003 error name); `message` and `data` go to the body
    as the style decides. Subclasses set defaults; callers may override any.
    """

    status_code = 400
    code = None
    message = None
    data = None

    def __init__(self, message=None, *, code=None, status=None, data=None, headers=None):
        self.message = message if message is not None else self.message
        self.code = code if code is not None else self.code
        self.status_code = status or self.status_code
        self.data = data if data is not None else self.data
        self.headers = headers or {}
        super().__init__(detail=self.message)


class PayloadTooLarge(drf_exceptions.APIException):
    status_code = 413
    default_code = styles.PAYLOAD_TOO_LARGE
    default_detail = "Payload too large"


class UriTooLong(drf_exceptions.APIException):
    status_code = 414
    default_code = styles.URI_TOO_LONG
    default_detail = "URI too long"


class ServiceUnavailable(drf_exceptions.APIException):
    status_code = 503
    default_code = styles.SERVICE_UNAVAILABLE
    default_detail = "Service unavailable"


class RequestRejected(drf_exceptions.APIException):
    """
    A request the service cannot take as sent: a Host it does not serve, or a query
    string or body that Django's parsers refuse (too many fields or files, malformed
    multipart, not UTF-8). Always 400, shaped by the style as a validation error on
    `field` ("Host", "query", "body"): partner 40003 (40001 for the Host), accounts
    400 with the reason as message, 003 VALIDATION_ERROR.

    `reason` is Chinese; `reason_en` is what the English-speaking 003 style says
    instead (None: the Chinese reason on every surface).
    """

    status_code = 400
    default_code = styles.PARSE_ERROR

    def __init__(self, field: str, reason: str, reason_en: str | None = None, *, code: str = styles.PARSE_ERROR):
        self.field = field
        self.reason = reason
        self.reason_en = reason_en
        self.field_code = code
        super().__init__(detail=reason, code=code)

    def problem(self, style: styles.ResponseStyle) -> styles.Problem:
        reason = self.reason_en if style.language == "en" and self.reason_en else self.reason
        return style.validation_problem([styles.FieldError(self.field, reason, self.field_code)])


def disallowed_host() -> RequestRejected:
    """A Host header outside ALLOWED_HOSTS (the same answer on every surface, in Chinese)."""
    return RequestRejected("Host", "Host 不在本服务允许的主机名之列", code="disallowed_host")


def too_many_query_parameters() -> RequestRejected:
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    return RequestRejected("query", f"查询参数超过 {limit} 个", f"query has more than {limit} parameters")


def malformed_query_string() -> RequestRejected:
    return RequestRejected(
        "query", "查询字符串不是合法的百分号编码 UTF-8", "query string is not valid percent-encoded UTF-8"
    )


def rejection_for(exc: Exception) -> RequestRejected | None:
    """
    The 400 for an error Django's request parsing raises lazily (when something
    first reads request.GET, POST or FILES, or calls get_host()); None for others.

    The query string is parsed up front by core.middleware, so a TooManyFieldsSent
    seen here comes from a form body.
    """
    if isinstance(exc, RequestRejected):
        return exc
    if isinstance(exc, DisallowedHost):
        return disallowed_host()
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return RequestRejected("body", f"表单字段超过 {limit} 个", f"body has more than {limit} form fields")
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return RequestRejected("body", f"上传文件超过 {limit} 个", f"body has more than {limit} files")
    if isinstance(exc, MultiPartParserError):
        return RequestRejected("body", "multipart 请求体格式错误", "body is not a valid multipart message")
    if isinstance(exc, (BadRequest, SuspiciousOperation)) and not isinstance(exc, RequestDataTooBig):
        # Django answers every other SuspiciousOperation and BadRequest with 400 too.
        return RequestRejected("request", "请求格式错误", "request is malformed")
    return None


def problem_from_exception(exc: Exception, style: styles.ResponseStyle) -> styles.Problem:
    """Map any exception to the style's Problem; unknown ones become a logged 500."""
    if isinstance(exc, ServiceError):
        fallback = style.problem_for(styles.SERVER_ERROR)
        return styles.Problem(
            status=exc.status_code,
            code=exc.code if exc.code is not None else fallback.code,
            message=exc.message if exc.message is not None else fallback.message,
            data=exc.data,
            headers=dict(exc.headers),
        )
    if isinstance(exc, drf_exceptions.ValidationError):
        errors = styles.flatten_validation_detail(exc.detail)
        if style.language != "en":
            errors = [messages.in_chinese(error) for error in errors]
        return style.validation_problem(errors)
    if isinstance(exc, Http404):
        return style.problem_for(styles.NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        return style.problem_for(styles.PERMISSION_DENIED)
    if isinstance(exc, RequestDataTooBig):
        return style.problem_for(styles.PAYLOAD_TOO_LARGE)
    rejection = rejection_for(exc)
    if rejection is not None:
        if rejection is not exc:
            # Django's own handler would have logged these to django.security; keep a trace
            # of what was refused (the class, never the content).
            logger.warning("request.rejected", extra={"error": type(exc).__name__, "field": rejection.field})
        return rejection.problem(style)
    if isinstance(exc, drf_exceptions.APIException):
        codes = exc.get_codes()
        kind = codes if isinstance(codes, str) and codes in style.kinds else exc.default_code
        # A detail the service gave (e.g. "账户已被禁用") may be kept; DRF's own wording never is:
        # the style's message for the kind stands instead (accounts 415: 仅支持 application/json 请求).
        custom = (
            str(exc.detail)
            if isinstance(exc.detail, str) and exc.detail != exc.default_detail
            and not messages.is_drf_exception_detail(str(exc.detail))
            else None
        )
        problem = style.problem_for(kind, message=custom if style.keeps_exception_messages else None)
        if isinstance(exc, drf_exceptions.Throttled) and exc.wait is not None:
            problem.headers["Retry-After"] = str(max(1, int(-(-exc.wait // 1))))
        return problem
    if isinstance(exc, (OperationalError, InterfaceError)):
        # A database that is down or unreachable: a clean 503, never a trace.
        logger.error("database.unavailable", extra={"error": type(exc).__name__, "detail": str(exc)[:200]})
        metrics.dependency_failed("database", "request")
        return style.problem_for(styles.SERVICE_UNAVAILABLE)
    logger.exception("request.unhandled_exception")
    return style.problem_for(styles.SERVER_ERROR)


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error from a DRF view, shaped by the view's style."""
    from rest_framework.response import Response

    request = context["request"]
    style = styles.style_for(request, context.get("view"))
    problem = problem_from_exception(exc, style)
    headers = dict(problem.headers)
    # DRF downgrades 401 to 403 when the view has no authenticate header; the
    # style's status (401) stands either way, and the header is passed on when known.
    if getattr(exc, "auth_header", None):
        headers.setdefault("WWW-Authenticate", exc.auth_header)
    response = Response(style.error_body(problem, request), status=problem.status, headers=headers)
    response.exception = True
    return response


def json_response(body, status: int, headers: dict | None = None) -> HttpResponse:
    """A JSON HttpResponse encoded like every DRF response of the service."""
    response = HttpResponse(dumps(body), status=status, content_type="application/json; charset=utf-8")
    # Middleware answers (limits, Host) return before CommonMiddleware would set it; without
    # it gunicorn falls back to chunked encoding for a body it already holds whole.
    response["Content-Length"] = str(len(response.content))
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(request, exc: Exception) -> HttpResponse:
    """An error answered outside DRF views, in the style of the request's path."""
    style = styles.style_for_path(request.path)
    problem = problem_from_exception(exc, style)
    return json_response(style.error_body(problem, request), problem.status, problem.headers)
