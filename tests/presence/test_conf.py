"""The presence timing settings refuse to start when they contradict each other."""
import pytest
from django.core.exceptions import ImproperlyConfigured

from presence.conf import check_settings


def test_the_shipped_settings_hold_together(settings):
    check_settings()  # raises ImproperlyConfigured on a contradiction (the cases below)
    # The defaults it judged are the documented ones (README "Configuration", docs/presence.md).
    assert settings.PRESENCE_STORE == ("redis" if settings.REDIS_URL else "database")
    shipped = (settings.PRESENCE_HEARTBEAT_INTERVAL, settings.PRESENCE_DEFAULT_WINDOW, settings.PRESENCE_MAX_WINDOW,
               settings.PRESENCE_TRIM_HORIZON, settings.PRESENCE_SNAPSHOT_PERIOD)
    assert shipped == (60, 180, 3600, 3600, 60)


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"PRESENCE_STORE": "memcached"}, "PRESENCE_STORE must be"),
        ({"PRESENCE_STORE": "redis", "REDIS_URL": ""}, "needs REDIS_URL"),
        ({"PRESENCE_DEFAULT_WINDOW": 4000}, "PRESENCE_DEFAULT_WINDOW <= PRESENCE_MAX_WINDOW"),
        ({"PRESENCE_DEFAULT_WINDOW": 0}, "1 <= PRESENCE_MIN_WINDOW"),
        ({"PRESENCE_HEARTBEAT_INTERVAL": 180}, "shorter than PRESENCE_DEFAULT_WINDOW"),
        ({"PRESENCE_HEARTBEAT_INTERVAL": 0}, "shorter than PRESENCE_DEFAULT_WINDOW"),
        ({"PRESENCE_TRIM_HORIZON": 3599}, "at least PRESENCE_MAX_WINDOW"),
        ({"PRESENCE_SNAPSHOT_PERIOD": 30}, "one minute"),
    ],
)
def test_contradictory_timing_is_refused_at_start(settings, overrides, fragment):
    for name, value in overrides.items():
        setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=fragment):
        check_settings()
