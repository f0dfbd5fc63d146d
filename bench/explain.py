#!/usr/bin/env python3
"""EXPLAIN of the main queries on the database a national run left: a fresh
`kyushoku serve` answers each request once unlogged, then once with
PostgreSQL logging every statement (as the suite captures them for
pgbench); each read-only statement it ran is explained twice in one psql
session with the service's session settings, values written in, and the
second run is reported. Writes (the audit row) are listed, not run.

    python3 bench/explain.py --workdir /tmp/kyushoku-bench-…   # after bench/run

Prints a Markdown table (request, statement length, planning and execution
ms, shared buffers) and writes every plan to bench/out/explain-….txt.
A path given as `seeker:/v1/me/threads` is asked with the demo seeker's
token; others with the public organisation's.
"""

import argparse
import datetime
import json
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import get, tokens  # noqa: E402
from national import PG_ADMIN, PG_SESSION_OPTIONS, captured_statements, inlined, start_serve  # noqa: E402

SEARCHES = [
    "/v1/profiles?occupation=05&limit=20",
    "/v1/profiles?prefecture=27&occupation=08&limit=20",
    "/v1/profiles?prefecture=13&limit=50",
    "/v1/profiles?wage_min=250000&limit=20",
    "/v1/profiles?q=%E4%BB%8B%E8%AD%B7&limit=20",                    # 介護
    "/v1/profiles?q=%E7%B5%8C%E7%90%86&prefecture=13&limit=20",      # 経理, no match
    "/v1/profiles?employment_type=part_time&prefecture=14&limit=100",
]
OTHERS = ["READ", "/v1/job-offers?limit=20", "/v1/job-offers/changes?limit=100", "/v1/threads?limit=20",
          "seeker:/v1/me/threads?limit=20"]


def explain_twice(url, sql):
    """The second of two `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)` runs of `sql`
    in one session."""
    query = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql.rstrip(";")
    out = subprocess.run(["psql", url, "-Atq", "-c", query, "-c", query], capture_output=True, text=True,
                         env=dict(os.environ, PGOPTIONS=PG_SESSION_OPTIONS))
    if out.returncode != 0:
        return None, out.stderr.strip()[-300:]
    lines = out.stdout.splitlines()
    # Each run ends with its "Execution Time" line.
    ends = [i for i, line in enumerate(lines) if line.startswith("Execution Time")]
    second = lines[ends[0] + 1:ends[1] + 1] if len(ends) == 2 else lines
    return second, None


def figures(plan):
    text = "\n".join(plan)
    planning = re.search(r"Planning Time: ([\d.]+) ms", text)
    execution = re.search(r"Execution Time: ([\d.]+) ms", text)
    buffers = re.search(r"Buffers: shared ([^\n]*)", text)
    return (float(planning.group(1)) if planning else None, float(execution.group(1)),
            buffers.group(1) if buffers else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="default: the suite's searches, a read, browse, feed, threads")
    ap.add_argument("--binary", default="target/release/kyushoku")
    ap.add_argument("--workdir", required=True, help="a national run's work directory (its credentials)")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    args = ap.parse_args()
    url = PG_ADMIN.rsplit("/", 1)[0] + "/kyushoku_bench"
    with open(os.path.join(args.workdir, "credentials.json")) as f:
        creds = json.load(f)
    proc, base = start_serve(os.path.abspath(args.binary), url, args.redis_url, args.workdir,
                             {"KYUSHOKU_ACCESS_TOKEN_TTL": "7200"})
    rows, plans = [], []
    try:
        t = tokens(base, creds)
        org = t["org_public_client"]
        for path in args.paths or SEARCHES + OTHERS:
            token = org
            if path == "READ":
                path = "/v1/profiles/" + get(base, "/v1/profiles?occupation=05&limit=1", org)["items"][0]["profile_id"]
            if path.startswith("seeker:"):
                path, token = path[len("seeker:"):], t["seeker"]
            for sql in inlined(captured_statements(url, base, path, token)):
                head = sql.lstrip().split(None, 1)[0].upper()
                if head not in ("SELECT", "WITH"):
                    if head not in ("BEGIN", "COMMIT"):
                        rows.append((path, len(sql), "write, not run", "", ""))
                    continue
                plan, error = explain_twice(url, sql)
                if plan is None:
                    rows.append((path, len(sql), "error: " + error, "", ""))
                    continue
                planning, execution, buffers = figures(plan)
                rows.append((path, len(sql), planning, execution, buffers))
                plans.append("-- %s\n%s\n\n%s\n" % (path, sql, "\n".join(plan)))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    print("| request | statement chars | planning ms | execution ms | shared buffers |")
    print("|---|---:|---:|---:|---|")
    for path, length, planning, execution, buffers in rows:
        print("| `%s` | %d | %s | %s | %s |" % (path, length, planning, execution, buffers))
    os.makedirs("bench/out", exist_ok=True)
    name = "bench/out/explain-%s.txt" % datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    with open(name, "w") as f:
        f.write("\n".join(plans))
    print("\nplans: " + name)


if __name__ == "__main__":
    main()
