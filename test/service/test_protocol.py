# SPDX-License-Identifier: LGPL-2.1-or-later
"""sscardd's protocol and security checks (issue #17), each a named check,
through the private pcscd + vpcd + cardsim sandbox with the healthy 3.0
card: loopback only, Host and Origin on HTTP and WebSocket, CORS and the
private-network preflight, content type, message size, rate and
connection limits, malformed messages, typed errors, busy readers and
release on disconnect, cancel, events, the two-step read, the vendor
shim, metrics, and no SSN or name in the log.

  sandbox.sh --profile vectors/cards/healthy-v3.json -- python3 test_protocol.py BUILD SRC
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wsclient  # noqa: E402
from harness import check  # noqa: E402

BUILD, SRC = sys.argv[1], sys.argv[2]
OTHER = "http://127.0.0.1:18080"  # an allowed page on another port
SSN, NAME = "110101198101011117", "张三"


def wait_kiosk(svc):
    """The kiosk diagnosis of the card present at start holds the reader a moment."""
    deadline = time.time() + 30
    while "kiosk:" not in svc.log() and time.time() < deadline:
        time.sleep(0.05)


def t_loopback_only(svc):
    out = subprocess.run(["ss", "-Htln"], capture_output=True, text=True, check=True).stdout
    ours = sorted(l.split()[3] for l in out.splitlines() if l.split()[3].endswith(":%d" % svc.port))
    check(ours == ["127.0.0.1:%d" % svc.port, "[::1]:%d" % svc.port], "listening on %s" % ours)
    for addr in ("0.0.0.0", "192.168.1.10", "::"):
        conf = os.path.join(svc.tmp, "bad.conf")
        with open(conf, "w") as f:
            f.write("listen = %s\n" % addr)
        r = subprocess.run([os.path.join(BUILD, "service", "sscardd"), "-c", conf],
                           capture_output=True, text=True)
        check(r.returncode == 2 and "127.0.0.1 and ::1 only" in r.stderr, "listen %s: %s" % (addr, r))


def t_status(svc):
    st, h, body = wsclient.http_get(svc.port, "/v1/status")
    o = json.loads(body)
    check(st == 200 and h["content-type"] == "application/json", (st, h))
    check(o["service"] == "sscardd" and o["api"] == "1" and o["version"], o)
    check(SSN not in body and NAME not in body, body)


def t_pages(svc):
    st, h, _ = wsclient.http_get(svc.port, "/")
    check(st == 302 and h.get("location") == "/ui/", (st, h))
    st, h, body = wsclient.http_get(svc.port, "/ui/")
    check(st == 200 and "社会保障卡自助服务" in body and "kiosk.js" in body, st)
    check("default-src 'self'" in h.get("content-security-policy", ""), h)
    for path in ("/ui/kiosk.js", "/ui/kiosk.css"):
        check(wsclient.http_get(svc.port, path)[0] == 200, path)
    for path in ("/ui/../sscardd.conf", "/ui/x", "/etc/passwd", "/v1/ws"):
        check(wsclient.http_get(svc.port, path)[0] in (403, 404), path)
    check(wsclient.http_get(svc.port, "/v1/status", method="POST")[0] == 405, "POST")


def t_step1_expires():
    """A card held by Step1 is released when no Step2 comes in time."""
    svc = harness.Service(BUILD, SRC, "timeout_ms = 300\nkiosk = no\n")
    try:
        a, b = svc.ws(), svc.ws()
        check("result" in a.call("readBasicStep1"), "step1")
        check(b.call("readBasic")["error"]["code"] == "READER_BUSY", "held")
        time.sleep(0.8)
        check("result" in b.call("readBasic"), "released after the timeout")
        check(a.call("readBasicStep2", {"pKey": "00" * 16 + "||"})["error"]["code"] == "NO_STEP1", "expired")
        a.close()
        b.close()
    finally:
        check(svc.stop() == 0, "exit status")


def t_host_header(svc):
    for host in ("evil.example:%d" % svc.port, "127.0.0.1", "localhost.evil.example:%d" % svc.port):
        check(wsclient.http_get(svc.port, "/v1/status", {"Host": host})[0] == 403, host)
        try:
            svc.ws(host=host)
            check(False, "upgrade with Host %s accepted" % host)
        except wsclient.HandshakeRefused as e:
            check(" 403 " in e.status + " ", e.status)
    for host in ("localhost:%d" % svc.port, "[::1]:%d" % svc.port):
        check(wsclient.http_get(svc.port, "/v1/status", {"Host": host})[0] == 200, host)


def t_origin_http(svc):
    json_ct = {"Content-Type": "application/json"}
    st, _, _ = wsclient.http_get(svc.port, "/v1/status", dict(json_ct, Origin="https://evil.example"))
    check(st == 403, st)
    st, h, _ = wsclient.http_get(svc.port, "/v1/status", dict(json_ct, Origin=OTHER))
    check(st == 200 and h.get("access-control-allow-origin") == OTHER and h.get("vary") == "Origin", h)
    check(wsclient.http_get(svc.port, "/metrics", {"Origin": "null"})[0] == 403, "null origin")


def t_simple_request_refused(svc):
    st, h, _ = wsclient.http_get(svc.port, "/v1/status", {"Origin": OTHER})
    check(st == 415, "no content type: %s" % st)
    st, _, _ = wsclient.http_get(svc.port, "/v1/status", {"Origin": OTHER, "Content-Type": "text/plain"})
    check(st == 415, "text/plain: %s" % st)


def t_preflight(svc):
    pre = {"Origin": OTHER, "Access-Control-Request-Method": "GET",
           "Access-Control-Request-Headers": "content-type",
           "Access-Control-Request-Private-Network": "true"}
    st, h, _ = wsclient.http_get(svc.port, "/v1/status", pre, method="OPTIONS")
    check(st == 204, st)
    check(h.get("access-control-allow-origin") == OTHER and h.get("vary") == "Origin", h)
    check(h.get("access-control-allow-private-network") == "true", h)
    check("content-type" in h.get("access-control-allow-headers", "").lower(), h)
    st, h, _ = wsclient.http_get(svc.port, "/v1/status", dict(pre, Origin="https://evil.example"),
                                 method="OPTIONS")
    check(st == 403 and "access-control-allow-origin" not in h, (st, h))


def t_origin_ws(svc):
    for origin, kw in (("https://evil.example", {}), (None, {"protocol": "sscard.v1"})):
        try:
            wsclient.WS(svc.port, origin=origin, **kw)
            check(False, "upgrade from %s accepted" % origin)
        except wsclient.HandshakeRefused as e:
            check(" 403 " in e.status + " ", e.status)
    try:
        svc.ws(protocol=None)
        check(False, "upgrade without the subprotocol accepted")
    except wsclient.HandshakeRefused as e:
        check(" 400 " in e.status + " ", e.status)
    w = svc.ws(origin=OTHER)
    check("readers" in w.call("listReaders")["result"], "allowed origin")
    w.close()


def t_malformed_messages(svc):
    w = svc.ws()
    garbage = ["{", "[]", "null", '"x"', '{"id":1}', '{"id":"1","method":"listReaders"}',
               '{"id":1,"method":"readBasic","params":{"waitMs":"soon"}}', "\u00ff" * 50,
               '{"id":1,"method":"listReaders"}{"id":2}', '{"a":' * 200]
    for g in garbage:
        w.send_raw(g)
        m = w.answer(None)
        check("error" in m, "%r: %s" % (g, m))
    w.send_raw(b"\x00\x01\x02binary", opcode=2)
    check("error" in w.answer(None), "binary frame")
    w.send_raw("x" * 5000)
    m = w.answer(None)
    check(m["error"]["code"] == "TOO_LARGE", m)
    w.send_raw('{"id":5,', fin=False)  # fragments are joined
    w.send_raw('"method":"listReaders"}', opcode=0)
    check("result" in w.answer(5), "fragmented request")
    w.close()
    check(svc.proc.poll() is None, "service died")


def t_no_apdu_no_pin(svc):
    w = svc.ws()
    check(w.call("transmitApdu", {"apdu": "00A4040000"})["error"]["code"] == "METHOD_NOT_FOUND", "apdu")
    check(w.call("verifyPin", {"pin": "123456"})["error"]["code"] == "METHOD_NOT_FOUND", "pin")
    m = w.call("verifyPinPad", {"pin": "123456"})
    check(m["error"]["code"] == "INVALID_PARAMS", m)
    m = w.call("verifyPinPad")  # the simulated reader has no PIN pad
    check(m["error"]["code"] == "PINPAD_UNAVAILABLE" and m["error"]["message_zh"], m)
    w.close()


def t_read_basic(svc):
    w = svc.ws()
    m = w.call("readBasic", {"waitMs": 2000})
    r = m["result"]
    check(r["name"] == NAME and r["ssn"] == SSN and r["authentication"] == "GENUINE", m)
    ct = subprocess.run([os.path.join(BUILD, "tools", "cardtool"), "-r", os.environ["SSCARD_SANDBOX_READER"],
                         "--json", "info", "--keystore", svc.keys], capture_output=True, text=True)
    info = json.loads(ct.stdout)
    for k in info:
        check(k in r and r[k] == info[k], "key %s: %r vs cardtool %r" % (k, r.get(k), info[k]))
    check(r["ministry"] == "110100|%s|A00000019|110100D15600000500A1B2C3D4E5F607|%s|"
          "00905431168660130425001C4E|3.00|20210315|20310315|||" % (SSN, NAME), r["ministry"])
    d = w.call("diagnose")["result"]
    check(d["verdict"] == "OK" and isinstance(d["reasons"], list), d)
    w.close()


def t_reader_busy_and_release(svc):
    a, b = svc.ws(), svc.ws()
    s1 = a.call("readBasicStep1")
    check("result" in s1, s1)  # a holds the reader until Step2
    m = b.call("readBasic")
    check(m["error"]["code"] == "READER_BUSY" and m["error"]["message_zh"], m)
    a.close()  # the page goes away mid-operation
    t = time.time()
    while True:
        m = b.call("readBasic")
        if "result" in m or time.time() - t > 2:
            break
        time.sleep(0.02)
    check("result" in m and m["result"]["name"] == NAME, "after close: %s" % m)
    check(time.time() - t < 1.0, "released after %.2f s" % (time.time() - t))
    b.close()


def t_cancel_timeout_events(svc):
    w, other = svc.ws(), svc.ws()
    harness.toggle_card()  # removed
    check(w.wait_event("cardRemoved")["reader"] == os.environ["SSCARD_SANDBOX_READER"], "event")
    other.wait_event("cardRemoved")  # every page gets it
    m = w.call("readBasic", {"waitMs": 300})
    check(m["error"]["code"] == "TIMEOUT", m)
    m = w.call("readBasic")
    check(m["error"]["code"] == "NO_CARD" and m["error"]["message_zh"] == "读卡器中没有卡", m)
    w.send_raw(json.dumps({"id": 50, "method": "readBasic", "params": {"waitMs": 15000}}))
    time.sleep(0.2)
    t = time.time()
    c = w.call("cancel", {"id": 50})
    check(c["result"]["cancelled"] == 1, c)
    m = w.answer(50)
    check(m["error"]["code"] == "CANCELLED" and time.time() - t < 1.5, m)
    w.send_raw(json.dumps({"id": 60, "method": "readBasic", "params": {"waitMs": 15000}}))
    time.sleep(0.2)
    harness.toggle_card()  # inserted: the waiting read goes on
    m = w.answer(60, skip_events=True)
    check(m.get("result", {}).get("card_number") == "A00000019", m)
    ev = other.wait_event("cardInserted")
    check(ev["atr"].startswith("3B"), ev)
    other.wait_event("cardDiagnosed")
    w.close()
    other.close()


def t_two_step(svc):
    w = svc.ws()
    check(w.call("readBasicStep2", {"pKey": "00" * 16 + "||"})["error"]["code"] == "NO_STEP1", "no step1")
    s1 = w.call("readBasicStep1")["result"]
    f = s1["ministry"].split("|")
    check(len(f) == 9 and f[0] == "110100" and f[2] == "03" and all(len(x) == 16 for x in f[4:8]), s1)
    pkey = harness.hsm_answer(BUILD, SRC, s1["ministry"])
    m = w.call("readBasicStep2", {"pKey": pkey})
    check("result" in m and m["result"]["name"] == NAME and m["result"]["authentication"] == "GENUINE", m)
    s1 = w.call("readBasicStep1")["result"]
    m = w.call("readBasicStep2", {"pKey": harness.hsm_answer(BUILD, SRC, s1["ministry"], flip=True)})
    check(m["error"]["code"] == "KEYS_MISMATCH", m)
    s1 = w.call("readBasicStep1")["result"]
    stale = pkey  # the answer to an earlier Step1
    check(w.call("readBasicStep2", {"pKey": stale})["error"]["code"] == "INVALID_PARAMS", "stale")
    w.close()


def t_vendor_shim(svc):
    w = svc.ws()
    w.send_raw(json.dumps({"function": "iReadCardBas", "iType": 1}))
    m = w.answer(None)
    check(m["function"] == "iReadCardBas" and m["result"] == 0 and m["pOutInfo"].split("|")[1] == SSN, m)
    w.close()


def t_rate_limit(svc):
    w = svc.ws()
    for i in range(100):
        w.send_raw(json.dumps({"id": 1000 + i, "method": "cancel"}))
    codes = [w.recv() for _ in range(100)]
    limited = [m for m in codes if "error" in m and m["error"]["code"] == "RATE_LIMITED"]
    check(10 < len(limited) < 100, "%d limited" % len(limited))
    check(sorted(m["id"] for m in codes) == list(range(1000, 1100)), "every answer names its request")
    time.sleep(1.1)
    check("result" in w.call("cancel"), "after a pause")
    w.close()


def t_connection_limit(svc):
    pages = [svc.ws() for _ in range(12)]
    try:
        svc.ws()
        check(False, "13th page accepted")
    except wsclient.HandshakeRefused as e:
        check(" 503 " in e.status + " ", e.status)
    for p in pages:
        p.close()
    time.sleep(0.3)
    svc.ws().close()


def t_concurrent_pages(svc):
    """Pages listing readers and reading at once: every request answered,
    the service alive (pcsc-lite's client crashed on concurrent listings)."""
    import threading
    bad = []

    def page(method, n):
        try:
            w = svc.ws()
            for _ in range(n):
                m = w.call(method)
                if "result" not in m and m["error"]["code"] not in ("READER_BUSY", "RATE_LIMITED"):
                    bad.append(m)
            w.close()
        except Exception as e:  # noqa: BLE001 -- a page that fails is the finding
            bad.append(repr(e))
    threads = [threading.Thread(target=page, args=("listReaders", 100)) for _ in range(8)]
    threads += [threading.Thread(target=page, args=("readBasic", 30)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not bad and svc.proc.poll() is None, bad[:3])


def t_metrics(svc):
    st, h, body = wsclient.http_get(svc.port, "/metrics")
    check(st == 200 and h["content-type"].startswith("text/plain; version=0.0.4"), h)
    for pat in (r'sscardd_reads_total\{result="ok"\} [1-9]', r'sscardd_errors_total\{code="READER_BUSY"\} [1-9]',
                r'sscardd_verdicts_total\{verdict="OK",reason="HOLDER_DATA_PROTECTED"\} [1-9]',
                r"sscardd_readers_present 1\n", r'sscardd_rejected_total\{reason="origin"\} [1-9]',
                r'sscardd_operation_seconds_bucket\{method="readBasic",le="\+Inf"\} [1-9]'):
        check(re.search(pat, body), "metrics lack %s" % pat)
    check(SSN not in body and NAME not in body, "personal data in metrics")


def t_log_clean(svc):
    log = svc.log()
    check("readBasic: OK" in log, "the log says nothing")
    secrets = (SSN, NAME, "A00000019")
    for secret in secrets:
        check(secret not in log, "%s in the log" % secret)
    check(all(re.match(r"^<[0-7]>", l) for l in log.splitlines() if l), "not journald priority lines")


def t_psam_keys(svc):
    """The PSAM in the second slot opens EF06 and is never served to pages."""
    w = svc.ws()
    readers = [r["name"] for r in w.call("listReaders")["result"]["readers"]]
    check(readers == [os.environ["SSCARD_SANDBOX_READER"]], readers)
    r = w.call("readBasic")["result"]
    check(r["name"] == NAME and r["authentication"] == "GENUINE", r)
    m = w.call("readBasic", {"reader": os.environ["SSCARD_SANDBOX_READER2"]})
    check(m["error"]["code"] == "NO_READER", m)  # the PSAM slot is no reader for pages
    w.close()


def main_psam():
    svc = harness.Service(BUILD, SRC, "psam = %s\n" % os.environ["SSCARD_SANDBOX_READER2"], keystore=False)
    wait_kiosk(svc)
    try:
        harness.run([t_psam_keys, t_log_clean, lambda s: check(s.stop() == 0, "exit status")], svc)
    finally:
        if svc.stop() != 0:
            print(svc.log()[-3000:])
            sys.exit(1)


def main():
    if len(sys.argv) > 3 and sys.argv[3] == "psam":
        main_psam()
        return
    svc = harness.Service(BUILD, SRC, "origin = %s\nvendor_shim = yes\nmax_connections = 12\n" % OTHER)
    wait_kiosk(svc)
    checks = [t_loopback_only, t_status, t_pages, t_host_header, t_origin_http, t_simple_request_refused,
              t_preflight, t_origin_ws, t_malformed_messages, t_no_apdu_no_pin, t_read_basic,
              t_reader_busy_and_release, t_cancel_timeout_events, t_two_step, t_vendor_shim,
              t_rate_limit, t_connection_limit, t_concurrent_pages, t_metrics, t_log_clean,
              lambda s: t_step1_expires()]
    try:
        harness.run(checks + [lambda s: check(s.stop() == 0, "exit status %s" % s.stop())], svc)
    finally:
        if svc.stop() != 0:
            print(svc.log()[-3000:])
            sys.exit(1)


if __name__ == "__main__":
    main()
