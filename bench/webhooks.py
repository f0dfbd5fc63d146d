#!/usr/bin/env python3
"""Webhook delivery (issue 34, point 7): one `job_offers.changed` fanned out
to 2,000 organisations' endpoints, and the latency of single events.

    python3 bench/webhooks.py target/release/kyushoku [--organisations 2000] [--events 200] [--database-url URL]

(`bench/run --smoke`, what CI runs, calls it with 20 organisations and 20
events on the debug build, so that it does not rot; nothing is asserted
about speed.)

Sets up a fresh database (SQLite in a temporary folder unless a PostgreSQL
URL is given): `kyushoku migrate`, then 2,000 approved organisations, half
municipalities and half paid agencies, each with an admin API client, written
with SQL (client secrets are SHA-256 digests, as the service keeps them).
Starts `kyushoku serve` allowed to call 127.0.0.0/8 over http, and a local
receiver (Python, threaded, HTTP/1.1 keep-alive) that notes when each
request arrived. Each organisation registers one webhook for
`job_offers.changed` through the API. Then:

1. receiver ceiling: wrk posts a webhook-sized body to the receiver at 64
   connections for 5 s (what the receiver itself can take);
2. fan-out: Hello Work PUTs one offer both sectors see; measured from the
   PUT to the last of the 2,000 deliveries, and the delivery rate (first to
   last arrival) beside the receiver's ceiling;
3. single events: 200 `webhook.test` events, one every 50 ms, to one
   endpoint; event → arrival (the payload's timestamp is the event's commit
   time) p50, p99, max.
"""

import argparse
import hashlib
import http.server
import json
import os
import secrets
import socketserver
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timezone


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    arrivals = []
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(n)
        now = time.time()
        with Receiver.lock:
            Receiver.arrivals.append((now, self.headers.get("webhook-id"), body))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def handle_error(self, request, client_address):
        pass  # wrk closing its connections at the end


def call(base, method, path, token=None, body=None, form=None):
    data, headers = None, {}
    if token:
        headers["authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    if form is not None:
        data = "&".join(f"{k}={v}" for k, v in form.items()).encode()
        headers["content-type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read()
            return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def token(base, client_id, secret):
    status, answer = call(base, "POST", "/v1/auth/token",
                          form={"grant_type": "client_credentials", "client_id": client_id,
                                "client_secret": secret})
    assert status == 200, answer
    return answer["access_token"]


def seed(db_url, binary, count):
    """Organisations and their admin clients; returns [(client_id, secret)]."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = []
    for i in range(count):
        public = str(uuid.uuid4())
        municipal = i % 2 == 0
        rows.append({
            "public": public,
            "name": f"bench org {i}",
            "kind": "municipality" if municipal else "paid_agency",
            "sector": "public" if municipal else "private",
            "licence": None if municipal else f"13-ユ-{300000 + i:06d}",
            "client": "kc_" + secrets.token_hex(16),
            "secret": secrets.token_urlsafe(32),
        })
    orgs = [(r["public"], r["name"], r["kind"], "13", r["licence"], True, True, False, True,
             r["sector"], "approved", now, now) for r in rows]
    org_sql = ("INSERT INTO organisations (public_id, name, kind, prefecture, licence_number, "
               "requests_seeker_info, requests_job_offers, seeker_info, job_offers, sector, status, "
               "created_at, updated_at) VALUES ({})")
    client_sql = ("INSERT INTO api_clients (client_id, secret_hash, kind, organisation_id, role, name, "
                  "created_at) SELECT {}, {}, 'org', id, 'admin', 'bench', {} FROM organisations "
                  "WHERE public_id = {}")
    clients = [(r["client"], hashlib.sha256(r["secret"].encode()).hexdigest(), now, r["public"]) for r in rows]
    if db_url.startswith("sqlite://"):
        c = sqlite3.connect(db_url[len("sqlite://"):])
        c.executemany(org_sql.format(",".join("?" * 13)), orgs)
        c.executemany(client_sql.format("?", "?", "?", "?"), clients)
        c.commit()
        c.close()
    else:
        def lit(v):
            if v is None:
                return "NULL"
            if v is True:
                return "TRUE"
            if v is False:
                return "FALSE"
            return "'" + str(v).replace("'", "''") + "'"
        sql = ["BEGIN;"]
        sql += [org_sql.format(",".join(lit(v) for v in o)) + ";" for o in orgs]
        sql += [client_sql.format(*(lit(v) for v in cl)) + ";" for cl in clients]
        sql.append("COMMIT;")
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", db_url], input="\n".join(sql),
                       text=True, check=True, stdout=subprocess.DEVNULL)
    return [(r["client"], r["secret"]) for r in rows]


def machine_client(binary, db_url):
    out = subprocess.run([binary, "admin", "create-client", "--database-url", db_url, "--role", "hw-system"],
                         capture_output=True, text=True, check=True).stdout
    c = json.loads(out)
    return c["client_id"], c["client_secret"]


def wait_for(what, seconds, label):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if what():
            return
        time.sleep(0.02)
    sys.exit(f"timed out: {label}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--organisations", type=int, default=2000)
    p.add_argument("--database-url")
    p.add_argument("--events", type=int, default=200, help="single test events for the latency")
    args = p.parse_args()
    binary = os.path.abspath(args.binary)
    folder = tempfile.mkdtemp()
    db_url = args.database_url or f"sqlite://{folder}/bench.db"
    subprocess.run([binary, "migrate", "--database-url", db_url], check=True, capture_output=True)
    orgs = seed(db_url, binary, args.organisations)
    hw = machine_client(binary, db_url)

    receiver = Server(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    rx_url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"

    env = dict(os.environ, KYUSHOKU_WEBHOOK_ALLOW_HTTP="true",
               KYUSHOKU_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
               KYUSHOKU_RATE_LIMIT="1000000", KYUSHOKU_ANONYMOUS_RATE_LIMIT="1000000",
               KYUSHOKU_LOG="warn", KYUSHOKU_SWEEP_INTERVAL="0")
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([binary, "serve", "--database-url", db_url, "--bind", f"127.0.0.1:{port}"],
                              env=env, stderr=open(os.path.join(folder, "serve.log"), "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ok(base + "/healthz"), 60, "the server")
        started = time.time()
        for client_id, secret in orgs:
            t = token(base, client_id, secret)
            status, answer = call(base, "POST", "/v1/webhooks", t,
                                  {"url": rx_url, "events": ["job_offers.changed"]})
            assert status == 201, answer
        print(f"registered {len(orgs)} webhooks in {time.time() - started:.1f} s")

        # 1. The receiver's own ceiling, with a webhook-sized body.
        body = os.path.join(folder, "post.lua")
        payload = json.dumps({"type": "job_offers.changed", "timestamp": "2026-12-04T00:00:00.000Z",
                              "data": {"since": 1, "until": 2}})
        open(body, "w").write(f'wrk.method = "POST"\nwrk.body = {json.dumps(payload)}\n'
                              'wrk.headers["content-type"] = "application/json"\n')
        out = subprocess.run(["wrk", "-t2", "-c64", "-d5s", "-s", body, rx_url],
                             capture_output=True, text=True).stdout
        ceiling = float(next(l for l in out.splitlines() if l.startswith("Requests/sec")).split()[1])
        with Receiver.lock:
            Receiver.arrivals.clear()

        # 2. One change, 2,000 endpoints.
        hw_token = token(base, *hw)
        offer = {
            "scope": "both", "received_on": time.strftime("%Y-%m-%d"),
            "valid_through": time.strftime("%Y-%m-%d", time.localtime(time.time() + 60 * 86400)),
            "employer_name": "社会福祉法人さくら会", "employer_address": "東京都新宿区西新宿2-8-1",
            "occupation": "081-02", "title": "介護職員（正社員）", "description": "介護業務。",
            "employment_type": "full_time", "prefecture": "13", "municipality": "131041",
            "wage": {"kind": "monthly", "min": 230000, "max": 280000},
        }
        t0 = time.time()
        status, answer = call(base, "PUT", "/v1/job-offers/13010-90000001", hw_token, offer)
        assert status in (200, 201), answer
        n = len(orgs)

        def delivered():
            # Only signed requests: wrk's last posts may still be landing.
            with Receiver.lock:
                return [(a, i) for a, i, _ in Receiver.arrivals if i]

        wait_for(lambda: len(delivered()) >= n, 600, f"{n} deliveries")
        got = delivered()
        arrivals = sorted(a for a, _ in got)
        ids = {i for _, i in got}
        first, last = arrivals[0], arrivals[-1]
        rate = n / max(last - first, 1e-6)
        print(f"fan-out: {n} deliveries ({len(ids)} distinct webhook-ids); PUT → first {first - t0:.2f} s, "
              f"PUT → last {last - t0:.2f} s; {rate:.0f} deliveries/s; receiver ceiling {ceiling:.0f} req/s "
              f"(ratio {rate / ceiling:.2f})")

        # 3. Single events to a healthy receiver.
        client_id, secret = orgs[0]
        t = token(base, client_id, secret)
        status, hooks = call(base, "GET", "/v1/webhooks", t)
        hook = hooks["items"][0]["webhook_id"]
        time.sleep(1)
        with Receiver.lock:
            Receiver.arrivals.clear()
        for _ in range(args.events):
            call(base, "POST", f"/v1/webhooks/{hook}/test", t)
            time.sleep(0.05)
        wait_for(lambda: len([a for a in Receiver.arrivals if a[1]]) >= args.events, 60,
                 f"{args.events} test deliveries")
        lat = []
        with Receiver.lock:
            for at, i, raw in Receiver.arrivals:
                if not i:
                    continue
                ts = json.loads(raw)["timestamp"]
                sent = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
                lat.append((at - sent) * 1000)
        lat.sort()
        print(f"single events: event → delivery p50 {statistics.median(lat):.1f} ms, "
              f"p99 {lat[int(len(lat) * 0.99) - 1]:.1f} ms, max {lat[-1]:.1f} ms ({len(lat)} events)")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _ok(url):
    try:
        return urllib.request.urlopen(url, timeout=2).status == 200
    except OSError:
        return False


if __name__ == "__main__":
    main()
