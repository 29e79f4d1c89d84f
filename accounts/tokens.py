"""Issuing access tokens. A token carries the user's `token_version` as `ver`."""
from rest_framework_simplejwt.tokens import AccessToken

TOKEN_VERSION_CLAIM = "ver"


def token_issue(*, user) -> str:
    """A signed access token for `user`, valid for JWT_EXPIRE."""
    token = AccessToken.for_user(user)
    token[TOKEN_VERSION_CLAIM] = user.token_version
    return str(token)
