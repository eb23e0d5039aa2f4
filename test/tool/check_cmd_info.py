#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""cardtool info / read / pin against in-process simulated cards (sim:PATH):
the JSON keys and values, validity and problems, exit codes, the last-try
guard and that a PIN never shows in the APDU trace.

Usage: check_cmd_info.py CARDTOOL VECTORS_DIR
Standard library only. Exit 0 when everything agrees.
"""

import fcntl
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import termios

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


def check_apdu_trace(ct, tmp):
    """Raw APDUs (argv and script) are masked by instruction, in the -vv
    trace and in the echo: VERIFY, CHANGE PIN, RELOAD/UNBLOCK PIN, EXTERNAL
    and INTERNAL AUTHENTICATE."""
    v2 = profile(tmp, "v2")
    select = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"
    secret = ["0020000003123456", "805E010007123456FF654321", "002C000003123456",
              "842400010CA1A2A3A4A5A6A7A8C0FFEE12", "0082000A10" + "C0FFEE13" * 4,
              "0088000008C0FFEE14C0FFEE1408"]
    code, out, err = run(ct, v2, "-vv", "apdu", select, *secret)
    check(code == 0, "apdu exit %d %s" % (code, err))
    for word in ("123456", "654321", "C0FFEE"):
        check(word not in out and word not in err, "%s shown:\n%s%s" % (word, out, err))
    check(">> 0020000003******" in err and "> 0020000003******" in out,
          "VERIFY not masked as documented:\n" + err)
    script = "".join(line + " = XXXX\n" for line in [select] + secret)
    code, out, err = run(ct, v2, "-vv", "--json", "apdu", "--script", "-", stdin=script)
    check(code == 0 and "123456" not in out + err and "C0FFEE" not in out + err,
          "script: secret shown (%d):\n%s%s" % (code, out, err))


def at_prompt(ct, reader, prompt, interrupt, *args):
    """Run `pin ARGS` on a fresh pty as its controlling terminal, wait for
    `prompt` (echo must be off then), interrupt it (a signal number, or
    bytes typed), then return (exit status, the terminal's `stty -a`)."""
    master, slave = pty.openpty()
    name = os.ttyname(slave)

    def own_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    p = subprocess.Popen([ct, "--reader", reader, "pin", *args], stdin=slave, stdout=slave,
                         stderr=slave, preexec_fn=own_terminal)
    seen = b""
    while prompt.encode() not in seen and p.poll() is None:
        ready, _, _ = select.select([master], [], [], 10)
        if not ready:
            break
        seen += os.read(master, 1024)
    quiet = subprocess.run(["stty", "-F", name, "-a"], capture_output=True, text=True).stdout
    check(re.search(r"(^|\s)-echo(\s|$)", quiet), "no echo-off at the prompt %r: %r" % (seen, quiet))
    if isinstance(interrupt, bytes):
        os.write(master, interrupt)
    else:
        p.send_signal(interrupt)
    code = p.wait(timeout=30)
    after = subprocess.run(["stty", "-F", name, "-a"], capture_output=True, text=True).stdout
    os.close(slave)
    os.close(master)
    return code, after


def check_pin_prompt_signals(ct, tmp):
    """Ctrl-C or SIGTERM at a PIN prompt leaves the terminal with echo on."""
    v2 = profile(tmp, "v2")
    cases = [("verify", "PIN: ", b"\x03", signal.SIGINT), ("verify", "PIN: ", signal.SIGTERM,
             signal.SIGTERM), ("change", "new PIN: ", b"123456\n\x03", signal.SIGINT),
             ("change", "current PIN: ", signal.SIGHUP, signal.SIGHUP)]
    for sub, prompt, interrupt, died in cases:
        code, after = at_prompt(ct, v2, prompt, interrupt, sub)
        check(code == -died, "pin %s %r: exit %r" % (sub, interrupt, code))
        check(re.search(r"(^|\s)echo(\s|$)", after),
              "pin %s %r left echo off: %r" % (sub, interrupt, after))


def check_global_options_after(ct, vectors, tmp):
    """Every command takes the global options after its name as well:
    --json, --reader, -v (one parser for all)."""
    keys = os.path.join(tmp, "v2-after.keys")
    with open(os.path.join(vectors, "sm", "v2.keys"), "rb") as src, open(keys, "wb") as dst:
        dst.write(src.read())
    os.chmod(keys, 0o600)
    card = "sim:" + os.path.join(vectors, "sm", "v2-3des.json")
    commands = [["info"], ["read", "ssn"], ["atr"], ["diagnose"], ["pin", "tries"],
                ["auth", "-k", keys], ["write", "-k", keys, "sex", "2"],
                ["lock", "-k", keys], ["unlock", "-k", keys], ["pin-unblock", "-k", keys],
                ["pin", "unblock", "-k", keys],
                ["apdu", "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"]]
    for args in commands:
        p = subprocess.run([ct, *args, "--json", "--reader", card, "-v"], capture_output=True,
                           text=True, timeout=60)
        try:
            json.loads(p.stdout)
            ok = p.returncode == 0
        except ValueError:
            ok = False
        check(ok and "sscard info: connected" in p.stderr,
              "%s with the global options after it: %d %r %r" % (args, p.returncode, p.stdout,
                                                                  p.stderr))
    p = subprocess.run([ct, "info", "--reader", ""], capture_output=True, text=True, timeout=60)
    check(p.returncode == 2 and "--reader" in p.stderr, "--reader '': %d %r" % (p.returncode,
                                                                              p.stderr))


def check_json_always(ct, tmp):
    """With --json every outcome is one JSON object on stdout, usage errors
    and cardtool's own refusals included."""
    v2 = profile(tmp, "v2")
    last = profile(tmp, "last-json", pin={"tries": 1})
    cases = [(v2, ["read", "foo"], 2, "USAGE", "no data element \"foo\""),
             (v2, ["info", "--bogus"], 2, "USAGE", "unknown option --bogus"),
             (v2, ["bogus"], 2, "USAGE", "unknown command 'bogus'"),
             (v2, ["read"], 2, "USAGE", "needs one element"),
             (v2, ["pin", "verify", "123456"], 2, "USAGE", "never taken from the command line"),
             (v2, ["list", "extra"], 2, "USAGE", "takes no operands"),
             (v2, ["monitor", "--count", "0"], 2, "USAGE", "--count"),
             (v2, ["write", "sex"], 2, "USAGE", "needs ELEMENT and VALUE"),
             (v2, ["apdu", "zz"], 2, "USAGE", "APDU 1: not hex"),
             (v2, ["atr", "3B6"], 2, "USAGE", "pairs of hex digits"),
             (v2, ["diagnose", "--budget", "1"], 4, "USAGE", "--budget"),
             (last, ["pin", "verify", "--pin-stdin"], 1, "LAST_TRY", None)]
    for reader, args, want, code, detail in cases:
        got, j = run_json(ct, reader, *args, stdin="123456\n")
        err = j.get("error", {})
        check(got == want and err.get("code") == code and
              (detail is None or detail in err.get("detail", "")),
              "--json %s: exit %d %r" % (" ".join(args), got, j))
    _, j = run_json(ct, last, "pin", "verify", "--pin-stdin", stdin="123456\n")
    check(j.get("error", {}).get("tries_left") == 1, "last try: %r" % j)


def check_json_utf8(ct, tmp):
    """--json output is valid UTF-8 whatever the input: stray bytes of a
    path or reader name escaped, a long detail cut on a character
    boundary with an ellipsis."""
    def detail(reader):
        p = subprocess.run([ct.encode(), b"--json", b"--reader", reader, b"info"],
                           capture_output=True, timeout=60)
        try:
            return json.loads(p.stdout.decode("utf-8")).get("error", {}).get("detail", "")
        except ValueError:
            problems.append("not UTF-8 JSON for %r: %r" % (reader, p.stdout))
            return ""
    d = detail(b"sim:" + tmp.encode() + b"/\xff\xfe.json")
    check("\\xFF\\xFE.json" in d, "stray bytes not escaped: %r" % d)
    d = detail(("sim:" + tmp + "/" + "中" * 100 + ".json").encode())
    check(d.endswith("…") and "中中" in d, "long detail not cut with an ellipsis: %r" % d)


def check_output_error(ct, tmp):
    """A result that cannot be written (stdout on a full device) is exit 4."""
    v2 = profile(tmp, "v2")
    for args in (["info"], ["--json", "info"], ["read", "--all"], ["atr"]):
        with open("/dev/full", "w") as full:
            p = subprocess.run([ct, "--reader", v2, *args], stdout=full, stderr=subprocess.PIPE,
                               text=True, timeout=60)
        check(p.returncode == 4 and "cannot write the output" in p.stderr,
              "%s > /dev/full: exit %d %r" % (args, p.returncode, p.stderr))


def check_keys_open_ef06(ct, vectors, tmp):
    """read and diagnose take the terminal keys like info: a 3.0 card's
    holder elements are read and checked."""
    keys = {}
    for name in ("healthy-v3.keys", "wrong.keys"):
        keys[name] = os.path.join(tmp, name)
        with open(os.path.join(vectors, "sm", name), "rb") as src, \
                open(keys[name], "wb") as dst:
            dst.write(src.read())
        os.chmod(keys[name], 0o600)
    with open(os.path.join(vectors, "cards", "healthy-v3.json"), encoding="utf-8") as f:
        v3 = json.load(f)
    v3["elements"]["ssn"] = v3["elements"]["ssn"][:17] + "0"  # wrong check digit
    path = os.path.join(tmp, "bad-ssn-v3.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(v3, f, ensure_ascii=False)
    card = "sim:" + path
    code, out, _ = run(ct, card, "read", "ssn")
    check(code == 1, "read ssn of a 3.0 card without keys: %d %r" % (code, out))
    code, out, err = run(ct, card, "read", "ssn", "--keystore", keys["healthy-v3.keys"])
    check(code == 0 and out == v3["elements"]["ssn"] + "\n", "read --keystore: %d %r %r"
          % (code, out, err))
    code, _, _ = run(ct, card, "read", "name", env={"SSCARD_KEYSTORE": keys["healthy-v3.keys"]})
    check(code == 0, "read with $SSCARD_KEYSTORE: %d" % code)
    code, j = run_json(ct, card, "diagnose")
    check(code == 0 and j.get("verdict") == "OK", "diagnose without keys: %d %r" % (code, j))
    code, j = run_json(ct, card, "diagnose", "--keystore", keys["healthy-v3.keys"])
    reasons = {r["code"]: r["detail"] for r in j.get("reasons", [])}
    check(code == 2 and "08 ssn: CHECK_DIGIT" in reasons.get("DATA_CORRUPT", ""),
          "diagnose --keystore does not check EF06: %d %r" % (code, j))
    code, j = run_json(ct, card, "diagnose", "--keystore", keys["wrong.keys"])
    codes = [r["code"] for r in j.get("reasons", [])]
    check(code == 1 and "KEYS_MISMATCH" in codes, "diagnose, wrong keys: %d %r" % (code, j))


def check_diagnose_date(ct, tmp):
    """--date takes real YYYY-MM-DD dates only, 1900-01-01 included."""
    v2 = profile(tmp, "v2")  # issued 2020-10-01, expires 2030-10-01
    for bad in ("2028-02-30", "2028-2-1", "2027-02-29", "2028-02-28x", "1899-12-31", "28-02-2028"):
        code, j = run_json(ct, v2, "diagnose", "--date", bad)
        check(code == 4 and j.get("error", {}).get("code") == "USAGE",
              "--date %s accepted: %d %r" % (bad, code, j))
    for good, verdict in (("1900-01-01", "OK"), ("1970-01-01", "OK"), ("2028-02-29", "OK"),
                          ("2030-10-02", "REPLACE")):
        code, j = run_json(ct, v2, "diagnose", "--date", good)
        check(j.get("verdict") == verdict, "--date %s: %d %r" % (good, code, j))


def check_lock_unlock(ct, vectors, tmp):
    """lock prints the card id unlock needs; --permanent asks first (or
    --yes); unlock of a blocked card without --card-id says it is needed."""
    keys = {}
    for name in ("healthy-v3.keys", "v2.keys"):
        keys[name] = os.path.join(tmp, "lock-" + name)
        with open(os.path.join(vectors, "sm", name), "rb") as src, \
                open(keys[name], "wb") as dst:
            dst.write(src.read())
        os.chmod(keys[name], 0o600)
    v3 = "sim:" + os.path.join(vectors, "cards", "healthy-v3.json")
    code, out, err = run(ct, v3, "lock", "-k", keys["healthy-v3.keys"])
    check(code == 0 and "card id: 110100D15600000500A1B2C3D4E5F607" in out,
          "lock: %d %r %r" % (code, out, err))
    p = subprocess.run([ct, "--reader", v3, "--json", "lock", "--permanent", "-k",
                        keys["healthy-v3.keys"]], capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL, start_new_session=True)
    check(p.returncode == 1 and '"NOT_CONFIRMED"' in p.stdout,
          "lock --permanent without a terminal or --yes: %d %r" % (p.returncode, p.stdout))
    code, j = run_json(ct, v3, "lock", "--permanent", "--yes", "-k", keys["healthy-v3.keys"])
    check(code == 0 and j.get("blocked") == "permanent" and j.get("card_id"),
          "lock --permanent --yes: %d %r" % (code, j))
    blocked = "sim:" + os.path.join(vectors, "cards", "app-blocked.json")
    code, j = run_json(ct, blocked, "unlock", "-k", keys["v2.keys"])
    check(code == 2 and j.get("error", {}).get("code") == "CARD_ID_NEEDED",
          "unlock without --card-id: %d %r" % (code, j))


def check_info_failed_auth(ct, vectors, tmp):
    """info --keystore with wrong keys or a forged card still shows EF05
    and the authentication verdict, exit 1."""
    keys = {}
    for name in ("wrong.keys", "v2.keys"):
        keys[name] = os.path.join(tmp, "auth-" + name)
        with open(os.path.join(vectors, "sm", name), "rb") as src, \
                open(keys[name], "wb") as dst:
            dst.write(src.read())
        os.chmod(keys[name], 0o600)
    for card, k, verdict in (("cards/healthy-v3.json", "wrong.keys", "KEYS_MISMATCH"),
                             ("sm/v2-forged.json", "v2.keys", "NOT_GENUINE")):
        reader = "sim:" + os.path.join(vectors, card)
        code, j = run_json(ct, reader, "info", "--keystore", keys[k])
        check(code == 1 and j.get("authentication") == verdict and j.get("card_number"),
              "info --keystore on %s: %d %r" % (card, code, j))
        code, out, err = run(ct, reader, "info", "--keystore", keys[k])
        check(code == 1 and verdict in out and verdict in err, "info text: %r %r" % (out, err))


def check_apdu_script(ct, tmp):
    """APDU scripts are checked whole before the first APDU is sent."""
    v2 = profile(tmp, "v2")
    select = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"
    path = os.path.join(tmp, "bad.apdu")
    with open(path, "w") as f:
        f.write("# comment\n%s = 61XX\n00B2083014 = 9000\n00B2093014 = 9G00\n" % select)
    code, out, err = run(ct, v2, "-vv", "apdu", "--script", path)
    check(code == 2 and path + ":4:" in err and "9G00" in err and ">>" not in err and out == "",
          "bad script line: %d %r %r" % (code, out, err))
    with open(path, "w") as f:
        f.write("%s = 61XX\nzz\n" % select)
    code, out, err = run(ct, v2, "-vv", "apdu", "--script", path)
    check(code == 2 and path + ":2:" in err and ">>" not in err, "bad hex: %d %r" % (code, err))
    code, out, err = run(ct, v2, "apdu", "00")
    check(code == 2 and "4 bytes" in err, "apdu 00: %d %r" % (code, err))
    code, out, err = run(ct, v2, "apdu", "--script", "-",
                         stdin="%s = 61XX\n00B2993014 = 9000\n00B2083014\n" % select)
    check(code == 1 and "expected 9000, the card answered 6A83" in err and
          "00B2083014" not in out, "mismatch: %d %r %r" % (code, out, err))


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
        check_apdu_trace(ct, tmp)
        check_pin_prompt_signals(ct, tmp)
        check_global_options_after(ct, vectors, tmp)
        check_json_always(ct, tmp)
        check_apdu_script(ct, tmp)
        check_json_utf8(ct, tmp)
        check_keys_open_ef06(ct, vectors, tmp)
        check_diagnose_date(ct, tmp)
        check_lock_unlock(ct, vectors, tmp)
        check_info_failed_auth(ct, vectors, tmp)
        if os.path.exists("/dev/full"):
            check_output_error(ct, tmp)
        check_pin_unblock(ct, vectors, tmp)
    for p in problems:
        print("FAIL:", p)
    print("%d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
