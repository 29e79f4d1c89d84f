"""
Faults with real servers, the service never restarted (issue 8, part 4).

A private PostgreSQL cluster and a private Redis are started for the run; a
production-style gunicorn (gthread) serves on them under a mixed load of
closed-loop clients. Then: Redis is stopped and started again, PostgreSQL is
stopped and started again. Every answer is classified (no 500, every error in
its surface's style, no stack trace), health is probed in each state, the time
to recover is measured, and at the end every event answered 200 and every
intent answered 201 is looked up in the database.

    .venv/bin/python bench/reliability/faults.py                 # 20 s per phase, 8 clients
    .venv/bin/python bench/reliability/faults.py --phase-seconds 60 --clients 16

The CI test tests/reliability/test_faults.py runs the same thing for a few seconds.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.reliability.harness import (  # noqa: E402
    ThreadLoad, gunicorn, private_servers, probe, seed, service_env, stored_ids, wait_for,
)

# What each fault must leave working (2xx) and what must answer 503 in its surface's style.
EXPECTED = {
    "baseline": {"ok": "all"},
    # Signed requests need the replay store, which never fails open: 503/50301 while Redis is down.
    "redis_down": {"ok": ["events", "profile", "dau"],
                   "503": ["heartbeat", "online_count", "health", "intent_create", "intent_get"]},
    "redis_back": {"ok": "all"},
    "pg_down": {"ok": [], "503": ["events", "heartbeat", "online_count", "intent_create", "intent_get", "profile",
                                  "dau", "health"]},
    "pg_back": {"ok": "all"},
}
HEALTH_PATHS = ["/api/v1/health", "/health", "/api/v1/presence/health"]
# Longer than any one request of the load takes, so that "down" and "back" hold only requests
# that started after the change and ended before the next one.
SETTLE_SECONDS = 1.0


def _health(host, port) -> dict:
    answers = {}
    for path in HEALTH_PATHS:
        status, body = probe(host, port, path)
        code = None
        if isinstance(body, dict):
            code = body.get("code") if "code" in body else body.get("status")
        answers[path] = {"status": status, "code": code,
                         "state": (body.get("data") or {}).get("status") if isinstance(body, dict) and isinstance(body.get("data"), dict) else None}
    return answers


def run(phase_seconds: float = 20, clients: int = 8, workers: int = 2, recovery_timeout: float = 30) -> dict:
    """Run the whole sequence; the report (counts per phase and action, health, recovery times, losses)."""
    report: dict = {"phase_seconds": phase_seconds, "clients": clients, "workers": workers, "health": {},
                    "recovery_seconds": {}}
    with private_servers() as (pg, redis):
        env = service_env(pg.url, redis.url, PRESENCE_SNAPSHOTS_AUTOSTART="false", DB_CONNECT_TIMEOUT="2")
        creds = seed(env)
        with gunicorn(env, workers=workers) as (host, port, _process):
            wait_for(host, port, "/api/v1/health", 200, 30)
            load = ThreadLoad(host, port, creds, clients, tag="fault")
            load.start()

            marks: list[tuple[float, str]] = []

            def hold(name):
                load.phase = name
                marks.append((time.time(), name))
                time.sleep(phase_seconds / 2)
                report["health"][name] = _health(host, port)
                time.sleep(phase_seconds / 2)

            def switch(name, action):
                # Requests already in flight when a server goes away or comes back are tagged
                # with the transition, judged for problems only (no 500, styled bodies).
                load.phase = name
                marks.append((time.time(), name))
                time.sleep(SETTLE_SECONDS)  # requests of the phase before end before the server goes
                action()
                time.sleep(SETTLE_SECONDS)

            def outage(phase, server, label):
                """Stop `server` under load, hold, start it again and time health's return to 200."""
                switch(f"{phase}_stopping", server.stop)
                hold(f"{phase}_down")
                load.phase = f"{phase}_recovering"
                marks.append((time.time(), f"{phase}_recovering"))
                time.sleep(SETTLE_SECONDS)  # requests of the "down" phase end before the server returns
                server.start()
                report["recovery_seconds"][label] = round(
                    wait_for(host, port, "/api/v1/health", 200, recovery_timeout), 2)
                time.sleep(SETTLE_SECONDS)
                hold(f"{phase}_back")

            hold("baseline")
            outage("redis", redis, "redis")
            outage("pg", pg, "postgresql")
            load.stop()
            report["log_events"] = _log_events(_process.log, marks)
        tally = load.tally
        report["counts"] = tally.by_phase()
        report["problems"] = tally.problems
        report["error_samples"] = tally.samples
        report["requests"] = sum(tally.counts.values())
        stored_events = stored_ids(pg.url, "analytics_event", "event_id", tally.events_acked)
        stored_intents = stored_ids(pg.url, "procurement_intent", "id", tally.intents_acked)
        report["events_acked"] = len(tally.events_acked)
        report["events_lost"] = sorted(set(tally.events_acked) - stored_events)
        report["intents_acked"] = len(tally.intents_acked)
        report["intents_lost"] = sorted(set(tally.intents_acked) - stored_intents)
        report["violations"] = violations(report)
        return report


def _log_events(log, marks) -> dict:
    """What an operator's log shows in each phase: (level, event) counts, stack traces counted."""
    from datetime import datetime

    log.seek(0)
    found: dict = {}
    for line in log.read().decode(errors="replace").splitlines():
        try:
            entry = json.loads(line)
            at = datetime.fromisoformat(entry["ts"].replace("Z", "+00:00")).timestamp()
        except (ValueError, KeyError, TypeError):
            continue
        phase = "before"
        for started, name in marks:
            if at >= started:
                phase = name
        key = f"{entry.get('level')} {entry.get('event')}" + (" (with stack trace)" if "exc_info" in entry else "")
        found.setdefault(phase, {}).setdefault(key, 0)
        found[phase][key] += 1
    return found


def violations(report: dict) -> list[str]:
    """Every way the run broke the expectations (empty when all held)."""
    found = list(report["problems"])
    for phase, expected in EXPECTED.items():
        actions = report["counts"].get(phase, {})
        for action, statuses in actions.items():
            wanted_ok = expected["ok"] == "all" or action in expected["ok"]
            wanted_503 = action in expected.get("503", [])
            for status, count in statuses.items():
                if wanted_ok and not 200 <= status < 300:
                    found.append(f"[{phase}] {action}: {count} x HTTP {status}, expected 2xx")
                if wanted_503 and status != 503:
                    found.append(f"[{phase}] {action}: {count} x HTTP {status}, expected 503")
    health = report["health"]
    want = {"baseline": (200, 0), "redis_down": (503, 50001), "redis_back": (200, 0), "pg_down": (503, 50002),
            "pg_back": (200, 0)}
    for phase, (status, code) in want.items():
        got = health.get(phase, {}).get("/api/v1/health", {})
        if (got.get("status"), got.get("code")) != (status, code):
            found.append(f"[{phase}] /api/v1/health answered {got}, expected {status}/{code}")
    if report["events_lost"]:
        found.append(f"{len(report['events_lost'])} events answered 200 but not stored")
    if report["intents_lost"]:
        found.append(f"{len(report['intents_lost'])} intents answered 201 but not stored")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase-seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args(argv)
    report = run(args.phase_seconds, args.clients, args.workers)
    text = json.dumps(report, indent=2, ensure_ascii=False, default=str)
    if args.json:
        Path(args.json).write_text(text)
    print(text)
    print("faults: OK" if not report["violations"] else f"faults: {len(report['violations'])} violations")
    return 0 if not report["violations"] else 1


if __name__ == "__main__":
    sys.exit(main())
