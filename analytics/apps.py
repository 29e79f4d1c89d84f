from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self):
        from analytics import schema  # noqa: F401  (registers the OpenAPI auth extension)
