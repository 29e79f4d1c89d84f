"""Real processes write only JSON lines on stderr: runserver (as `make run` starts it, with and
without its autoreloader) and gunicorn (its own lines and the service's), 500s included.

The 500 comes from a real path: the service started on a SQLite file that was never migrated
(the health probe still answers: SELECT 1), and an admin page asked with a session cookie, whose
lookup finds no session table. That is a plain Django view failing, which Django's DEBUG
console handler used to print as a bare traceback before the same traceback as JSON.
"""
import json
from pathlib import Path
import socket
import subprocess
import sys
import time

import pytest

from tests.support.live import ROOT, free_port, http, running_service, stop_process, wait_until_listening
from tests.support.production import production_secrets
from tests.support.runserver import LIVE_TIMEOUT, development_env, running_runserver

# A well-formed session key: Django looks it up (and fails on the missing table).
SESSION_COOKIE = "sessionid=" + "a1b2c3d4" * 4


def json_lines(text: str) -> list[dict]:
    """Every line of `text` as a JSON object; fails naming the first line that is not one."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            entry = json.loads(line)
        except ValueError:
            pytest.fail(f"line {number} is not JSON: {line!r}\n--- whole output:\n{text}")
        assert isinstance(entry, dict), line
        assert {"ts", "level", "logger", "event", "pid"} <= set(entry), entry
        entries.append(entry)
    return entries


def raw_request(port: int, data: bytes) -> bytes:
    """Send bytes that are not HTTP and read whatever the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=LIVE_TIMEOUT) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def exercise(base: str, port: int) -> None:
    """The requests every process is put through: health, an unknown path, a 500, a broken request line."""
    assert http("GET", f"{base}/api/v1/health", timeout=LIVE_TIMEOUT)[0] == 200
    assert http("GET", f"{base}/no-such-page", timeout=LIVE_TIMEOUT)[0] == 404
    status, _, _ = http("GET", f"{base}/admin/", headers={"Cookie": SESSION_COOKIE}, timeout=LIVE_TIMEOUT)
    assert status == 500
    assert b"400" in raw_request(port, b"NOT HTTP AT ALL\r\n\r\n")  # runserver answers it as HTTP/0.9


def assert_one_traceback_inside_json(entries: list[dict]) -> None:
    """The 500's traceback is written once, as the exc_info of django.request's JSON line."""
    failures = [e for e in entries if e["logger"] == "django.request" and e["event"] == "Internal Server Error: /admin/"]
    assert len(failures) == 1, entries
    assert failures[0]["level"] == "ERROR" and failures[0]["status_code"] == 500
    assert "no such table: django_session" in failures[0]["exc_info"]
    assert sum("Traceback (most recent call last)" in json.dumps(e) for e in entries) == 1
    requests = [(e["method"], e["path"], e["status"]) for e in entries if e["event"] == "http.request"]
    assert ("GET", "/admin/", 500) in requests and ("GET", "/no-such-page", 404) in requests


def run_runserver(tmp_path, *args: str) -> tuple[str, str]:
    """Start `manage.py runserver` on a never-migrated SQLite, put it through `exercise`, stop it: (stdout, stderr)."""
    env = development_env(tmp_path / "never-migrated.sqlite3")
    with running_runserver(tmp_path, env, *args) as server:
        exercise(server.base, server.port)
        time.sleep(0.5)  # let the last lines reach the files
    return server.stdout(), server.stderr()


def test_runserver_without_the_reloader_writes_only_json_lines_on_stderr(tmp_path):
    stdout, stderr = run_runserver(tmp_path, "--noreload")
    entries = json_lines(stderr)
    assert_one_traceback_inside_json(entries)
    # runserver's own access lines ('"GET /admin/ HTTP/1.1" 500 ...') are gone: http.request says it
    assert not [e for e in entries if e["logger"] == "django.server" and "HTTP/1.1" in e["event"]]
    # its complaint about a broken request line stays, as JSON
    assert [e for e in entries if e["logger"] == "django.server" and "Bad request" in e["event"]]
    assert "Starting development server" in stdout  # the banner is stdout's, not stderr's


def test_runserver_with_the_reloader_writes_only_json_lines_on_stderr(tmp_path):
    _, stderr = run_runserver(tmp_path)
    entries = json_lines(stderr)
    assert_one_traceback_inside_json(entries)
    watching = [e for e in entries if e["logger"] == "django.utils.autoreload"]
    assert watching and watching[0]["event"].startswith("Watching for file changes with")


@pytest.mark.parametrize("debug", ["true", "false"])
def test_gunicorn_writes_only_json_lines_its_own_included(tmp_path, debug):
    log_path = tmp_path / "gunicorn.log"
    env = {
        "DATABASE_URL": None, "REDIS_URL": None,
        "SQLITE_PATH": str(tmp_path / "never-migrated.sqlite3"),
        "PRESENCE_SNAPSHOTS_AUTOSTART": "false",
        "DJANGO_DEBUG": debug, "LOG_LEVEL": "INFO",
        # DEBUG off is production's path (handler500, WhiteNoise); it needs real secrets
        **(production_secrets() if debug == "false" else {}),
    }
    with running_service(env, log_path=log_path) as base:
        exercise(base, int(base.rsplit(":", 1)[1]))
        time.sleep(0.5)
    entries = json_lines(Path(log_path).read_text(errors="replace"))
    assert_one_traceback_inside_json(entries)
    # gunicorn's own line (running_service starts it at --log-level warning), JSON like the rest
    events = [e["event"] for e in entries if e["logger"] == "gunicorn.error"]
    assert events == ["Invalid request from ip=127.0.0.1: Invalid HTTP request line: 'NOT HTTP AT ALL'"]
    assert not [e for e in entries if e["logger"] == "gunicorn.access"]  # its access log stays off


def test_gunicorn_at_info_writes_its_start_and_stop_as_json_and_no_access_lines(tmp_path):
    """gunicorn -c gunicorn.conf.py as `make serve` and the image run it, at its default level."""
    port = free_port()
    env = development_env(tmp_path / "never-migrated.sqlite3", GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1")
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "gunicorn.conf.py"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_listening(process, port, lambda: log_path.read_text(errors="replace"))
            assert http("GET", f"http://127.0.0.1:{port}/api/v1/health", timeout=LIVE_TIMEOUT)[0] == 200
        finally:
            stop_process(process, timeout=10)
    entries = json_lines(log_path.read_text(errors="replace"))
    events = [e["event"] for e in entries if e["logger"] == "gunicorn.error"]
    assert events[0].startswith("Starting gunicorn ") and "Shutting down: Master" in events
    assert any(event.startswith("Booting worker with pid") for event in events)
    assert [e["path"] for e in entries if e["event"] == "http.request"] == ["/api/v1/health"]
    assert not [e for e in entries if e["logger"] == "gunicorn.access"]
