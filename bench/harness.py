"""Shared by the benchmark, soak and fuzzing scripts: start `kyushoku demo`
with its credentials, mint a token per principal kind, drive wrk, and watch
the server's RSS and open file descriptors."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request


def post(base, path, data, token=None, form=False):
    body = urllib.parse.urlencode(data).encode() if form else json.dumps(data).encode()
    req = urllib.request.Request(base + path, data=body, method="POST")
    req.add_header(
        "content-type", "application/x-www-form-urlencoded" if form else "application/json"
    )
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def get(base, path, token=None):
    req = urllib.request.Request(base + path)
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def tokens(base, creds):
    """An access token per principal kind (None: anonymous)."""
    out = {"anonymous": None}
    clients = creds["clients"]
    # A pending organisation's staff cannot sign in before the bureau
    # decides (no account enumeration): its API client stands for it.
    for name in ["hw_system", "bureau_13", "org_public", "org_private", "org_pending"]:
        c = clients[name]
        out[name + "_client"] = post(
            base,
            "/v1/auth/token",
            {
                "grant_type": "client_credentials",
                "client_id": c["client_id"],
                "client_secret": c["client_secret"],
            },
            form=True,
        )["access_token"]
    for name in ["org_public", "org_private"]:
        c = clients[name]
        out[name + "_admin"] = post(
            base, "/v1/auth/login", {"email": c["admin_email"], "password": c["admin_password"]}
        )["access_token"]
    session = post(
        base,
        "/v1/seekers/%s/sessions" % creds["demo_seeker_ref"],
        {},
        token=out["hw_system_client"],
    )
    out["seeker"] = session["access_token"]
    return out


def start_demo(binary, workdir, database_url=None, redis_url=None, extra_env=None):
    """Starts `kyushoku demo` (rate limits out of the way, long-lived tokens)
    and returns (process, credentials)."""
    creds_path = os.path.join(workdir, "credentials.json")
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url or "sqlite://" + os.path.join(workdir, "k.db"),
            "KYUSHOKU_RATE_LIMIT": "100000000",
            "KYUSHOKU_ANONYMOUS_RATE_LIMIT": "100000000",
            "KYUSHOKU_ACCESS_TOKEN_TTL": "7200",
            "KYUSHOKU_LOG": "error",
        }
    )
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra_env or {})
    log = open(os.path.join(workdir, "server.log"), "w")
    proc = subprocess.Popen(
        [binary, "demo", "--bind", "127.0.0.1:0", "--credentials-out", creds_path],
        env=env,
        stdout=log,
        stderr=log,
        cwd=workdir,
    )
    deadline = time.time() + 600
    while not os.path.exists(creds_path):
        if proc.poll() is not None or time.time() > deadline:
            sys.exit("demo did not start; see " + log.name)
        time.sleep(0.2)
    time.sleep(0.3)
    with open(creds_path) as f:
        return proc, json.load(f)


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


# Prints one machine-readable line at the end of a wrk run.
WRK_DONE = r"""
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %.3f %.3f %.3f\n",
    summary.requests, summary.errors.status, summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration, summary.bytes,
    latency:percentile(50) / 1000.0, latency:percentile(99) / 1000.0,
    latency.max / 1000.0))
end
"""

WRK_SCRIPT = r"""
-- Rotates through the paths in KYUSHOKU_PATHS_FILE (one per line), each with the
-- bearer token in KYUSHOKU_TOKEN (or the cookie in KYUSHOKU_COOKIE, for the
-- pages); KYUSHOKU_DELAY_MS paces each connection.
local paths = {}
for p in io.lines(os.getenv("KYUSHOKU_PATHS_FILE")) do
  table.insert(paths, p)
end
local token = os.getenv("KYUSHOKU_TOKEN")
local cookie = os.getenv("KYUSHOKU_COOKIE")
local pause = tonumber(os.getenv("KYUSHOKU_DELAY_MS") or "0")
local i = 0
request = function()
  i = i + 1
  local headers = {}
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  return wrk.format("GET", paths[(i % #paths) + 1], headers)
end
if pause > 0 then
  delay = function() return pause end
end
""" + WRK_DONE


def wrk(base, paths, token, seconds, connections, threads=1, delay_ms=0, workdir="/tmp", cookie=None):
    """Runs wrk over `paths`; returns throughput (req/s), p50/p99 (ms),
    non-2xx/3xx answers and socket errors."""
    script = os.path.join(workdir, "rotate.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT)
    paths_file = os.path.join(workdir, "paths.txt")
    with open(paths_file, "w") as f:
        f.write("\n".join(paths) + "\n")
    env = dict(os.environ)
    env.update(
        {
            "KYUSHOKU_PATHS_FILE": paths_file,
            "KYUSHOKU_TOKEN": token or "",
            "KYUSHOKU_COOKIE": cookie or "",
            "KYUSHOKU_DELAY_MS": str(delay_ms),
        }
    )
    out = subprocess.run(
        [
            "wrk",
            "-t%d" % threads,
            "-c%d" % connections,
            "-d%ds" % seconds,
            "--timeout",
            "10s",
            "-s",
            script,
            base,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_result(out)


def parse_result(out):
    """The figures of a wrk run whose script ends with WRK_DONE."""
    m = re.search(r"^RESULT (.*)$", out, re.M)
    n, status_errors, socket_errors, duration_us, nbytes, p50, p99, pmax = m.group(1).split()
    seconds_run = int(duration_us) / 1e6
    return {
        "requests": int(n),
        "rps": int(n) / seconds_run,
        "p50_ms": float(p50),
        "p99_ms": float(p99),
        "max_ms": float(pmax),
        "non_2xx": int(status_errors),
        "socket_errors": int(socket_errors),
        "mb_per_s": int(nbytes) / seconds_run / 1e6,
    }
