#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""cardtool info / read / pin against in-process simulated cards (sim:PATH):
the JSON keys and values, validity and problems, exit codes, the last-try
guard and that a PIN never shows in the APDU trace.

Usage: check_cmd_info.py CARDTOOL VECTORS_DIR
Standard library only. Exit 0 when everything agrees.
"""

import json
import os
import subprocess
import sys
import tempfile

BASE = {
    "description": "check_cmd_info: 2.0 card, EF06 free to read",
    "version": 2, "algorithm": "3des", "protocol": 0,
    "atr": "3B6D00000087CF20018649618C009773F5",
    "elements": {
        "card_id": "110105D15600000500A1B2C3D4E5F607", "card_type": "3",
        "spec_version": "2.00", "issuer": "110105000001",
        "issue_date": "2020-10-01", "expiry_date": "2030-10-01",
        "card_number": "X00000019", "ssn": "11010519491231002X",
        "name": "欧阳娜娜", "sex": "2", "ethnicity": "01",
        "birthplace": "110105", "birth_date": "1949-12-31",
    },
    "pin": {"value": "123456", "tries": 3, "max": 3},
}

EF05 = ["card_id", "card_type", "spec_version", "issuer", "issue_date",
        "expiry_date", "card_number"]
EF06 = ["ssn", "name", "sex", "ethnicity", "birthplace", "birth_date"]
EF0D = ["person_id", "first_region"]  # 3.0 cards, free to read

problems = []


def check(cond, what):
    if not cond:
        problems.append(what)


def profile(tmp, name, elements=None, pin=None):
    p = json.loads(json.dumps(BASE))
    p["elements"].update(elements or {})
    if pin:
        p["pin"].update(pin)
    path = os.path.join(tmp, name + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(p, f, ensure_ascii=False)
    return "sim:" + path


def run(cardtool, reader, *args, stdin=None, env=None):
    e = dict(os.environ)
    e.pop("SSCARD_PIN", None)
    e.update(env or {})
    p = subprocess.run([cardtool, "--reader", reader, *args], input=stdin,
                       capture_output=True, text=True, timeout=60, env=e)
    return p.returncode, p.stdout, p.stderr


def run_json(cardtool, reader, *args, **kw):
    code, out, err = run(cardtool, reader, "--json", *args, **kw)
    try:
        return code, json.loads(out)
    except ValueError:
        problems.append("%s: not JSON: %r %r" % (" ".join(args), out, err))
        return code, {}


def check_info(ct, vectors, tmp):
    v3 = "sim:" + os.path.join(vectors, "cards", "healthy-v3.json")
    code, j = run_json(ct, v3, "info")
    check(code == 0, "healthy-v3 info exit %d" % code)
    check(sorted(k for k in j if k not in ("valid", "problems", "unavailable"))
          == sorted(EF05 + EF0D), "healthy-v3 keys %s" % sorted(j))
    check(j.get("person_id") == "110101000017", "healthy-v3 person_id %r" % j.get("person_id"))
    check(j.get("valid") is True and j.get("problems") == [], "healthy-v3 valid %r" % j)
    check(j.get("issue_date") == "2021-03-15", "healthy-v3 issue_date")
    withheld = [u["element"] for u in j.get("unavailable", []) if u["status"] == "WITHHELD"]
    check(sorted(withheld) == sorted(EF06 + ["name_ext"]), "healthy-v3 withheld %s" % withheld)

    # with the terminal keys a 3.0 card shows the holder too
    keys = os.path.join(tmp, "v3.keys")
    with open(os.path.join(vectors, "sm", "healthy-v3.keys"), "rb") as src, \
            open(keys, "wb") as dst:
        dst.write(src.read())
    os.chmod(keys, 0o600)
    code, j = run_json(ct, v3, "info", "--keystore", keys)
    check(code == 0, "healthy-v3 info --keystore exit %d" % code)
    check(j.get("authentication") == "GENUINE", "healthy-v3 authentication %r" % j)
    check(j.get("ssn") == "110101198101011117" and j.get("name") == "张三"
          and j.get("unavailable") == [], "healthy-v3 holder after auth %r" % j)
    os.chmod(keys, 0o644)  # a keystore others can read is refused, like ssh
    code, j = run_json(ct, v3, "info", "--keystore", keys)
    check(code != 0 and j.get("error", {}).get("code") == "KEYSTORE",
          "world-readable keystore refused %r" % j)

    v2 = profile(tmp, "v2")
    code, j = run_json(ct, v2, "info")
    check(code == 0, "v2 info exit %d" % code)
    for k, v in BASE["elements"].items():
        check(j.get(k) == v, "v2 %s = %r, want %r" % (k, j.get(k), v))
    check("name_ext" not in j, "v2 has no name_ext (absent: omitted)")
    check(j.get("valid") is True and j.get("unavailable") == [], "v2 valid %r" % j)

    code, out, _ = run(ct, v2, "info")
    check(code == 0 and "社会保障号码 (social security number)" in out
          and "11010519491231002X" in out and "欧阳娜娜" in out, "human info:\n" + out)

    bad = profile(tmp, "bad", {"ssn": "110105194912310029", "birth_date": "1949-12-30"})
    code, j = run_json(ct, bad, "info")
    check(code == 1, "invalid card exit %d" % code)
    got = [(p["element"], p["code"]) for p in j.get("problems", [])]
    check(j.get("valid") is False and got == [("ssn", "CHECK_DIGIT")],
          "invalid card problems %s" % got)


def check_read(ct, tmp):
    v2 = profile(tmp, "v2")
    code, out, _ = run(ct, v2, "read", "ssn")
    check(code == 0 and out == "11010519491231002X\n", "read ssn %r" % out)
    code, j = run_json(ct, v2, "read", "0D")
    check(code == 0 and j.get("value") == "1949-12-31" and j.get("element") == "birth_date",
          "read 0D %r" % j)
    code, j = run_json(ct, v2, "read", "--all")
    els = j.get("elements", [])
    # every element of the table, EF0D's two (3.0) included
    check(len(els) == 16 and els[8]["element"] == "name" and els[8]["value"] == "欧阳娜娜",
          "read --all %r" % els[:1])
    code, _, _ = run(ct, v2, "read", "photo")
    check(code == 2, "read of an unknown element: exit %d" % code)


def check_pin(ct, tmp):
    v2 = profile(tmp, "v2")
    code, j = run_json(ct, v2, "pin", "tries")
    check(code == 0 and j.get("tries_left") == 3, "pin tries %r" % j)
    code, out, err = run(ct, v2, "-vv", "pin", "verify", "--pin-stdin", stdin="123456\n")
    check(code == 0, "pin verify exit %d %s" % (code, err))
    check("123456" not in err and "0020000003******" in err, "PIN in the trace:\n" + err)
    code, j = run_json(ct, v2, "pin", "verify", "--pin-stdin", stdin="111111\n")
    check(code == 1 and j.get("error", {}).get("tries_left") == 2, "wrong PIN %r" % j)
    code, _, _ = run(ct, v2, "pin", "verify", "--pin-env", env={"SSCARD_PIN": "123456"})
    check(code == 0, "pin --pin-env exit %d" % code)
    code, _, _ = run(ct, v2, "pin", "verify", "123456")
    check(code == 2, "PIN on the command line accepted: exit %d" % code)
    code, _, _ = run(ct, v2, "pin", "change", "--pin-stdin", stdin="123456\n654321\n")
    check(code == 0, "pin change exit %d" % code)

    last = profile(tmp, "last", pin={"tries": 1})
    code, out, err = run(ct, last, "pin", "verify", "--pin-stdin", stdin="123456\n")
    check(code == 1 and "--force" in err, "last try not guarded: %d %s" % (code, err))
    code, _, err = run(ct, last, "pin", "verify", "--pin-stdin", "--force", stdin="123456\n")
    check(code == 0, "--force: exit %d %s" % (code, err))


def check_pin_unblock(ct, vectors, tmp):
    """`pin unblock` is the keystore's PIN UNBLOCK under the pin command."""
    keys = os.path.join(tmp, "v2.keys")
    with open(os.path.join(vectors, "sm", "v2.keys"), "rb") as src, open(keys, "wb") as dst:
        dst.write(src.read())
    os.chmod(keys, 0o600)
    blocked = "sim:" + os.path.join(vectors, "cards", "pin-blocked.json")
    code, out, err = run(ct, blocked, "pin", "unblock", "--keystore", keys)
    check(code == 0 and "unblocked" in out, "pin unblock: %d %r %r" % (code, out, err))
    code, out, err = run(ct, blocked, "pin", "unblock")
    check(code != 0, "pin unblock without keys must fail: %d %r" % (code, out))


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    ct, vectors = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        check_info(ct, vectors, tmp)
        check_read(ct, tmp)
        check_pin(ct, tmp)
        check_pin_unblock(ct, vectors, tmp)
    for p in problems:
        print("FAIL:", p)
    print("%d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
