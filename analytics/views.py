"""Analytics endpoints (seed 003 §2): thin views over validation, services and selectors."""
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import serializers
from analytics.authentication import OptionalUserAuthentication
from analytics.parsers import EventBatchParser
from analytics.selectors import dau_between
from analytics.services import events_ingest
from analytics.throttling import DauThrottle, EventBatchThrottle
from analytics.validation import batch_events, dau_range, split_batch
from core import metrics
from core.auth import user_authentication_classes
from core.timeutil import utc_now


class EventBatchView(APIView):
    """POST /api/v1/analytics/events: store a batch, judging each event alone."""

    response_style = "plain"
    authentication_classes = [OptionalUserAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [EventBatchThrottle]
    parser_classes = [EventBatchParser]

    @extend_schema(
        operation_id="analytics_events_create",
        request=serializers.EventBatchIn,
        responses={200: serializers.EventBatchOut},
        # The end users' JWT scheme (declared by accounts), optional here: anyone may post.
        auth=[{"userJWT": []}, {}],
        examples=[OpenApiExample("003 example", value={"events": [
            {"eventName": "app_session_start", "installId": "uuid-xxxx-xxxx-xxxx", "userId": "12345",
             "clientTs": 1732685100, "properties": {"os": "iOS", "province": "广东省", "city": "深圳市"}},
            {"eventName": "presence_heartbeat", "installId": "uuid-xxxx-xxxx-xxxx", "clientTs": 1732685160},
        ]}, request_only=True)],
        tags=["analytics"],
    )
    def post(self, request):
        events = batch_events(request.data)
        now = utc_now()
        valid, errors = split_batch(events, now=now)
        metrics.ANALYTICS_EVENTS.labels("invalid").inc(len(errors))  # stored and duplicate: events_ingest
        result = events_ingest(events=valid, received_at=now)
        return Response({
            "accepted": len(valid),
            "failed": len(errors),
            "errors": errors,
            "duplicates": result.duplicates,
        })


class DauView(APIView):
    """GET /api/v1/analytics/dau: daily actives per day, province and city."""

    response_style = "plain"
    permission_classes = [IsAuthenticated]
    throttle_classes = [DauThrottle]

    def get_authenticators(self):
        return [auth_class() for auth_class in user_authentication_classes()]

    @extend_schema(
        operation_id="analytics_dau_retrieve",
        parameters=[
            OpenApiParameter("startDate", str, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("endDate", str, required=True, description="YYYY-MM-DD, at most 90 days after startDate inclusive"),
        ],
        responses={200: serializers.DauOut},
        tags=["analytics"],
    )
    def get(self, request):
        start, end = dau_range(request.query_params)
        return Response(dau_between(start=start, end=end))
