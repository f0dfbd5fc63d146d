#!/usr/bin/env python3
"""Renders every page of the service into docs/screens/ (issue 33, point 7).

Starts `kyushoku demo` (SQLite, a temporary folder), signs the demo seeker
in through a fresh sign-in link in headless Chromium (Debian's chromium and
chromedriver, spoken to over the WebDriver protocol with the standard
library only), then an organisation's administrator and a bureau officer
(password and one-time code), and saves each page whole, in Japanese and
English, at a phone's width and a desktop's, as PNG.

    python3 tools/screens.py target/debug/kyushoku [--out docs/screens]
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
PAGES = [
    ("inbox", "/my-page"),
    ("thread", None),  # the first thread of the inbox
    ("refusals", "/my-page/refusals"),
    ("consent", "/my-page/consent"),
    ("profile", "/my-page/profile"),
    ("views", "/my-page/views"),
]


STAFF_PAGES = [
    ("staff-home", "/staff"),
    ("staff-profiles", "/staff/profiles?prefecture=13&search=1"),
    ("staff-profile", "FIRST ul.threads a.title"),
    ("staff-threads", "/staff/threads"),
    ("staff-thread", "FIRST table a"),
    ("staff-offers", "/staff/offers?prefecture=13&search=1"),
    ("staff-offer", "FIRST ul.threads a.title"),
    ("staff-hires", "/staff/hires"),
    ("staff-users", "/staff/users"),
    ("staff-clients", "/staff/clients"),
    ("staff-webhooks", "/staff/webhooks"),
    ("staff-webhook", "FIRST table a"),
]
BUREAU_PAGES = [
    ("bureau-home", "/bureau"),
    ("bureau-organisations", "/bureau/organisations?status=pending"),
    ("bureau-organisation", "FIRST table a"),
    ("bureau-audit", "/bureau/audit?action=organisation_decision"),
    ("bureau-statistics", "/bureau/statistics"),
]


def totp(key, step):
    """RFC 6238: the six-digit code of a base32 key at a 30-second step."""
    raw = base64.b32decode(key + "=" * (-len(key) % 8))
    mac = hmac.new(raw, struct.pack(">Q", step), hashlib.sha1).digest()
    at = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[at:at + 4])[0] & 0x7FFFFFFF) % 1000000)


USED = {}


def fresh_code(key):
    """A code of a step not used before with this key (a code works once)."""
    while True:
        step = int(time.time()) // 30
        if USED.get(key, -1) < step:
            USED[key] = step
            return totp(key, step)
        time.sleep(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as res:
        raw = res.read()
        return json.loads(raw) if raw else None


class Driver:
    """Just enough of WebDriver: a session, go, find, click, screenshot."""

    def __init__(self, port, width, height):
        self.base = f"http://127.0.0.1:{port}"
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "goog:chromeOptions": {
                        "binary": "/usr/bin/chromium",
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--hide-scrollbars",
                            f"--window-size={width},{height}",
                        ],
                        "prefs": {"intl.accept_languages": "ja,en"},
                    }
                }
            }
        }
        self.session = call("POST", f"{self.base}/session", caps)["value"]["sessionId"]
        self.url = f"{self.base}/session/{self.session}"
        self.width, self.height = width, height

    def go(self, url):
        call("POST", f"{self.url}/url", {"url": url})

    def type(self, css, text):
        found = call("POST", f"{self.url}/element", {"using": "css selector", "value": css})
        element = list(found["value"].values())[0]
        call("POST", f"{self.url}/element/{element}/value", {"text": text})

    def sign_in(self, base, door, person):
        """Signs in at /staff or /bureau with the password and a code."""
        self.go(f"{base}{door}/sign-in")
        self.type("#email", person["email"])
        self.type("#password", person["password"])
        self.click("main form button[type=submit]")
        if person.get("totp_secret"):
            self.type("#code", fresh_code(person["totp_secret"]))
            self.click("main form button[type=submit]")

    def shoot_pages(self, base, pages, out, suffix):
        for name, path in pages:
            if path.startswith("FIRST "):
                self.click(path[len("FIRST "):])
            else:
                self.go(f"{base}{path}")
            self.shoot(f"{out}/{name}-{suffix}.png")
        return len(pages)

    def click(self, css):
        found = call("POST", f"{self.url}/element", {"using": "css selector", "value": css})
        element = list(found["value"].values())[0]
        call("POST", f"{self.url}/element/{element}/click", {})
        time.sleep(0.3)

    def script(self, source):
        return call("POST", f"{self.url}/execute/sync", {"script": source, "args": []})["value"]

    def shoot(self, path):
        full = self.script("return document.documentElement.scrollHeight;")
        call("POST", f"{self.url}/window/rect",
             {"width": self.width, "height": min(2400, max(self.height, int(full) + 120))})
        time.sleep(0.2)
        png = call("GET", f"{self.url}/screenshot")["value"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))
        call("POST", f"{self.url}/window/rect", {"width": self.width, "height": self.height})

    def quit(self):
        call("DELETE", self.url)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--out", default="docs/screens")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="kyushoku-screens-")
    creds_path = os.path.join(work, "creds.json")
    port = free_port()
    demo = subprocess.Popen(
        [args.binary, "demo", "--bind", f"127.0.0.1:{port}", "--credentials-out", creds_path,
         "--webhook-echo", f"127.0.0.1:{free_port()}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver_port = free_port()
    chromedriver = subprocess.Popen(["chromedriver", f"--port={driver_port}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if os.path.exists(creds_path) and os.path.getsize(creds_path) > 0:
                break
            time.sleep(0.1)
        else:
            sys.exit("the demo did not start")
        creds = json.load(open(creds_path))
        base = creds["base_url"]
        hw = creds["clients"]["hw_system"]
        req = urllib.request.Request(
            f"{base}/v1/auth/token",
            data=f"grant_type=client_credentials&client_id={hw['client_id']}&client_secret={hw['client_secret']}".encode(),
            headers={"content-type": "application/x-www-form-urlencoded"}, method="POST")
        token = json.load(urllib.request.urlopen(req))["access_token"]
        seeker = creds["demo_seeker_ref"]
        # Each organisation's systems get a webhook at the demo's echo
        # receiver, with one test delivered (the webhook pages show it).
        for org in ("org_public", "org_private"):
            c = creds["clients"][org]
            req = urllib.request.Request(
                f"{base}/v1/auth/token",
                data=f"grant_type=client_credentials&client_id={c['client_id']}&client_secret={c['client_secret']}".encode(),
                headers={"content-type": "application/x-www-form-urlencoded"}, method="POST")
            org_token = json.load(urllib.request.urlopen(req))["access_token"]
            auth = {"authorization": f"Bearer {org_token}"}
            hook = call("POST", f"{base}/v1/webhooks",
                        {"url": creds["webhook_echo_url"], "events": ["message.received", "job_offers.changed"],
                         "description": "マッチングシステム"}, auth)
            call("POST", f"{base}/v1/webhooks/{hook['webhook_id']}/test", {}, auth)
        time.sleep(0.5)
        shots = 0
        for width_name, (w, h) in WIDTHS.items():
            for lang in ("ja", "en"):
                d = Driver(driver_port, w, h)
                try:
                    link = call("POST", f"{base}/v1/seekers/{seeker}/sign-in-links", {},
                                {"authorization": f"Bearer {token}"})["url"]
                    d.go(f"{base}/lang/{lang}?back=/my-page/signed-out")
                    d.go(link)
                    d.shoot(f"{args.out}/sign-in-{lang}-{width_name}.png")
                    d.click("main form button[type=submit]")
                    for name, path in PAGES:
                        if path is None:
                            d.go(f"{base}/my-page")
                            d.click("ul.threads li:nth-child(2) a.title")
                        else:
                            d.go(f"{base}{path}")
                        d.shoot(f"{args.out}/{name}-{lang}-{width_name}.png")
                        shots += 1
                    d.click("footer.site form[action='/my-page/sign-out'] button")
                    d.shoot(f"{args.out}/signed-out-{lang}-{width_name}.png")
                    agency = creds["clients"]["org_private"]["organisation_id"]
                    d.go(f"{base}/offers")
                    d.shoot(f"{args.out}/offers-{lang}-{width_name}.png")
                    d.go(f"{base}/offers?organisation_id={agency}&prefecture=13&employment_type=part_time")
                    d.shoot(f"{args.out}/offers-found-{lang}-{width_name}.png")
                    shots += 4
                finally:
                    d.quit()
        # Staff (an administrator: every page) and a bureau officer, at
        # each width; the language switch keeps the session.
        staff = creds["web"]["staff"]
        for width_name, (w, h) in WIDTHS.items():
            d = Driver(driver_port, w, h)
            try:
                admin = staff["org_public_admin" if width_name == "desktop" else "org_private_admin"]
                for lang in ("ja", "en"):
                    d.go(f"{base}/lang/{lang}?back=/staff/sign-in")
                    d.shoot(f"{args.out}/staff-sign-in-{lang}-{width_name}.png")
                    d.go(f"{base}/lang/{lang}?back=/bureau/sign-in")
                    d.shoot(f"{args.out}/bureau-sign-in-{lang}-{width_name}.png")
                    shots += 2
                d.go(f"{base}/lang/ja?back=/staff/sign-in")
                d.sign_in(base, "/staff", admin)
                for lang in ("ja", "en"):
                    d.go(f"{base}/lang/{lang}?back=/staff")
                    shots += d.shoot_pages(base, STAFF_PAGES, args.out, f"{lang}-{width_name}")
                d.click("footer.site form[action='/staff/sign-out'] button")
                d.go(f"{base}/lang/ja?back=/bureau/sign-in")
                d.sign_in(base, "/bureau", staff["bureau_13"])
                for lang in ("ja", "en"):
                    d.go(f"{base}/lang/{lang}?back=/bureau")
                    shots += d.shoot_pages(base, BUREAU_PAGES, args.out, f"{lang}-{width_name}")
            finally:
                d.quit()
        names = (["sign-in"] + [n for n, _ in PAGES] + ["signed-out", "offers", "offers-found"]
                 + ["staff-sign-in"] + [n for n, _ in STAFF_PAGES]
                 + ["bureau-sign-in"] + [n for n, _ in BUREAU_PAGES])
        with open(f"{args.out}/README.md", "w") as f:
            f.write("# Screens\n\nEvery page of My Page, the public offer search, the staff's browser "
                    "method and the bureau's console from a fresh demo, made by "
                    "`python3 tools/screens.py target/debug/kyushoku`.\n\n")
            f.write("| page | 日本語 (phone) | English (phone) | 日本語 (desktop) |\n|---|---|---|---|\n")
            for n in names:
                f.write(f"| {n} | ![{n}, Japanese, phone]({n}-ja-phone.png) "
                        f"| ![{n}, English, phone]({n}-en-phone.png) "
                        f"| [desktop]({n}-ja-desktop.png), [English]({n}-en-desktop.png) |\n")
        print(f"{shots} screens in {args.out}")
    finally:
        chromedriver.terminate()
        demo.terminate()
        demo.wait(timeout=30)


if __name__ == "__main__":
    main()
