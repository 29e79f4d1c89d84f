#!/usr/bin/env python
"""
The benchmark: `make bench` (or `python bench/run.py`).

Starts the service as in production (gunicorn with gunicorn.conf.py, DEBUG
off, PostgreSQL and Redis, from a virtualenv with requirements.txt only),
loads the data set once (bench/load_data.py), drives every scenario with wrk at one fixed concurrency, and writes
bench/results/latest.md: requests/s, p50, p99, non-2xx counts and the ratio
to the floor measured in the same run, plus the workers' peak RSS.

Scenarios whose data or endpoint is missing are reported as such, not skipped
silently.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
import datetime as dt
import hashlib
import json
import os
from pathlib import Path
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DATA = BENCH / ".data"
RESULTS = BENCH / "results"
PYTHON = sys.executable

BENCH_DB = os.environ.get("BENCH_DB", "procure_bench")


def bench_secrets() -> dict[str, str]:
    """The service's three secrets for the bench, made once into bench/.data (git-ignored) and
    kept: production refuses any value written in the repository, and the loaded data set (JWTs,
    partner secrets encrypted at rest) must stay valid from one run to the next."""
    import base64
    import secrets

    path = DATA / "secrets.json"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        path.write_text(json.dumps({
            "DJANGO_SECRET_KEY": secrets.token_hex(32),
            "JWT_SECRET": secrets.token_hex(32),
            "SIGNING_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        }))
        path.chmod(0o600)
    return json.loads(path.read_text())


BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_ENV": "production",
    **bench_secrets(),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "BENCH_FLOOR": "true",
    "LOG_LEVEL": "WARNING",
    # As the Dockerfile and `make serve` run it: glibc's per-thread malloc arenas
    # otherwise grow each gthread worker by hundreds of MB of fragmentation.
    "MALLOC_ARENA_MAX": "2",
    "PRESENCE_SNAPSHOTS_AUTOSTART": "false",
    # wrk sends every request from 127.0.0.1; the event script spreads clients over
    # X-Forwarded-For so the per-IP event limit runs without refusing the load.
    "TRUSTED_PROXIES": "127.0.0.1/32",
}


@dataclass
class Scenario:
    name: str
    path: str
    script: str | None = None  # a Lua file under bench/lua
    note: str = ""
    per_request_items: int = 1  # e.g. events per batch, for items/s
    result: dict = field(default_factory=dict)


SCENARIOS = [
    Scenario("floor", "/bench/floor", note="DRF view, no auth, no DB, no Redis"),
    Scenario("health", "/api/v1/health", note="DB SELECT 1 + Redis PING"),
    Scenario("heartbeat", "/api/v1/presence/heartbeat", "heartbeat.lua", "JWT, random installIds"),
    Scenario("online-count", "/api/v1/presence/online-count", "online_count.lua", "1,000,000 installs online"),
    Scenario("online-history 1m/7d", "/api/v1/presence/online-history", "online_history.lua", "7 days of minute snapshots"),
    Scenario("dau 90 days", "/api/v1/analytics/dau", "dau.lua", "90 days x 100,000 actives"),
    Scenario("intent create (signed)", "/api/v1/intents", "intent_create.lua", "fresh HMAC per request"),
    Scenario("intent get by id (signed)", "/api/v1/intents/{id}", "intent_get.lua", "random ids of one app"),
    Scenario("intent list (signed)", "/api/v1/intents", "intent_list.lua", "filter + sort + page of 20 over 1,000,000 rows"),
    Scenario("event batch x100", "/api/v1/analytics/events", "events.lua", "100 events per request", 100),
]


def django_in_process() -> None:
    """Set Django up in this process with the bench's settings (for the in-process tools)."""
    sys.path.insert(0, str(ROOT))
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    import django

    django.setup()


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


def ensure_services():
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
        version = os.listdir("/etc/postgresql")[0]
        run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"])
    if subprocess.run(["redis-cli", "ping"], capture_output=True).returncode != 0:
        run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
             "--save", "", "--appendonly", "no"])
    if not shutil.which("wrk"):
        print("bench: installing wrk (Debian package)")
        run(["apt-get", "install", "-y", "-q", "wrk"], stdout=subprocess.DEVNULL)


def ensure_database(env):
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{BENCH_DB}'"],
        capture_output=True, text=True,
    ).stdout.strip()
    if not exists:
        run(["createdb", "-h", "127.0.0.1", "-U", "postgres", BENCH_DB])
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env)


SERVICE_VENV = DATA / "service-venv"


def service_python() -> str:
    """
    The interpreter gunicorn runs under: a virtualenv with requirements.txt only, made
    once and again whenever requirements.txt changes. The service then runs as it does
    in production; under the dev virtualenv each worker also imported the test tools'
    packages (DRF imports `requests` and `pygments` when they are installed), ~20 MB of RSS.
    """
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()
    stamp = SERVICE_VENV / "requirements.sha256"
    if not stamp.exists() or stamp.read_text() != digest:
        print("bench: making the service's virtualenv (requirements.txt only)", flush=True)
        run([PYTHON, "-m", "venv", "--clear", str(SERVICE_VENV)])
        run([str(SERVICE_VENV / "bin" / "pip"), "install", "--quiet", "-r", str(ROOT / "requirements.txt")])
        stamp.write_text(digest)
    return str(SERVICE_VENV / "bin" / "python")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env, port, workers, threads):
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers),
           "GUNICORN_THREADS": str(threads), "GUNICORN_MAX_REQUESTS": "0"}
    process = subprocess.Popen([service_python(), "-m", "gunicorn", "config.wsgi", "-c", "gunicorn.conf.py"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(DATA / "gunicorn.log", "w"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("bench: gunicorn did not start; see bench/.data/gunicorn.log")


def _cpu_times():
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]  # all, idle + iowait


def wait_until_idle(max_seconds=30.0, idle_share=0.9):
    """
    Wait until the CPUs were at least `idle_share` idle over one second (or `max_seconds`):
    a data load or a scenario that wrote (events, creates) leaves PostgreSQL flushing and
    autovacuuming, which would otherwise be charged to what is measured next. Returns the
    idle share seen.
    """
    deadline = time.monotonic() + max_seconds
    while True:
        total0, idle0 = _cpu_times()
        time.sleep(1.0)
        total1, idle1 = _cpu_times()
        share = (idle1 - idle0) / max(1, total1 - total0)
        if share >= idle_share or time.monotonic() >= deadline:
            return share


def worker_pids(master_pid):
    out = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def peak_rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output):
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for pct in ("50", "99"):
        match = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", output, re.M)
        result[f"p{pct}"] = _ms(match.group(1)) if match else None
    total = re.search(r"(\d+) requests in", output)
    result["requests"] = int(total.group(1)) if total else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non2xx"] = int(non2xx.group(1)) if non2xx else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = sum(map(int, errors.groups())) if errors else 0
    return result


def run_wrk(base, scenario, env, duration, connections, threads):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if scenario.script:
        script = BENCH / "lua" / scenario.script
        if not script.exists():
            return {"skipped": f"no script {script.name}"}
        cmd += ["-s", str(script)]
    cmd.append(base + (scenario.path if not scenario.script else "/"))
    env = {**env, "BENCH_WRK_THREADS": str(threads)}
    output = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True).stdout
    try:
        return {**parse_wrk(output), "raw": output}
    except AttributeError:
        return {"skipped": "wrk output not understood", "raw": output}


def measure(base, scenario, env, args):
    """
    Warm up, then `args.rounds` rounds of `args.duration / args.rounds` seconds; the result is
    the median round by requests/s (with its own p50 and p99), and `rounds` keeps every round's
    requests/s. One slow round (the VM's neighbours, a checkpoint) then moves no figure.
    """
    wait_until_idle()
    run_wrk(base, scenario, env, args.warmup, args.connections, args.wrk_threads)
    seconds = max(1, round(args.duration / args.rounds))
    rounds = [run_wrk(base, scenario, env, seconds, args.connections, args.wrk_threads) for _ in range(args.rounds)]
    if any("skipped" in r for r in rounds):
        return next(r for r in rounds if "skipped" in r)
    ordered = sorted(rounds, key=lambda r: r["rps"])
    median = ordered[len(ordered) // 2]
    return {**median, "rounds": [r["rps"] for r in rounds],
            "requests": sum(r["requests"] for r in rounds), "non2xx": sum(r["non2xx"] for r in rounds)}


def machine_description():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],
                        capture_output=True, text=True).stdout.strip()
    redis_v = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return (f"{os.cpu_count()} cores ({cpu}), {mem_kb // 1024 // 1024} GiB RAM, {platform.platform()}, "
            f"Python {platform.python_version()}, PostgreSQL {pg}, Redis {redis_v.replace('v=', '')}, {wrk_v}")


def write_results(args, scenarios, rss, started, floor_runs):
    floor = next(s.result for s in scenarios if s.name == "floor")
    lines = [
        "# Benchmark results",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC with `make bench`: per scenario, a wait for the CPUs to be idle, "
        f"a {args.warmup} s warm-up, then {args.rounds} rounds of {max(1, round(args.duration / args.rounds))} s "
        f"with wrk -t{args.wrk_threads} -c{args.connections}; each row is the median round (its p50 and p99), "
        "the spread column the slowest and fastest round.",
        "",
        f"Machine: {machine_description()}.",
        "",
        f"Service: gunicorn gthread, {args.workers} workers x {args.threads} threads, DEBUG off, "
        "PostgreSQL and Redis on the same machine as wrk (so wrk takes CPU from the service too).",
        "",
        "The floor is measured first and again last; ratios are against the mean of the two "
        f"({' and '.join(f'{r:,.0f}' for r in floor_runs)} requests/s).",
        "",
        "| scenario | what | requests/s | spread | ratio to floor | p50 ms | p99 ms | non-2xx | requests |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scenarios:
        r = s.result
        if "skipped" in r:
            lines.append(f"| {s.name} | {s.note} | not run: {r['skipped']} | | | | | | |")
            continue
        ratio = r["rps"] / floor["rps"] if floor.get("rps") else 0
        extra = f" ({r['rps'] * s.per_request_items:,.0f} items/s)" if s.per_request_items > 1 else ""
        spread = "–".join(f"{v:,.0f}" for v in (min(r["rounds"]), max(r["rounds"])))
        lines.append(
            f"| {s.name} | {s.note} | {r['rps']:,.0f}{extra} | {spread} | {ratio:.0%} | {r['p50']:.2f} | {r['p99']:.2f} "
            f"| {r['non2xx']} | {r['requests']} |"
        )
    lines += ["", f"Gunicorn workers' peak RSS (VmHWM): {', '.join(f'{v:.0f} MB' for v in rss)}.", ""]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text("\n".join(lines))
    (RESULTS / "latest.json").write_text(json.dumps(
        {s.name: {k: v for k, v in s.result.items() if k != "raw"} for s in scenarios}, indent=2))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15, help="seconds measured per scenario (default 15)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds the measured seconds are split into; the median round is reported (default 3)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per scenario (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=2,
                        help="gunicorn threads per worker (default 2, as gunicorn.conf.py)")
    parser.add_argument("--reload-data", action="store_true", help="drop and load the data set again")
    parser.add_argument("--only", help="comma-separated scenario names (the floor always runs)")
    args = parser.parse_args()

    started = dt.datetime.now(dt.UTC)
    DATA.mkdir(exist_ok=True)
    env = {**os.environ, **BENCH_ENV}
    ensure_services()
    ensure_database(env)
    load = [PYTHON, str(BENCH / "load_data.py")] + (["--reload"] if args.reload_data else [])
    run(load, cwd=ROOT, env=env)

    port = free_port()
    print(f"bench: waiting for the machine to settle ({wait_until_idle(max_seconds=90):.0%} idle)", flush=True)
    server = start_gunicorn(env, port, args.workers, args.threads)
    base = f"http://127.0.0.1:{port}"
    wanted = set(args.only.split(",")) | {"floor"} if args.only else None
    scenarios = [s for s in SCENARIOS if wanted is None or s.name in wanted]
    lua_env = {**env, "BENCH_DATA": str(DATA)}
    try:
        for scenario in scenarios:
            print(f"bench: {scenario.name} ...", flush=True)
            scenario.result = measure(base, scenario, lua_env, args)
            shown = {k: v for k, v in scenario.result.items() if k != "raw"}
            print(f"bench:   {shown}", flush=True)
        floor = scenarios[0]
        print("bench: floor again ...", flush=True)
        again = measure(base, floor, lua_env, args)
        floor_runs = [floor.result["rps"], again["rps"]]
        floor.result = {**floor.result, "rps": sum(floor_runs) / 2,
                        "rounds": floor.result["rounds"] + again["rounds"]}
        rss = [peak_rss_mb(pid) for pid in worker_pids(server.pid)]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    write_results(args, scenarios, rss, started, floor_runs)
    print((RESULTS / "latest.md").read_text())


if __name__ == "__main__":
    main()
