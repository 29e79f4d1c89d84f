"""
Presence tables.

`OnlineInstall` is the database store's live state (one row per install,
upserted by heartbeats; unused with the Redis store). `PresenceSnapshot` is the
once-a-minute history of the online count, one row per minute whatever store
serves the live state.
"""
from django.db import models


class OnlineInstall(models.Model):
    """An install's last heartbeat, by server time (database store only)."""

    install_id = models.CharField(max_length=64, primary_key=True)
    # Whole Unix seconds of the server clock: an integer compares the same way on every backend
    # and keeps the raw upsert in stores portable. Indexed: every count is a range on it.
    last_seen = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = "online install"

    def __str__(self) -> str:
        return self.install_id


class PresenceSnapshot(models.Model):
    """The online count at the default window, taken once for each minute."""

    # The minute (UTC, seconds zero) this snapshot stands for. Unique: it is the lock that
    # makes one snapshot per minute however many processes or hosts try to take it.
    minute = models.DateTimeField(unique=True)
    count = models.PositiveIntegerField()
    window_seconds = models.PositiveIntegerField()
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["-minute"]
        verbose_name = "presence snapshot"

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} UTC: {self.count}"
