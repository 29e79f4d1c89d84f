"""
Django admin for analytics: the raw events (read-only) and the daily actives.

The events table is the biggest in the service, so its change list avoids
full scans: no exact total count, a name filter over the predefined names
(not a DISTINCT over the table), a day filter on received_at (served by its
BRIN index), and no date hierarchy.
"""
from datetime import datetime, timedelta

from django.contrib import admin
from django.utils import timezone

from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount, Event
from core.admin import EstimatedCountPaginator, ReadOnlyAdminMixin

PREDEFINED_EVENT_NAMES = ["app_session_start", "app_session_end", "presence_heartbeat", "user_login", "user_logout"]


class EventNameFilter(admin.SimpleListFilter):
    """003's predefined names; any other name through ?event_name=... in the URL."""

    title = "event name"
    parameter_name = "event_name"

    def lookups(self, request, model_admin):
        return [(name, name) for name in PREDEFINED_EVENT_NAMES]

    def queryset(self, request, queryset):
        return queryset.filter(event_name=self.value()) if self.value() else queryset


class ReceivedDayFilter(admin.SimpleListFilter):
    """Events received on one of the last days (service time zone), as a received_at range."""

    title = "received day"
    parameter_name = "received_day"

    def lookups(self, request, model_admin):
        today = timezone.localdate()
        return [((today - timedelta(days=n)).isoformat(), (today - timedelta(days=n)).isoformat()) for n in range(14)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            day = datetime.fromisoformat(self.value()).date()
        except ValueError:
            return queryset.none()
        start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
        return queryset.filter(received_at__gte=start, received_at__lt=start + timedelta(days=1))


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "event_name", "install_id", "user_id", "event_id", "client_ts", "received_at"]
    list_filter = [EventNameFilter, ReceivedDayFilter]
    # Exact install id only: it leads the (install_id, event_id) index; any other
    # search field would scan the whole log.
    search_fields = ["=install_id"]
    ordering = ["-id"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50


@admin.register(DailyActive)
class DailyActiveAdmin(admin.ModelAdmin):
    list_display = ["day", "install_id", "province", "city", "first_seen_at"]
    list_filter = ["day"]
    search_fields = ["=install_id"]  # served by (install_id, day)
    ordering = ["-day", "install_id"]  # the (day, install_id) unique index, backwards
    readonly_fields = ["day", "install_id", "province", "city", "first_seen_at", "province_seen_at", "city_seen_at"]
    show_full_result_count = False

    # Rows are written by the ingest together with the counts; edits here would split them.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    ordering = ["-day", "-count"]
    list_filter = ["day"]


@admin.register(DailyActiveCount)
class DailyActiveCountAdmin(CountAdmin):
    list_display = ["day", "count"]


@admin.register(DailyProvinceCount)
class DailyProvinceCountAdmin(CountAdmin):
    list_display = ["day", "province", "count"]
    search_fields = ["=province"]


@admin.register(DailyCityCount)
class DailyCityCountAdmin(CountAdmin):
    list_display = ["day", "city", "count"]
    search_fields = ["=city"]
