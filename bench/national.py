#!/usr/bin/env python3
"""National-scale benchmark: load generated seekers and offers through the
service's own batch endpoints, then measure each scenario with wrk against a
release build, and compare with what the database does alone (pgbench on the
same SQL, COPY for the export). `bench/run` is the entry point; see
docs/benchmarks.md.

    bench/run                                    # PostgreSQL + Redis, full national scale
    bench/run --seekers 200000 --offers 200000   # a smaller dataset
    bench/run --sqlite --seekers 100000 --offers 100000   # the embedded default
    bench/run --smoke                            # tiny, for CI: checks the script works

Prints one Markdown table per run and writes JSON to bench/out/.
"""

import argparse
import datetime
import glob
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import WRK_DONE, get, parse_result, post, rss_mb, start_demo, tokens, wrk  # noqa: E402

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_LOG = (glob.glob("/var/log/postgresql/postgresql-*-main.log") or [""])[0]
# The session settings the service gives its own PostgreSQL connections
# (PG_SESSION_DEFAULTS in crates/store/src/connection.rs): pgbench runs the
# service's SQL under them too, or a plan the service never runs (parallel
# workers) sets the limit.
PG_SESSION_OPTIONS = "-c max_parallel_workers_per_gather=0"


def psql(url, sql):
    return subprocess.run(
        ["psql", url, "-Atqc", sql], check=True, capture_output=True, text=True
    ).stdout


def fresh_postgres(name):
    psql(PG_ADMIN, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    psql(PG_ADMIN, "CREATE DATABASE %s" % name)
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def upload(base, token, path, lines, key):
    req = urllib.request.Request(base + path, data="".join(lines).encode(), method="POST")
    req.add_header("authorization", "Bearer " + token)
    req.add_header("content-type", "application/x-ndjson")
    req.add_header("idempotency-key", key)
    with urllib.request.urlopen(req, timeout=600) as r:
        results = json.load(r)["results"]
    bad = [r for r in results if r["status"] == "error"]
    if bad:
        sys.exit("batch line refused: %s" % json.dumps(bad[0], ensure_ascii=False))
    return len(results)


def load(binary, base, token, what, count, seed, batch, uploaders, key_prefix=""):
    """Streams `kyushoku generate WHAT` into the batch endpoint with
    `uploaders` concurrent requests; returns (count, seconds). Each batch
    carries an Idempotency-Key (`key_prefix` tells a second load of the
    same lines from a retry of the first)."""
    gen = subprocess.Popen(
        [binary, "generate", what, "--count", str(count), "--seed", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    path = "/v1/seekers/batch" if what == "seekers" else "/v1/job-offers/batch"
    lock = threading.Lock()
    done = [0]
    errors = []

    def worker(n):
        i = 0
        while not errors:
            with lock:
                lines = [l for _, l in zip(range(batch), gen.stdout)]
            if not lines:
                return
            try:
                k = upload(base, token, path, lines, "%s%s-%d-%d-%d" % (key_prefix, what, seed, n, i))
            except (SystemExit, OSError) as e:
                # Stop the others and the generator (which would otherwise
                # block for ever on a full pipe nobody reads).
                errors.append(str(e))
                gen.kill()
                return
            i += 1
            with lock:
                done[0] += k

    started = time.time()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(uploaders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    gen.wait()
    if errors:
        sys.exit(errors[0])
    return done[0], time.time() - started


def post_from(address, base, path, data):
    """POST JSON from a given local address (any of 127.0.0.0/8 reaches the
    service on loopback), for limits counted per address."""
    import http.client

    host, port = base.rsplit("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60, source_address=(address, 0))
    try:
        conn.request("POST", path, json.dumps(data).encode(), {"content-type": "application/json"})
        r = conn.getresponse()
        body = r.read()
        if r.status >= 300:
            raise OSError("%s %s answered %d: %s" % ("POST", path, r.status, body[:200]))
        return json.loads(body)
    finally:
        conn.close()


def organisations(binary, url, base, count, seed, workers=4):
    """`count` organisations through the service's own path: generated
    applications (`kyushoku generate organisations`) POSTed to
    /v1/organisations, approved by the labour bureau of each one's
    prefecture (47 bureau clients made with `kyushoku admin create-client`),
    then each admin logs in, makes an API client and takes a token.
    Returns ([(kind, services, token, prefecture)], seconds)."""
    env = dict(os.environ, DATABASE_URL=url, KYUSHOKU_LOG="error")
    started = time.time()
    bureaus = {}
    for p in range(1, 48):
        made = json.loads(subprocess.run(
            [binary, "admin", "create-client", "--role", "bureau", "--prefecture", "%02d" % p,
             "--name", "労働局 (bench)"], env=env, check=True, capture_output=True, text=True).stdout)
        bureaus["%02d" % p] = post(base, "/v1/auth/token", {
            "grant_type": "client_credentials", "client_id": made["client_id"],
            "client_secret": made["client_secret"]}, form=True)["access_token"]
    applications = subprocess.run(
        [binary, "generate", "organisations", "--count", str(count), "--seed", str(seed)],
        check=True, capture_output=True, text=True).stdout.splitlines()

    def one(numbered):
        n, line = numbered
        a = json.loads(line)
        org = post(base, "/v1/organisations", a)["organisation_id"]
        post(base, "/v1/organisations/%s/decisions" % org,
             {"decision": "approve", "reason": "ベンチマーク用の承認"}, bureaus[a["prefecture"]])
        # Logins are limited to 50 per address per 15 minutes: 2,000
        # administrators log in from 50 loopback addresses, 40 each, in a
        # /24 of the seed's, so a resumed run soon after is not refused.
        address = "127.%d.0.%d" % (1 + seed % 250, 2 + n // 40 % 250)
        admin = post_from(address, base, "/v1/auth/login", a["admin"])["access_token"]
        client = post(base, "/v1/organisations/%s/clients" % org, {"name": "bench"}, admin)
        token = post(base, "/v1/auth/token", {
            "grant_type": "client_credentials", "client_id": client["client_id"],
            "client_secret": client["client_secret"]}, form=True)["access_token"]
        return a["kind"], a["services"], token, a["prefecture"]

    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(workers) as pool:
        made = list(pool.map(one, enumerate(applications)))
    return made, time.time() - started


GUIDANCES = [
    ("介護職のご案内", "特別養護老人ホームの介護職員の求人がございます。ご興味があればご返信ください。"),
    ("事務職の求人について", "駅近くの事務所で経理補助を募集しています。未経験の方も歓迎です。"),
    ("合同面接会のお知らせ", "来月、市役所で合同面接会を開催します。参加をご希望の場合はご返信ください。"),
    ("製造スタッフ募集", "自動車部品工場での組立スタッフを募集しています。寮完備、日勤のみです。"),
]


def message_history(base, orgs, count, workers=8):
    """A day's messages: the organisations with `seeker_info` each search
    (their own prefecture and one occupation group, newest first; everyone
    when that finds nobody) and send a first guidance to their share of the
    `count` profiles found. Returns (messages sent, seconds)."""
    senders = [(token, pref) for _, services, token, pref in orgs if "seeker_info" in services]
    share = -(-count // max(1, len(senders)))

    def one(i):
        (token, pref), sent, cursor = senders[i], 0, None
        query = "prefecture=%s&occupation=%02d&" % (pref, 1 + i % 15)
        while sent < share:
            page = get(base, "/v1/profiles?%slimit=%d%s" % (
                query, min(100, share - sent), "&cursor=" + cursor if cursor else ""), token)
            if not page["items"] and query and not cursor:
                query = ""
                continue
            for item in page["items"]:
                subject, body = GUIDANCES[(i + sent) % len(GUIDANCES)]
                post(base, "/v1/profiles/%s/messages" % item["profile_id"],
                     {"subject": subject, "body": body}, token)
                sent += 1
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return sent

    started = time.time()
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(workers) as pool:
        sent = sum(pool.map(one, range(len(senders))))
    return sent, time.time() - started


def statements_of(url, base, path, token, send=None):
    """The SQL statements (with their parameters inlined) that PostgreSQL
    executes for one request (a GET of `path`, or a POST of `send`), read
    from its log."""
    return inlined(captured_statements(url, base, path, token, send))


def captured_statements(url, base, path, token, send=None):
    """What PostgreSQL's log says it executed for one request: (statement
    name, SQL with $n placeholders, {"$n": quoted value}) per statement; the
    name is "<unnamed>" for a statement parsed and planned for this call,
    diesel's for one it keeps prepared, None for a simple query."""
    db = url.rsplit("/", 1)[1]
    if send is None:
        # Once unlogged first, so that a cold cache's lookups (the caller's
        # state, read from the database on a miss) are not taken for the
        # request's own statements. A send is not repeatable.
        get(base, path, token)
    start = os.path.getsize(PG_LOG)
    # Reloadable: the pool's open sessions log from their next statement on.
    psql(PG_ADMIN, "ALTER SYSTEM SET log_min_duration_statement = 0")
    psql(PG_ADMIN, "SELECT pg_reload_conf()")
    try:
        time.sleep(0.5)
        if send is None:
            get(base, path, token)
        else:
            post(base, path, send, token)
        time.sleep(0.5)
    finally:
        psql(PG_ADMIN, "ALTER SYSTEM RESET log_min_duration_statement")
        psql(PG_ADMIN, "SELECT pg_reload_conf()")
    with open(PG_LOG, errors="replace") as f:
        f.seek(start)
        text = f.read()
    out = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.search(r"@%s LOG:  duration: [\d.]+ ms  (?:execute ([^:]*)|statement): (.*)$" % db, line)
        if not m:
            continue
        name, sql = m.group(1), m.group(2)
        params = {}
        if i + 1 < len(lines) and "DETAIL:  parameters:" in lines[i + 1]:
            detail = lines[i + 1].split("DETAIL:  parameters: ", 1)[1]
            for n, value in re.findall(r"(\$\d+) = ('(?:[^']|'')*'|NULL)", detail):
                params[n] = value
        if sql.strip().upper() in ("SELECT 1",):
            continue
        out.append((name, sql, params))
    return out


def inlined(statements, escape=lambda v: v):
    """The statements with their parameters written in as literals."""
    return [re.sub(r"\$(\d+)", lambda m: escape(params.get(m.group(0), m.group(0))), sql)
            for _, sql, params in statements]


def with_binds(statements):
    """The statements for `pgbench -M extended`, and its variables: a
    statement the service sends unnamed (parsed and planned for each call's
    values) keeps its placeholders, as pgbench variables bound to the same
    values, so that PostgreSQL does for it exactly what it does for the
    service; the others get their values written in, as in simple mode
    (where nothing is sent unnamed, the variables are None: simple mode). In
    extended mode pgbench reads `:name` anywhere as a variable, so a
    literal with a colon before a letter is written as a concatenation."""
    variables, out = {}, []

    def literal(v):
        if v == "NULL" or not re.search(r":[A-Za-z_\u0080-\U0010ffff]", v):
            return v
        parts = re.split(r"(?<=:)(?=[A-Za-z_\u0080-\U0010ffff])", v[1:-1])
        return "(" + " || ".join("'%s'" % p for p in parts) + ")"

    for k, (name, sql, params) in enumerate(statements):
        if name != "<unnamed>":
            out.extend(inlined([(name, sql, params)], literal))
            continue

        def bind(m, k=k, params=params):
            value = params.get(m.group(0), "NULL")
            if value == "NULL":
                return value
            var = "s%dp%s" % (k, m.group(1))
            variables[var] = value[1:-1].replace("''", "'")
            return ":" + var
        out.append(re.sub(r"\$(\d+)", bind, sql))
    if not variables:
        # Nothing is planned per call: simple mode, as `statements_of`.
        return inlined(statements), None
    return out, variables


SEND_BODY = {"subject": "介護職のご案内", "body": "合同面接会のお知らせです。ご興味があればご返信ください。"}


def send_statements(url, base, token, profile_id):
    """The SQL of one first guidance, made repeatable for pgbench: each run
    takes the next seeker from `bench_targets` (see `refill_targets`), new
    public ids, and the thread it has just opened. Returns (statements,
    organisation id), or None."""
    stmts = statements_of(url, base, "/v1/profiles/%s/messages" % profile_id, token, send=SEND_BODY)
    joined = "\n".join(stmts)
    seeker = re.search(r'"threads"\."seeker_id" = \'(\d+)\'', joined)
    org = re.search(r'"threads"\."organisation_id" = \'(\d+)\'', joined)
    if not seeker or not org:
        return None
    seeker, org = seeker.group(1), org.group(1)
    thread = psql(url, "SELECT id FROM threads WHERE seeker_id = %s AND organisation_id = %s" % (seeker, org)).strip()
    uuid = r"'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'"
    out = ["SELECT id AS sid FROM bench_targets WHERE n = (SELECT nextval('bench_target_seq')) \\gset"]
    for sql in stmts:
        sql = sql.replace("'%s'" % seeker, ":sid")
        if thread:
            sql = sql.replace("'%s'" % thread, "currval(pg_get_serial_sequence('threads', 'id'))")
        out.append(re.sub(uuid, "md5(random()::text)", sql))
    return out, org


def refill_targets(url, org):
    """`bench_targets`: the seekers organisation `org` may write a first
    guidance to now (visible, not written to, not blocked), numbered for
    pgbench's sequence. Made again before every pgbench round, after the
    service's round has written to some."""
    psql(url, "DROP TABLE IF EXISTS bench_targets; DROP SEQUENCE IF EXISTS bench_target_seq; "
              "CREATE TABLE bench_targets AS SELECT row_number() OVER (ORDER BY s.id) AS n, s.id FROM seekers s "
              "WHERE s.status = 'active' AND s.valid_until >= CURRENT_DATE AND s.receive_guidance "
              "AND s.consent_scope IN ('both', 'public_only') AND NOT EXISTS (SELECT 1 FROM threads t "
              "WHERE t.seeker_id = s.id AND t.organisation_id = %s) AND NOT EXISTS (SELECT 1 FROM blocks b "
              "WHERE b.seeker_id = s.id AND b.organisation_id = %s); "
              "CREATE UNIQUE INDEX ON bench_targets (n); CREATE SEQUENCE bench_target_seq" % (org, org))


def pgbench(url, statements, connections, seconds, workdir, variables=None):
    """pgbench running `statements` as one transaction; with `variables`
    (see `with_binds`) in extended mode, binding them as parameters."""
    script = os.path.join(workdir, "pgbench-%d.sql" % abs(hash(tuple(statements))))
    with open(script, "w") as f:
        for s in statements:
            f.write(s if s.endswith("\\gset") else s.rstrip(";") + ";")
            f.write("\n")
    out = subprocess.run(
        [
            "pgbench", "-n", "-f", script, "-c", str(connections), "-j", "2",
            "-T", str(seconds),
        ] + ([] if variables is None else ["-M", "extended"] + [
            "-D%s=%s" % kv for kv in sorted(variables.items())]) + [url],
        capture_output=True, text=True, env=dict(os.environ, PGOPTIONS=PG_SESSION_OPTIONS),
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip()[-300:]}
    tps = float(re.search(r"tps = ([\d.]+)", out.stdout).group(1))
    lat = float(re.search(r"latency average = ([\d.]+) ms", out.stdout).group(1))
    done = int(re.search(r"number of transactions actually processed: (\d+)", out.stdout).group(1))
    return {"tps": tps, "latency_avg_ms": lat, "transactions": done}


# The service and the database alone take turns this many times on the
# same work; the median round is reported. On two shared cores the
# database's own limit moves by a fifth within half an hour, so a single
# pair misleads.
LIMIT_ROUNDS = 3


def busy_seconds(pid=None):
    """CPU seconds process `pid` has used (user + system), or with no pid
    the seconds the machine's cores have been busy, so far."""
    tick = os.sysconf("SC_CLK_TCK")
    if pid is None:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (v[0] + v[1] + v[2] + v[5] + v[6]) / tick  # user nice system irq softirq
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


def database_seconds():
    """CPU seconds PostgreSQL's processes have used so far, and how many are
    running: the postmaster's live children (backends, walwriter,
    checkpointer...) and, through its own count of the children it has
    waited for, those that have exited (pgbench's backends end with
    pgbench). None where it is not found."""
    pidfiles = glob.glob("/var/run/postgresql/*.pid")
    if not pidfiles:
        return None
    with open(pidfiles[0]) as f:
        postmaster = int(f.readline())
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/%d/stat" % postmaster) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime stime cutime cstime
    total = sum(int(x) for x in fields[11:15]) / tick
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
    for pid in children:
        try:
            total += busy_seconds(int(pid))
        except (FileNotFoundError, ProcessLookupError):
            pass  # ended just now: counted in the postmaster's cutime
    return total, len(children)


def database_seconds_after(before):
    """`database_seconds()` since `before`, once the backends started since
    then have ended and been waited for: a backend whose client has just
    gone may still be exiting, or exited and not yet waited for, and its
    time would be in neither count."""
    for _ in range(30):
        if database_seconds()[1] <= before[1]:
            break
        time.sleep(0.1)
    time.sleep(0.5)
    return database_seconds()[0] - before[0]


def redis_pid():
    out = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def cpu_per_request(run, service_pid, requests_of, postgres=True):
    """`run()` and the CPU each of its requests cost, in ms: the service
    process, Redis, the load generator (wrk, pgbench or sqlite3: this
    script's children), PostgreSQL's processes (when `postgres`), and the
    rest of the machine (the kernel's work outside any of those, such as loopback
    traffic handled in interrupts). Where the two sides of a comparison
    spend differs here."""
    watched = {k: p for k, p in [("service", service_pid), ("redis", redis_pid())] if p}
    before = {k: busy_seconds(p) for k, p in watched.items()}
    if postgres:
        # A backend exiting now (the last request's, or psql's before a
        # round) would be in neither count before and in the postmaster's
        # after.
        time.sleep(0.5)
    database = database_seconds() if postgres else None
    machine = busy_seconds()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run()
    waited = database_seconds_after(database) if database is not None else None
    split = {k: busy_seconds(p) - before[k] for k, p in watched.items()}
    total = busy_seconds() - machine
    grown = resource.getrusage(resource.RUSAGE_CHILDREN)
    split["client"] = grown.ru_utime + grown.ru_stime - children.ru_utime - children.ru_stime
    if waited is not None:
        split["database"] = waited
    split["rest"] = total - sum(split.values())
    split["total"] = total
    n = max(1, requests_of(result))
    result["cpu_ms_per_request"] = {k: round(1000 * v / n, 3) for k, v in split.items()}
    return result


def compare_rounds(service_round, limit_round, limit_name, args, service_pid=None, before_limit=None,
                   also=None):
    """The service (`service_round(seconds)`, a wrk result) and the database
    alone on the same statements (`limit_round(seconds)`, with "tps"), at
    the same concurrency, alternated LIMIT_ROUNDS times (once in smoke
    mode), each side half the scenario time a round. Returns the median
    round's figures (the limit's under `limit_name`), every round's, and the
    median round's wrk result as "service". Each side's CPU per request is
    measured too (`cpu_per_request`; the service's process is `service_pid`);
    `before_limit()` runs before each limit round, outside that measure.
    `also` ({name: limit_round}): other ways of running the statements, each
    run in every round after the limit, with its own ratio (the median over
    the rounds under "also")."""
    seconds = max(1, args.seconds // 2)
    rounds = []
    for _ in range(1 if args.smoke else LIMIT_ROUNDS):
        same = cpu_per_request(lambda: service_round(seconds), service_pid,
                               lambda r: r["requests"], not args.sqlite)
        sides = {}
        for name, run in [(limit_name, limit_round)] + sorted((also or {}).items()):
            if before_limit:
                before_limit()
            sides[name] = cpu_per_request(lambda: run(seconds), None,
                                          lambda r: r.get("transactions", 0), not args.sqlite)
            print("  CPU ms per request: service side %s, %s %s" % (
                same["cpu_ms_per_request"], name, sides[name]["cpu_ms_per_request"]), flush=True)
        ratios = {name: round(same["rps"] / side["tps"], 2) if "tps" in side else None
                  for name, side in sides.items()}
        rounds.append({"service": same, "limit": sides[limit_name], "ratio": ratios[limit_name],
                       "also": {name: dict(sides[name], ratio=ratios[name]) for name in also or {}}})
    median = sorted(rounds, key=lambda r: -1 if r["ratio"] is None else r["ratio"])[len(rounds) // 2]
    result = {"service_rps": median["service"]["rps"], limit_name: median["limit"],
              "ratio": median["ratio"], "service": median["service"],
              "rounds": [dict({"service_rps": round(r["service"]["rps"]), limit_name: r["limit"],
                               "ratio": r["ratio"],
                               "service_cpu_ms_per_request": r["service"]["cpu_ms_per_request"]},
                              **({"also": r["also"]} if also else {}))
                         for r in rounds]}
    if also:
        result["also"] = {}
        for name in also:
            ratios = sorted(-1 if r["also"][name]["ratio"] is None else r["also"][name]["ratio"]
                            for r in rounds)
            result["also"][name] = {"ratio": ratios[len(ratios) // 2],
                                    "rounds": [r["also"][name]["ratio"] for r in rounds]}
    return result


class FreshProfiles:
    """Profile ids not yet written to, handed out once: every round of first
    guidances takes the ids after the last round's (a first guidance to a
    profile already written to is a 409, not a send)."""

    def __init__(self, ids):
        self.ids, self.at = ids, 0

    def send_round(self, base, token, args, workdir, name, seconds=None):
        r = send_guidance(base, token, self.ids[self.at:], args, workdir, name, seconds)
        if r:
            # wrk's two threads take alternate ids, so one may run ahead of
            # the other: skip a margin beyond the requests made.
            self.at += r["requests"] + r["requests"] // 10 + 64
        return r


def peak_rss_during(pid, fn):
    peak = [rss_mb(pid)]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.01)

    before = rss_mb(pid)
    t = threading.Thread(target=watch)
    t.start()
    try:
        result = fn()
    finally:
        stop.set()
        t.join()
    return result, before, peak[0]


def export(base, token, workdir):
    """Downloads the whole export with curl (a C client, so that the reader
    is not what is measured; Python's chunked reading, beside the RSS
    sampler's thread, was), the token passed in a header file rather than
    on the command line."""
    header = os.path.join(workdir, "export-header")
    with open(os.open(header, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write("authorization: Bearer %s\n" % token)
    command = ["curl", "-sS", "--fail", "-o", "/dev/null", "-H", "@" + header,
               "-w", "%{size_download} %{time_total}", base + "/v1/job-offers/export?format=ndjson"]

    def once():
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        nbytes, secs = out.stdout.split()
        return int(nbytes), float(secs)
    return repeated(once)


# A bulk read shorter than this is repeated until it is not (a 54 MB export
# takes a fifth of a second, too short to tell the code from the machine).
MIN_READ_SECONDS = 3.0


def repeated(once):
    """(bytes of one read, seconds per read, reads) of `once`, run until
    MIN_READ_SECONDS have passed."""
    total, runs = 0.0, 0
    while total < MIN_READ_SECONDS:
        nbytes, secs = once()
        total, runs = total + secs, runs + 1
    return nbytes, total / runs, runs


def main():
    ap = argparse.ArgumentParser(description="kyushoku national benchmark")
    ap.add_argument("--binary", default="target/release/kyushoku")
    ap.add_argument("--seekers", type=int, default=2_000_000)
    ap.add_argument("--offers", type=int, default=2_500_000)
    ap.add_argument("--sqlite", action="store_true", help="the embedded default instead of PostgreSQL + Redis")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--uploaders", type=int, default=2)
    ap.add_argument("--organisations", type=int, default=2000)
    ap.add_argument("--messages", type=int, default=100_000, help="the day's message history")
    ap.add_argument("--smoke", action="store_true", help="tiny run for CI")
    ap.add_argument("--resume", metavar="WORKDIR",
                    help="PostgreSQL only: keep the loaded kyushoku_bench database and the demo "
                         "credentials in WORKDIR of a run that failed after loading, take its load "
                         "figures from the newest partial report, and go on from the organisations")
    args = ap.parse_args()
    if args.smoke:
        args.seekers, args.offers, args.seconds, args.batch = 2000, 2000, 2, 500
        args.organisations, args.messages = 20, 100

    binary = os.path.abspath(args.binary)
    serve_env = {"KYUSHOKU_GUIDANCE_DAILY_CAP": "100000000", "KYUSHOKU_DB_POOL_SIZE": "16",
                 "KYUSHOKU_SWEEP_INTERVAL": "0", "KYUSHOKU_APPLICATIONS_PER_HOUR": "100000000"}
    resumed = None
    if args.resume:
        workdir, redis = args.resume, args.redis_url
        url = PG_ADMIN.rsplit("/", 1)[0] + "/kyushoku_bench"
        with open(os.path.join(workdir, "credentials.json")) as f:
            creds = json.load(f)
        proc, creds["base_url"] = start_serve(
            binary, url, redis, workdir, dict(serve_env, KYUSHOKU_ACCESS_TOKEN_TTL="7200"))
        partial = sorted(glob.glob("bench/out/national-postgresql+redis-*-partial.json"))[-1]
        with open(partial) as f:
            resumed = json.load(f)
    elif args.sqlite:
        workdir = tempfile.mkdtemp(prefix="kyushoku-bench-")
        url, redis = "sqlite://" + os.path.join(workdir, "bench.db"), None
    else:
        workdir = tempfile.mkdtemp(prefix="kyushoku-bench-")
        # The smoke has its own database: CI run after a national load must
        # not drop the data the next measurement reuses.
        database = "kyushoku_bench_smoke" if args.smoke else "kyushoku_bench"
        url, redis = fresh_postgres(database), args.redis_url
    if not args.resume:
        proc, creds = start_demo(binary, workdir, url, redis, serve_env)
    report = {
        "date": datetime.date.today().isoformat(),
        "backend": "sqlite" if args.sqlite else "postgresql+redis",
        "seekers": args.seekers, "offers": args.offers,
        "connections": args.connections, "seconds": args.seconds,
        "nproc": os.cpu_count(),
    }
    rows = []
    try:
        base = creds["base_url"]
        t = tokens(base, creds)
        hw, org, seeker = t["hw_system_client"], t["org_public_client"], t["seeker"]
        if resumed:
            report.update({k: resumed[k] for k in ["date", "idle_rss_mb", "load_seekers", "load_offers"]})
            report["resumed_from"] = partial
        else:
            report["idle_rss_mb"] = round(rss_mb(proc.pid), 1)
            n, secs = load(binary, base, hw, "seekers", args.seekers, 7, args.batch, args.uploaders)
            report["load_seekers"] = {"count": n, "seconds": round(secs, 1), "per_s": round(n / secs)}
            n, secs = load(binary, base, hw, "offers", args.offers, 7, args.batch, args.uploaders)
            report["load_offers"] = {"count": n, "seconds": round(secs, 1), "per_s": round(n / secs)}
        print("loaded:", report["load_seekers"], report["load_offers"], flush=True)
        if not args.sqlite:
            # After a nightly load, statistics first (this machine's
            # PostgreSQL runs with autovacuum off; without them the planner
            # guesses, and a search walked millions of rows).
            started = time.time()
            psql(url, "VACUUM ANALYZE")
            report["vacuum_analyze_seconds"] = round(time.time() - started, 1)
        # A resumed run's organisations get fresh e-mail addresses (seed).
        orgs, secs = organisations(binary, url, base, args.organisations,
                                   int(time.time()) % 100000 if resumed else 7)
        report["load_organisations"] = {"count": len(orgs), "seconds": round(secs, 1),
                                        "per_s": round(len(orgs) / secs, 1),
                                        "private": sum(1 for k, _, _, _ in orgs if k.endswith("agency"))}
        n, secs = message_history(base, orgs, args.messages)
        report["load_messages"] = {"count": n, "seconds": round(secs, 1), "per_s": round(n / secs)}
        print("loaded:", report["load_organisations"], report["load_messages"], flush=True)
        # The day's traffic comes hours after the night's load: what the load
        # left dirty is written out before anything is measured, and the
        # statistics are brought up to date, as autovacuum would have done
        # during the message history (it is off here). Without that ANALYZE,
        # `threads` keeps the statistics of the 3 rows it had at the first
        # VACUUM ANALYZE, and the loading process's pooled connections keep
        # the plans PostgreSQL cached for a one-page table: every first
        # guidance then scanned all of `threads` (docs/benchmarks.md,
        # session 13).
        started = time.time()
        if not args.sqlite:
            psql(url, "ANALYZE")
            psql(url, "CHECKPOINT")
        os.sync()
        report["settle_seconds"] = round(time.time() - started, 1)

        # Profile ids this organisation may see and has not written to (a
        # resumed run's organisation has: its first guidances would be 409s),
        # for reads and sends: four rounds of 10 s of first guidances at up
        # to 1,400 a second.
        written, cursor = set(), None
        while True:
            page = get(base, "/v1/threads?limit=100" + ("&cursor=" + cursor if cursor else ""), org)
            written.update(i["profile_id"] for i in page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        ids, cursor = [], None
        while len(ids) < 60000:
            page = get(base, "/v1/profiles?limit=100" + ("&cursor=" + cursor if cursor else ""), org)
            ids += [i["profile_id"] for i in page["items"] if i["profile_id"] not in written]
            cursor = page.get("next_cursor")
            if not cursor:
                break

        def run(name, paths, token, note=""):
            r = wrk(base, paths, token, args.seconds, args.connections, 2, workdir=workdir)
            r["scenario"] = name
            r["note"] = note
            rows.append(r)
            print("%-28s %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms  errors %d" % (
                name, r["rps"], r["p50_ms"], r["p99_ms"], r["non_2xx"] + r["socket_errors"]), flush=True)
            return r

        health = run("GET /healthz (HTTP ceiling)", ["/healthz"], None)
        search_paths = [
            "/v1/profiles?limit=20",
            "/v1/profiles?occupation=05&limit=20",
            "/v1/profiles?prefecture=13&limit=50",
            "/v1/profiles?prefecture=27&occupation=08&limit=20",
            "/v1/profiles?wage_min=250000&wage_kind=monthly&limit=20",
            "/v1/profiles?q=%E4%BB%8B%E8%AD%B7&limit=20",
            "/v1/profiles?q=%E7%B5%8C%E7%90%86&prefecture=13&limit=20",
            "/v1/profiles?employment_type=part_time&prefecture=14&limit=100",
        ]
        search = run("profile search (mix)", search_paths, org)
        # At 16 connections on two cores a request mostly waits for a core;
        # at 4 the latency is closer to the work of one search.
        r = wrk(base, search_paths, org, args.seconds, 4, 2, workdir=workdir)
        r.update(scenario="profile search (mix, 4 connections)", note="")
        rows.append(r)
        print("%-28s %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms" % (r["scenario"], r["rps"], r["p50_ms"], r["p99_ms"]),
              flush=True)
        # The same, on a plain `kyushoku serve` started now on the same
        # database: the process above made the demo data and took the whole
        # load, and this shows whether that makes it slower (it has not;
        # docs/benchmarks.md).
        fresh, fresh_base = start_serve(binary, url, redis, workdir, serve_env)
        try:
            r = wrk(fresh_base, search_paths, org, args.seconds, 4, 2, workdir=workdir)
        finally:
            fresh.send_signal(signal.SIGTERM)
            fresh.wait(timeout=60)
        r.update(scenario="profile search (mix, 4 connections, fresh serve)", note="")
        rows.append(r)
        print("%-28s %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms" % (r["scenario"], r["rps"], r["p50_ms"], r["p99_ms"]),
              flush=True)
        read = run("profile read", ["/v1/profiles/" + i for i in ids[:2000]], org)
        run("offer browse", ["/v1/job-offers?limit=20", "/v1/job-offers?prefecture=13&occupation=05&limit=20",
                             "/v1/job-offers?wage_min=200000&wage_kind=monthly&limit=50"], org)
        run("offer change feed", ["/v1/job-offers/changes?limit=100"], org)
        run("seeker thread list", ["/v1/me/threads?limit=20"], seeker)

        # Export: the whole visible set, MB/s and the server's peak RSS.
        (nbytes, secs, runs), before, peak = peak_rss_during(proc.pid, lambda: export(base, org, workdir))
        report["export"] = {"bytes": nbytes, "seconds": round(secs, 2), "runs": runs,
                            "mb_per_s": round(nbytes / secs / 1e6, 1),
                            "rss_before_mb": round(before, 1), "rss_peak_mb": round(peak, 1),
                            "growth_mb": round(peak - before, 1)}
        print("export:", report["export"], flush=True)

        # Message sends: first guidances to distinct profiles.
        fresh = FreshProfiles(ids[2000:])
        sends = fresh.send_round(base, org, args, workdir, "message send (first guidance)")
        if sends:
            rows.append(sends)
        # Answers: threads where the seeker wrote last, each answered once.
        # 8,000 (4,000 until session 20, which ran out within the 3 s on
        # a fast day: the rate is of the 201s, so it was capped at 1,333/s).
        answer_seconds = max(1, min(args.seconds, 3))
        started = time.time()
        waiting = seekers_who_wrote(base, t, 50 if args.smoke else ANSWER_THREADS, workdir)
        # Ingest, find each by its qualification, guide, write back.
        report["answers_setup_seconds"] = round(time.time() - started, 1)
        print("answers set up in %.1f s" % report["answers_setup_seconds"], flush=True)
        answers = send_guidance(base, org, waiting, args, workdir, "message send (answer)", answer_seconds)
        if answers:
            rows.append(answers)

        # From here on the answers' 8,000 seekers are the newest and head
        # every newest-first walk (all occupation 08, Tokyo, 介護): the
        # search compared below asks for occupation 05, which they do not
        # have, so it walks the loaded data like the mix above.
        limits = {}
        for name, path in [
            ("profile search", search_paths[1]),
            ("profile read", "/v1/profiles/" + ids[0]),
        ]:
            also, variables = None, None
            if args.sqlite:
                db = url[len("sqlite://"):]
                stmts = sqlite_statements(binary, url, path, org, workdir)
                limit_name, limit_round = "sqlite3", (
                    lambda secs: sqlite3_bench(db, stmts, args.connections, secs, workdir))
            else:
                captured = captured_statements(url, base, path, org)
                stmts, variables = with_binds(captured)
                simple = inlined(captured)
                limit_name, limit_round = "pgbench", (
                    lambda secs: pgbench(url, stmts, args.connections, secs, workdir, variables))
                if variables:
                    # Before session 16 the only comparison: every value
                    # written in, simple protocol (docs/benchmarks.md).
                    also = {"pgbench, values inlined": (
                        lambda secs: pgbench(url, simple, args.connections, secs, workdir))}
            limits[name] = dict(compare_rounds(
                lambda secs: wrk(base, [path], org, secs, args.connections, 2, workdir=workdir),
                limit_round, limit_name, args, proc.pid, also=also), statements=stmts)
            if variables:
                limits[name]["variables"] = variables
            rows.append(dict(limits[name].pop("service"), scenario=name + " (one query)", note=""))
            print(name, "service/%s by round %s -> median %s" % (
                limit_name, [r["ratio"] for r in limits[name]["rounds"]], limits[name]["ratio"]), flush=True)
            for other, r in limits[name].get("also", {}).items():
                print(name, "service/%s by round %s -> median %s" % (other, r["rounds"], r["ratio"]), flush=True)
        if not args.sqlite and sends and len(ids) > 1000:
            captured = send_statements(url, base, org, ids[1000])
            if captured:
                stmts, org_id = captured


                # Alternated like the reads, each service round to profiles
                # not yet written to: a single pair, minutes apart, had the
                # service's sends right after the export and pgbench's long
                # after (0.49 and 0.57 in whole runs, above 1 in resumed
                # ones).
                name = "message send (first guidance)"
                limits[name] = dict(compare_rounds(
                    lambda secs: fresh.send_round(base, org, args, workdir, name + ", round", secs),
                    lambda secs: pgbench(url, stmts, args.connections, secs, workdir), "pgbench", args,
                    proc.pid, lambda: refill_targets(url, org_id)), statements=stmts)
                limits[name].pop("service")
                print(name, "service/pgbench by round %s -> median %s" % (
                    [r["ratio"] for r in limits[name]["rounds"]], limits[name]["ratio"]), flush=True)
        report["limits"] = limits
        if not args.sqlite:
            copy = copy_export(url, workdir)
            report["copy"] = copy
            report["export"]["ratio_to_copy"] = round(report["export"]["mb_per_s"] / copy["mb_per_s"], 2)
        report["healthz_rps"] = round(health["rps"])
        report["search_p99_ms"] = search["p99_ms"]
        report["read_rps"] = round(read["rps"])
        report["scenarios"] = rows
    except BaseException:
        # What was measured before the failure (the load alone takes hours
        # at national scale) is kept.
        report["scenarios"] = rows
        write_report(report, "-partial")
        raise
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    if args.sqlite and "export" in report:
        # The rows the export reads, through sqlite3, after the service is
        # stopped: the embedded database's own ceiling for the bulk read.
        export_rows = sqlite3_export(url[len("sqlite://"):], workdir)
        report["sqlite3_export"] = export_rows
        report["export"]["ratio_to_sqlite3"] = round(report["export"]["mb_per_s"] / export_rows["mb_per_s"], 2)
    report["serve_idle_rss_mb"] = serve_idle_rss(binary, url, redis, workdir)
    print("idle RSS of `kyushoku serve` on this data: %.1f MB" % report["serve_idle_rss_mb"])
    out = write_report(report)
    print("\n| scenario | req/s | p50 ms | p99 ms | failed | 409: ran out of distinct targets |"
          "\n|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| %s | %.0f | %.2f | %.2f | %d | %s |" % (
            r["scenario"], r["rps"], r["p50_ms"], r["p99_ms"], failures(r),
            r["refused_409"] if "refused_409" in r else "–"))
    print("\nwritten:", out)
    errors = sum(failures(r) for r in rows)
    if errors:
        sys.exit("%d failed requests" % errors)


def write_report(report, suffix=""):
    os.makedirs("bench/out", exist_ok=True)
    out = "bench/out/national-%s-%s%s.json" % (report["backend"], time.strftime("%Y%m%dT%H%M%S"), suffix)
    with open(out, "w") as f:
        json.dump(report, f, indent=2, ensure_ascii=False)
    return out


SEND_SCRIPT = r"""
local ids = {}
for p in io.lines(os.getenv("KYUSHOKU_IDS_FILE")) do table.insert(ids, p) end
local token = os.getenv("KYUSHOKU_TOKEN")
local counter = 0
local thread_no = 0
local threads = {}
setup = function(thread)
  thread_no = thread_no + 1
  thread:set("offset", thread_no)
  table.insert(threads, thread)
end
-- 409 (the distinct profiles or threads ran out) apart from real failures.
refused = 0
failed = 0
response = function(status, headers, body)
  if status == 409 then refused = refused + 1
  elseif status ~= 201 then failed = failed + 1 end
end
request = function()
  counter = counter + 1
  local i = ((counter * 2 + offset) % #ids) + 1
  local body = '{"subject":"介護職のご案内","body":"合同面接会のお知らせです。ご興味があればご返信ください。"}'
  return wrk.format("POST", "/v1/profiles/" .. ids[i] .. "/messages",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
""" + WRK_DONE.replace("done = function(summary, latency, requests)", """done = function(summary, latency, requests)
  local r, f = 0, 0
  for _, t in ipairs(threads) do r = r + t:get("refused"); f = f + t:get("failed") end
  io.write(string.format("SENDS %d %d\\n", r, f))""")


ANSWER_THREADS = 8000


def failures(r):
    """Requests that failed: socket errors and every non-2xx but a message
    send's 409 (its distinct targets ran out, which is expected)."""
    if "refused_409" in r:
        return r["failed"] + r["socket_errors"]
    return r["non_2xx"] + r["socket_errors"]


def send_guidance(base, token, ids, args, workdir, name="message send (first guidance)", seconds=None):
    """First guidances (or answers) to distinct profiles for args.seconds,
    at most 10 (409s after the ids run out are reported, not hidden)."""
    if not ids:
        return None
    script = os.path.join(workdir, "send.lua")
    with open(script, "w") as f:
        f.write(SEND_SCRIPT)
    ids_file = os.path.join(workdir, "ids.txt")
    with open(ids_file, "w") as f:
        f.write("\n".join(ids) + "\n")
    env = dict(os.environ, KYUSHOKU_IDS_FILE=ids_file, KYUSHOKU_TOKEN=token)
    seconds = seconds or max(1, min(args.seconds, 10))
    out = subprocess.run(
        ["wrk", "-t2", "-c%d" % args.connections, "-d%ds" % seconds, "--timeout", "10s", "-s", script, base],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    r = parse_result(out)
    # Refused sends (the profiles or threads ran out: 409) are counted, not
    # passed off as sends: the rate is of the 201s. Any other non-201 is a
    # failure, and fails the run like any other scenario's.
    sends = re.search(r"^SENDS (\d+) (\d+)$", out, re.M)
    r["refused_409"], r["failed"] = (int(sends.group(1)), int(sends.group(2))) if sends else (0, r["non_2xx"])
    r["rps"] *= (r["requests"] - r["non_2xx"]) / max(1, r["requests"])
    r.update(scenario=name, note="%d distinct profiles" % len(ids))
    print("%-28s %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms  409 (ran out) %d  failed %d" % (
        r["scenario"], r["rps"], r["p50_ms"], r["p99_ms"], r["refused_409"], r["failed"]), flush=True)
    return r


def seekers_who_wrote(base, t, count, workdir):
    """`count` threads where the seeker wrote last, for the answers
    scenario: seekers with a known reference and a unique word in their
    self-PR are ingested, found by that word (the organisation never learns
    a reference; a unique qualification code would be generalised away by
    R14), sent a first guidance, and answer it from My Page.
    Returns the profile ids (as the public organisation sees them)."""
    hw, org = t["hw_system_client"], t["org_public_client"]
    today = datetime.date.today()
    # New seekers each run (a resumed run's are already written to).
    tag = "%08x" % (int(time.time()) & 0xFFFFFFFF)
    refs = ["bench-answer-%s-%05d" % (tag, i) for i in range(count)]
    lines = [json.dumps({
        "seeker_ref": r, "consent_scope": "both",
        "valid_until": (today + datetime.timedelta(days=60)).isoformat(),
        "profile": {"desired_occupations": ["08"], "work_locations": [{"prefecture": "13"}],
                    "self_pr": "介護の仕事を希望します。bench%s%05d" % (tag, i)},
    }, ensure_ascii=False) + "\n" for i, r in enumerate(refs)]
    for at in range(0, len(lines), 1000):
        upload(base, hw, "/v1/seekers/batch", lines[at:at + 1000], "answers-%s-%d-%d" % (tag, count, at))

    def one(i):
        found = get(base, "/v1/profiles?q=bench%s%05d&limit=1" % (tag, i), org)["items"]
        if not found:
            return None
        pid = found[0]["profile_id"]
        post(base, "/v1/profiles/%s/messages" % pid, SEND_BODY, org)
        session = post(base, "/v1/seekers/%s/sessions" % refs[i], {}, hw)["access_token"]
        thread = get(base, "/v1/me/threads?limit=1", session)["items"][0]
        post(base, "/v1/me/threads/%s/messages" % thread["thread_id"],
             {"body": "ありがとうございます。詳しく教えてください。"}, session)
        return pid

    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(4) as pool:
        return [p for p in pool.map(one, range(count)) if p]


def serve_idle_rss(binary, url, redis, workdir):
    """RSS of a plain `kyushoku serve` on the benchmark's database, after
    500 light requests: what an idle instance costs (the demo process above
    also generated data in-process before serving)."""
    proc, base = start_serve(binary, url, redis, workdir)
    try:
        for _ in range(250):
            get(base, "/v1/codes/prefectures")
            get(base, "/readyz")
        time.sleep(1)
        return round(rss_mb(proc.pid), 1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def start_serve(binary, url, redis, workdir, extra_env=None):
    """A plain `kyushoku serve` on the benchmark's database; (process, base)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=url, KYUSHOKU_LOG="error",
               KYUSHOKU_ANONYMOUS_RATE_LIMIT="100000000", KYUSHOKU_RATE_LIMIT="100000000",
               KYUSHOKU_SWEEP_INTERVAL="0")
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = redis
    env.update(extra_env or {})
    proc = subprocess.Popen([binary, "serve", "--bind", "127.0.0.1:%d" % port], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir)
    base = "http://127.0.0.1:%d" % port
    for _ in range(100):
        try:
            get(base, "/healthz")
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("kyushoku serve did not start")


def sqlite_statements(binary, url, path, token, workdir):
    """The statements, values inlined, that one request runs on SQLite."""
    capture = os.path.join(workdir, "capture.sql")
    proc, base = start_serve(binary, url, None, workdir, {"KYUSHOKU_CAPTURE_SQL": capture})
    try:
        get(base, path, token)  # warm: connections opened, keys loaded
        if os.path.exists(capture):
            os.truncate(capture, 0)
        get(base, path, token)
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    if not os.path.exists(capture):
        sys.exit("%s was built without the capture-sql feature (bench/run builds it)" % binary)
    out = []
    with open(capture) as f:
        for line in f:
            if line.startswith("-- kept compiled: "):
                continue  # diesel's note that it keeps the statement compiled
            sql = inline_binds(line.rstrip("\n"))
            if sql.upper().startswith(("PRAGMA", "SELECT 1")):
                continue
            if sql.startswith('INSERT INTO `audit_seekers`') or sql.startswith('INSERT INTO "audit_seekers"'):
                # Linked to the event just inserted, as the service does
                # (else every repeat would collide with the first).
                sql = re.sub(r"\((\d+), (\d+), ", r"(\1, (SELECT max(id) FROM audit_events), ", sql)
            out.append(sql)
    return out


def inline_binds(line):
    """`SQL -- binds: [v, …]` as diesel's debug output shows it, with each
    `?` replaced by the value as an SQLite literal (dates and times as the
    text diesel stores, booleans as 0/1)."""
    sql, sep, binds = line.partition(" -- binds: ")
    if not sep:
        return sql
    values, i, b = [], 1, binds.strip()
    while i < len(b) - 1:
        if b[i] in ", ":
            i += 1
            continue
        if b[i] == '"':
            j, buf = i + 1, []
            while b[j] != '"':
                if b[j] == "\\":
                    j += 1
                    buf.append({"n": "\n", "t": "\t", "r": "\r"}.get(b[j], b[j]))
                else:
                    buf.append(b[j])
                j += 1
            values.append("'" + "".join(buf).replace("'", "''") + "'")
            i = j + 1
            continue
        j = i
        depth = 0
        while j < len(b) - 1 and not (b[j] == "," and depth == 0):
            depth += {"(": 1, ")": -1}.get(b[j], 0)
            j += 1
        token = b[i:j].strip()
        i = j
        m = re.fullmatch(r"Some\((.*)\)", token)
        if m:
            token = m.group(1)
            if token.startswith('"'):
                values.append("'" + token[1:-1].replace("'", "''") + "'")
                continue
        if token == "None":
            values.append("NULL")
        elif token in ("true", "false"):
            values.append("1" if token == "true" else "0")
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[\d:.]+)?", token):
            values.append("'" + token.replace("T", " ") + "'")
        else:
            values.append(token)
    parts = sql.split("?")
    if len(parts) - 1 != len(values):
        sys.exit("cannot inline %d values into: %s" % (len(values), line[:300]))
    return "".join(p + v for p, v in zip(parts, values + [""]))


def sqlite3_bench(db, statements, connections, seconds, workdir):
    """`connections` sqlite3 processes, each running the statements over and
    over on its own connection (busy timeout and synchronous as the service
    sets them); transactions per second over all."""
    body = "".join(s.rstrip(";") + ";\n" for s in statements)
    header = ".timeout 5000\nPRAGMA synchronous = NORMAL;\n"

    def once(repeats, n):
        scripts = []
        for c in range(n):
            path = os.path.join(workdir, "sqlite3-%d.sql" % c)
            with open(path, "w") as f:
                f.write(header + body * repeats)
            scripts.append(path)
        started = time.time()
        procs = [subprocess.Popen(["sqlite3", db], stdin=open(p), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for p in scripts]
        errors = [p.communicate()[1] for p in procs]
        elapsed = time.time() - started
        bad = [e for e in errors if e.strip()]
        return elapsed, bad

    # Size the run so each process works for about `seconds` (this sizing
    # run's 20 count among the transactions the CPU was spent on).
    elapsed, bad = once(20, 1)
    if bad:
        return {"error": bad[0].strip()[-300:]}
    repeats = max(20, int(20 * seconds / max(elapsed, 1e-3) / max(1, connections / (os.cpu_count() or 1))))
    elapsed, bad = once(repeats, connections)
    if bad:
        return {"error": bad[0].strip()[-300:]}
    tps = repeats * connections / elapsed
    return {"tps": round(tps, 1), "latency_avg_ms": round(connections / tps * 1000, 2),
            "repeats": repeats, "seconds": round(elapsed, 1), "transactions": 20 + repeats * connections}


EXPORTED_ROWS = ("SELECT content FROM job_offers WHERE status = 'active' AND valid_through >= %s "
                 "AND scope IN ('both', 'public_only') ORDER BY id")


def timed_read(command):
    """MB/s of what `command` writes to a pipe (repeated, see `repeated`)."""
    def once():
        started = time.time()
        out = subprocess.run(command, stdout=subprocess.PIPE, check=True).stdout
        return len(out), time.time() - started
    nbytes, secs, runs = repeated(once)
    return {"bytes": nbytes, "seconds": round(secs, 2), "runs": runs, "mb_per_s": round(nbytes / secs / 1e6, 1)}


def sqlite3_export(db, workdir):
    """The rows the export reads for a public organisation, through sqlite3
    to a pipe: the embedded database's own ceiling for the bulk read."""
    return timed_read(["sqlite3", db, EXPORTED_ROWS % "date('now')"])


def copy_export(url, workdir):
    """COPY of the rows the export reads for a public organisation (live,
    unexpired, in its scope), to a pipe: the database's own ceiling for the
    same bulk read."""
    return timed_read(["psql", url, "-Atqc", "COPY (%s) TO STDOUT" % (EXPORTED_ROWS % "CURRENT_DATE")])


if __name__ == "__main__":
    main()
