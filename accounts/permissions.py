"""Who may call the admin endpoints and /system-stats."""
from django.conf import settings
from rest_framework.permissions import BasePermission

from accounts.errors import Msg
from accounts.services import user_can_change_status


class IsStaff(BasePermission):
    """A signed-in staff user (contract §6: 403 "需要管理员权限" for anyone else)."""

    message = str(Msg.ADMIN_REQUIRED)

    def has_permission(self, request, view):
        user = request.user
        return bool(user is not None and user.is_authenticated and user.is_staff)


class CanChangeUserStatus(IsStaff):
    """
    A staff user who may change users' status: Django's change-user permission, the
    one the admin's status actions require (the rule itself lives in the service).
    """

    def has_permission(self, request, view):
        return super().has_permission(request, view) and user_can_change_status(actor=request.user)


class SystemStatsAccess(IsStaff):
    """Open when SYSTEM_STATS_PUBLIC is on (002 shows it open); otherwise staff only."""

    def has_permission(self, request, view):
        return settings.SYSTEM_STATS_PUBLIC or super().has_permission(request, view)
