"""gunicorn's request-line bound (gunicorn.conf.py), against a real gunicorn worker.

Every URL the service serves (up to MAX_URL_LENGTH = 8,192 characters, seed 001) reaches it;
a URL between that and gunicorn's bound (twice MAX_URL_LENGTH) gets the service's own 414 with
40001; anything longer is refused by gunicorn after at most the bound has been read, however
much more the client streams, and the worker's memory does not grow with it.
"""
import json
import os
from pathlib import Path
import socket
import time

import pytest

from tests.support.live import http, running_service

BOUND = 2 * 8192  # limit_request_line in gunicorn.conf.py with the default MAX_URL_LENGTH


def _target(length: int) -> str:
    """A request target of exactly `length` characters on the health path."""
    prefix = "/api/v1/health?pad="
    return prefix + "a" * (length - len(prefix))


def _worker_pid(port: int) -> int:
    """The pid of the one gunicorn worker serving `port`: the child of the master whose
    command line names this bind address (master and worker share the command line)."""
    bind = f"127.0.0.1:{port}"
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if bind.encode() in cmdline:
            processes[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])  # ppid
    workers = [pid for pid, ppid in processes.items() if ppid in processes]
    assert len(workers) == 1, processes
    return workers[0]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """One gunicorn (gunicorn.conf.py, one worker) on the embedded stores; health needs no data."""
    directory = tmp_path_factory.mktemp("request-line")
    env = {"DATABASE_URL": None, "REDIS_URL": None, "SQLITE_PATH": os.path.join(directory, "db.sqlite3"),
           "PRESENCE_SNAPSHOTS_AUTOSTART": "false"}
    with running_service(env) as base:
        yield base, int(base.rsplit(":", 1)[1])


def test_a_url_of_8192_characters_is_served(service):
    base, _port = service
    status, _headers, raw = http("GET", base + _target(8192))
    assert status == 200
    assert json.loads(raw)["data"]["status"] == "healthy"


@pytest.mark.parametrize("length", [8193, BOUND - 64])
def test_a_url_between_the_service_limit_and_the_bound_gets_the_services_414(service, length):
    base, _port = service
    status, headers, raw = http("GET", base + _target(length))
    assert status == 414
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    payload = json.loads(raw)
    assert payload["code"] == 40001
    assert "X-Request-Id" in headers


def test_a_request_line_over_the_bound_is_refused_by_gunicorn(service):
    base, _port = service
    status, headers, raw = http("GET", base + _target(BOUND + 100))
    assert status == 414
    assert headers["Content-Type"] == "text/html"
    assert b"Request Line is too large" in raw


def test_an_endless_request_line_is_cut_off_and_the_worker_does_not_grow(service):
    base, port = service
    for _ in range(3):  # warm the worker up: its imports and first-request allocations are done
        assert http("GET", base + _target(8000))[0] == 200
    worker = _worker_pid(port)
    rss_before = _rss_kib(worker)

    total = 16 * 1024 * 1024  # what the client tries to stream: 16 MB of one request line
    chunk = b"a" * 65536
    sent = 0
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(b"GET /")
            while sent < total:
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection: what this test wants
        cut_after = time.monotonic() - started
        try:
            answer = sock.recv(65536)
        except ConnectionResetError:
            answer = b""  # a reset may discard the 414 that was already on its way
    rss_after = _rss_kib(worker)

    assert sent < total, "the server read the whole 16 MB request line"
    # the server stops reading after the bound; what the client managed to send beyond it sat
    # in the two kernels' socket buffers (a few MB at most), never in the worker
    assert sent <= 8 * 1024 * 1024, sent
    assert cut_after < 5, cut_after  # generous: the cut comes as soon as 16 KB have arrived
    assert answer == b"" or answer.startswith(b"HTTP/1.1 414 URI Too Long\r\n"), answer[:100]
    assert rss_after - rss_before < 2048, (rss_before, rss_after)  # KiB; the stream was 16 MB
    # and the worker is still there and serving
    assert _worker_pid(port) == worker
    assert http("GET", base + "/api/v1/health")[0] == 200
