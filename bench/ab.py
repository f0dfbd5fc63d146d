#!/usr/bin/env python3
"""Two builds of kyushoku, A and B, on the database a national run left
(`bench/run` and its work directory): a fresh `kyushoku serve` of each in
turn, alternated for a number of rounds, each measured with wrk on the same
paths at the same concurrency, with the CPU each request cost per process
(as in the suite's comparisons). For a change whose effect is smaller than
the day's spread between runs.

    python3 bench/ab.py --workdir /tmp/kyushoku-bench-… A_BINARY B_BINARY
    python3 bench/ab.py --workdir … --path '/v1/profiles/…' A B   # other paths
    python3 bench/ab.py --workdir … --connections 1 A B             # one request at a time: latency
    python3 bench/ab.py --workdir … --database-url sqlite:///tmp/kyushoku-bench-…/bench.db A B

Binaries are run from the work directory: give absolute paths, or copies
outside `target/` when a build is about to replace one of them.
"""

import argparse
import json
import os
import signal
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import tokens, wrk  # noqa: E402
from national import PG_ADMIN, cpu_per_request, start_serve  # noqa: E402

SERVE_ENV = {"KYUSHOKU_DB_POOL_SIZE": "16", "KYUSHOKU_SWEEP_INTERVAL": "0",
             "KYUSHOKU_ACCESS_TOKEN_TTL": "7200"}


def one_round(binary, url, redis, workdir, creds, paths, args):
    proc, base = start_serve(binary, url, redis, workdir, SERVE_ENV)
    try:
        token = tokens(base, creds)["org_public_client"]
        threads = min(2, args.connections)  # wrk needs a connection per thread
        wrk(base, paths, token, 2, args.connections, threads, workdir=workdir)  # warm-up
        return cpu_per_request(
            lambda: wrk(base, paths, token, args.seconds, args.connections, threads, workdir=workdir),
            proc.pid, lambda r: r["requests"], postgres=url.startswith("postgres"))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--workdir", required=True, help="a national run's work directory (its credentials)")
    ap.add_argument("--database-url", default=PG_ADMIN.rsplit("/", 1)[0] + "/kyushoku_bench",
                    help="default: the national run's PostgreSQL database; a sqlite:// URL runs without Redis")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    ap.add_argument("--path", action="append", help="default: the suite's one-query search")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--connections", type=int, default=16)
    args = ap.parse_args()
    url = args.database_url
    redis = None if url.startswith("sqlite:") else args.redis_url
    with open(os.path.join(args.workdir, "credentials.json")) as f:
        creds = json.load(f)
    paths = args.path or ["/v1/profiles?occupation=05&limit=20"]
    builds = {"A": os.path.abspath(args.a), "B": os.path.abspath(args.b)}
    results = {"A": [], "B": []}
    for i in range(args.rounds):
        # A then B, B then A: neither always runs second.
        for name in ("AB" if i % 2 == 0 else "BA"):
            r = one_round(builds[name], url, redis, args.workdir, creds, paths, args)
            results[name].append(r)
            cpu = r["cpu_ms_per_request"]
            print("round %d %s: %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU ms/request service %.3f database %.3f total %.3f"
                  % (i + 1, name, r["rps"], r["p50_ms"], r["p99_ms"], cpu["service"], cpu.get("database", 0),
                     cpu["total"]),
                  flush=True)
    for name in "AB":
        rps = [r["rps"] for r in results[name]]
        print("%s %s: req/s %s, median %.0f" % (name, builds[name], ", ".join("%.0f" % x for x in rps),
                                                 statistics.median(rps)))


if __name__ == "__main__":
    main()
