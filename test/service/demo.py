# SPDX-License-Identifier: LGPL-2.1-or-later
"""scripts/quickstart's look at sscardd: what a web page sees.
  python3 test/service/demo.py PORT"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wsclient  # noqa: E402

port = int(sys.argv[1])
for _ in range(100):
    try:
        status = wsclient.http_get(port, "/v1/status")
        break
    except OSError:
        time.sleep(0.05)
print("GET /v1/status ->", status[0], status[2])
w = wsclient.WS(port, origin="http://127.0.0.1:%d" % port)
for method, params in (("listReaders", None), ("readBasic", {"waitMs": 2000}), ("diagnose", None)):
    print("%s ->" % method, json.dumps(w.call(method, params), ensure_ascii=False))
w.close()
print("kiosk page: http://127.0.0.1:%d/ui/ (screenshots: doc/sscardd-kiosk-*.png)" % port)
