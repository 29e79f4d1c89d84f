"""Views that exist only in tests, to drive each response style through core's machinery."""
from django.db import OperationalError
from django.http import JsonResponse
from rest_framework import serializers
from rest_framework.views import APIView

from core.exceptions import ServiceError
from core.responses import respond
from core.throttling import ClientIPThrottle


class SampleInput(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=["a", "b"], required=False)


class EchoView(APIView):
    def post(self, request):
        data = SampleInput(data=request.data)
        data.is_valid(raise_exception=True)
        return respond(data.validated_data, status=201, message="创建成功")

    def get(self, request):
        return respond({"hello": "world"})


class PartnerEcho(EchoView):
    response_style = "partner"


class AccountsEcho(EchoView):
    response_style = "accounts"


class PlainEcho(EchoView):
    response_style = "plain"


class Boom(APIView):
    def get(self, request):
        raise RuntimeError("secret internals")


class DatabaseDown(APIView):
    def get(self, request):
        raise OperationalError("connection refused at 10.0.0.5")


class Conflict(APIView):
    response_style = "partner"

    def get(self, request):
        raise ServiceError("资源已存在", code=40901, status=409, data={"id": "x"})


class ThreePerMinute(ClientIPThrottle):
    scope = "test_three"
    rate = "3/m"


class Throttled(APIView):
    throttle_classes = [ThreePerMinute]

    def get(self, request):
        return respond({"ok": True})


def form_echo(request):
    """A plain Django view (not DRF) that parses a form body, as the admin's views do:
    Django's lazy parse errors reach handler400 from here."""
    def count(multi):
        return sum(len(values) for _name, values in multi.lists())

    return JsonResponse({"fields": count(request.POST), "files": count(request.FILES)})
