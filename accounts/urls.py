"""Routes of the accounts surface (seed 002)."""
from django.urls import path

from accounts import views

urlpatterns = [
    path("api/v1/auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("api/v1/auth/login", views.LoginView.as_view(), name="auth-login"),
    path("api/v1/users/profile", views.ProfileView.as_view(), name="users-profile"),
    path("api/v1/admin/users/search", views.AdminUserSearchView.as_view(), name="admin-users-search"),
    path("api/v1/admin/users/batch-status", views.AdminBatchStatusView.as_view(), name="admin-users-batch-status"),
    path("health", views.HealthView.as_view(), name="accounts-health"),
    path("system-stats", views.SystemStatsView.as_view(), name="system-stats"),
]
