#!/usr/bin/env python3
"""Soak: about half of saturation for ten minutes; no errors, RSS and open
file descriptors flat. Results go to docs/reliability.md (section Soak).

    cargo build --release
    python3 bench/soak.py                                  # SQLite, 10 min
    python3 bench/soak.py --database-url postgres://postgres@127.0.0.1:5432/kyushoku_soak \
        --redis-url redis://127.0.0.1:6379                 # PostgreSQL + Redis
    python3 bench/soak.py --minutes 1 --binary target/debug/kyushoku   # smoke

The load is a read mix of what organisations do all day (searches with
filters, profile reads, offer browsing, the change feed, thread lists),
driven by wrk from a separate process in one-minute rounds; after each round
the server's RSS and open descriptors are read from /proc.
"""

import argparse
import json
import os
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import get, open_fds, rss_mb, start_demo, tokens, wrk  # noqa: E402


def workload(base, token):
    ids = [i["profile_id"] for i in get(base, "/v1/profiles?limit=20", token)["items"]]
    paths = [
        "/v1/profiles?limit=20",
        "/v1/profiles?occupation=05&limit=20",
        "/v1/profiles?prefecture=13&wage_min=200000&limit=50",
        "/v1/profiles?q=%E4%BB%8B%E8%AD%B7&limit=20",
        "/v1/job-offers?limit=20",
        "/v1/job-offers?prefecture=13&limit=20",
        "/v1/job-offers/changes?limit=100",
        "/v1/threads?limit=20",
    ]
    paths += ["/v1/profiles/" + i for i in ids[:8]]
    return paths


def main():
    ap = argparse.ArgumentParser(description="kyushoku soak test")
    ap.add_argument("--binary", default="target/release/kyushoku")
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("--database-url")
    ap.add_argument("--redis-url")
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="kyushoku-soak-")
    proc, creds = start_demo(
        os.path.abspath(args.binary), workdir, args.database_url, args.redis_url
    )
    try:
        base = creds["base_url"]
        token = tokens(base, creds)["org_public_client"]
        paths = workload(base, token)
        sat = wrk(base, paths, token, 20, connections=32, threads=2, workdir=workdir)
        target = sat["rps"] / 2
        delay_ms = max(1, int(args.connections * 1000 / target))
        print(
            "saturation: %.0f req/s (p99 %.1f ms); soak target %.0f req/s: %d connections, %d ms pause"
            % (sat["rps"], sat["p99_ms"], target, args.connections, delay_ms),
            flush=True,
        )
        rounds = []
        print("| minute | req/s | p50 ms | p99 ms | errors | RSS MB | open fds |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for minute in range(1, args.minutes + 1):
            r = wrk(base, paths, token, 60, args.connections, 1, delay_ms, workdir)
            r.update(minute=minute, rss_mb=rss_mb(proc.pid), fds=open_fds(proc.pid))
            rounds.append(r)
            print(
                "| %d | %.0f | %.2f | %.2f | %d | %.1f | %d |"
                % (
                    minute,
                    r["rps"],
                    r["p50_ms"],
                    r["p99_ms"],
                    r["non_2xx"] + r["socket_errors"],
                    r["rss_mb"],
                    r["fds"],
                ),
                flush=True,
            )
        errors = sum(r["non_2xx"] + r["socket_errors"] for r in rounds)
        first, last = rounds[0], rounds[-1]
        verdict = {
            "saturation_rps": round(sat["rps"]),
            "requests": sum(r["requests"] for r in rounds),
            "errors": errors,
            "rss_first_mb": round(first["rss_mb"], 1),
            "rss_last_mb": round(last["rss_mb"], 1),
            "rss_max_mb": round(max(r["rss_mb"] for r in rounds), 1),
            "fds_first": first["fds"],
            "fds_last": last["fds"],
        }
        print(json.dumps(verdict))
        flat_rss = last["rss_mb"] - first["rss_mb"] <= max(5.0, 0.1 * first["rss_mb"])
        flat_fds = abs(last["fds"] - first["fds"]) <= 4
        if errors or not flat_rss or not flat_fds:
            sys.exit("soak failed: errors %d, RSS flat %s, fds flat %s" % (errors, flat_rss, flat_fds))
        print("soak passed")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


if __name__ == "__main__":
    main()
