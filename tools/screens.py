#!/usr/bin/env python3
"""Renders every page of the service into docs/screens/ (issue 33, point 7).

Starts `kyushoku demo` (SQLite, a temporary folder), signs the demo seeker
in through a fresh sign-in link in headless Chromium (Debian's chromium and
chromedriver, spoken to over the WebDriver protocol with the standard
library only) and saves each page whole, in Japanese and English, at a
phone's width and a desktop's, as PNG.

    python3 tools/screens.py target/debug/kyushoku [--out docs/screens]
"""

import argparse
import base64
import json
import os
import socket
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
        [args.binary, "demo", "--bind", f"127.0.0.1:{port}", "--credentials-out", creds_path],
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
        names = ["sign-in"] + [n for n, _ in PAGES] + ["signed-out", "offers", "offers-found"]
        with open(f"{args.out}/README.md", "w") as f:
            f.write("# Screens\n\nEvery page of My Page and the public offer search from a fresh demo, made by "
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
