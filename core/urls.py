from django.urls import path

from core import views

urlpatterns = [
    path("api/v1/health", views.HealthView.as_view(), name="health"),
]
