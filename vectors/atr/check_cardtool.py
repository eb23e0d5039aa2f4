#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs `cardtool --json atr HEX` over ATRs of expected.tsv (every hand-made
row, every STEP-th row of the rest) and checks the JSON and the exit code
against the expectations gen_expected.py wrote; then the usage errors.

Usage: check_cardtool.py CARDTOOL EXPECTED_TSV [STEP]
Standard library only. Exit 0 when everything agrees.
"""

import json
import subprocess
import sys


def run(cardtool, *args):
    p = subprocess.run([cardtool, *args], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def check_row(cardtool, cols, problems):
    atr, verdict, error, protocols, tck, hist = cols[:6]
    # spaced form: the tool must accept spaces between bytes
    spaced = " ".join(atr[i:i + 2] for i in range(0, len(atr), 2))
    code, out, err = run(cardtool, "--json", "atr", spaced)
    try:
        j = json.loads(out)
    except ValueError:
        problems.append("%s: not JSON: %r %r" % (atr, out, err))
        return
    want_code = 0 if verdict == "valid" else 1
    got = {
        "exit": code,
        "atr": j.get("atr"),
        "valid": j.get("valid"),
        "error_code": j.get("error_code", "OK"),
        "has error": "error" in j,
        "protocols": ",".join(str(t) for t in j.get("protocols", [])) or "-",
        "historical": j.get("historical") or "-",
        "tck": ("absent" if not j["tck"]["present"]
                else "ok" if j["tck"]["ok"] else "wrong"),
    }
    want = {
        "exit": want_code,
        "atr": atr,
        "valid": verdict == "valid",
        "error_code": error,
        "has error": verdict != "valid",
        "protocols": protocols,
        "historical": hist,
        "tck": tck,
    }
    for key in want:
        if got[key] != want[key]:
            problems.append("%s: %s expected %r, got %r" % (atr, key, want[key], got[key]))
    if j["tck"]["present"] is False and j["tck"]["ok"] is not None:
        problems.append("%s: tck.ok must be null without a TCK" % atr)


def check_usage(cardtool, problems):
    for args, want in ((["atr", "3G"], 2), (["atr", "3B6"], 2),
                       (["atr", "--no-such-option"], 2), (["atr", "--help"], 0),
                       (["--json", "atr", "zz"], 2)):
        code, out, _ = run(cardtool, *args)
        if code != want:
            problems.append("cardtool %s: exit %d, expected %d" % (" ".join(args), code, want))
    code, out, _ = run(cardtool, "--json", "atr", "zz")
    try:
        json.loads(out)
    except ValueError:
        problems.append("cardtool --json atr zz: stdout is not JSON: %r" % out)
    code, out, _ = run(cardtool, "atr", "3B:6D:00:00:00:90:54:31:16:86:60:13:04:25:00:1C:4E")
    if code != 0 or "Fudan" not in out:
        problems.append("colon-separated SSC ATR: exit %d, output %r" % (code, out))


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cardtool, expected = argv[0], argv[1]
    step = int(argv[2]) if len(argv) > 2 else 10
    with open(expected, encoding="ascii") as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    with open(expected.replace("expected.tsv", "handmade.txt"), encoding="ascii") as f:
        handmade = sum(1 for l in f if l.split("#", 1)[0].strip())
    picked = [l for i, l in enumerate(lines) if i % step == 0 or i >= len(lines) - handmade]
    problems = []
    for line in picked:
        check_row(cardtool, line.split("\t"), problems)
    check_usage(cardtool, problems)
    for p in problems[:50]:
        print(p)
    print("%d ATRs run through cardtool, %d problems" % (len(picked), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
