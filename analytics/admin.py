"""
Django admin for analytics: the raw events (read-only) and the daily actives.

These are the biggest tables of the service (tens of millions of events, 100,000
actives a day), so every change list is built to be answered from an index:
estimated page counts and no facet counts (LargeTableAdminMixin), a name filter
over the predefined names (not a DISTINCT over the table), a day filter on
received_at (served by its BRIN index), no date hierarchy (its MIN/MAX and
DISTINCT dates scan the table), exact searches on indexed columns only, and
sorting only by the columns the list's index is ordered by.
"""
from django.contrib import admin

from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount, Event
from core.admin import LargeTableAdminMixin, LocalDayListFilter, ReadOnlyAdminMixin

PREDEFINED_EVENT_NAMES = ["app_session_start", "app_session_end", "presence_heartbeat", "user_login", "user_logout"]


class EventNameFilter(admin.SimpleListFilter):
    """003's predefined names; any other name through ?event_name=... in the URL."""

    title = "事件名称"
    parameter_name = "event_name"

    def lookups(self, request, model_admin):
        return [(name, name) for name in PREDEFINED_EVENT_NAMES]

    def queryset(self, request, queryset):
        return queryset.filter(event_name=self.value()) if self.value() else queryset


class ReceivedDayFilter(LocalDayListFilter):
    """Events received on one of the last days of the service time zone, as a received_at range."""

    title_base = "接收日期"
    parameter_name = "received_day"
    field_name = "received_at"


@admin.register(Event)
class EventAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "event_name", "install_id", "user_id", "event_id", "client_ts", "received_at"]
    list_filter = [EventNameFilter, ReceivedDayFilter]
    # Exact install id only: it leads the (install_id, event_id) index; any other
    # search field would scan the whole log.
    search_fields = ["install_id__exact"]
    ordering = ["-id"]
    # Only the primary key orders the log from an index (received_at's BRIN cannot sort).
    sortable_by = ["id"]
    list_per_page = 50


@admin.register(DailyActive)
class DailyActiveAdmin(LargeTableAdminMixin, admin.ModelAdmin):
    list_display = ["day", "install_id", "province", "city", "first_seen_at"]
    list_filter = ["day"]  # fixed date ranges (today, past 7 days, ...), each a range on the unique index
    search_fields = ["install_id__exact"]  # served by (install_id, day)
    ordering = ["-day", "install_id"]  # the (day, install_id) unique index, backwards
    sortable_by = []  # any other order would sort 100,000 rows a day
    readonly_fields = ["day", "install_id", "province", "city", "first_seen_at", "province_seen_at", "city_seen_at"]

    # Rows are written by the ingest together with the counts; edits here would split them.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CountAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """A day's counts: a few hundred rows a day, listed newest day first, biggest count first."""

    ordering = ["-day", "-count"]
    list_filter = ["day"]


@admin.register(DailyActiveCount)
class DailyActiveCountAdmin(CountAdmin):
    list_display = ["day", "count"]


@admin.register(DailyProvinceCount)
class DailyProvinceCountAdmin(CountAdmin):
    list_display = ["day", "province", "count"]
    search_fields = ["province__exact"]


@admin.register(DailyCityCount)
class DailyCityCountAdmin(CountAdmin):
    list_display = ["day", "city", "count"]
    search_fields = ["city__exact"]
