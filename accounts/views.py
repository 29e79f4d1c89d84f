"""
The accounts API (seed 002): thin views that parse, call one service or selector, and return data.

Every view answers in the accounts style. The API views share one per-IP budget
(`AccountsIPThrottle`), checked before authentication so that bad tokens spend it too.
"""
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import Throttled
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from accounts import selectors, services, system
from accounts.authentication import AdminJWTAuthentication, JWTAuthentication
from accounts.errors import Msg
from accounts.models import StatusChangeBatch
from accounts.permissions import CanChangeUserStatus, IsStaff, SystemStatsAccess
from accounts.serializers import (
    AuthResult, BatchStatusInput, BatchStatusResult, HealthDownResult, HealthResult, LoginInput, ProfileResult,
    ProfileUpdateInput, ProfileUpdateResult, RegisterInput, SystemStatsResult, UserSearchInput, UserSearchResult,
    UserSerializer,
)
from accounts.throttling import AccountsIPThrottle
from core.clientip import client_ip
from core.health import check_dependencies
from core.responses import respond

THROTTLED_MESSAGE = str(Msg.RATE_LIMITED)


class AccountsView(APIView):
    """Base of the accounts API views: accounts style, the per-IP limit first."""

    response_style = "accounts"
    authentication_classes = []
    permission_classes = []
    throttle_classes = [AccountsIPThrottle]

    def initial(self, request, *args, **kwargs):
        # DRF throttles after authentication and permissions, so a request with a bad
        # token would never be counted; 002 §7 limits every request from the IP.
        self.check_throttles(request)
        self._throttles_checked = True
        super().initial(request, *args, **kwargs)

    def check_throttles(self, request):
        if not getattr(self, "_throttles_checked", False):
            super().check_throttles(request)

    def throttled(self, request, wait):
        # 002's wording rather than DRF's "expected available in N seconds" (Retry-After says when).
        exc = Throttled(detail=THROTTLED_MESSAGE)
        exc.wait = wait  # set after: Throttled(wait=...) appends DRF's own sentence to the detail
        raise exc


def _auth_data(result: services.AuthResult) -> dict:
    return {"user": UserSerializer(result.user).data, "token": result.token}


class RegisterView(AccountsView):
    @extend_schema(operation_id="auth_register", request=RegisterInput,
                   responses={201: AuthResult}, tags=["accounts"], auth=[])
    def post(self, request):
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.user_register(**data.validated_data)
        return respond(_auth_data(result), status=201, message=Msg.REGISTERED)


class LoginView(AccountsView):
    @extend_schema(operation_id="auth_login", request=LoginInput, tags=["accounts"], auth=[],
                   responses={200: AuthResult, 401: OpenApiResponse(description=str(Msg.WRONG_PASSWORD)),
                              403: OpenApiResponse(description=str(Msg.ACCOUNT_DISABLED)),
                              404: OpenApiResponse(description=str(Msg.USER_NOT_FOUND))})
    def post(self, request):
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.user_login(identifier=data.validated_data["username"],
                                     password=data.validated_data["password"], client_ip=client_ip(request))
        return respond(_auth_data(result), message=Msg.LOGGED_IN)


class ProfileView(AccountsView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="users_profile", responses={200: ProfileResult},
                   tags=["accounts"])
    def get(self, request):
        return respond({"user": UserSerializer(request.user).data})

    @extend_schema(operation_id="users_profile_update", request=ProfileUpdateInput, responses={200: ProfileUpdateResult}, tags=["accounts"])
    def put(self, request):
        data = ProfileUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(user_id=request.user.pk, changes=data.changes())
        return respond({"user": UserSerializer(user).data, "message": Msg.PROFILE_UPDATED},
                       message=Msg.PROFILE_UPDATED)


class AdminView(AccountsView):
    authentication_classes = [AdminJWTAuthentication]
    permission_classes = [IsStaff]


class AdminUserSearchView(AdminView):
    @extend_schema(operation_id="admin_users_search", parameters=[UserSearchInput], responses={200: UserSearchResult}, tags=["accounts admin"])
    def get(self, request):
        params = UserSearchInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data
        page = selectors.user_search(keyword=query.get("keyword", ""), user_type=query.get("userType", ""),
                                     page=query["page"], page_size=query["pageSize"])
        return respond({
            "users": UserSerializer(page.users, many=True).data,
            "total": page.total, "page": page.page, "pageSize": page.page_size, "pages": page.pages,
        })


class AdminBatchStatusView(AdminView):
    permission_classes = [CanChangeUserStatus]

    @extend_schema(operation_id="admin_users_batch_status", request=BatchStatusInput, responses={200: BatchStatusResult}, tags=["accounts admin"])
    def post(self, request):
        data = BatchStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.user_batch_set_status(
            user_ids=data.validated_data["userIds"], status=data.validated_data["status"],
            source=StatusChangeBatch.Source.API, actor=request.user,
        )
        message = Msg.BATCH_DONE.format(count=result.changed)
        return respond({
            "message": message, "affectedRows": result.changed, "unchangedIds": result.unchanged_ids,
            "notFoundIds": result.missing_ids, "skippedSelf": result.skipped_self,
            "skippedPrivilegedIds": result.skipped_privileged_ids,
        }, message=message)


@method_decorator(never_cache, name="dispatch")
class HealthView(APIView):
    """
    GET/HEAD /health (002 §4): no auth, never limited, no side effects.

    002's object at the top level, not in the accounts envelope: monitors and load
    balancers read `.status`. A dependency that is down answers 503 with the same
    object, `status: "ERROR"` and `details`, so that they read the same field;
    errors of the request itself (a bad query, a method other than GET/HEAD) stay in the
    accounts style.
    """

    response_style = "accounts"
    success_envelope = False
    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    @extend_schema(operation_id="accounts_health", responses={200: HealthResult, 503: HealthDownResult}, tags=["health"], auth=[])
    def get(self, request):
        report = check_dependencies()
        data = system.health_report()
        if not report.healthy:
            data.update(status="ERROR", details=report.database_error or report.redis_error)
            return respond(data, status=503)
        return respond(data)


@method_decorator(never_cache, name="dispatch")
class SystemStatsView(APIView):
    """
    GET /system-stats (002 §4, contract §5): staff JWT unless SYSTEM_STATS_PUBLIC.

    The figures at the top level as 002 shows them; 401/403 in the accounts style.
    """

    response_style = "accounts"
    success_envelope = False
    authentication_classes = [AdminJWTAuthentication]
    permission_classes = [SystemStatsAccess]
    throttle_classes = []

    def get_authenticators(self):
        from django.conf import settings

        return [] if settings.SYSTEM_STATS_PUBLIC else super().get_authenticators()

    @extend_schema(operation_id="accounts_system_stats", responses={200: SystemStatsResult}, tags=["health"])
    def get(self, request):
        return respond(system.system_stats())
