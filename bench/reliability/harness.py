"""
Shared pieces of the reliability runs (docs/reliability.md): private Redis and
PostgreSQL servers that a run may stop and start at will, a seeded service
under gunicorn, and a mixed load whose every answer is classified.

Nothing here touches the machine's shared PostgreSQL or Redis: each run starts
its own servers on free ports under a temporary directory and removes them.
The CI fault test (tests/reliability/test_faults.py) and the long-run scripts
beside this file use the same code.
"""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
import glob
import http.client
import json
import os
from pathlib import Path
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.signing import compute_signature  # noqa: E402  (no Django needed)
from tests.support.live import stop_process, wait_until_listening  # noqa: E402

PYTHON = sys.executable

# Limits far above any load these runs make: they measure faults, not throttles
# (the throttles have their own tests, and the limiter race is run on its own).
UNLIMITED = {
    "ACCOUNTS_RATE_LIMIT": "1000000000/15m",
    "ACCOUNTS_LOGIN_FAILURE_LIMIT": "1000000000/15m",
    "ANALYTICS_EVENTS_RATE": "1000000000/m",
    "ANALYTICS_DAU_RATE": "1000000000/m",
    "PRESENCE_HEARTBEAT_RATE": "1000000000/m",
    "PRESENCE_ONLINE_COUNT_RATE": "1000000000/m",
    "PRESENCE_ONLINE_HISTORY_RATE": "1000000000/m",
    "PARTNER_AUTH_FAILURE_RATE": "1000000000/m",
    "PARTNER_DEFAULT_QPS": "1000000",
}
# Secrets made for this run (its servers are private and fresh): production refuses any value
# written in the repository (config.secret_policy).
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": secrets.token_hex(32),
    "JWT_SECRET": secrets.token_hex(32),
    "SIGNING_ENCRYPTION_KEY": secrets.token_hex(32),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, up: bool, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                is_up = True
        except OSError:
            is_up = False
        if is_up == up:
            return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not go {'up' if up else 'down'} in {timeout} s")


class PrivateRedis:
    """A throwaway redis-server (no persistence) on its own port; stop() and start() keep the port."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, up=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        _wait_port(self.port, up=False)


class PrivatePostgres:
    """
    A throwaway PostgreSQL cluster under /tmp, run as the `postgres` OS user
    when this process is root (initdb refuses root). fsync is off: the runs
    test the service's behaviour, not the disk.
    """

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="reliability-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/tmp")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")
        _wait_port(self.port, up=True)

    def stop(self) -> None:
        # "fast": open connections are cut, as when a database host goes away.
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        _wait_port(self.port, up=False)

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def connections(self) -> int:
        """Client backends connected to the cluster now (the query's own connection excluded)."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchone()[0]


@contextmanager
def private_servers():
    """A throwaway PostgreSQL cluster and Redis server, started; yields (pg, redis), both gone at the end."""
    pg, redis = PrivatePostgres(), PrivateRedis()
    try:
        pg.init()
        pg.start()
        redis.start()
        yield pg, redis
    finally:
        redis.stop()
        pg.destroy()


SEED_SCRIPT = """
import json
from django.contrib.auth import get_user_model
from accounts.tokens import token_issue
from procurement import services
User = get_user_model()
app, secret = services.partner_app_create(name="Reliability", app_id="reliability_app", qps_limit=1000000)
user = User.objects.create_user("reliability-user", "reliability-pass-1")
print(json.dumps({"app_id": app.app_id, "secret": secret, "token": token_issue(user=user),
                  "username": "reliability-user", "password": "reliability-pass-1"}))
"""


def service_env(database_url: str | None, redis_url: str | None, production: bool = True, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "SECURE_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING", **UNLIMITED})
    env.update(PRODUCTION if production else {"DJANGO_ENV": "development"})
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def seed(env: dict) -> dict:
    """Migrate and create one partner app and one user; their credentials."""
    manage = [PYTHON, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, capture_output=True)
    done = subprocess.run([*manage, "shell", "-c", SEED_SCRIPT], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def gunicorn(env: dict, workers: int = 2, threads: int = 4):
    """The service as production runs it (gthread), on a free port; yields (host, port, process)."""
    port = free_port()
    # MALLOC_ARENA_MAX=2 as `make serve` and the Docker image run it (docs/operations.md).
    env = {"MALLOC_ARENA_MAX": "2", **env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers),
           "GUNICORN_THREADS": str(threads)}
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([PYTHON, "-m", "gunicorn", "config.wsgi", "-c", "gunicorn.conf.py"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    def exit_output():
        log.seek(0)
        return log.read().decode(errors="replace")[-3000:]

    try:
        wait_until_listening(process, port, exit_output)
        process.log = log  # type: ignore[attr-defined]
        yield "127.0.0.1", port, process
    finally:
        stop_process(process, timeout=15)
        log.close()


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- the load ---------------------------------------------------------------------------------

STYLE_KEYS = {
    "partner": {"code", "message", "data"},
    "accounts": {"success", "code", "message", "data"},
    "plain": {"statusCode", "error", "message", "path", "method", "timestamp"},
}


def style_of(path: str) -> str:
    if path.startswith(("/api/v1/presence/", "/api/v1/analytics/")):
        return "plain"
    if path.startswith(("/api/v1/auth/", "/api/v1/users/", "/api/v1/admin/", "/health", "/system-stats")):
        return "accounts"
    return "partner"


class Client:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, host: str, port: int, timeout: float = 30):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class Mix:
    """
    The endpoints a run exercises, one call per step, in a fixed rotation.
    `record` receives (action, method, path, status, body, extra) for every answer.
    """

    ACTIONS = ("events", "heartbeat", "online_count", "intent_create", "intent_get", "profile", "dau", "health")

    def __init__(self, client: Client, creds: dict, worker: int, tag: str):
        self.client = client
        self.creds = creds
        self.worker = worker
        self.tag = tag
        self.n = 0
        self.intents: list[str] = []
        self.bearer = {"Authorization": f"Bearer {creds['token']}"}
        self._ms = 0

    def _signed(self, method: str, target: str, body: bytes = b"") -> dict:
        self._ms = max(int(time.time() * 1000), self._ms + 1)
        timestamp = str(self._ms)
        return {"X-App-Id": self.creds["app_id"], "X-Timestamp": timestamp,
                "X-Signature": compute_signature(self.creds["secret"], method, target, timestamp, body)}

    def step(self, action: str):
        self.n += 1
        n, w = self.n, self.worker
        install = f"{self.tag}-w{w:03d}-{n % 64:02d}"
        if action == "events":
            event_id = f"{self.tag}-{w}-{n}"
            body = json.dumps({"events": [{"eventName": "reliability_tick", "installId": install, "eventId": event_id,
                                           "clientTs": int(time.time()), "properties": {"n": n}}]}).encode()
            return "POST", "/api/v1/analytics/events", body, {}, event_id
        if action == "heartbeat":
            body = json.dumps({"installId": install, "appVersion": "1.0.0", "clientTs": time.time() * 1000}).encode()
            return "POST", "/api/v1/presence/heartbeat", body, self.bearer, None
        if action == "online_count":
            return "GET", "/api/v1/presence/online-count", None, self.bearer, None
        if action == "intent_create":
            body = json.dumps({"userId": f"{self.tag}-{w}", "platform": "JD",
                               "productUrl": f"https://jd.com/{self.tag}/{w}/{n}", "price": "9.90"}).encode()
            return "POST", "/api/v1/intents", body, self._signed("POST", "/api/v1/intents", body), None
        if action == "intent_get":
            # Targets differ per client: two clients signing the same GET in the same millisecond
            # would send one signature twice, which the service rightly refuses as a replay.
            target = (f"/api/v1/intents/{self.intents[n % len(self.intents)]}" if self.intents
                      else f"/api/v1/intents?pageSize=5&filter[userId]={self.tag}-{w}")
            return "GET", target, None, self._signed("GET", target), None
        if action == "profile":
            return "GET", "/api/v1/users/profile", None, self.bearer, None
        if action == "dau":
            day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
            return "GET", f"/api/v1/analytics/dau?startDate={day}&endDate={day}", None, self.bearer, None
        if action == "health":
            return "GET", "/api/v1/health", None, {}, None
        raise ValueError(action)

    def call(self, action: str):
        method, path, body, headers, extra = self.step(action)
        try:
            status, raw = self.client.request(method, path, body, headers)
        except OSError as error:
            return method, path, 0, repr(error).encode(), extra
        if action == "intent_create" and status == 201:
            self.intents.append(json.loads(raw)["data"]["id"])
        return method, path, status, raw, extra


def judge(path: str, status: int, raw: bytes) -> str | None:
    """None when the answer is well formed for its surface; otherwise what is wrong."""
    if status == 0:
        return "no answer: " + raw.decode(errors="replace")[:200]
    if status >= 500 and status != 503:
        return f"HTTP {status}"
    text = raw.decode(errors="replace")
    if "Traceback" in text or 'File "' in text:
        return "stack trace in body"
    if status == 204:
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        return "body is not JSON"
    if status >= 400:
        style = style_of(path)
        if not isinstance(body, dict) or set(body) != STYLE_KEYS[style]:
            return f"{status} body not in the {style} style: {text[:200]}"
    return None


class Tally:
    """Thread-safe counts per (phase, action, status), the problems seen, and what was acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.problems: list[str] = []
        self.events_acked: list[str] = []
        self.intents_acked: list[str] = []
        self.latencies: list[float] = []
        self.samples: dict[str, str] = {}  # the first error body per (phase, action, status)

    def add(self, phase: str, action: str, path: str, status: int, raw: bytes, extra, elapsed: float):
        problem = judge(path, status, raw)
        with self.lock:
            self.counts[(phase, action, status)] += 1
            self.latencies.append(elapsed)
            if status >= 400 and f"{phase} {action} {status}" not in self.samples:
                self.samples[f"{phase} {action} {status}"] = raw.decode(errors="replace")[:300]
            if problem and len(self.problems) < 200:
                self.problems.append(f"[{phase}] {action} {path}: {problem}")
            if action == "events" and status == 200:
                answer = json.loads(raw)
                if answer.get("accepted") == 1 or answer.get("duplicates") == 1:
                    self.events_acked.append(extra)
            if action == "intent_create" and status == 201:
                self.intents_acked.append(json.loads(raw)["data"]["id"])

    def by_phase(self) -> dict:
        table: dict = {}
        for (phase, action, status), count in sorted(self.counts.items()):
            table.setdefault(phase, {}).setdefault(action, {})[status] = count
        return table


class ThreadLoad:
    """`threads` closed-loop clients, each cycling through `actions`; `phase` is read per request."""

    def __init__(self, host: str, port: int, creds: dict, threads: int, actions=Mix.ACTIONS, tag: str = "load",
                 pause: float = 0.0):
        self.host, self.port, self.creds = host, port, creds
        self.threads_n, self.actions, self.tag, self.pause = threads, actions, tag, pause
        self.phase = "start"
        self.tally = Tally()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _run(self, worker: int):
        mix = Mix(Client(self.host, self.port), self.creds, worker, self.tag)
        i = worker
        while not self._stop.is_set():
            action = self.actions[i % len(self.actions)]
            i += 1
            phase = self.phase
            started = time.perf_counter()
            method, path, status, raw, extra = mix.call(action)
            self.tally.add(phase, action, path, status, raw, extra, time.perf_counter() - started)
            if self.pause:
                time.sleep(self.pause)

    def start(self):
        for worker in range(self.threads_n):
            thread = threading.Thread(target=self._run, args=(worker,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def probe(host: str, port: int, path: str) -> tuple[int, dict | None]:
    try:
        status, raw = Client(host, port, timeout=10).request("GET", path)
    except OSError:
        return 0, None
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


def wait_for(host: str, port: int, path: str, status: int, timeout: float) -> float:
    """Seconds until `path` answers `status` (polled every 100 ms); raises after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if probe(host, port, path)[0] == status:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"{path} did not answer {status} within {timeout} s")


def stored_ids(database_url: str, table: str, column: str, ids: list[str]) -> set[str]:
    """Which of `ids` are in `table.column` (PostgreSQL)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)", (ids,)).fetchall()
    return {row[0] for row in rows}
