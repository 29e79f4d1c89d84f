"""Issuing access tokens. A token carries the user's `token_version` as `ver`."""
from datetime import timedelta

from rest_framework_simplejwt.tokens import AccessToken

TOKEN_VERSION_CLAIM = "ver"


def token_issue(*, user, lifetime: timedelta | None = None) -> str:
    """
    A signed access token for `user`, valid for JWT_EXPIRE, or for `lifetime` from
    now when given (tools and tests; a negative lifetime issues an expired token).
    """
    token = AccessToken.for_user(user)
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    token[TOKEN_VERSION_CLAIM] = user.token_version
    return str(token)
