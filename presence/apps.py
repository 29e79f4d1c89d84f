import os
import sys

from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "presence"
    verbose_name = "在线状态"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from presence.conf import check_settings

        check_settings()
        if _serving_with_runserver():
            from presence.scheduler import start_snapshot_scheduler

            start_snapshot_scheduler()


def _serving_with_runserver() -> bool:
    """True in the process that serves `manage.py runserver` (the reloader's child, or --noreload)."""
    if len(sys.argv) < 2 or sys.argv[1] != "runserver":
        return False
    return os.environ.get("RUN_MAIN") == "true" or "--noreload" in sys.argv
