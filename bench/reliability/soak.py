"""
Soak (issue 8, part 6): the endpoint mix at 70% of its measured peak for ten
minutes against a production-style gunicorn on a private PostgreSQL and Redis.

Steps: measure the peak of the mix (closed loop, every client as fast as it
can, --peak-seconds); then run paced clients at --fraction of that rate for
--minutes. Reports errors (any non-2xx, any malformed answer), each worker's
RSS after the warm-up and at the end, PostgreSQL client connections before and
after, latency percentiles per minute, and checks that every event answered
200 is stored. gunicorn's max_requests recycling is switched off for the run,
so a leak cannot hide behind worker restarts.

    .venv/bin/python bench/reliability/soak.py                     # 10 minutes at 70%
    .venv/bin/python bench/reliability/soak.py --minutes 1         # a quick look
"""
from __future__ import annotations

import argparse
from collections import Counter
import json
import multiprocessing
from pathlib import Path
import sys
import threading
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.reliability.harness import (  # noqa: E402
    Client, Mix, gunicorn, judge, private_servers, rss_kb, seed, service_env, stored_ids, wait_for,
    worker_pids,
)


def _client_process(host, port, creds, index, threads, rate, until, tag, queue):
    """`threads` clients in one process; each paced to rate/threads per second (0: as fast as it can)."""
    import threading

    counts: Counter = Counter()
    problems: list[str] = []
    acked: list[str] = []
    latencies: dict[int, list[float]] = {}
    lock = threading.Lock()
    started_at = time.time()

    def run(t):
        worker = index * threads + t
        mix = Mix(Client(host, port), creds, worker, tag)
        interval = threads / rate if rate else 0
        next_at = time.monotonic() + (interval * t / threads if interval else 0)
        i = worker
        while time.time() < until:
            if interval:
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                next_at += interval
            action = Mix.ACTIONS[i % len(Mix.ACTIONS)]
            i += 1
            t0 = time.perf_counter()
            method, path, status, raw, extra = mix.call(action)
            elapsed = time.perf_counter() - t0
            minute = int((time.time() - started_at) // 60)
            problem = judge(path, status, raw)
            with lock:
                counts[(action, status)] += 1
                latencies.setdefault(minute, []).append(elapsed)
                if (problem or not 200 <= status < 300) and len(problems) < 50:
                    problems.append(f"{action} {path}: HTTP {status} {problem or raw[:200]!r}")
                if action == "events" and status == 200 and json.loads(raw).get("accepted") == 1:
                    acked.append(extra)

    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put({"counts": {f"{a} {s}": c for (a, s), c in counts.items()}, "problems": problems, "acked": acked,
               "latencies": {m: v for m, v in latencies.items()}})


def drive(host, port, creds, processes, threads, rate, seconds, tag) -> dict:
    """Run the clients for `seconds`; totals, problems, acknowledged events and per-minute latencies."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    until = time.time() + seconds
    per_process = rate / processes if rate else 0
    procs = [ctx.Process(target=_client_process,
                         args=(host, port, creds, i, threads, per_process, until, f"{tag}{i}", queue))
             for i in range(processes)]
    started = time.time()
    for proc in procs:
        proc.start()
    parts = [queue.get(timeout=seconds + 120) for _ in procs]
    for proc in procs:
        proc.join()
    duration = time.time() - started
    counts: Counter = Counter()
    latencies: dict[int, list[float]] = {}
    for part in parts:
        counts.update(part["counts"])
        for minute, values in part["latencies"].items():
            latencies.setdefault(int(minute), []).extend(values)
    total = sum(counts.values())
    per_minute = []
    for minute in sorted(latencies):
        values = sorted(latencies[minute])
        per_minute.append({"minute": minute + 1, "requests": len(values),
                           "p50_ms": round(values[len(values) // 2] * 1000, 1),
                           "p99_ms": round(values[int(len(values) * 0.99)] * 1000, 1)})
    return {"seconds": round(duration, 1), "requests": total, "rps": round(total / duration, 1),
            "counts": dict(sorted(counts.items())), "problems": [p for part in parts for p in part["problems"]],
            "acked": [e for part in parts for e in part["acked"]], "per_minute": per_minute,
            "errors": sum(c for key, c in counts.items() if not key.endswith((" 200", " 201")))}


def run(minutes: float = 10, fraction: float = 0.7, peak_seconds: float = 30, processes: int = 2, threads: int = 8,
        workers: int = 2, gunicorn_threads: int = 4) -> dict:
    report: dict = {"minutes": minutes, "fraction": fraction, "workers": workers, "gunicorn_threads": gunicorn_threads,
                    "client_processes": processes, "client_threads": threads}
    with private_servers() as (pg, redis):
        env = service_env(pg.url, redis.url, GUNICORN_MAX_REQUESTS="0")
        creds = seed(env)
        with gunicorn(env, workers=workers, threads=gunicorn_threads) as (host, port, process):
            wait_for(host, port, "/api/v1/health", 200, 30)
            peak = drive(host, port, creds, processes, threads, 0, peak_seconds, "peak")
            report["peak"] = {k: peak[k] for k in ("seconds", "requests", "rps", "errors", "problems")}
            target = round(peak["rps"] * fraction, 1)
            report["target_rps"] = target
            # Warm-up at the soak rate, then a short burst at full concurrency so that every
            # server thread holds its connection: the state "before" and "after" are compared in.
            drive(host, port, creds, processes, threads, target, 20, "warm")
            drive(host, port, creds, processes, threads, 0, 5, "burst")
            workers_pids = worker_pids(process.pid)
            report["rss_kb_before"] = {pid: rss_kb(pid) for pid in workers_pids}
            report["pg_connections_before"] = pg.connections()
            samples: list[int] = []
            sampling = threading.Event()

            def sample():
                while not sampling.wait(15):
                    samples.append(pg.connections())

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            soak = drive(host, port, creds, processes, threads, target, minutes * 60, "soak")
            sampling.set()
            sampler.join()
            report["pg_connections_during_max"] = max(samples, default=None)
            drive(host, port, creds, processes, threads, 0, 5, "burst2")
            report["rss_kb_after"] = {pid: rss_kb(pid) for pid in worker_pids(process.pid)}
            report["pg_connections_after"] = pg.connections()
            report["worker_pids_unchanged"] = sorted(workers_pids) == sorted(worker_pids(process.pid))
        report["soak"] = {k: soak[k] for k in ("seconds", "requests", "rps", "errors", "counts", "problems", "per_minute")}
        growth = {pid: round(100 * (report["rss_kb_after"].get(pid, 0) - before) / before, 1)
                  for pid, before in report["rss_kb_before"].items()}
        report["rss_growth_percent"] = growth
        acked = soak["acked"]
        report["events_acked"] = len(acked)
        report["events_lost"] = len(set(acked) - stored_ids(pg.url, "analytics_event", "event_id", acked))
        verdict = []
        if soak["errors"] or soak["problems"]:
            verdict.append(f"{soak['errors']} errors")
        if any(g >= 10 for g in growth.values()) or not report["worker_pids_unchanged"]:
            verdict.append(f"RSS growth {growth}")
        if report["pg_connections_after"] != report["pg_connections_before"]:
            verdict.append(f"PostgreSQL connections {report['pg_connections_before']} -> {report['pg_connections_after']}")
        if report["events_lost"]:
            verdict.append(f"{report['events_lost']} events lost")
        report["violations"] = verdict
        return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--fraction", type=float, default=0.7)
    parser.add_argument("--peak-seconds", type=float, default=30)
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--threads", type=int, default=8, help="client threads per process")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args(argv)
    report = run(args.minutes, args.fraction, args.peak_seconds, args.processes, args.threads, args.workers)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.json:
        Path(args.json).write_text(text)
    print(text)
    print("soak: OK" if not report["violations"] else "soak: " + "; ".join(report["violations"]))
    return 0 if not report["violations"] else 1


if __name__ == "__main__":
    sys.exit(main())
