import pytest

from tests.analytics import helpers
from tests.support.live import migrated_sqlite_with_user


@pytest.fixture(autouse=True)
def one_event_day(monkeypatch):
    """Default events of a test share one clientTs, noon yesterday, read once when the test starts."""
    monkeypatch.setattr(helpers, "DEFAULT_TS", helpers.fixed_noon())


@pytest.fixture(scope="module")
def live_sqlite(tmp_path_factory):
    """A migrated SQLite file with one user, for a real service process: (path, the user's token)."""
    return migrated_sqlite_with_user(tmp_path_factory.mktemp("analytics-live"), "analytics-live")
