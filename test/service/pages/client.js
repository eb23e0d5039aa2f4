// SPDX-License-Identifier: LGPL-2.1-or-later
// What a web HIS page does with sscardd, driven by test_browser.py:
// window.svc.open(port), .call(method, params), .status(port).
"use strict";

window.svc = (() => {
  let ws = null;
  let nextId = 1;
  const pending = new Map();
  const events = [];

  function open(port) {
    return new Promise((resolve) => {
      ws = new WebSocket("ws://127.0.0.1:" + port + "/v1/ws", "sscard.v1");
      ws.onopen = () => resolve("open");
      ws.onerror = () => resolve("refused");
      ws.onmessage = (m) => {
        const data = JSON.parse(m.data);
        if (data.event) { events.push(data); return; }
        const done = pending.get(data.id);
        pending.delete(data.id);
        if (done) done(data);
      };
    });
  }

  function call(method, params) {
    const id = nextId++;
    ws.send(JSON.stringify({ id, method, params: params || {} }));
    return new Promise((resolve) => pending.set(id, resolve));
  }

  // Many requests at once; every one must be answered.
  function burst(method, params, n) {
    const all = [];
    for (let i = 0; i < n; i++) all.push(call(method, params));
    return Promise.all(all);
  }

  async function status(port) {
    try {
      const r = await fetch("http://127.0.0.1:" + port + "/v1/status",
                            { headers: { "Content-Type": "application/json" } });
      return { status: r.status, body: await r.json() };
    } catch (e) {
      return { error: String(e) };
    }
  }

  return { open, call, burst, status, events };
})();
