"""A success response with a message of its own; the renderer still builds the body."""
from rest_framework.response import Response


def respond(data=None, *, status: int = 200, message: str | None = None, headers: dict | None = None) -> Response:
    """Return `data` with a style-specific success `message` (e.g. "注册成功")."""
    response = Response(data, status=status, headers=headers)
    response.message = message
    return response
