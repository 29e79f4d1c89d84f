"""Admin: the snapshot history, read-only, filterable by date."""
from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from presence.models import PresenceSnapshot


@admin.register(PresenceSnapshot)
class PresenceSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Snapshots are measurements: operators read them, nobody edits history."""

    list_display = ("minute", "count", "window_seconds", "taken_at")
    list_filter = ("minute",)
    date_hierarchy = "minute"
    ordering = ("-minute",)
    list_per_page = 120
    show_full_result_count = False  # a year is half a million rows; skip the second COUNT
