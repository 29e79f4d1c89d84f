"""
Django admin for analytics: the raw events (read-only) and the daily actives.

These are the biggest tables of the service (tens of millions of events, 100,000
actives a day), so every change list is built to be answered from an index:
estimated page counts and no facet counts (LargeTableAdminMixin), a name filter
over the predefined names (not a DISTINCT over the table), a received-day filter
that walks the primary key over the day's id range, no date hierarchy (its MIN/MAX
and DISTINCT dates scan the table), exact searches on indexed columns only, and
sorting only by the columns the list's index is ordered by.
"""
from datetime import date, datetime, timedelta

from django.contrib import admin

from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount, Event
from core.admin import LargeTableAdminMixin, LocalDayListFilter, ReadOnlyAdminMixin, local_midnight

# 003's predefined names, each shown as the wire value with its meaning.
PREDEFINED_EVENT_NAMES = {
    "app_session_start": "应用会话开始",
    "app_session_end": "应用会话结束",
    "presence_heartbeat": "在线心跳",
    "user_login": "用户登录",
    "user_logout": "用户退出",
}


class EventNameFilter(admin.SimpleListFilter):
    """003's predefined names; any other name through ?event_name=... in the URL."""

    title = "事件名称"
    parameter_name = "event_name"

    def lookups(self, request, model_admin):
        return [(name, f"{name}({meaning})") for name, meaning in PREDEFINED_EVENT_NAMES.items()]

    def queryset(self, request, queryset):
        return queryset.filter(event_name=self.value()) if self.value() else queryset


class ReceivedDayFilter(LocalDayListFilter):
    """
    Events received on one day of the service time zone: the received_at range, plus
    the id range holding it, so that the list (newest id first) walks the primary key
    from the day's last event instead of through every newer one (the planner takes
    the key for the order and cannot know that the ids of a day are adjacent; the
    received_at BRIN index finds a day's rows but not in id order).
    """

    title_base = "接收日期"
    parameter_name = "received_day"
    field_name = "received_at"

    def queryset(self, request, queryset):
        filtered = super().queryset(request, queryset)
        if not self.value():
            return filtered
        day = date.fromisoformat(self.value())  # valid: super() refused anything else
        start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
        first = _first_id_received_from(start - ID_ORDER_SLACK)
        if first is None:  # nothing received that late
            return filtered.none()
        after = _first_id_received_from(end + ID_ORDER_SLACK)
        return filtered.filter(id__gte=first) if after is None else filtered.filter(id__gte=first, id__lt=after)


# Ids grow with received_at: a batch's rows are inserted by the request that received
# it, within seconds of its receive time (and hosts' clocks agree within seconds). An
# hour of slack on each side of a day keeps every event of the day inside the id range.
ID_ORDER_SLACK = timedelta(hours=1)


def _first_id_received_from(moment: datetime) -> int | None:
    """
    An id from which on every event was received at or after `moment`, and before
    which none was (None: no event was received that late), searched over the primary
    key: a handful of one-row index probes however big the log, where no index answers
    it in one query (received_at has a BRIN index only). Each probe guesses the id by
    interpolating the receive times of the bounds found so far (events arrive at a
    steady-ish rate); a guess that fails to halve the range is followed by a bisection,
    so a burst of traffic costs at most twice a binary search's 25 probes.
    """
    ids = Event.objects.order_by("id").values_list("id", "received_at")
    first, last = ids.first(), ids.reverse().first()
    if first is None or last[1] < moment:
        return None
    if first[1] >= moment:
        return first[0]
    # Invariant: the events before `low` were received before `moment` (the latest probed
    # at `low_at`); the first event from `high` on was received at or after it (at `high_at`).
    low, low_at, high, high_at = first[0] + 1, first[1], last[0], last[1]
    bisect = False
    while low < high:
        if bisect or high_at <= low_at:
            guess = (low + high) // 2
        else:
            share = (moment - low_at) / (high_at - low_at)
            guess = min(max(low + int((high - low) * share), low), high - 1)
        width = high - low
        row = ids.filter(id__gte=guess, id__lt=high).first()
        if row is None or row[1] >= moment:  # none in [guess, high), or the first one is late enough
            high, high_at = guess, (row[1] if row else high_at)
        else:
            low, low_at = row[0] + 1, row[1]
        bisect = not bisect and (high - low) * 2 > width
    return low


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
class DailyActiveAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Rows are written by the ingest together with the counts; edits here would split them."""

    list_display = ["day", "install_id", "province", "city", "first_seen_at"]
    list_filter = ["day"]  # fixed date ranges (today, past 7 days, ...), each a range on the unique index
    search_fields = ["install_id__exact"]  # served by (install_id, day)
    ordering = ["-day", "-install_id"]  # the (day, install_id) unique index read backwards, both columns
    sortable_by = []  # any other order would sort 100,000 rows a day
    list_per_page = 50


class CountAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """A day's counts: a few hundred rows a day, listed newest day first, biggest count first."""

    ordering = ["-day", "-count"]
    list_filter = ["day"]
    list_per_page = 50


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
