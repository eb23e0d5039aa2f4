# SPDX-License-Identifier: LGPL-2.1-or-later
"""sscardd bench (meson test --suite bench), inside the private pcscd
sandbox with the healthy 3.0 card and the terminal keystore:
  1. readBasic round trip through the service vs `cardtool info --keystore`
     (both authenticate and read the whole card);
  2. requests per second held by N concurrent pages (1, 4, 16), for
     listReaders and for readBasic on the one reader: every request must
     be answered, and the only error allowed is READER_BUSY (one operation
     per reader at a time).

  sandbox.sh --profile vectors/cards/healthy-v3.json -- python3 bench_sscardd.py BUILD SRC [SECONDS]
"""
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

BUILD, SRC = sys.argv[1], sys.argv[2]
SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0


def ms(samples):
    s = sorted(samples)
    return "median %.2f ms, p95 %.2f ms (n=%d)" % (statistics.median(s) * 1000,
                                                   s[int(len(s) * 0.95) - 1] * 1000, len(s))


def round_trip(svc):
    w = svc.ws()
    times = []
    for _ in range(100):
        t = time.perf_counter()
        r = w.call("readBasic")
        times.append(time.perf_counter() - t)
        assert r["result"]["authentication"] == "GENUINE", r
    w.close()
    ct = [os.path.join(BUILD, "tools", "cardtool"), "-r", os.environ["SSCARD_SANDBOX_READER"], "--json",
          "info", "--keystore", svc.keys]
    ctimes = []
    for _ in range(30):
        t = time.perf_counter()
        subprocess.run(ct, check=True, capture_output=True)
        ctimes.append(time.perf_counter() - t)
    print("readBasic through sscardd (WebSocket, one page): " + ms(times))
    print("cardtool info --keystore (a process per read):   " + ms(ctimes))


def page(svc, method, stop, counts, lock):
    ok = busy = other = 0
    try:
        w = svc.ws()
        while not stop.is_set():
            r = w.call(method)
            if "result" in r:
                ok += 1
            elif r["error"]["code"] == "READER_BUSY":
                busy += 1
            else:
                other += 1
        w.close()
    except (OSError, harness.wsclient.HandshakeRefused) as e:
        print("page failed: %r" % e)
        other += 1
    with lock:
        counts["ok"] += ok
        counts["busy"] += busy
        counts["other"] += other


def concurrent(svc, method, n):
    stop, lock = threading.Event(), threading.Lock()
    counts = {"ok": 0, "busy": 0, "other": 0}
    threads = [threading.Thread(target=page, args=(svc, method, stop, counts, lock)) for _ in range(n)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    time.sleep(SECONDS)
    stop.set()
    for th in threads:
        th.join()
    secs = time.perf_counter() - t
    total = counts["ok"] + counts["busy"] + counts["other"]
    print("%-11s %2d pages: %7.0f answers/s, %7.0f results/s, READER_BUSY %5.1f%%, other errors %d"
          % (method, n, total / secs, counts["ok"] / secs, 100.0 * counts["busy"] / max(total, 1),
             counts["other"]))
    return counts["other"]


def main():
    svc = harness.Service(BUILD, SRC, "kiosk = no\nmax_connections = 32\nrate = 10000\n")
    errors = 0
    try:
        round_trip(svc)
        for method in ("listReaders", "readBasic"):
            for n in (1, 4, 16):
                errors += concurrent(svc, method, n)
    finally:
        rc = svc.stop()
        if errors or rc != 0:
            print("sscardd exit status %s; its log:\n%s" % (rc, svc.log()[-3000:]))
    sys.exit(1 if errors or rc != 0 else 0)


if __name__ == "__main__":
    main()
