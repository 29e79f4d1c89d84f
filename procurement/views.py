"""The intents resource (seed 001, contract §4): thin views over services and selectors."""
from django.db.models import Model
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import parse_fields
from core.filters import refuse_unknown_params
from core.partner_auth import PartnerSignatureAuthentication
from core.responses import respond
from procurement import selectors, services
from procurement.filters import INTENT_LIST_QUERY
from procurement.serializers import (
    IntentCreateInput, IntentOutput, IntentPageOutput, IntentUpdateInput, SparseIntentOutput,
)
from procurement.wire import INTENT_FIELDS, intent_row_to_wire, intent_to_wire

_ERRORS = {
    400: OpenApiResponse(description="40001 invalid value / 40002 missing field / 40003 wrong type or "
                                     "unknown query parameter; data = {field, reason, errors}"),
    401: OpenApiResponse(description="40101 signature invalid or header missing/malformed, 40102 timestamp "
                                     "outside ±300 s, 40103 unknown App ID, 40104 request replayed"),
    403: OpenApiResponse(description="40301 IP not in the app's whitelist, 40302 app disabled"),
    429: OpenApiResponse(description="42901 over the app's QPS (Retry-After), or too many failed signature "
                                     "checks from this IP"),
}
_NOT_FOUND = {404: OpenApiResponse(description="40401 no such intent for this app (another app's included)")}
_CONFLICT = {409: OpenApiResponse(description="40901 an active intent exists for this userId and productUrl "
                                              "(data.id names it) / 40902 status move not allowed or intent final")}
_FIELDS_PARAM = OpenApiParameter("fields", str, description="comma-separated wire names, e.g. id,status,createdAt")


class PartnerAPIView(APIView):
    """Base of partner views: HMAC-signed, partner envelope; the calling app is `request.user.app`."""

    authentication_classes = [PartnerSignatureAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = []  # the per-app QPS limit runs inside authentication
    response_style = "partner"

    @property
    def app(self) -> Model:
        return self.request.user.app


def _detail_fields(request):
    refuse_unknown_params(request.query_params, {"fields"})
    return parse_fields(request.query_params.get("fields"), INTENT_FIELDS) or INTENT_FIELDS


class IntentListCreateView(PartnerAPIView):
    @extend_schema(
        operation_id="intents_list",
        parameters=INTENT_LIST_QUERY.schema_parameters() + [_FIELDS_PARAM],
        responses={200: IntentPageOutput, **_ERRORS},
        tags=["intents"],
    )
    def get(self, request):
        queryset = selectors.intents_for_app(app=self.app)
        scope = selectors.intents_list_scope(app=self.app)
        return Response(INTENT_LIST_QUERY.run(request.query_params, queryset, intent_row_to_wire, count_scope=scope))

    @extend_schema(
        operation_id="intents_create",
        request=IntentCreateInput,
        responses={201: IntentOutput, **_ERRORS, **_CONFLICT},
        examples=[OpenApiExample("seed 001", request_only=True, value={
            "userId": "user_001", "platform": "TAOBAO", "productUrl": "https://item.taobao.com/item.htm?id=123456"})],
        tags=["intents"],
    )
    def post(self, request):
        refuse_unknown_params(request.query_params, set())
        payload = IntentCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        intent = services.intent_create(app=self.app, **payload.to_columns())
        return respond(intent_to_wire(intent), status=201)


class IntentDetailView(PartnerAPIView):
    @extend_schema(operation_id="intents_read", parameters=[_FIELDS_PARAM],
                   # With `fields=` the intent holds just those fields: none is required (found by fuzzing).
                   responses={200: SparseIntentOutput, **_ERRORS, **_NOT_FOUND}, tags=["intents"])
    def get(self, request, intent_id):
        fields = _detail_fields(request)
        return Response(intent_to_wire(selectors.intent_get(app=self.app, intent_id=intent_id), fields))

    def _update(self, request, intent_id):
        refuse_unknown_params(request.query_params, set())
        payload = IntentUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        intent = services.intent_update(app=self.app, intent_id=intent_id, changes=payload.to_columns())
        return Response(intent_to_wire(intent))

    @extend_schema(operation_id="intents_update", request=IntentUpdateInput, responses={200: IntentOutput, **_ERRORS, **_NOT_FOUND, **_CONFLICT},
                   examples=[OpenApiExample("cancel", request_only=True, value={"status": "CANCELLED"})],
                   tags=["intents"])
    def put(self, request, intent_id):
        return self._update(request, intent_id)

    @extend_schema(operation_id="intents_partial_update", request=IntentUpdateInput, responses={200: IntentOutput, **_ERRORS, **_NOT_FOUND, **_CONFLICT},
                   tags=["intents"])
    def patch(self, request, intent_id):
        return self._update(request, intent_id)

    @extend_schema(operation_id="intents_delete", responses={204: None, **_ERRORS, **_NOT_FOUND}, tags=["intents"])
    def delete(self, request, intent_id):
        refuse_unknown_params(request.query_params, set())
        services.intent_delete(app=self.app, intent_id=intent_id)
        return Response(status=204)

