"""The benchmark floor: a DRF view with no auth, no database and no Redis.

It runs through the same middleware, renderer and gunicorn configuration as
every endpoint, so each scenario's ratio to it shows what that endpoint's own
work costs. Routed only when settings.BENCH_FLOOR is on.
"""
from rest_framework.response import Response
from rest_framework.views import APIView


class FloorView(APIView):
    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    response_style = "partner"

    def get(self, request):
        return Response({"ok": True})
