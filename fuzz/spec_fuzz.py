#!/usr/bin/env python3
"""Spec-driven fuzzing: schemathesis against the served OpenAPI document,
once per principal kind, with real credentials from `kyushoku demo`.

    python3 fuzz/spec_fuzz.py                 # long run (see --help)
    python3 fuzz/spec_fuzz.py --quick         # the bounded run of .ci/run

Any 5xx, any answer that does not conform to the spec (status code, content
type, headers, body schema), and any accepted invalid input fails the run.
Needs `schemathesis` (PyPI); `fuzz/run-schemathesis` installs it in a venv.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from harness import start_demo, tokens  # noqa: E402

# Checks left out, with the reason:
# - positive_data_acceptance: the spec cannot express every domain rule
#   (JIS X 0402 check digits, 翌々月末 limits, existing codes), so
#   schema-valid but domain-invalid input is rightly refused with 422.
# - use_after_free / ensure_resource_availability: DELETE /v1/seekers keeps
#   nothing readable by design, and our DELETEs are not paired with GETs of
#   the same path, so these stateful checks have no meaning here.
# Operations left out: the two Server-Sent Events streams never end, so every
# generated case would wait out the request timeout; tests/api/messaging.rs
# and tests/api/cluster.rs cover them through the real HTTP interface.
EXCLUDED_PATHS = r"/events$"

EXCLUDED_CHECKS = [
    "positive_data_acceptance",
    "use_after_free",
    "ensure_resource_availability",
]


def only_tool_errors(report_dir):
    """Whether the newest JUnit report there holds errors (schemathesis's
    own crashes) but no failures (findings about the API)."""
    reports = sorted(
        (os.path.join(report_dir, f) for f in os.listdir(report_dir) if f.endswith(".xml")),
        key=os.path.getmtime,
    )
    if not reports:
        return False
    with open(reports[-1], errors="replace") as f:
        text = f.read()
    return "<failure" not in text and "<error" in text


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default="target/debug/kyushoku")
    ap.add_argument("--schemathesis", default="schemathesis")
    ap.add_argument("--database-url", help="default: SQLite in a temporary folder")
    ap.add_argument("--quick", action="store_true", help="bounded run for CI")
    ap.add_argument("--examples", type=int, help="examples per operation")
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--roles", help="comma-separated subset of principal kinds")
    ap.add_argument("--report-dir", default="target/schemathesis")
    ap.add_argument(
        "--with-positive-acceptance",
        action="store_true",
        help="also run positive_data_acceptance (docs/api.md lists the rules it trips on)",
    )
    args = ap.parse_args()
    examples = args.examples or (8 if args.quick else 200)
    phases = "examples,coverage,fuzzing" if args.quick else "examples,coverage,fuzzing,stateful"

    workdir = tempfile.mkdtemp(prefix="kyushoku-st-")
    proc, creds = start_demo(os.path.abspath(args.binary), workdir, args.database_url)
    failed = []
    try:
        base = creds["base_url"]
        principals = tokens(base, creds)
        wanted = args.roles.split(",") if args.roles else list(principals)
        for role in wanted:
            token = principals[role]
            cmd = [
                args.schemathesis,
                "--config-file",
                os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis.toml"),
                "run",
                base + "/openapi.json",
                "--exclude-checks",
                ",".join(
                    c for c in EXCLUDED_CHECKS
                    if not (args.with_positive_acceptance and c == "positive_data_acceptance")
                ),
                "--exclude-path-regex",
                EXCLUDED_PATHS,
                "--max-examples",
                str(examples),
                "--phases",
                phases,
                "--seed",
                str(args.seed),
                # One worker: schemathesis 4.32 has shown a KeyError inside
                # its coverage phase with two (a race in its own cache).
                "--workers",
                "1",
                "--request-timeout",
                "30",
                "--suppress-health-check",
                "all",
                "--report",
                "junit",
                "--report-dir",
                os.path.abspath(os.path.join(args.report_dir, role)),
            ]
            if token:
                cmd += ["--header", "Authorization: Bearer " + token]
            print("== schemathesis as %s" % role, flush=True)
            started = time.time()
            here = os.path.dirname(os.path.abspath(__file__))
            env = dict(os.environ, SCHEMATHESIS_HOOKS="st_hooks")
            env["PYTHONPATH"] = here + os.pathsep + env.get("PYTHONPATH", "")
            # Its caches (.schemathesis, .hypothesis) stay out of the repository.
            scratch = os.path.abspath(args.report_dir)
            os.makedirs(scratch, exist_ok=True)
            rc = subprocess.call(cmd, env=env, cwd=scratch)
            if rc != 0 and only_tool_errors(os.path.join(args.report_dir, role)):
                # A crash inside schemathesis, not a finding about the API:
                # said so, and the role is run again once.
                print("== %s: schemathesis itself failed (no findings); once more" % role, flush=True)
                rc = subprocess.call(cmd, env=env, cwd=scratch)
            print("== %s: exit %d in %.0f s" % (role, rc, time.time() - started), flush=True)
            if rc != 0:
                failed.append(role)
        if proc.poll() is not None:
            failed.append("server exited during the run")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    if failed:
        sys.exit("schemathesis found problems as: " + ", ".join(failed))
    print("schemathesis: no findings")


if __name__ == "__main__":
    main()
