from django.urls import path

from core import views

urlpatterns = [
    path("", views.front_door, name="front-door"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("api/v1/health", views.HealthView.as_view(), name="health"),
]
