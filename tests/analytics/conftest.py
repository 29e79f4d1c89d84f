import pytest

from tests.support.live import migrated_sqlite_with_user


@pytest.fixture(scope="module")
def live_sqlite(tmp_path_factory):
    """A migrated SQLite file with one user, for a real service process: (path, the user's token)."""
    return migrated_sqlite_with_user(tmp_path_factory.mktemp("analytics-live"), "analytics-live")
