#!/usr/bin/env python
"""
Where one scenario's CPU goes: gunicorn workers, PostgreSQL, Redis, per request.

    python bench/cpu_split.py heartbeat [--workers 2 --threads 2 --seconds 10]

Starts gunicorn as bench/run.py does (the data set must be loaded: run `make bench`
once), drives the scenario with wrk, and reads the CPU time (user + system) that
each group of processes used from /proc, divided by the requests served. A
scenario whose groups add up to less than the machine's cores is waiting
(locks, round trips), not computing.
"""
import argparse
import os
from pathlib import Path
import signal
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench_run  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_by_group() -> dict[str, int]:
    """Clock ticks used so far by each group of running processes."""
    groups: dict[str, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        group = ("gunicorn" if "gunicorn" in command else "postgres" if name.startswith("postgres")
                 else "redis" if "redis" in name else None)
        if group:
            groups[group] = groups.get(group, 0) + int(fields[11]) + int(fields[12])
    return groups


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=[s.name for s in bench_run.SCENARIOS])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()

    env = {**os.environ, **bench_run.BENCH_ENV}
    bench_run.DATA.mkdir(exist_ok=True)
    port = bench_run.free_port()
    server = bench_run.start_gunicorn(env, port, args.workers, args.threads)
    scenario = next(s for s in bench_run.SCENARIOS if s.name == args.scenario)
    lua_env = {**env, "BENCH_DATA": str(bench_run.DATA)}
    base = f"http://127.0.0.1:{port}"
    try:
        bench_run.run_wrk(base, scenario, lua_env, 3, args.connections, 2)
        before = cpu_by_group()
        result = bench_run.run_wrk(base, scenario, lua_env, args.seconds, args.connections, 2)
        after = cpu_by_group()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    if "skipped" in result:
        raise SystemExit(f"cpu_split: {result['skipped']}")
    used = {group: (after.get(group, 0) - before.get(group, 0)) / TICKS for group in after}
    print(f"{args.scenario}: {result['rps']:,.0f} requests/s over {args.seconds} s "
          f"(gunicorn {args.workers}x{args.threads}, {args.connections} connections)")
    for group, seconds in sorted(used.items()):
        print(f"  {group:9s} {seconds / args.seconds:5.2f} cores  {1000 * seconds / result['requests']:6.3f} ms per request")
    print(f"  together {sum(used.values()) / args.seconds:5.2f} of {os.cpu_count()} cores (wrk and the kernel's own threads not counted)")


if __name__ == "__main__":
    main()
