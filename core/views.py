"""The health probe (seed 000, contract §5), the front door and its icon, and the catch-all error views."""
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.response import Response
from rest_framework.views import APIView

from core.codes import PartnerCode
from core.exceptions import ServiceError, error_response, json_response
from core.styles import SERVER_ERROR, style_for_path
from core.health import check_dependencies
from core.timeutil import isoformat_z, uptime_seconds, utc_now

_health_data = inline_serializer(
    "HealthData",
    fields={
        "status": serializers.ChoiceField(choices=["healthy"]),
        "timestamp": serializers.CharField(help_text="ISO 8601, UTC, milliseconds"),
        "service": serializers.CharField(),
        "uptime": serializers.IntegerField(help_text="whole seconds since the process started"),
    },
)
_health_down = inline_serializer(
    "HealthDownData",
    fields={
        "status": serializers.ChoiceField(choices=["degraded", "unhealthy"]),
        "timestamp": serializers.CharField(),
        "details": serializers.CharField(),
    },
)


class HealthView(APIView):
    """GET/HEAD /api/v1/health: no auth, no rate limit, no side effects."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    response_style = "partner"
    success_message = "服务正常运行"

    @extend_schema(
        operation_id="health",
        responses={200: _health_data, 503: _health_down},
        tags=["health"],
    )
    def get(self, request):
        report = check_dependencies()
        timestamp = isoformat_z(utc_now())
        headers = {"Cache-Control": "no-store"}
        if report.database_error:
            raise ServiceError(
                "数据库连接失败",
                code=PartnerCode.DATABASE_UNAVAILABLE,
                status=503,
                data={"status": "degraded", "timestamp": timestamp, "details": report.database_error},
                headers=headers,
            )
        if report.redis_error:
            raise ServiceError(
                "服务暂时不可用",
                code=PartnerCode.INTERNAL_ERROR,
                status=503,
                data={"status": "unhealthy", "timestamp": timestamp, "details": report.redis_error},
                headers=headers,
            )
        data = {"status": "healthy", "timestamp": timestamp, "service": settings.SERVICE_NAME, "uptime": uptime_seconds()}
        return Response(data, headers=headers)


FAVICON_PATH = Path(__file__).resolve().parent / "static" / "core" / "favicon.ico"
# Browsers ask for /favicon.ico on every page that names no icon; a day in their cache.
FAVICON_MAX_AGE = 86400
_SAFE_METHODS = ("GET", "HEAD")


def _safe_methods_only(request):
    """None for GET/HEAD, otherwise the 405 in the path's style (exempt from CSRF, as unknown paths are)."""
    if request.method in _SAFE_METHODS:
        return None
    response = error_response(request, MethodNotAllowed(request.method))
    response["Allow"] = ", ".join(_SAFE_METHODS)
    return response


@csrf_exempt
def front_door(request):
    """GET/HEAD /: a small page for people (the admin's 查看站点 link lands here) that points to the
    API docs (when served), the health probe and the admin; API clients never call it."""
    refused = _safe_methods_only(request)
    if refused:
        return refused
    context = {
        "display_name": settings.SERVICE_DISPLAY_NAME,
        "service": settings.SERVICE_NAME,
        "swagger": settings.ENABLE_SWAGGER,
        "swagger_url": reverse("swagger-ui") if settings.ENABLE_SWAGGER else None,
        "redoc_url": reverse("redoc") if settings.ENABLE_SWAGGER else None,
        "health_url": reverse("health"),
        "admin_url": reverse("admin:index"),
    }
    return render(request, "core/front_door.html", context)


@cache
def _favicon_bytes() -> bytes:
    return FAVICON_PATH.read_bytes()


@csrf_exempt
def favicon(request):
    """GET/HEAD /favicon.ico: the service's icon (the same file as static core/favicon.ico), cacheable."""
    refused = _safe_methods_only(request)
    if refused:
        return refused
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = f"public, max-age={FAVICON_MAX_AGE}"
    return response


@csrf_exempt
def unknown_path(request, *args, **kwargs):
    """Any path no route matched: 404 in the style of its prefix (also under DEBUG)."""
    return error_response(request, Http404())


def bad_request(request, exception=None, *args, **kwargs):
    """handler400: Django's lazy parse errors (and SuspiciousOperation) outside DRF views, styled."""
    # Django has already logged the exception (logger django.security.* or django.request).
    return error_response(request, exception if exception is not None else BadRequest())


def server_error(request, *args, **kwargs):
    """handler500: an exception outside DRF views, answered without a trace."""
    # Django has already logged the exception (logger django.request).
    style = style_for_path(request.path)
    problem = style.problem_for(SERVER_ERROR)
    return json_response(style.error_body(problem, request), problem.status)
