"""
Presence tables.

`OnlineInstall` is the database store's live state (one row per install,
upserted by heartbeats; unused with the Redis store). `PresenceSnapshot` is the
once-a-minute history of the online count, one row per minute whatever store
serves the live state.
"""
from django.db import models

from core.timeutil import local_display


class OnlineInstall(models.Model):
    """An install's last heartbeat, by server time (database store only)."""

    install_id = models.CharField("安装 ID", max_length=64, primary_key=True)
    # Whole Unix seconds of the server clock: an integer compares the same way on every backend
    # and keeps the raw upsert in stores portable. Indexed: every count is a range on it.
    last_seen = models.BigIntegerField("最后心跳", db_index=True, help_text="最后一次心跳的服务器时间(Unix 秒)。")

    class Meta:
        verbose_name = "在线安装"
        verbose_name_plural = "在线安装"

    def __str__(self) -> str:
        return self.install_id


class PresenceSnapshot(models.Model):
    """The online count at the default window, taken once for each minute."""

    # The minute (seconds zero) this snapshot stands for. Unique: it is the lock that
    # makes one snapshot per minute however many processes or hosts try to take it.
    minute = models.DateTimeField("分钟", unique=True, help_text="该快照代表的那一分钟(秒为零)。")
    count = models.PositiveIntegerField("在线数", help_text="该分钟按默认窗口统计的在线安装数。")
    window_seconds = models.PositiveIntegerField("窗口(秒)", help_text="统计在线数所用的窗口长度。")
    taken_at = models.DateTimeField("采集时间", help_text="服务器实际采集该快照的时间。")

    class Meta:
        ordering = ["-minute"]
        verbose_name = "在线数快照"
        verbose_name_plural = "在线数快照"

    def __str__(self) -> str:
        # The operator's clock (service time zone, with its offset), as in the fields below the title.
        return f"{local_display(self.minute)}: {self.count}"
