#!/usr/bin/env python
"""
CPU time of the parts a JWT request is made of, each called in a loop in process:

    python bench/parts.py [-n 3000]

Uses the bench settings and data (run `make bench` once first): the JWT decode,
the user row read, one limiter decision, the heartbeat's input validation and
presence write, a bare PostgreSQL and Redis round trip. docs/performance.md
adds them up against the floor to explain the heartbeat and online-count ratios.
"""
import argparse
from pathlib import Path
import sys
import time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import run as bench_run  # noqa: E402

bench_run.django_in_process()

from django.db import connection  # noqa: E402
from django_redis import get_redis_connection  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from accounts.authentication import JWTAuthentication  # noqa: E402
from accounts.selectors import user_get_for_request  # noqa: E402
from core.ratelimit import get_limiter  # noqa: E402
from presence import services  # noqa: E402
from presence.serializers import HeartbeatInput, OnlineCountQuery  # noqa: E402


def cpu_us(function, n: int) -> float:
    function()
    started = time.process_time()
    for _ in range(n):
        function()
    return (time.process_time() - started) / n * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=3000, help="calls per part (default 3000)")
    args = parser.parse_args()

    token = (ROOT / "bench" / ".data" / "tokens.txt").read_text().split()[0]
    user_id = AccessToken(token)["user_id"]
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    limiter = get_limiter()
    redis = get_redis_connection("default")
    heartbeat = {"installId": "inst_0000001", "appVersion": "1.0.0", "clientTs": 1732685100}

    def select_one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    parts = [
        ("PostgreSQL round trip (SELECT 1)", select_one),
        ("Redis round trip (PING)", redis.ping),
        ("JWT decode and verify (AccessToken)", lambda: AccessToken(token)),
        ("user row (user_get_for_request)", lambda: user_get_for_request(user_id=user_id)),
        ("whole JWT authentication", lambda: JWTAuthentication().authenticate(Request(request))),
        ("limiter decision (hit)", lambda: limiter.hit("bench-parts", 10**9, 60.0)),
        ("heartbeat input (HeartbeatInput)", lambda: HeartbeatInput(data=heartbeat).is_valid(raise_exception=True)),
        ("online-count input (OnlineCountQuery)",
         lambda: OnlineCountQuery(data={"windowSeconds": "180"}).is_valid(raise_exception=True)),
        ("presence write (heartbeat_record)", lambda: services.heartbeat_record(install_id="inst_0000001")),
    ]
    for name, function in parts:
        print(f"{name:40s} {cpu_us(function, args.n):7.1f} us of CPU per call")


if __name__ == "__main__":
    main()
