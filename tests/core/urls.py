from django.urls import include, path

from tests.core import views

urlpatterns = [
    path("api/v1/test/partner", views.PartnerEcho.as_view()),
    path("api/v1/auth/test-echo", views.AccountsEcho.as_view()),
    path("api/v1/presence/test-echo", views.PlainEcho.as_view()),
    path("api/v1/test/boom", views.Boom.as_view()),
    path("api/v1/presence/boom", views.Boom.as_view()),
    path("api/v1/test/db-down", views.DatabaseDown.as_view()),
    path("api/v1/test/conflict", views.Conflict.as_view()),
    path("api/v1/test/throttled", views.Throttled.as_view()),
    path("", include("config.urls")),
]
