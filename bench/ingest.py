#!/usr/bin/env python3
"""Ingest: how fast one uploader (or several) loads generated seekers or
offers through the batch endpoints, on a fresh database, in rounds of
`--count` lines each (the first round into an empty table, the next ones
into a growing one; `--update` sends the same seekers again, a nightly
delta of changes). Issue 37, point 7; results in docs/benchmarks.md.

    bench/ingest.py --count 50000                       # PostgreSQL + Redis, one uploader
    bench/ingest.py --sqlite --count 50000
    bench/ingest.py --count 50000 --uploaders 2 --batch 5000 --rounds 3
    bench/ingest.py --count 30000 --sql migrations/postgres/<name>/down.sql
        # a database-side change measured against its own down migration,
        # with one binary: the SQL runs once the service has migrated
"""

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import start_demo, tokens  # noqa: E402
from national import fresh_postgres, load, psql  # noqa: E402


def cpu_seconds(pids):
    """User + system CPU seconds of these processes so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def postgres_pids():
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/comm" % d) as f:
                    if f.read().strip() in ("postgres", "postmaster"):
                        pids.append(int(d))
            except OSError:
                pass
    return pids


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="target/release/kyushoku")
    ap.add_argument("--what", choices=["seekers", "offers"], default="seekers")
    ap.add_argument("--count", type=int, default=50_000, help="lines per round")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--update", action="store_true", help="later rounds send the first round's seekers again")
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--uploaders", type=int, default=1)
    ap.add_argument("--sqlite", action="store_true")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    ap.add_argument("--sql", metavar="FILE", help="PostgreSQL: run this file once the service has migrated")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    workdir = tempfile.mkdtemp(prefix="kyushoku-ingest-")
    if args.sqlite:
        url, redis = "sqlite://" + os.path.join(workdir, "bench.db"), None
    else:
        url, redis = fresh_postgres("kyushoku_ingest"), args.redis_url
    env = {"KYUSHOKU_SWEEP_INTERVAL": "0", "KYUSHOKU_DB_POOL_SIZE": "16"}
    proc, creds = start_demo(binary, workdir, url, redis, env)
    if args.sql and not args.sqlite:
        with open(args.sql) as f:
            psql(url, f.read())
    rounds = []
    try:
        base = creds["base_url"]
        hw = tokens(base, creds)["hw_system_client"]
        for r in range(args.rounds):
            # A new seed is new people; the same seed, the same people again.
            seed = 7 if (args.update and r > 0) else 7 + r
            pg = [] if args.sqlite else postgres_pids()
            before = (cpu_seconds([proc.pid]), cpu_seconds(pg))
            n, secs = load(binary, base, hw, args.what, args.count, seed, args.batch, args.uploaders,
                           key_prefix="round%d-" % r)
            # Backends that ended during the round took their CPU with them:
            # the database's figure is a floor.
            after = (cpu_seconds([proc.pid]), cpu_seconds(pg))
            rounds.append({"round": r + 1, "seed": seed, "lines": n, "seconds": round(secs, 1),
                           "per_s": round(n / secs),
                           "service_cpu_ms_per_line": round(1000 * (after[0] - before[0]) / n, 3),
                           "database_cpu_ms_per_line": round(1000 * (after[1] - before[1]) / n, 3)})
            print(json.dumps(rounds[-1]), flush=True)
    finally:
        proc.terminate()
        proc.wait()
    print(json.dumps({
        "backend": "sqlite" if args.sqlite else "postgresql+redis",
        "what": args.what, "batch": args.batch, "uploaders": args.uploaders,
        "update": args.update, "sql": args.sql, "rounds": rounds,
    }))


if __name__ == "__main__":
    main()
