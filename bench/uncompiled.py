#!/usr/bin/env python3
"""Which statements diesel compiles again at every call, on the database a
benchmark run left: a `kyushoku serve` built with `--features capture-sql`
answers each path twice, and every statement it ran more than once without
ever keeping it compiled (prepared, on PostgreSQL) is listed with the paths
that ran it. diesel does not keep a statement whose text changes with its
values (a multi-row insert of a `Vec`, a `DEFAULT` for an absent value, an
UPDATE), and the database then parses and plans it again each time.

    python3 bench/uncompiled.py --workdir /tmp/kyushoku-bench-… \\
        --database-url sqlite:///tmp/kyushoku-bench-…/bench.db PATH…

PATH is a GET path (the public organisation's token), or `POST PATH BODY`
as one argument; a refusal (a second first guidance's 409) is shown and
the statements it ran are counted. The profile search is kept uncompiled on PostgreSQL on
purpose (planned for each call's values: `PlannedPerCall`).
"""

import argparse
import collections
import json
import os
import signal
import sys
import urllib.error

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import get, post, tokens  # noqa: E402
from national import PG_ADMIN, start_serve  # noqa: E402

KEPT = "-- kept compiled: "


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--binary", default="target/release/kyushoku")
    ap.add_argument("--workdir", required=True, help="a benchmark run's work directory (its credentials)")
    ap.add_argument("--database-url", default=PG_ADMIN.rsplit("/", 1)[0] + "/kyushoku_bench")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    args = ap.parse_args()
    url = args.database_url
    redis = None if url.startswith("sqlite:") else args.redis_url
    with open(os.path.join(args.workdir, "credentials.json")) as f:
        creds = json.load(f)
    capture = os.path.join(args.workdir, "uncompiled.sql")
    if os.path.exists(capture):
        os.unlink(capture)
    proc, base = start_serve(os.path.abspath(args.binary), url, redis, args.workdir,
                             {"KYUSHOKU_CAPTURE_SQL": capture})
    ran = collections.defaultdict(lambda: [0, set()])
    kept = set()
    try:
        token = tokens(base, creds)["org_public_client"]
        for path in args.paths:
            for _ in range(2):
                if os.path.exists(capture):
                    os.truncate(capture, 0)
                try:
                    if path.startswith("POST "):
                        _, p, body = path.split(" ", 2)
                        post(base, p, json.loads(body), token)
                    else:
                        get(base, path, token)
                except urllib.error.HTTPError as e:
                    print("%s: %d" % (path[:80], e.code))
                with open(capture) as f:
                    for line in f:
                        line = line.rstrip("\n")
                        if line.startswith(KEPT):
                            kept.add(line[len(KEPT):])
                            continue
                        sql = line.partition(" -- binds: ")[0]
                        ran[sql][0] += 1
                        ran[sql][1].add(path)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    if not os.path.exists(capture):
        sys.exit("%s was built without the capture-sql feature" % args.binary)
    again = [(sql, n, paths) for sql, (n, paths) in ran.items()
             if n > 1 and sql not in kept and not sql.upper().startswith(("BEGIN", "COMMIT", "PRAGMA"))]
    for sql, n, paths in sorted(again, key=lambda x: -x[1]):
        print("%3d× %s\n      by %s" % (n, sql[:300], ", ".join(sorted(paths))))
    print("%d statements ran more than once, %d of them compiled at every call" % (
        sum(1 for n, _ in ran.values() if n > 1), len(again)))


if __name__ == "__main__":
    main()
