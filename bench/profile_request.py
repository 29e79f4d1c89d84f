#!/usr/bin/env python
"""
Profile one benchmark scenario in process, with the bench settings and data.

    python bench/profile_request.py heartbeat -n 300
    python bench/profile_request.py intent-list -n 50 --sort tottime

Runs the request through Django's full stack (middleware, DRF, renderer) with
cProfile and prints the top functions, plus the mean time per request. Use it
to find what a scenario spends beyond the floor.
"""
import argparse
import cProfile
import os
from pathlib import Path
import pstats
import random
import sys
import time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import run as bench_run  # noqa: E402

bench_run.django_in_process()

from django.test import Client  # noqa: E402

from core.signing import compute_signature, now_ms  # noqa: E402

DATA = ROOT / "bench" / ".data"


def lines(name):
    return [line for line in (DATA / name).read_text().splitlines() if line]


def scenario_requests(name):
    tokens = lines("tokens.txt")
    apps = [line.split() for line in lines("apps.txt")]
    ids = lines("intent_ids.txt")
    app_id, secret = apps[0]

    stamps = iter(range(10**9))

    def signed(client, method, path, body=b""):
        # Distinct timestamps (within the window) so that no request is refused as a replay.
        ts = str(now_ms() - next(stamps) % 100_000)
        headers = {"HTTP_X_APP_ID": app_id, "HTTP_X_TIMESTAMP": ts,
                   "HTTP_X_SIGNATURE": compute_signature(secret, method, path, ts, body)}
        return client.generic(method, path, body, content_type="application/json", **headers)

    def bearer(client, method, path, body=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {random.choice(tokens)}"}
        if body is None:
            return client.generic(method, path, **headers)
        return client.generic(method, path, body, content_type="application/json", **headers)

    counter = iter(range(10**9))

    def events(client):
        now = int(time.time())
        batch = next(counter)
        events = [
            {"eventName": "app_session_start", "installId": f"evt_{random.randrange(2 * 10**6):07d}",
             "eventId": f"{os.getpid()}_{batch}_{i}", "clientTs": now - random.randrange(60),
             "properties": {"os": "iOS", "province": "广东省", "city": "深圳市"}}
            for i in range(100)
        ]
        return client.post("/api/v1/analytics/events", {"events": events}, content_type="application/json",
                           HTTP_X_FORWARDED_FOR=f"10.0.{batch % 250}.{batch % 200 + 1}")

    table = {
        "events": events,
        "floor": lambda c: c.get("/bench/floor"),
        "health": lambda c: c.get("/api/v1/health"),
        "heartbeat": lambda c: bearer(c, "POST", "/api/v1/presence/heartbeat",
                                      f'{{"installId":"inst_{random.randrange(10**6):07d}","appVersion":"1.0.0",'
                                      f'"clientTs":{int(time.time())}}}'),
        "online-count": lambda c: bearer(c, "GET", "/api/v1/presence/online-count?windowSeconds=180"),
        "online-history": lambda c: bearer(c, "GET", "/api/v1/presence/online-history?"
                                           + lines("history_range.txt")[0] + "&interval=1m"),
        "dau": lambda c: bearer(c, "GET", "/api/v1/analytics/dau?" + lines("dau_range.txt")[0]),
        "intent-get": lambda c: signed(c, "GET", f"/api/v1/intents/{random.choice(ids)}"),
        "intent-list": lambda c: signed(c, "GET", "/api/v1/intents?filter[status]=SUBMITTED&sortBy=createdAt"
                                        f"&sortOrder=desc&page={random.randint(1, 50)}&pageSize=20"),
        "intent-create": lambda c: signed(c, "POST", "/api/v1/intents", (
            '{"userId":"prof_%d_%d","platform":"TAOBAO","productUrl":"https://item.taobao.com/item.htm?id=%d",'
            '"price":"199.00"}' % (os.getpid(), n := next(counter), n)).encode()),
    }
    return table[name]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario")
    parser.add_argument("-n", type=int, default=200, help="requests to profile (default 200)")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (default cumulative)")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--time-only", action="store_true", help="no profiler: the plain mean time per request")
    args = parser.parse_args()
    make = scenario_requests(args.scenario)
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_HOST="127.0.0.1")
    for _ in range(5):
        response = make(client)
    print("status", response.status_code, "bytes", len(response.content))
    if args.time_only:
        started = time.perf_counter()
        for _ in range(args.n):
            make(client)
        print(f"{args.scenario}: {(time.perf_counter() - started) / args.n * 1000:.2f} ms per request (n={args.n})")
        return
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for _ in range(args.n):
        make(client)
    profile.disable()
    elapsed = time.perf_counter() - started
    print(f"{args.scenario}: {elapsed / args.n * 1000:.2f} ms per request (profiled, n={args.n})")
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
