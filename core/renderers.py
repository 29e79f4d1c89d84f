"""The one renderer: success data wrapped in the request's style (or bare, where the view says so), errors passed through."""
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

from core import styles
from core.jsonutil import dumps


class EnvelopeRenderer(BaseRenderer):
    """
    Renders a view's plain data as the success body of its style, or as the
    body itself for a view with `success_envelope = False` (whatever status it
    returns: /health's 503 report is such a body).

    Error responses arrive already shaped by `core.exceptions.exception_handler`
    (marked `response.exception`) and are only encoded. A 204 has no body.
    """

    media_type = "application/json"
    format = "json"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response = context.get("response")
        if response is not None and response.status_code == 204:
            return b""
        if response is None or getattr(response, "exception", False):
            return dumps(data)
        view = context.get("view")
        message = getattr(response, "message", None) or getattr(view, "success_message", None)
        return dumps(styles.success_body_for(context["request"], view, data, message))


class JSONFirstNegotiation(DefaultContentNegotiation):
    """Answer JSON whatever Accept says, instead of DRF's 406 (browsers send text/html)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Exception:
            renderer = renderers[0]
            return renderer, renderer.media_type
