"""
JWT authentication for end users (seed 002 §6, contract §6).

A token is refused when it is malformed, forged, signed with another key or
with `alg: none` (401 "无效的认证token"), expired (401 "token已过期"), names a
user that no longer exists (401 "用户不存在"), or was issued before the user's
`token_version` moved (password change or deactivation; 401 "token已失效").
A user who is inactive gets 403 "账户已被禁用" at once, on the next request.

The per-request cost is one primary-key lookup: the user row is read fresh on
every request (no cache that could lag behind a deactivation), and the token's
`ver` claim is compared with the row's `token_version`.
"""
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken

from accounts.selectors import user_get_for_request
from accounts.tokens import TOKEN_VERSION_CLAIM
from core.logging import set_caller


class JWTAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"
    missing_user_message = "用户不存在"

    def disabled_message(self, user) -> str:
        return "账户已被禁用"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None
        if header[0].decode("latin-1").lower() != self.keyword.lower() or len(header) != 2:
            raise AuthenticationFailed("无效的认证token")
        try:
            token = AccessToken(header[1].decode("latin-1"))
        except ExpiredTokenError:
            raise AuthenticationFailed("token已过期")
        except (TokenError, UnicodeDecodeError):
            raise AuthenticationFailed("无效的认证token")

        user_id = token.get(jwt_settings.USER_ID_CLAIM)
        # Only a correctly signed token gets here, but its claims are still checked for shape.
        if isinstance(user_id, bool) or not isinstance(user_id, (int, str)) or not str(user_id).isdigit():
            raise AuthenticationFailed("无效的认证token")
        user = user_get_for_request(user_id=int(user_id))
        if user is None:
            raise AuthenticationFailed(self.missing_user_message)
        if not user.is_active:
            raise PermissionDenied(self.disabled_message(user))
        if token.get(TOKEN_VERSION_CLAIM) != user.token_version:
            raise AuthenticationFailed("token已失效,请重新登录")
        set_caller(request, f"user:{user.pk}")
        return user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class AdminJWTAuthentication(JWTAuthentication):
    """The same check with 002 §3's wording for the admin endpoints."""

    missing_user_message = "管理员不存在"

    def disabled_message(self, user) -> str:
        return "管理员账号已被禁用" if user.is_staff else "账户已被禁用"
