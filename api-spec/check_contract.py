#!/usr/bin/env python3
"""The contract as other people's tools read it (issue 31), run by .ci/run:

1. Spectral (`spectral:oas`) and Redocly CLI (`recommended`): no error and
   no warning but those listed, with their reason, in docs/api.md.
2. openapi-python-client generates a client with one function per operation.
3. Against `kyushoku demo` (SQLite, or --database-url): the generated client
   walks a municipality's day — a token by client credentials, a profile
   search, a profile, a first guidance, the threads, the offers, a Shift_JIS
   CSV export — with no hand-written HTTP. The CSV's bytes are decoded with
   Python's own `cp932` codec and compared cell by cell with the NDJSON
   export; the Prometheus exposition passes `promtool check metrics`.

    api-spec/check-contract                # installs the tools when missing
"""

import argparse
import csv
import importlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SPEC = os.path.join(HERE, "openapi.json")
sys.path.insert(0, os.path.join(ROOT, "bench"))
from harness import start_demo  # noqa: E402

METHODS = ("get", "put", "post", "delete", "patch")

# What CP932 writes for characters JIS and Windows map differently
# (crates/api/src/spreadsheet.rs, CP932_EQUIVALENTS).
CP932_EQUIVALENTS = {
    "\u301c": "\uff5e", "\u2016": "\u2225", "\u2212": "\uff0d", "\u2014": "\u2015",
    "\u00a2": "\uffe0", "\u00a3": "\uffe1", "\u00ac": "\uffe2", "\u00a6": "\uffe4",
    "\u00a5": "\uffe5", "\u203e": "\uffe3",
}


def fail(message):
    sys.exit("FAIL: " + message)


def lint(npm_bin):
    spectral = os.path.join(npm_bin, "spectral")
    redocly = os.path.join(npm_bin, "redocly")
    r = subprocess.run(
        [spectral, "lint", "--fail-severity=warn", "-r", ".spectral.yaml", "openapi.json"],
        cwd=HERE, capture_output=True, text=True,
    )
    print(r.stdout.strip())
    if r.returncode != 0:
        fail("Spectral reports problems")
    r = subprocess.run(
        [redocly, "lint", "openapi.json", "--config", "redocly.yaml", "--format=json"],
        cwd=HERE, capture_output=True, text=True, env=dict(os.environ, REDOCLY_TELEMETRY="off"),
    )
    try:
        totals = json.loads(r.stdout)["totals"]
    except (ValueError, KeyError):
        print(r.stdout[-2000:], r.stderr[-2000:])
        fail("Redocly gave no report")
    print("Redocly: %(errors)d errors, %(warnings)d warnings, %(ignored)d ignored" % totals)
    if totals["errors"] or totals["warnings"]:
        fail("Redocly reports problems")


def generate_client(generator, workdir):
    out = os.path.join(workdir, "client")
    r = subprocess.run(
        [generator, "generate", "--path", SPEC, "--output-path", out, "--overwrite",
         "--config", os.path.join(HERE, "python-client.yaml")],
        capture_output=True, text=True,
    )
    if r.returncode != 0:
        print(r.stdout[-3000:], r.stderr[-3000:])
        fail("openapi-python-client could not generate a client")
    if re.search(r"WARNING|Warning|Unable to|will not be generated", r.stdout + r.stderr):
        print(r.stdout[-3000:])
        fail("openapi-python-client skipped part of the document")
    package = [d for d in os.listdir(out) if os.path.isfile(os.path.join(out, d, "client.py"))]
    if len(package) != 1:
        fail("no generated package")
    with open(SPEC) as f:
        spec = json.load(f)
    ids = sorted(op["operationId"] for item in spec["paths"].values()
                 for m, op in item.items() if m in METHODS)
    generated = sorted(
        name[:-3]
        for _, _, files in os.walk(os.path.join(out, package[0], "api"))
        for name in files if name.endswith(".py") and name != "__init__.py"
    )
    if generated != ids:
        fail("operations without a generated function: %s; functions without an operation: %s"
             % (sorted(set(ids) - set(generated)), sorted(set(generated) - set(ids))))
    print("openapi-python-client: %d operations, %d functions" % (len(ids), len(generated)))
    sys.path.insert(0, out)
    return package[0]


def walk(package, base, creds, promtool):
    """A municipality's day through the generated client only."""
    find = lambda operation_id: next(  # noqa: E731
        importlib.import_module("%s.api.%s.%s" % (package, tag, operation_id))
        for tag in os.listdir(os.path.join(sys.path[0], package, "api"))
        if os.path.isfile(os.path.join(sys.path[0], package, "api", tag, operation_id + ".py"))
    )
    client_mod = importlib.import_module(package)
    models = importlib.import_module(package + ".models")
    anonymous = client_mod.Client(base_url=base, raise_on_unexpected_status=True)
    municipality = creds["clients"]["org_public"]

    token = find("auth_token").sync(
        client=anonymous,
        body=models.TokenRequest(
            grant_type=models.GrantType("client_credentials"),
            client_id=municipality["client_id"],
            client_secret=municipality["client_secret"],
        ),
    )
    if not isinstance(token, models.TokenAnswer):
        fail("auth_token answered %r" % (token,))
    me = client_mod.AuthenticatedClient(base_url=base, token=token.access_token,
                                        raise_on_unexpected_status=True)
    found = find("profiles_search").sync(client=me, limit=5)
    if not isinstance(found, models.ProfileList) or not found.items:
        fail("profiles_search answered %r" % (found,))
    profile = find("profiles_read").sync(client=me, profile_id=found.items[0].profile_id)
    if not isinstance(profile, models.ProfileView):
        fail("profiles_read answered %r" % (profile,))
    # A first guidance to a profile this organisation has no thread with.
    threads = find("threads_list").sync(client=me)
    if not isinstance(threads, models.OrgThreadList):
        fail("threads_list answered %r" % (threads,))
    sent = None
    for candidate in found.items:
        response = find("profiles_messages_send").sync_detailed(
            client=me,
            profile_id=candidate.profile_id,
            body=models.MessageSend(subject="説明会のご案内", body="来週、説明会を開きます。"),
        )
        if response.status_code == 201:
            sent = response.parsed
            break
    if sent is None:
        fail("no first guidance could be sent")
    after = find("threads_list").sync(client=me)
    if len(after.items) < 1:
        fail("threads_list shows no thread after a guidance")
    offers = find("job_offers_browse").sync(client=me, limit=5)
    if not isinstance(offers, models.OfferList) or not offers.items:
        fail("job_offers_browse answered %r" % (offers,))

    export = find("job_offers_export")
    ndjson = export.sync_detailed(client=me).content.decode("utf-8")
    sjis = export.sync_detailed(
        client=me,
        format_=models.JobOffersExportFormat("csv"),
        encoding=models.JobOffersExportEncoding("shift_jis"),
    )
    if sjis.status_code != 200:
        fail("Shift_JIS export answered %d" % sjis.status_code)
    compare_csv(sjis.content.decode("cp932"), ndjson,
                int(sjis.headers.get("kyushoku-unencodable-characters", "-1")))
    utf8 = export.sync_detailed(client=me, format_=models.JobOffersExportFormat("csv"), bom=True)
    if not utf8.content.startswith(b"\xef\xbb\xbf"):
        fail("bom=true wrote no byte order mark")
    print("generated-client walk: token, search (%d), read, guidance, threads (%d), offers, exports"
          % (len(found.items), len(after.items)))

    if promtool:
        text = urllib.request.urlopen(base + "/metrics").read()
        r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True)
        if r.returncode != 0:
            print(r.stdout.decode(), r.stderr.decode())
            fail("promtool check metrics")
        print("promtool check metrics: clean")


def expected_cell(value):
    """A cell as the CSV must hold it: CP932's characters, formulas as text."""
    text = "".join(CP932_EQUIVALENTS.get(c, c) for c in value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def compare_csv(text, ndjson, unencodable):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, rows = rows[0], rows[1:]
    offers = [json.loads(line) for line in ndjson.splitlines() if line]
    if len(rows) != len(offers):
        fail("CSV has %d rows, NDJSON %d offers" % (len(rows), len(offers)))
    by_number = {o["job_number"]: o for o in offers}
    replaced = 0
    checked = 0
    for row in rows:
        cells = dict(zip(header, row))
        offer = by_number[cells["job_number"]]
        for column in ("employer_name", "employer_address", "title", "description",
                       "working_hours", "occupation", "prefecture", "municipality"):
            want = expected_cell(str(offer.get(column) or ""))
            got = cells[column]
            if got != want:
                # A character CP932 cannot hold is 〓, counted.
                if len(got) == len(want) and all(
                    g == w or g == "〓" for g, w in zip(got, want)
                ):
                    replaced += sum(1 for g, w in zip(got, want) if g != w)
                    continue
                fail("%s %s: CSV %r, NDJSON %r" % (cells["job_number"], column, got, want))
            checked += 1
        if "&#" in "".join(row):
            fail("an HTML entity in the CSV: %s" % cells["job_number"])
    if unencodable < replaced:
        fail("Kyushoku-Unencodable-Characters says %d, found %d" % (unencodable, replaced))
    print("Shift_JIS CSV: %d rows, %d cells equal to NDJSON under cp932, %d unencodable"
          % (len(rows), checked, unencodable))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/debug/kyushoku"))
    ap.add_argument("--npm-bin", required=True)
    ap.add_argument("--generator", required=True)
    ap.add_argument("--promtool", default=shutil.which("promtool"))
    ap.add_argument("--database-url")
    args = ap.parse_args()
    if not args.promtool:
        fail("promtool is missing (Debian package prometheus)")
    lint(args.npm_bin)
    workdir = tempfile.mkdtemp(prefix="kyushoku-contract-")
    package = generate_client(args.generator, workdir)
    proc, creds = start_demo(args.binary, workdir, database_url=args.database_url)
    try:
        walk(package, creds["base_url"], creds, args.promtool)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
