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

from core.timeutil import local_display


class Event(models.Model):
    """One accepted client event, stored as received."""

    event_name = models.CharField("事件名称", max_length=64, help_text="客户端上报的 eventName。")
    install_id = models.CharField("安装 ID", max_length=64, help_text="客户端的 installId。")
    user_id = models.CharField("用户 ID", max_length=64, null=True, blank=True, help_text="客户端上报的 userId;可为空。")
    # The client's own id for the event; a retried (install_id, event_id) is stored once.
    # NULL when the client sends none: unique constraints never collide on NULL.
    event_id = models.CharField("事件 ID", max_length=64, null=True, blank=True,
                                help_text="客户端的 eventId;同一安装重试的同一 eventId 只保存一次。")
    client_ts = models.DateTimeField("客户端时间", help_text="客户端时钟(clientTs)。")
    received_at = models.DateTimeField("接收时间", help_text="服务器收到该批事件的时间。")
    # The service-time-zone day of client_ts: the day the event counts for in DAU.
    day = models.DateField("统计日", help_text="clientTs 在服务时区的日期,即该事件计入日活的那一天。")
    properties = models.JSONField("属性", null=True, blank=True, help_text="客户端上报的 properties。")

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
        verbose_name = "事件"
        verbose_name_plural = "事件"

    def __str__(self):
        # The operator's clock (service time zone, with its offset), as in the fields below the title.
        return f"{self.event_name} {self.install_id} {local_display(self.client_ts)}"


class DailyActive(models.Model):
    """An install active on a day (service TIME_ZONE), first seen at `first_seen_at`."""

    day = models.DateField("日期", help_text="服务时区的日期。")
    install_id = models.CharField("安装 ID", max_length=64)
    # "" until an event of that day names one; then the one named by the earliest
    # event (by clientTs) seen so far: a late batch holding an earlier event moves it.
    province = models.CharField("省份", max_length=64, blank=True, default="",
                                help_text="当天最早(按 clientTs)注明省份的事件所给的省份;为空表示尚无。")
    city = models.CharField("城市", max_length=64, blank=True, default="",
                            help_text="当天最早(按 clientTs)注明城市的事件所给的城市;为空表示尚无。")
    # The earliest clientTs (or heartbeat time) of the install that day.
    first_seen_at = models.DateTimeField("首次出现时间", help_text="该安装当天最早的 clientTs 或心跳时间。")
    # The clientTs of the event that named `province` / `city`, which later batches compare
    # their own events against; NULL while there is none. Rows written before these
    # columns existed (or loaded in SQL without them) count as named at `first_seen_at`.
    province_seen_at = models.DateTimeField("省份来源时间", null=True, blank=True,
                                            help_text="给出该省份的事件的 clientTs;为空表示尚无。")
    city_seen_at = models.DateTimeField("城市来源时间", null=True, blank=True,
                                        help_text="给出该城市的事件的 clientTs;为空表示尚无。")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "install_id"], name="analytics_dailyactive_day_install_uniq"),
        ]
        indexes = [
            # One install's days (admin search), which the (day, install_id) index cannot serve.
            models.Index(fields=["install_id", "day"], name="analytics_active_install_idx"),
        ]
        verbose_name = "日活安装"
        verbose_name_plural = "日活安装"

    def __str__(self):
        return f"{self.day} {self.install_id}"


class DailyActiveCount(models.Model):
    """How many installs were active on `day` (the dauCount of that day)."""

    day = models.DateField("日期", unique=True, help_text="服务时区的日期。")
    count = models.PositiveIntegerField("日活数", default=0)
    # Moves whenever any count of the day changes (the total, a province or a city):
    # DAU answers cache a day's maps under (day, version), so they are never stale.
    version = models.PositiveBigIntegerField("版本", default=0, help_text="当天任一计数变化时递增,日活缓存以它为键。")

    class Meta:
        verbose_name = "每日日活数"
        verbose_name_plural = "每日日活数"

    def __str__(self):
        return f"{self.day}: {self.count}"


class DailyProvinceCount(models.Model):
    """How many of a day's active installs were placed in `province`."""

    day = models.DateField("日期", help_text="服务时区的日期。")
    province = models.CharField("省份", max_length=64)
    count = models.PositiveIntegerField("日活数", default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "province"], name="analytics_provincecount_day_province_uniq"),
        ]
        verbose_name = "每日省份日活数"
        verbose_name_plural = "每日省份日活数"

    def __str__(self):
        return f"{self.day} {self.province}: {self.count}"


class DailyCityCount(models.Model):
    """How many of a day's active installs were placed in `city`."""

    day = models.DateField("日期", help_text="服务时区的日期。")
    city = models.CharField("城市", max_length=64)
    count = models.PositiveIntegerField("日活数", default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "city"], name="analytics_citycount_day_city_uniq"),
        ]
        verbose_name = "每日城市日活数"
        verbose_name_plural = "每日城市日活数"

    def __str__(self):
        return f"{self.day} {self.city}: {self.count}"
