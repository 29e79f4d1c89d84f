from django.urls import include, path

from config.urls import handler400, handler404, handler500  # noqa: F401  (the root URLconf's error views)
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
    path("api/v1/test/form", views.form_echo),
    path("api/v1/auth/test-form", views.form_echo),
    path("api/v1/presence/test-form", views.form_echo),
    path("", include("config.urls")),
]
