"""
Admin: the snapshot history, read-only, filterable by day.

A year of snapshots is half a million rows: the list is ordered and filtered by
`minute` only (its unique index), pages are counted by estimate, and there is no
date hierarchy (its MIN/MAX and DISTINCT dates read the whole table on each
view); a service-time-zone day filter takes its place.
"""
from django.contrib import admin

from core.admin import LargeTableAdminMixin, LocalDayListFilter, ReadOnlyAdminMixin
from presence.models import PresenceSnapshot


class SnapshotDayFilter(LocalDayListFilter):
    """The snapshots of one of the last days (service time zone), as a range on the minute."""

    title_base = "日期"
    parameter_name = "day"
    field_name = "minute"


@admin.register(PresenceSnapshot)
class PresenceSnapshotAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Snapshots are measurements: operators read them, nobody edits history."""

    list_display = ("minute", "count", "window_seconds", "taken_at")
    list_filter = (SnapshotDayFilter, "minute")
    ordering = ("-minute",)
    sortable_by = ("minute",)  # the unique index; any other column would sort the whole history
    list_per_page = 60  # an hour of minutes
