"""
Presence endpoints (seed 003 §1, contract §7), in the plain 003 style.

Views parse input, call one service or selector and return plain data; core's
renderer and exception handler shape the bodies.
"""
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.auth import user_authentication_classes
from core.exceptions import ServiceUnavailable
from core.timeutil import isoformat_z, utc_now
from presence import selectors, services
from presence.serializers import (
    HealthOutput,
    HeartbeatInput,
    HeartbeatOutput,
    HistoryOutput,
    HistoryQuery,
    OnlineCountOutput,
    OnlineCountQuery,
    parse_history_query,
)
from presence.stores import StoreUnavailable, get_store
from presence.throttles import HeartbeatThrottle, OnlineCountThrottle, OnlineHistoryThrottle
from presence.timing import to_ms


STORE_DOWN = OpenApiResponse(description="The presence store (Redis or the database) cannot be reached.")


class PresenceAPIView(APIView):
    """JWT users only; an anonymous or bad token answers 401 UNAUTHORIZED (never 403)."""

    response_style = "plain"
    authentication_classes = user_authentication_classes()
    permission_classes = [IsAuthenticated]


class HeartbeatView(PresenceAPIView):
    throttle_classes = [HeartbeatThrottle]

    @extend_schema(
        operation_id="presence_heartbeat",
        request=HeartbeatInput,
        responses={200: HeartbeatOutput, 503: STORE_DOWN},
        tags=["presence"],
    )
    def post(self, request):
        payload = HeartbeatInput(data=request.data)
        payload.is_valid(raise_exception=True)
        now = services.heartbeat_record(install_id=payload.validated_data["installId"])
        return Response({"ok": True, "serverTs": to_ms(now)})


class OnlineCountView(PresenceAPIView):
    throttle_classes = [OnlineCountThrottle]

    @extend_schema(
        operation_id="presence_online_count",
        parameters=[OnlineCountQuery],
        responses={200: OnlineCountOutput, 503: STORE_DOWN},
        tags=["presence"],
    )
    def get(self, request):
        query = OnlineCountQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        window = query.validated_data["windowSeconds"]
        now = utc_now()
        count = selectors.online_count(window_seconds=window, now=now)
        return Response({"count": count, "windowSeconds": window, "queriedAt": isoformat_z(now)})


class OnlineHistoryView(PresenceAPIView):
    throttle_classes = [OnlineHistoryThrottle]

    @extend_schema(
        operation_id="presence_online_history",
        parameters=[HistoryQuery],
        responses={200: HistoryOutput},
        tags=["presence"],
        )
    def get(self, request):
        start, end, interval = parse_history_query(request.query_params)
        return Response(selectors.online_history(start=start, end=end, interval=interval))


class PresenceHealthView(APIView):
    """003 §3.1's body under /api/v1/presence/health (000 owns /api/v1/health); no auth, no limit."""

    response_style = "plain"
    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    @extend_schema(
        operation_id="presence_health",
        responses={200: HealthOutput, 503: STORE_DOWN},
        tags=["presence"],
        )
    def get(self, request):
        try:
            get_store().ping()
        except StoreUnavailable as exc:
            raise ServiceUnavailable() from exc
        body = {"status": "ok", "service": "presence-service", "timestamp": isoformat_z(utc_now())}
        return Response(body, headers={"Cache-Control": "no-store"})
