"""
Races against a live service (issue 8, part 5): a private PostgreSQL and Redis,
gunicorn with several worker processes, and clients released at the same
instant by a barrier.

1. many clients create the same intent at once: exactly one 201, every other
   answer 409/40901 naming the winner, one row;
2. concurrent status changes on one intent: the accepted moves always form a
   legal path (SUBMITTED → PROCESSING → final, or straight to CANCELLED) and
   the stored status is the last accepted one;
3. concurrent event batches with overlapping eventIds: each (installId,
   eventId) stored once, and the answers' `duplicates` add up;
4. processes racing to take one minute's presence snapshot: one row;
5. the limiter across worker processes: exactly the limit admitted.

    .venv/bin/python bench/reliability/races.py              # the default sizes
    .venv/bin/python bench/reliability/races.py --scale 4    # four times the clients and rounds
"""
from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor
import json
from pathlib import Path
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.reliability.harness import (  # noqa: E402
    PYTHON, ROOT, Client, gunicorn, private_servers, seed, service_env, wait_for,
)
from core.signing import compute_signature  # noqa: E402

FINAL = {"COMPLETED", "FAILED", "CANCELLED"}
LIMIT = 40  # analytics events per client IP per minute, for the limiter race


def _at_once(n: int, call) -> list:
    """Run call(i) on n threads released together; the results in order."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


class Signed:
    def __init__(self, host, port, creds):
        self.host, self.port, self.creds = host, port, creds
        self._lock = threading.Lock()
        self._ms = 0

    def call(self, method, target, body=None):
        raw = b"" if body is None else json.dumps(body).encode()
        with self._lock:
            self._ms = max(int(time.time() * 1000), self._ms + 1)
            timestamp = str(self._ms)
        headers = {"X-App-Id": self.creds["app_id"], "X-Timestamp": timestamp,
                   "X-Signature": compute_signature(self.creds["secret"], method, target, timestamp, raw)}
        status, answer = Client(self.host, self.port).request(method, target, raw or None, headers)
        return status, json.loads(answer) if answer else None


def race_same_intent(signed: Signed, clients: int, rounds: int) -> dict:
    wins = conflicts = other = 0
    problems = []
    for r in range(rounds):
        body = {"userId": "racer", "platform": "TMALL", "productUrl": f"https://tmall.com/race/{r}"}
        answers = _at_once(clients, lambda i: signed.call("POST", "/api/v1/intents", body))
        created = [a for s, a in answers if s == 201]
        refused = [a for s, a in answers if s == 409 and a["code"] == 40901]
        wins += len(created)
        conflicts += len(refused)
        other += clients - len(created) - len(refused)
        if len(created) != 1:
            problems.append(f"round {r}: {len(created)} creates won")
        elif any(a["data"]["id"] != created[0]["data"]["id"] for a in refused):
            problems.append(f"round {r}: a 40901 named another intent")
    return {"rounds": rounds, "clients": clients, "created": wins, "refused_40901": conflicts, "other": other,
            "problems": problems}


def _legal(accepted: list[str]) -> bool:
    """Whether the accepted statuses, in order, are a legal path. Repeating the current status is a
    no-op the service answers 200 (docs/partner-guide.md), so repeats collapse."""
    accepted = list(dict.fromkeys(accepted))
    if not accepted:
        return False
    if accepted == ["CANCELLED"]:
        return True
    return accepted[0] == "PROCESSING" and len(accepted) <= 2 and all(s in FINAL for s in accepted[1:])


def race_status_changes(signed: Signed, clients: int, rounds: int) -> dict:
    moves = ["PROCESSING", "CANCELLED", "COMPLETED", "FAILED"]
    problems = []
    accepted_total = refused_total = 0
    for r in range(rounds):
        status, created = signed.call("POST", "/api/v1/intents",
                                      {"userId": "mover", "platform": "JD", "productUrl": f"https://jd.com/move/{r}"})
        intent = created["data"]["id"]
        # Two waves: the first mostly races SUBMITTED → *, the second PROCESSING → final.
        accepted = []
        for _wave in range(2):
            answers = _at_once(clients, lambda i: signed.call("PATCH", f"/api/v1/intents/{intent}",
                                                                {"status": moves[i % len(moves)]}))
            for s, a in answers:
                if s == 200:
                    accepted.append((a["data"]["updatedAt"], a["data"]["status"]))
                elif not (s == 409 and a["code"] == 40902):
                    problems.append(f"round {r}: unexpected {s} {a}")
        accepted_total += len(accepted)
        refused_total += 2 * clients - len(accepted)
        path = [s for _t, s in sorted(accepted)]
        _s, now = signed.call("GET", f"/api/v1/intents/{intent}")
        if not _legal(path):
            problems.append(f"round {r}: accepted moves {path} are not a legal path")
        elif now["data"]["status"] != path[-1]:
            problems.append(f"round {r}: stored {now['data']['status']} but the last accepted move was {path[-1]}")
    return {"rounds": rounds, "clients": clients, "accepted": accepted_total, "refused_40902": refused_total,
            "problems": problems}


def race_event_batches(host, port, clients: int, pool: int, database_url: str) -> dict:
    now = int(time.time())
    ids = [f"race-{n}" for n in range(pool)]

    def send(i):
        # Each client sends the pool's ids in its own order, half of them, overlapping the others.
        chosen = ids[i % 2::2] if i % 3 else ids[:pool // 2]
        events = [{"eventName": "race", "installId": "race-install-01", "eventId": e, "clientTs": now} for e in chosen]
        status, raw = Client(host, port).request("POST", "/api/v1/analytics/events",
                                                 json.dumps({"events": events}).encode(),
                                                 {"X-Forwarded-For": "198.51.100.20"})
        return status, json.loads(raw), len(events)

    answers = _at_once(clients, send)
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT event_id, count(*) FROM analytics_event WHERE install_id = 'race-install-01' "
                            "GROUP BY event_id").fetchall()
    sent = sum(n for _s, _a, n in answers)
    duplicates = sum(a.get("duplicates", 0) for s, a, _n in answers if s == 200)
    sent_ids = {e for i in range(clients) for e in (ids[i % 2::2] if i % 3 else ids[:pool // 2])}
    problems = []
    if any(s != 200 for s, _a, _n in answers):
        problems.append(f"statuses {[s for s, _a, _n in answers]}")
    if any(count != 1 for _e, count in rows):
        problems.append("an event stored twice")
    if {e for e, _c in rows} != sent_ids:
        problems.append(f"{len(rows)} stored, {len(sent_ids)} distinct sent")
    if duplicates != sent - len(sent_ids):
        problems.append(f"duplicates add up to {duplicates}, expected {sent - len(sent_ids)}")
    return {"clients": clients, "events_sent": sent, "distinct": len(sent_ids), "stored": len(rows),
            "duplicates_answered": duplicates, "problems": problems}


def race_snapshots(env: dict, processes: int, database_url: str) -> dict:
    at = time.strftime("%Y-%m-%dT%H:%M:30Z", time.gmtime(time.time() - 3600))
    command = [PYTHON, "manage.py", "take_presence_snapshot", "--at", at]
    racers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(processes)]
    outputs = [racer.communicate(timeout=120) for racer in racers]
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT count(*) FROM presence_presencesnapshot WHERE minute = %s",
                            (at.replace(":30Z", ":00Z"),)).fetchone()[0]
    taken = sum(1 for out, _err in outputs if out.startswith("taken"))
    problems = []
    if any(racer.returncode for racer in racers):
        problems.append(f"exit codes {[racer.returncode for racer in racers]}: {outputs[0][1][-500:]}")
    if rows != 1 or taken != 1:
        problems.append(f"{rows} rows and {taken} takers for one minute")
    return {"processes": processes, "rows": rows, "takers": taken, "problems": problems}


def race_limiter(host, port, clients: int) -> dict:
    def send(i):
        body = json.dumps({"events": [{"eventName": "limit", "installId": f"limit-install-{i:03d}",
                                       "clientTs": int(time.time())}]}).encode()
        return Client(host, port).request("POST", "/api/v1/analytics/events", body,
                                          {"X-Forwarded-For": "198.51.100.77"})[0]

    statuses = _at_once(clients, send)
    admitted, refused = statuses.count(200), statuses.count(429)
    problems = [] if (admitted, refused) == (LIMIT, clients - LIMIT) else [
        f"{admitted} admitted and {refused} refused of {clients}, limit {LIMIT}"]
    return {"clients": clients, "limit": LIMIT, "admitted": admitted, "refused_429": refused, "problems": problems}


def run(scale: int = 1, workers: int = 4) -> dict:
    with private_servers() as (pg, redis):
        env = service_env(pg.url, redis.url, PRESENCE_SNAPSHOTS_AUTOSTART="false", TRUSTED_PROXIES="127.0.0.1/32",
                          ANALYTICS_EVENTS_RATE=f"{LIMIT}/m")
        creds = seed(env)
        report = {"workers": workers}
        with gunicorn(env, workers=workers, threads=8) as (host, port, _process):
            wait_for(host, port, "/api/v1/health", 200, 30)
            signed = Signed(host, port, creds)
            report["same_intent"] = race_same_intent(signed, clients=16 * scale, rounds=5 * scale)
            report["status_changes"] = race_status_changes(signed, clients=8 * scale, rounds=5 * scale)
            report["event_batches"] = race_event_batches(host, port, clients=8 * scale, pool=200, database_url=pg.url)
            report["limiter"] = race_limiter(host, port, clients=3 * LIMIT)
        report["snapshots"] = race_snapshots(env, processes=6 * scale, database_url=pg.url)
        report["problems"] = [f"{name}: {p}" for name, part in report.items() if isinstance(part, dict)
                              for p in part.get("problems", [])]
        return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    report = run(args.scale, args.workers)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print("races: OK" if not report["problems"] else f"races: {len(report['problems'])} problems")
    return 0 if not report["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
