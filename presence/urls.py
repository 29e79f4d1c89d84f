"""Presence routes (seed 003 §1); included at the root by config/urls.py."""
from django.urls import path

from presence import views

urlpatterns = [
    path("api/v1/presence/heartbeat", views.HeartbeatView.as_view(), name="presence-heartbeat"),
    path("api/v1/presence/online-count", views.OnlineCountView.as_view(), name="presence-online-count"),
    path("api/v1/presence/online-history", views.OnlineHistoryView.as_view(), name="presence-online-history"),
    path("api/v1/presence/health", views.PresenceHealthView.as_view(), name="presence-health"),
]
