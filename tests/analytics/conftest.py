import pytest


@pytest.fixture(scope="module")
def live_sqlite(tmp_path_factory):
    """A migrated SQLite file with one user, for a real service process: (path, the user's token)."""
    import os
    import subprocess
    import sys

    from tests.support.live import ROOT

    path = str(tmp_path_factory.mktemp("analytics-live") / "live.sqlite3")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"SQLITE_PATH": path, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING"})
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, capture_output=True)
    script = (
        "from django.contrib.auth import get_user_model; from accounts.tokens import token_issue; "
        "print(token_issue(user=get_user_model().objects.create_user('analytics-live', 'pw-live-123')))"
    )
    done = subprocess.run([*manage, "shell", "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return path, done.stdout.strip().splitlines()[-1]
