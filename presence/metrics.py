"""Presence's scrape-time readings for /metrics (settings.METRICS_READINGS, core.metrics)."""
from __future__ import annotations

from django.conf import settings

from core.timeutil import utc_now
from presence.models import PresenceSnapshot
from presence.stores import get_store


def presence_readings():
    """
    The online count at the default window and the age of the latest snapshot, in seconds.

    Two bounded reads per scrape: the store's count (one ZCOUNT on Redis; an indexed range
    count on the database store) and the newest snapshot row by its unique minute index.
    No snapshot yet: the age is left out (absent, as a stalled clock would look).
    A store that is down raises: core.metrics counts the failed reading and leaves both out.
    """
    now = utc_now()
    readings = {
        "procure_presence_online_installs": get_store().count(
            since=int(now.timestamp()) - settings.PRESENCE_DEFAULT_WINDOW),
    }
    taken_at = PresenceSnapshot.objects.order_by("-minute").values_list("taken_at", flat=True).first()
    if taken_at is not None:
        readings["procure_presence_snapshot_age_seconds"] = max(0.0, (now - taken_at).total_seconds())
    return readings
