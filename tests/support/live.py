"""A real service process (gunicorn) on a free port, for states a test client cannot reach:
an unreachable database or Redis, several processes sharing a limiter."""
from contextlib import contextmanager
import json
import os
from pathlib import Path
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A local port nothing listens on: connections are refused at once."""
    return free_port()


def stop_process(process, timeout: float) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it has not exited within `timeout` s."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_until_listening(process, port: int, exit_output, timeout: float = 30) -> None:
    """Wait until `port` accepts connections; raise with `exit_output()` if `process` dies first."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"service exited: {exit_output()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"service did not start in {timeout:.0f} s")
            time.sleep(0.1)


@contextmanager
def running_service(env_overrides: dict[str, str | None], workers: int = 1, log_path=None):
    """
    Start gunicorn with the environment changed as given (None removes a variable).
    With `log_path`, the service's output (its JSON log lines, each with the pid of the
    worker that wrote it) goes to that file, for `log_events` to read.
    """
    port = free_port()
    env = dict(os.environ)
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_ENV": "development", "LOG_LEVEL": "WARNING"})
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    output = open(log_path, "wb") if log_path else subprocess.PIPE
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "30", "--log-level", "warning", "--reuse-port"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
    )

    def exit_output():
        if log_path:
            return Path(log_path).read_text(errors="replace")
        return process.stdout.read().decode(errors="replace")

    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_listening(process, port, exit_output)
        yield base
    finally:
        stop_process(process, timeout=10)
        if log_path:
            output.close()


def log_events(log_path, event: str) -> list[dict]:
    """The JSON log lines named `event` that a service started with `log_path` has written so far."""
    found = []
    for line in Path(log_path).read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # gunicorn's own lines
        if isinstance(entry, dict) and entry.get("event") == event:
            found.append(entry)
    return found


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 10):
    """(status, headers, body bytes) of a real HTTP request; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def migrated_sqlite_with_user(directory, username: str) -> tuple[str, str]:
    """A migrated SQLite file in `directory` with one user, for real service processes: (path, the user's JWT)."""
    path = os.path.join(str(directory), "live.sqlite3")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"SQLITE_PATH": path, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING"})
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, capture_output=True)
    script = (
        "from django.contrib.auth import get_user_model; from accounts.tokens import token_issue; "
        f"print(token_issue(user=get_user_model().objects.create_user({username!r}, 'pw-live-123')))"
    )
    done = subprocess.run([*manage, "shell", "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return path, done.stdout.strip().splitlines()[-1]
