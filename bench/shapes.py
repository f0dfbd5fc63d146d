#!/usr/bin/env python3
"""Search for any shape (issue 37): loads generated seekers and job offers,
draws searches at random (seeded) from the generated data's own vocabulary
— any combination of filters; keywords of 1 to 30 characters, common, rare
and absent, as typed in other widths, in hiragana or half-width kana;
`limit` 1 to 100; deep cursors — and drives each alone with wrk, reporting
each shape's p50 and p99 and the worst shapes, never a mix average.

    python3 bench/shapes.py --binary target/release/kyushoku --sqlite --seekers 100000
    python3 bench/shapes.py --binary target/release/kyushoku --seekers 300000
    python3 bench/shapes.py --reuse WORKDIR --connections 4,16,64   # the same data again
    python3 bench/shapes.py --seekers 2000000 --offers 2500000 --database kyushoku_bench --load-only
        # national scale, loaded once; then --reuse WORKDIR --database kyushoku_bench
    python3 bench/shapes.py --reuse /tmp/kyushoku-bench-… --database kyushoku_bench --ratio --explain
        # a national run's database (bench/run); per shape also the SQL alone
        # (pgbench, the statements the service sent, alternating with wrk) and
        # EXPLAIN ANALYZE of each of its statements

With --ratio a shape's row has `limit_tps` and `ratio` (the service's req/s
over pgbench's transactions a second, at the first connection count); with
--explain, `db_ms` (the execution time of the request's read statements
together, from the second of two EXPLAIN ANALYZE runs) and `db_worst_ms`.

The report goes to bench/out/shapes-<backend>-<date>.json.
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import unicodedata
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import get, start_demo, tokens, wrk  # noqa: E402
from national import (PG_ADMIN, captured_statements, fresh_postgres, inlined, load, pgbench, psql,  # noqa: E402
                      start_serve, with_binds)
from explain import explain_twice, figures  # noqa: E402

# The kinds of search issue 37's table measured before (300,000 seekers),
# and a one-character keyword no text holds.
FIXED = [
    ("profiles: prefecture + occupation major (issue)", "/v1/profiles?prefecture=13&occupation=08&limit=20"),
    ("profiles: 2-char keyword + prefecture (issue)", "/v1/profiles?q=%E7%B5%8C%E7%90%86&prefecture=13&limit=20"),
    ("profiles: 7-char keyword, no other filter (issue)",
     "/v1/profiles?q=%E3%83%95%E3%82%A9%E3%83%BC%E3%82%AF%E3%83%AA%E3%83%95%E3%83%88&limit=20"),
    ("profiles: municipality + employment + wage (issue)",
     "/v1/profiles?municipality=131041&employment_type=full_time&wage_min=250000&limit=20"),
    ("profiles: no filter, limit=100 (issue)", "/v1/profiles?limit=100"),
    ("offers: 2-char keyword + prefecture (issue)", "/v1/job-offers?q=%E4%BB%8B%E8%AD%B7&prefecture=13&limit=20"),
    ("profiles: 1-char keyword nobody holds", "/v1/profiles?q=%E9%AC%B1&limit=20"),
    ("offers: 1-char keyword nobody holds", "/v1/job-offers?q=%E9%AC%B1&limit=20"),
    # Filters few match together, each filter common alone (the class of
    # migrations 000025 and 000026): Tokyo's seekers are a sixth of all, a
    # qualification one in twelve, dispatch work one in twenty.
    ("profiles: four filters few match together",
     "/v1/profiles?prefecture=13&occupation=11&employment_type=dispatch"
     "&qualification=%E8%AA%BF%E7%90%86%E5%B8%AB&limit=20"),
    ("profiles: four filters nobody matches together",
     "/v1/profiles?prefecture=31&occupation=11&employment_type=other"
     "&qualification=%E7%9C%8B%E8%AD%B7%E5%B8%AB&limit=20"),
    ("offers: keyword + two filters few match together",
     "/v1/job-offers?q=%E7%A0%94&prefecture=23&employment_type=contract&limit=20"),
]
LIMITS = [1, 5, 20, 20, 50, 100]
KEYWORD_LENGTHS = [1, 2, 2, 2, 3, 4, 5, 7, 10, 15, 20, 30]


def half_width_table():
    """Full-width katakana (and voiced ones) to half-width, from NFKC."""
    out = {}
    for code in range(0xFF61, 0xFFA0):
        ch = chr(code)
        out.setdefault(unicodedata.normalize("NFKC", ch), ch)
    voiced = {"\u3099": "\uff9e", "\u309a": "\uff9f"}
    for code in range(0x30A1, 0x30FB):
        ch = chr(code)
        if ch in out:
            continue
        d = unicodedata.normalize("NFD", ch)
        if len(d) == 2 and d[0] in out and d[1] in voiced:
            out[ch] = out[d[0]] + voiced[d[1]]
    return out


HALF = half_width_table()


def as_typed(word, rng):
    """The word as someone might type it: half-width kana, hiragana,
    full-width Latin and digits, or as it is."""
    how = rng.choice(["as is", "as is", "half-width", "hiragana", "full-width"])
    if how == "half-width":
        return how, "".join(HALF.get(c, c) for c in word)
    if how == "hiragana":
        return how, "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in word)
    if how == "full-width":
        return how, "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)
    return how, word


def vocabulary(binary, seed):
    """Texts and codes as the generator writes them."""
    def lines(what):
        out = subprocess.run([binary, "generate", what, "--count", "3000", "--seed", str(seed)],
                             check=True, capture_output=True, text=True).stdout
        return [json.loads(l) for l in out.splitlines() if l.strip()]

    seekers, offers = lines("seekers"), lines("offers")
    v = {"texts": [], "offer_texts": [], "occupations": set(), "prefectures": set(),
         "municipalities": set(), "qualifications": set()}
    for s in seekers:
        p = s["profile"]
        v["texts"] += [p.get("self_pr") or ""] + [w.get("duties") or "" for w in p.get("work_history", [])]
        v["texts"] += p.get("pc_skills", [])
        for o in p.get("desired_occupations", []):
            v["occupations"].update({o[:2], o[:3], o} if len(o) > 3 else {o[:2], o})
        for l in p.get("work_locations", []):
            v["prefectures"].add(l["prefecture"])
            if l.get("municipality"):
                v["municipalities"].add(l["municipality"])
        for q in p.get("qualifications", []):
            v["qualifications"].add(q["name"])
    for o in offers:
        v["offer_texts"] += [o.get("title", ""), o.get("description", "")]
        if o.get("municipality"):
            v["municipalities"].add(o["municipality"])
    for k in ["occupations", "prefectures", "municipalities", "qualifications"]:
        v[k] = sorted(v[k])
    v["texts"] = [t for t in v["texts"] if t]
    v["offer_texts"] = [t for t in v["offer_texts"] if t]
    return v


def keyword(v, texts, rng):
    """(kind, keyword): a substring of a generated text, or one no text
    holds."""
    n = rng.choice(KEYWORD_LENGTHS)
    if rng.random() < 0.12:
        return "absent", "".join(chr(rng.randrange(0x4E00, 0x9FA0)) for _ in range(max(n, 2)))
    t = rng.choice(texts)
    if len(t) <= n:
        word = t
    else:
        i = rng.randrange(0, len(t) - n)
        word = t[i:i + n]
    word = word.strip() or t[:n]
    how, typed = as_typed(word, rng)
    return "%d chars %s" % (len(word), how), typed


def draw(v, rng):
    """One search: (kind, path)."""
    offers = rng.random() < 0.35
    q, parts = {}, []
    if rng.random() < 0.6:
        kind, q["q"] = keyword(v, v["offer_texts"] if offers else v["texts"], rng)
        parts.append("q " + kind)
    if rng.random() < 0.35:
        q["prefecture"] = rng.choice(v["prefectures"])
        parts.append("prefecture")
    if rng.random() < 0.2:
        q["municipality"] = rng.choice(v["municipalities"])
        parts.append("municipality")
    if rng.random() < 0.35:
        q["occupation"] = rng.choice(v["occupations"])
        parts.append("occupation(%d)" % len(q["occupation"]))
    if rng.random() < 0.25:
        q["employment_type"] = rng.choice(["full_time", "part_time", "contract", "dispatch", "other"])
        parts.append("employment")
    if rng.random() < 0.25:
        kind = rng.choice(["monthly", "hourly"])
        q["wage_kind"] = kind
        q["wage_min"] = rng.choice([180000, 250000, 400000] if kind == "monthly" else [1000, 1300, 2000])
        parts.append("wage")
    if not offers and rng.random() < 0.1:
        q["qualification"] = rng.choice(v["qualifications"])
        parts.append("qualification")
    q["limit"] = rng.choice(LIMITS)
    deep = rng.random() < 0.12
    path = ("/v1/job-offers?" if offers else "/v1/profiles?") + urllib.parse.urlencode(q)
    name = "%s: %s limit=%d%s" % ("offers" if offers else "profiles",
                                  " + ".join(parts) or "no filter", q["limit"], " deep" if deep else "")
    return name, path, deep


def deepen(base, token, path, pages=10):
    """The path with the cursor of page `pages` (or of the last page)."""
    cursor = None
    for _ in range(pages):
        page = get(base, path + ("&cursor=" + cursor if cursor else ""), token)
        nxt = page.get("next_cursor")
        if not nxt:
            break
        cursor = nxt
    return path + ("&cursor=" + cursor if cursor else "")


def database_work(url, base, path, token, args, workdir, connections):
    """PostgreSQL only, as asked: the request's statements under pgbench
    (`limit_tps`) and their EXPLAIN ANALYZE (`db_ms`, `db_worst_ms`)."""
    if url.startswith("sqlite") or not (args.ratio or args.explain):
        return {}
    captured = captured_statements(url, base, path, token)
    out = {"statements": len(captured)}
    if args.ratio:
        stmts, variables = with_binds(captured)
        r = pgbench(url, stmts, connections, args.seconds, workdir, variables)
        if "tps" in r:
            out["limit_tps"] = r["tps"]
    if args.explain:
        times = []
        for sql in inlined(captured):
            if sql.lstrip().split(None, 1)[0].upper() not in ("SELECT", "WITH"):
                continue
            plan, error = explain_twice(url, sql)
            if plan is not None:
                times.append(figures(plan)[1])
        if times:
            out["db_ms"], out["db_worst_ms"] = round(sum(times), 2), round(max(times), 2)
    return out


def main():
    ap = argparse.ArgumentParser(description="kyushoku: random search shapes")
    ap.add_argument("--binary", default="target/release/kyushoku")
    ap.add_argument("--sqlite", action="store_true")
    ap.add_argument("--seekers", type=int, default=100_000)
    ap.add_argument("--offers", type=int, default=100_000)
    ap.add_argument("--shapes", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--connections", default="4",
                    help="comma-separated: each shape is driven at each (e.g. 4,16,64)")
    ap.add_argument("--no-fixed", action="store_true", help="only the random shapes")
    ap.add_argument("--reuse", metavar="WORKDIR",
                    help="serve the database a run left in WORKDIR (its credentials.json) "
                         "instead of loading a new one")
    ap.add_argument("--database", default="kyushoku_shapes",
                    help="PostgreSQL: the database --reuse serves (a national run's is kyushoku_bench)")
    ap.add_argument("--ratio", action="store_true",
                    help="PostgreSQL: each shape's SQL alone under pgbench too, and the ratio")
    ap.add_argument("--explain", action="store_true",
                    help="PostgreSQL: EXPLAIN ANALYZE of each shape's statements")
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="tiny run for CI")
    ap.add_argument("--load-only", action="store_true",
                    help="load the data and stop, keeping WORKDIR for --reuse")
    ap.add_argument("--uploaders", type=int, default=2,
                    help="concurrent batch requests while loading (issue 37 point 7 asks one)")
    args = ap.parse_args()
    if args.smoke:
        args.seekers, args.offers, args.shapes, args.seconds = 500, 500, 6, 1
    binary = os.path.abspath(args.binary)
    connections = [int(c) for c in args.connections.split(",")]
    serve_env = {"KYUSHOKU_SWEEP_INTERVAL": "0", "KYUSHOKU_DB_POOL_SIZE": "16"}
    workdir = args.reuse or tempfile.mkdtemp(prefix="kyushoku-shapes-")
    print("workdir:", workdir, flush=True)
    if args.sqlite:
        url, redis = "sqlite://" + os.path.join(workdir, "shapes.db"), None
    elif args.reuse:
        url, redis = PG_ADMIN.rsplit("/", 1)[0] + "/" + args.database, "redis://127.0.0.1:6379"
    else:
        url, redis = fresh_postgres(args.database), "redis://127.0.0.1:6379"
    if args.reuse:
        with open(os.path.join(workdir, "credentials.json")) as f:
            creds = json.load(f)
        proc, creds["base_url"] = start_serve(binary, url, redis, workdir, serve_env)
    else:
        proc, creds = start_demo(binary, workdir, url, redis, serve_env)
    try:
        base = creds["base_url"]
        t = tokens(base, creds)
        if not args.reuse:
            n, secs = load(binary, base, t["hw_system_client"], "seekers", args.seekers, 7, 5000, args.uploaders)
            print("seekers: %d in %.0f s (%.0f a second, %d uploaders)" % (n, secs, n / secs, args.uploaders), flush=True)
            n, secs = load(binary, base, t["hw_system_client"], "offers", args.offers, 7, 5000, args.uploaders)
            print("offers: %d in %.0f s (%.0f a second, %d uploaders)" % (n, secs, n / secs, args.uploaders), flush=True)
        if not args.sqlite and not args.reuse:
            psql(url, "VACUUM ANALYZE")
        if args.load_only:
            print("loaded; measure with --reuse", workdir, flush=True)
            return
        v = vocabulary(binary, 7)
        rng = random.Random(args.seed)
        org = t["org_public_client"]
        rows = []
        drawn = [] if args.no_fixed else [(n, p, False) for n, p in FIXED]
        drawn += [draw(v, rng) for _ in range(args.shapes)]
        for name, path, deep in drawn:
            if deep:
                path = deepen(base, org, path)
            first = get(base, path, org)
            database = database_work(url, base, path, org, args, workdir, connections[0])
            for c in connections:
                r = wrk(base, [path], org, args.seconds, c, 2, workdir=workdir)
                r.update({"shape": name, "path": path, "shown": len(first["items"]), "connections": c})
                if c == connections[0]:
                    r.update(database)
                    if "limit_tps" in r:
                        r["ratio"] = round(r["rps"] / r["limit_tps"], 2)
                rows.append(r)
                print("%-64s c%-3d %4d shown %7.0f req/s  p50 %7.2f  p99 %7.2f ms  errors %d%s" % (
                    name[:64], c, r["shown"], r["rps"], r["p50_ms"], r["p99_ms"],
                    r["non_2xx"] + r["socket_errors"],
                    "".join("  %s %s" % (k, r[k]) for k in ("ratio", "db_ms") if k in r)), flush=True)
    finally:
        proc.terminate()
        proc.wait()
    rows.sort(key=lambda r: -r["p99_ms"])
    with_ratio = [r["ratio"] for r in rows if "ratio" in r]
    with_db = [r["db_ms"] for r in rows if "db_ms" in r]
    report = {
        "date": datetime.date.today().isoformat(),
        "backend": "sqlite" if args.sqlite else "postgresql+redis",
        "seekers": args.seekers, "offers": args.offers, "connections": connections,
        "seconds": args.seconds, "seed": args.seed, "shapes": rows,
        "within_25ms": sum(1 for r in rows if r["p99_ms"] <= 25 and r["connections"] <= 4),
        "ratio_at_least_0_7": sum(1 for x in with_ratio if x >= 0.7),
        "db_under_20ms": sum(1 for x in with_db if x < 20),
    }
    os.makedirs("bench/out", exist_ok=True)
    out = "bench/out/shapes-%s-%s.json" % ("sqlite" if args.sqlite else "postgresql", report["date"])
    with open(out, "w") as f:
        json.dump(report, f, ensure_ascii=False, indent=1)
    at4 = [r for r in rows if r["connections"] <= 4]
    print("\n%d of %d shapes with p99 <= 25 ms at 4 connections; worst five:" % (
        report["within_25ms"], len(at4)))
    for r in at4[:5]:
        print("  p99 %7.2f ms  p50 %7.2f ms  %s\n      %s" % (
            r["p99_ms"], r["p50_ms"], r["shape"], urllib.parse.unquote(r["path"])))
    if with_ratio:
        print("ratio to the SQL alone >= 0.7: %d of %d (worst %.2f)" % (
            report["ratio_at_least_0_7"], len(with_ratio), min(with_ratio)))
    if with_db:
        print("database work under 20 ms: %d of %d (worst %.1f ms)" % (
            report["db_under_20ms"], len(with_db), max(with_db)))
    print("report:", out)
    if any(r["non_2xx"] + r["socket_errors"] for r in rows):
        sys.exit("some searches failed")


if __name__ == "__main__":
    main()
