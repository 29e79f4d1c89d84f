"""Root URLs: admin, each app's API, the OpenAPI schema and its UIs, then a styled 404 for the rest."""
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core import metrics, views as core_views

# The admin's own names, in the operators' language; its "查看站点" link leads to the front door (/).
admin.site.site_header = f"{settings.SERVICE_DISPLAY_NAME}管理后台"
admin.site.site_title = settings.SERVICE_DISPLAY_NAME
admin.site.index_title = "运营管理"
admin.site.site_url = "/"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Prometheus scrapes (core.metrics): closed to the public, never rate limited.
    path(metrics.ROUTE, metrics.metrics_view, name="metrics"),
    path("", include("core.urls")),
    path("", include("procurement.urls")),
    path("", include("accounts.urls")),
    path("", include("presence.urls")),
    path("", include("analytics.urls")),
]

if settings.ENABLE_SWAGGER:
    urlpatterns += [
        path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
        path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
        path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="core/redoc.html"), name="redoc"),
    ]

if settings.BENCH_FLOOR:
    from bench.floor import FloorView

    urlpatterns.append(path("bench/floor", FloorView.as_view()))

# Last: whatever no route matched answers 404 in its surface's style, even under DEBUG.
urlpatterns.append(re_path(r"^", core_views.unknown_path))

handler400 = "core.views.bad_request"
handler404 = "core.views.unknown_path"
handler500 = "core.views.server_error"
