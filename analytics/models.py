"""
Analytics storage (seed 003 §2, contract §8).

* `Event`: the raw, append-only event log. It only grows; DAU never reads it.
* `DailyActive`: one row per (local day, install) that was active that day,
  with the province and city of its earliest event that day (by clientTs)
  naming them, whatever order the batches arrived in.
* `DailyActiveCount` / `DailyProvinceCount` / `DailyCityCount`: per-day counts
  of those rows, kept up to date by the same writes (`analytics.services`),
  so that a DAU request reads a few hundred rows per day, never the actives
  themselves.
"""
from django.db import models


class Event(models.Model):
    """One accepted client event, stored as received."""

    event_name = models.CharField(max_length=64)
    install_id = models.CharField(max_length=64)
    user_id = models.CharField(max_length=64, null=True, blank=True)
    # The client's own id for the event; a retried (install_id, event_id) is stored once.
    # NULL when the client sends none: unique constraints never collide on NULL.
    event_id = models.CharField(max_length=64, null=True, blank=True)
    client_ts = models.DateTimeField(help_text="The client's clock (clientTs), as an instant.")
    received_at = models.DateTimeField(help_text="The server's clock when the batch arrived.")
    # The service-time-zone day of client_ts: the day the event counts for in DAU.
    day = models.DateField()
    properties = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["install_id", "event_id"], name="analytics_event_install_event_uniq"),
        ]
        indexes = [
            # The admin's name filter, newest first (its list is ordered by -id).
            models.Index(fields=["event_name", "id"], name="analytics_event_name_id_idx"),
        ]
        # received_at is indexed by migration 0002: BRIN on PostgreSQL (tiny, suits
        # append-only data), a plain B-tree on SQLite. It is not declared here because
        # Django cannot express "BRIN on one backend, B-tree on the other".
        verbose_name = "event"

    def __str__(self):
        return f"{self.event_name} {self.install_id} {self.client_ts:%Y-%m-%d %H:%M:%S}"


class DailyActive(models.Model):
    """An install active on a day (service TIME_ZONE), first seen at `first_seen_at`."""

    day = models.DateField()
    install_id = models.CharField(max_length=64)
    # "" until an event of that day names one; then the one named by the earliest
    # event (by clientTs) seen so far: a late batch holding an earlier event moves it.
    province = models.CharField(max_length=64, blank=True, default="")
    city = models.CharField(max_length=64, blank=True, default="")
    # The earliest clientTs (or heartbeat time) of the install that day.
    first_seen_at = models.DateTimeField()
    # The clientTs of the event that named `province` / `city`, which later batches compare
    # their own events against; NULL while there is none. Rows written before these
    # columns existed (or loaded in SQL without them) count as named at `first_seen_at`.
    province_seen_at = models.DateTimeField(null=True, blank=True)
    city_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "install_id"], name="analytics_dailyactive_day_install_uniq"),
        ]
        indexes = [
            # One install's days (admin search), which the (day, install_id) index cannot serve.
            models.Index(fields=["install_id", "day"], name="analytics_active_install_idx"),
        ]
        verbose_name = "daily active install"

    def __str__(self):
        return f"{self.day} {self.install_id}"


class DailyActiveCount(models.Model):
    """How many installs were active on `day` (the dauCount of that day)."""

    day = models.DateField(unique=True)
    count = models.PositiveIntegerField(default=0)
    # Moves whenever any count of the day changes (the total, a province or a city):
    # DAU answers cache a day's maps under (day, version), so they are never stale.
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "daily active count"

    def __str__(self):
        return f"{self.day}: {self.count}"


class DailyProvinceCount(models.Model):
    """How many of a day's active installs were placed in `province`."""

    day = models.DateField()
    province = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "province"], name="analytics_provincecount_day_province_uniq"),
        ]
        verbose_name = "daily province count"

    def __str__(self):
        return f"{self.day} {self.province}: {self.count}"


class DailyCityCount(models.Model):
    """How many of a day's active installs were placed in `city`."""

    day = models.DateField()
    city = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "city"], name="analytics_citycount_day_city_uniq"),
        ]
        verbose_name = "daily city count"

    def __str__(self):
        return f"{self.day} {self.city}: {self.count}"
