#!/usr/bin/env python3
"""Runs the README's walk ("A walk through the API with curl") exactly as
written, against a fresh demo, and checks every `#=>` line (issue 36).

    python3 tools/readme_walk.py target/debug/kyushoku

The walk runs in a temporary folder in which `./target/release/kyushoku`
is the binary given (so CI need not build a release), after
`kyushoku demo --credentials-out creds.json --webhook-echo` started there on
127.0.0.1:8080, as the README says. Commands are the lines between
comments; a `#=> text` line after a command must match what the command
printed (`…` stands for any text; several `#=>` lines are several lines).
Every command must exit 0. Exit status: 0 when all hold."""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

SECTION = "## A walk through the API with curl"
START = "cargo run --release -- demo --credentials-out creds.json --webhook-echo"


def blocks(readme):
    text = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def steps(block):
    """(command, expected or None) pairs, in order."""
    out, command, expected = [], [], []

    def flush():
        if command:
            out.append(("\n".join(command), "\n".join(expected) if expected else None))
        command.clear()
        expected.clear()

    for line in block.splitlines():
        if line.startswith("#=>"):
            expected.append(line[3:].strip())
        elif not line.strip() or line.lstrip().startswith("#"):
            flush()
        else:
            if expected:
                flush()
            command.append(line)
    flush()
    return out


def matches(expected, actual):
    parts = expected.split("…")
    if not actual.startswith(parts[0]):
        return False
    at = len(parts[0])
    for part in parts[1:-1]:
        found = actual.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    last = parts[-1]
    return len(parts) == 1 and actual == expected or len(parts) > 1 and actual.endswith(last) and len(actual) - len(last) >= at


def main():
    binary = os.path.abspath(sys.argv[1])
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
    if START not in readme:
        sys.exit(f"the README no longer starts the demo with `{START}`")
    all_steps = [s for b in blocks(readme) if START not in b for s in steps(b)]
    checks = sum(1 for _, e in all_steps if e is not None)
    with tempfile.TemporaryDirectory() as folder:
        os.makedirs(os.path.join(folder, "target", "release"))
        os.symlink(binary, os.path.join(folder, "target", "release", "kyushoku"))
        log = open(os.path.join(folder, "demo.log"), "w")
        demo = subprocess.Popen(
            ["./target/release/kyushoku"] + START.split(" -- ", 1)[1].split(),
            cwd=folder, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 120
            while True:
                if demo.poll() is not None:
                    sys.exit("the demo stopped:\n" + open(os.path.join(folder, "demo.log")).read()[-3000:])
                try:
                    if os.path.exists(os.path.join(folder, "creds.json")) and \
                            urllib.request.urlopen("http://127.0.0.1:8080/healthz", timeout=2).status == 200:
                        break
                except OSError:
                    pass
                if time.time() > deadline:
                    sys.exit("the demo did not answer on 127.0.0.1:8080 within 120 s")
                time.sleep(0.5)
            script = []
            for i, (command, _) in enumerate(all_steps):
                script.append(f"printf '\\n\\x1eSTART {i}\\n'\n{command}\nprintf '\\n\\x1eEND {i} %s\\n' $?")
            run = subprocess.run(["bash", "--noprofile", "--norc", "-c", "\n".join(script)],
                                 cwd=folder, capture_output=True, text=True, timeout=900)
            outputs = {}
            for m in re.finditer(r"\x1eSTART (\d+)\n(.*?)\n\x1eEND \1 (\d+)\n", run.stdout, re.S):
                outputs[int(m.group(1))] = (m.group(2).strip("\n"), int(m.group(3)))
            failures = 0
            for i, (command, expected) in enumerate(all_steps):
                output, status = outputs.get(i, (None, None))
                first = command.splitlines()[0][:100]
                if output is None:
                    print(f"NOT RUN: {first}")
                    failures += 1
                elif status != 0:
                    print(f"EXIT {status}: {first}\n  printed: {output[:500]}")
                    failures += 1
                elif expected is not None and not matches(expected, output):
                    print(f"MISMATCH: {first}\n  expected: {expected}\n  printed:  {output[:500]}")
                    failures += 1
            if failures:
                print(run.stderr[-2000:], file=sys.stderr)
                sys.exit(f"README walk: {failures} of {len(all_steps)} steps failed")
            print(f"README walk: {len(all_steps)} steps ran, {checks} printed what the README says")
        finally:
            demo.terminate()
            demo.wait(timeout=30)


if __name__ == "__main__":
    main()
