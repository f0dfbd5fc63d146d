#!/usr/bin/env python3
"""A page against its API call (issue 33, point 5): does rendering My Page
cost more than the JSON of the same use case?

    python3 bench/pages.py target/release/kyushoku [--seconds 10] [--rounds 3]

Starts `kyushoku demo` (SQLite, rate limits out of the way), signs the demo
seeker in twice — a bearer token for the API and a cookie session for the
pages — and measures with wrk, alternating rounds, each pair:

    inbox:  GET /my-page                 vs GET /v1/me/threads
    thread: GET /my-page/threads/{id}    vs GET /v1/me/threads/{id}

and a staff member of Shinjuku City (`web.staff.org_public_staff`: a
cookie session through the sign-in form, an access token through
`POST /v1/auth/login`):

    search:  GET /staff/profiles?prefecture=13&search=1   vs GET /v1/profiles?prefecture=13&limit=20
    profile: GET /staff/profiles/{id}                     vs GET /v1/profiles/{id}
    threads: GET /staff/threads                           vs GET /v1/threads?limit=30
    offers:  GET /staff/offers?prefecture=13&search=1     vs GET /v1/job-offers?prefecture=13&limit=30

at 4 connections, reporting the median round's req/s, p50 and p99 of each
side and page/API as a ratio (1.0: the page costs what its call costs).
Also the page's first load: HTML, CSS and script, gzip-compressed bytes;
and with `--lighthouse BIN` (npm's lighthouse, run with Debian's chromium)
Lighthouse's mobile performance and accessibility scores of the inbox and
a thread page, signed in.
"""

import argparse
import gzip
import json
import subprocess
import http.cookiejar
import os
import re
import statistics
import sys
import tempfile
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import get, post, start_demo, tokens, wrk  # noqa: E402


def sign_in(base, hw_token, seeker_ref):
    """A cookie session for the seeker, through a sign-in link."""
    url = post(base, "/v1/seekers/%s/sign-in-links" % seeker_ref, {}, token=hw_token)["url"]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(urllib.request.Request(url, data=b"", method="POST"), timeout=30).read()
    cookie = "; ".join("%s=%s" % (c.name, c.value) for c in jar)
    assert "kyushoku_session" in cookie, cookie
    return cookie


def staff_sign_in(base, person):
    """A cookie session for a staff member without a one-time code."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = urllib.parse.urlencode({"email": person["email"], "password": person["password"]})
    opener.open(urllib.request.Request(base + "/staff/sign-in", data=body.encode(), method="POST"),
                timeout=30).read()
    cookie = "; ".join("%s=%s" % (c.name, c.value) for c in jar)
    assert "kyushoku_session" in cookie, cookie
    return cookie


def fetch(base, path, cookie):
    req = urllib.request.Request(base + path, headers={"cookie": cookie})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--lighthouse", help="the lighthouse command (npm)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kyushoku-pages-")
    proc, creds = start_demo(os.path.abspath(args.binary), work)
    try:
        base = creds["base_url"]
        t = tokens(base, creds)
        seeker = t["seeker"]
        cookie = sign_in(base, t["hw_system_client"], creds["demo_seeker_ref"])
        threads = get(base, "/v1/me/threads", seeker)["items"]
        thread = threads[0]["thread_id"]
        member = creds["web"]["staff"]["org_public_staff"]
        staff_cookie = staff_sign_in(base, member)
        staff_token = post(base, "/v1/auth/login",
                           {"email": member["email"], "password": member["password"]})["access_token"]
        profile = get(base, "/v1/profiles?prefecture=13&limit=1", staff_token)["items"][0]["profile_id"]
        pairs = [
            ("inbox", "/my-page", "/v1/me/threads", seeker, cookie),
            ("thread", "/my-page/threads/" + thread, "/v1/me/threads/" + thread, seeker, cookie),
            ("search", "/staff/profiles?prefecture=13&search=1", "/v1/profiles?prefecture=13&limit=20",
             staff_token, staff_cookie),
            ("profile", "/staff/profiles/" + profile, "/v1/profiles/" + profile,
             staff_token, staff_cookie),
            ("threads", "/staff/threads", "/v1/threads?limit=30", staff_token, staff_cookie),
            ("offers", "/staff/offers?prefecture=13&search=1", "/v1/job-offers?prefecture=13&limit=30",
             staff_token, staff_cookie),
        ]
        print("shape   side  req/s   p50 ms  p99 ms")
        rows = []
        for name, page, api, token, session in pairs:
            runs = {"page": [], "api": []}
            for _ in range(args.rounds):
                runs["api"].append(
                    wrk(base, [api], token, args.seconds, args.connections, 2, workdir=work))
                runs["page"].append(
                    wrk(base, [page], None, args.seconds, args.connections, 2, workdir=work,
                        cookie=session))
            median = {}
            for side, rs in runs.items():
                assert all(r["non_2xx"] == 0 for r in rs), (side, rs)
                m = sorted(rs, key=lambda r: r["rps"])[len(rs) // 2]
                median[side] = m
                print("%-7s %-5s %6.0f  %6.2f  %6.2f" % (name, side, m["rps"], m["p50_ms"], m["p99_ms"]))
            ratio = median["page"]["rps"] / median["api"]["rps"]
            rows.append((name, median, ratio))
            print("%-7s page/API req/s: %.2f" % (name, ratio))
        html = fetch(base, "/my-page", cookie)
        assets = re.findall(rb'(?:href|src)="(/assets/[^"]+)"', html)
        sizes = [("html", html)] + [(a.decode(), fetch(base, a.decode(), cookie)) for a in assets]
        raw = sum(len(b) for _, b in sizes)
        packed = sum(len(gzip.compress(b)) for _, b in sizes)
        print("first load of /my-page: %d bytes (%s), %d gzip-compressed"
              % (raw, ", ".join("%s %d" % (n, len(b)) for n, b in sizes), packed))
        worst = min(rows, key=lambda r: r[2])
        print("worst: %s at %.2f of its API call" % (worst[0], worst[2]))
        if args.lighthouse:
            for name, page, _, _, _ in pairs[:2]:
                out = os.path.join(work, "lh-%s.json" % name)
                subprocess.run(
                    [args.lighthouse, base + page, "--quiet", "--output=json",
                     "--output-path=" + out, "--only-categories=performance,accessibility",
                     "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                     "--extra-headers=" + json.dumps({"Cookie": cookie})],
                    env=dict(os.environ, CHROME_PATH="/usr/bin/chromium"), check=True)
                report = json.load(open(out))
                cats = report["categories"]
                audits = report["audits"]
                print("lighthouse (mobile) %-7s performance %3d  accessibility %3d  "
                      "FCP %s  LCP %s  TBT %s  transfer %s"
                      % (name, round(cats["performance"]["score"] * 100),
                         round(cats["accessibility"]["score"] * 100),
                         audits["first-contentful-paint"]["displayValue"],
                         audits["largest-contentful-paint"]["displayValue"],
                         audits["total-blocking-time"]["displayValue"],
                         audits["total-byte-weight"]["displayValue"]))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
