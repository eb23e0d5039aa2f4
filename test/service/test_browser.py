# SPDX-License-Identifier: LGPL-2.1-or-later
"""sscardd in a real browser (issue #17): Debian's chromium, headless,
driven by python3-selenium with the binary and the driver set explicitly
(nothing is downloaded), through the private pcscd + vpcd + cardsim
sandbox.

  sandbox.sh --profile vectors/cards/healthy-v3.json -- /usr/bin/python3 test_browser.py BUILD SRC kiosk
  sandbox.sh --profile vectors/cards/expired.json    -- /usr/bin/python3 test_browser.py BUILD SRC replace

Screenshots of the kiosk page go to $SSCARDD_SCREENSHOTS (default
BUILD/test/service/screenshots); doc/ keeps a copy of them.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service as ChromeService  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BUILD, SRC, SCENARIO = sys.argv[1], sys.argv[2], sys.argv[3]
NAME, CARD = "张三", "A00000019"
SHOTS = os.environ.get("SSCARDD_SCREENSHOTS", os.path.join(BUILD, "test", "service", "screenshots"))
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1000,640", "--lang=zh-CN"]


def browser(profile_dir):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for f in FLAGS + ["--user-data-dir=" + profile_dir]:
        opts.add_argument(f)
    return webdriver.Chrome(service=ChromeService(executable_path="/usr/bin/chromedriver"), options=opts)


class Pages:
    """A web server for the test pages on an allowed and on a foreign origin."""

    def __init__(self):
        self.allowed, self.foreign = harness.free_port(), harness.free_port()
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pages")
        self.procs = [subprocess.Popen([sys.executable, "-m", "http.server", str(p), "--bind", "127.0.0.1",
                                        "--directory", root], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL) for p in (self.allowed, self.foreign)]
        for p in (self.allowed, self.foreign):
            deadline = time.time() + 10
            while time.time() < deadline:
                try:
                    harness.wsclient.http_get(p, "/client.html")
                    break
                except OSError:
                    time.sleep(0.05)

    def url(self, port):
        return "http://127.0.0.1:%d/client.html" % port

    def stop(self):
        for p in self.procs:
            p.terminate()
            p.wait()


def js(drv, script, *args):
    """Run an async page function: `script` ends by calling done(value)."""
    return drv.execute_async_script("const done = arguments[arguments.length - 1];" + script, *args)


def text_of(drv, elem_id):
    return drv.find_element(By.ID, elem_id).text


def wait_for(drv, fn, what, seconds=15):
    try:
        WebDriverWait(drv, seconds, poll_frequency=0.05).until(lambda d: fn(d))
    except Exception as e:
        raise AssertionError("%s (status: %r)" % (what, text_of(drv, "status"))) from e


def shot(drv, name):
    os.makedirs(SHOTS, exist_ok=True)
    drv.save_screenshot(os.path.join(SHOTS, name))


# ---- the kiosk scenario (healthy 3.0 card) --------------------------------

def t_kiosk_holder_and_clear(ctx):
    drv, svc = ctx["drv"], ctx["svc"]
    drv.get("http://127.0.0.1:%d/ui/" % svc.port)
    wait_for(drv, lambda d: text_of(d, "name") == NAME and text_of(d, "card-number") == CARD,
             "holder on the kiosk page")
    shot(drv, "sscardd-kiosk-holder.png")
    harness.toggle_card()  # removed
    wait_for(drv, lambda d: text_of(d, "status") == "请插入社保卡" and text_of(d, "name") == "", "cleared")
    shot(drv, "sscardd-kiosk-idle.png")
    harness.toggle_card()  # inserted: cardInserted -> cardDiagnosed -> readBasic
    wait_for(drv, lambda d: text_of(d, "name") == NAME, "holder after insertion")
    drv.get("about:blank")


def t_allowed_origin_reads(ctx):
    drv, svc, pages = ctx["drv"], ctx["svc"], ctx["pages"]
    drv.get(pages.url(pages.allowed))
    check(js(drv, "svc.open(arguments[0]).then(done)", svc.port) == "open", "allowed page refused")
    st = js(drv, "svc.status(arguments[0]).then(done)", svc.port)
    check(st.get("status") == 200 and st["body"]["service"] == "sscardd", st)
    r = js(drv, "svc.call('readBasic', {waitMs: 2000}).then(done)")
    check(r["result"]["name"] == NAME and r["result"]["card_number"] == CARD, r)
    check(r["result"]["ministry"].split("|")[4] == NAME, r)


def t_foreign_origin_refused(ctx):
    drv, svc, pages = ctx["drv"], ctx["svc"], ctx["pages"]
    drv.get(pages.url(pages.foreign))
    check(js(drv, "svc.open(arguments[0]).then(done)", svc.port) == "refused", "foreign page connected")
    st = js(drv, "svc.status(arguments[0]).then(done)", svc.port)
    check("error" in st, "foreign page read the status: %s" % st)


def t_two_pages_busy_nothing_lost(ctx):
    drv, svc, pages = ctx["drv"], ctx["svc"], ctx["pages"]
    drv.get(pages.url(pages.allowed))
    a = drv.current_window_handle
    check(js(drv, "svc.open(arguments[0]).then(done)", svc.port) == "open", "page A")
    s1 = js(drv, "svc.call('readBasicStep1').then(done)")["result"]  # A holds the reader
    drv.switch_to.new_window("tab")
    b = drv.current_window_handle
    drv.get(pages.url(pages.allowed))
    check(js(drv, "svc.open(arguments[0]).then(done)", svc.port) == "open", "page B")
    answers = js(drv, "svc.burst('readBasic', {}, 10).then(done)")
    check(len(answers) == 10 and all(m["error"]["code"] == "READER_BUSY" for m in answers), answers)
    drv.switch_to.window(a)  # A finishes: its read is whole
    pkey = harness.hsm_answer(BUILD, SRC, s1["ministry"])
    r = js(drv, "svc.call('readBasicStep2', {pKey: arguments[0]}).then(done)", pkey)
    check(r["result"]["name"] == NAME and r["result"]["authentication"] == "GENUINE", r)
    drv.switch_to.window(b)  # now B: every one of ten answered, each whole or busy
    answers = js(drv, "svc.burst('readBasic', {}, 10).then(done)")
    ok = [m for m in answers if "result" in m]
    check(len(answers) == 10 and ok and all(m["result"]["name"] == NAME for m in ok), answers)
    check(all("result" in m or m["error"]["code"] == "READER_BUSY" for m in answers), answers)
    drv.close()
    drv.switch_to.window(a)


def t_closing_page_frees_reader(ctx):
    drv, svc, pages = ctx["drv"], ctx["svc"], ctx["pages"]
    b = drv.current_window_handle
    drv.get(pages.url(pages.allowed))
    check(js(drv, "svc.open(arguments[0]).then(done)", svc.port) == "open", "page B")
    drv.switch_to.new_window("tab")
    drv.get(pages.url(pages.allowed))
    check(js(drv, "svc.open(arguments[0]).then(done)", svc.port) == "open", "page A")
    check("result" in js(drv, "svc.call('readBasicStep1').then(done)"), "A holds the reader")
    drv.switch_to.window(b)
    check(js(drv, "svc.call('readBasic').then(done)")["error"]["code"] == "READER_BUSY", "B busy")
    drv.switch_to.window(drv.window_handles[-1])
    drv.close()  # A goes away in the middle of its two-step read
    drv.switch_to.window(b)
    t = time.time()
    r = js(drv, "(async () => { for (;;) { const r = await svc.call('readBasic');"
                " if (r.result || r.error.code !== 'READER_BUSY') return r;"
                " await new Promise(f => setTimeout(f, 20)); } })().then(done)")
    check(r.get("result", {}).get("name") == NAME and time.time() - t < 2.0, (r, time.time() - t))


def t_two_step_in_browser(ctx):
    drv, svc, pages = ctx["drv"], ctx["svc"], ctx["pages"]
    drv.get(pages.url(pages.allowed))
    check(js(drv, "svc.open(arguments[0]).then(done)", svc.port) == "open", "page")
    s1 = js(drv, "svc.call('readBasicStep1').then(done)")["result"]
    f = s1["ministry"].split("|")
    check(f[0] == "110100" and f[2] == "03" and len(f[6]) == 16, s1)
    pkey = harness.hsm_answer(BUILD, SRC, s1["ministry"])  # the security module sees Step1 only
    r = js(drv, "svc.call('readBasicStep2', {pKey: arguments[0]}).then(done)", pkey)
    check(r["result"]["name"] == NAME and r["result"]["ssn"] == "110101198101011117", r)


# ---- the replace scenario (an expired card) -------------------------------

def t_kiosk_replace(ctx):
    drv, svc = ctx["drv"], ctx["svc"]
    drv.get("http://127.0.0.1:%d/ui/" % svc.port)
    wait_for(drv, lambda d: "补换" in text_of(d, "verdict"), "the replacement verdict")
    actions = [li.text for li in drv.find_elements(By.CSS_SELECTOR, "#actions li")]
    check(actions and all(actions), actions)
    check(drv.find_element(By.ID, "kiosk").get_attribute("data-state") == "replace", "state")
    check(text_of(drv, "name") == "", "a REPLACE card shows no holder")
    shot(drv, "sscardd-kiosk-replace.png")


SCENARIOS = {
    "kiosk": [t_kiosk_holder_and_clear, t_allowed_origin_reads, t_foreign_origin_refused,
              t_two_pages_busy_nothing_lost, t_closing_page_frees_reader, t_two_step_in_browser],
    "replace": [t_kiosk_replace],
}


def main():
    pages = Pages()
    svc = harness.Service(BUILD, SRC, "origin = http://127.0.0.1:%d\n" % pages.allowed)
    profile = tempfile.mkdtemp(prefix="sscardd-chromium-")
    drv = browser(profile)
    drv.set_script_timeout(30)
    ctx = {"drv": drv, "svc": svc, "pages": pages}
    status = 0
    try:
        checks = SCENARIOS[SCENARIO] + [lambda c: check("张三" not in svc.log() and
                                                        "110101198101011117" not in svc.log(), "log")]
        try:
            harness.run(checks, ctx)
        except SystemExit as e:
            status = e.code or 0
    finally:
        drv.quit()
        pages.stop()
        shutil.rmtree(profile, ignore_errors=True)
        rc = svc.stop()
        if rc != 0 or status != 0:
            print("sscardd exit status %s; its log:\n%s" % (rc, svc.log()[-4000:]))
            status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
