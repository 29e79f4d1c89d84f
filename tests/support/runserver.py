"""`manage.py runserver` (what `make run` starts: DEBUG on, static files served by runserver)
on a free port, for tests of what a developer's process prints and serves."""
from contextlib import contextmanager
from dataclasses import dataclass
import os
from pathlib import Path
import signal
import subprocess
import sys

from tests.support.live import ROOT, free_port, wait_until_listening

# Seconds a live test waits for one answer: a fresh process's first request imports and warms
# the whole service, which takes more than the usual 10 s on a machine busy with other runs.
LIVE_TIMEOUT = 30


@dataclass
class Runserver:
    base: str
    port: int
    stdout_path: Path
    stderr_path: Path

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def development_env(sqlite_path, **overrides: str) -> dict[str, str]:
    """This environment as `make run` sees it: the embedded default (no DATABASE_URL/REDIS_URL), DEBUG on."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ENV", "DJANGO_DEBUG"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SQLITE_PATH": str(sqlite_path),
        "PRESENCE_SNAPSHOTS_AUTOSTART": "false",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(overrides)
    return env


@contextmanager
def running_runserver(directory, env: dict[str, str], *args: str):
    """Start runserver with `args` (e.g. "--noreload"); its stdout and stderr go to files in `directory`.
    It runs in a session of its own, so that stopping it also stops the reloader's child."""
    port = free_port()
    server = Runserver(f"http://127.0.0.1:{port}", port, Path(directory) / "stdout.txt", Path(directory) / "stderr.txt")
    with open(server.stdout_path, "wb") as out, open(server.stderr_path, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", *args, f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True,
        )
        try:
            wait_until_listening(process, port, server.stderr, timeout=60)
            yield server
        finally:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
