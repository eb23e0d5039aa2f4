// SPDX-License-Identifier: LGPL-2.1-or-later
// The kiosk page of sscardd (served at /ui/, same origin): "请插入社保卡",
// then the holder's name and card number, or the diagnosis verdict with
// the counter's action; cleared when the card is removed.
"use strict";

const VERDICT_ZH = {
  OK: "卡片正常",
  ATTENTION: "卡片需要处理",
  REPLACE: "卡片需要补换(请办理补换卡)",
  NOT_SSC: "这不是社会保障卡",
  NO_CARD: "未检测到卡片",
};

const $ = (id) => document.getElementById(id);
let ws = null;
let nextId = 1;
const pending = new Map();

function setState(state, status) {
  $("kiosk").dataset.state = state;
  $("status").textContent = status;
}

function clearCard() {
  $("holder").hidden = true;
  $("diagnosis").hidden = true;
  $("name").textContent = "";
  $("card-number").textContent = "";
  $("verdict").textContent = "";
  $("actions").replaceChildren();
  $("reader").textContent = "";
  setState("idle", "请插入社保卡");
}

function call(method, params) {
  const id = nextId++;
  ws.send(JSON.stringify({ id, method, params: params || {} }));
  return new Promise((resolve) => pending.set(id, resolve));
}

function showError(err) {
  setState("error", err.message_zh + "(" + err.code + ")");
}

function showHolder(result) {
  $("name").textContent = result.name || "(未读取)";
  $("card-number").textContent = result.card_number || "";
  $("holder").hidden = false;
  setState("holder", "读卡成功");
}

function showVerdict(diag) {
  $("verdict").textContent = VERDICT_ZH[diag.verdict] || diag.verdict;
  const list = $("actions");
  list.replaceChildren();
  for (const r of diag.reasons) {
    if (r.verdict === "OK") continue;
    const li = document.createElement("li");
    li.textContent = r.action_zh;
    list.appendChild(li);
  }
  $("diagnosis").hidden = false;
  setState(diag.verdict.toLowerCase(), "请到服务窗口办理");
}

// A diagnosed card: a healthy one is read, any other shows its verdict.
async function onDiagnosed(diag) {
  $("reader").textContent = diag.reader || "";
  if (diag.verdict !== "OK") {
    showVerdict(diag);
    return;
  }
  setState("reading", "正在读卡,请稍候…");
  const answer = await call("readBasic", { reader: diag.reader });
  if ($("kiosk").dataset.state !== "reading") return; // removed meanwhile
  if (answer.error) showError(answer.error);
  else showHolder(answer.result);
}

const EVENTS = {
  cardInserted: () => setState("reading", "正在检查卡片,请稍候…"),
  cardDiagnosed: onDiagnosed,
  cardRemoved: clearCard,
  readerRemoved: clearCard,
  readerAdded: () => {},
};

function onMessage(msg) {
  const data = JSON.parse(msg.data);
  if (data.event) {
    const fn = EVENTS[data.event];
    if (fn) fn(data);
    return;
  }
  const resolve = pending.get(data.id);
  pending.delete(data.id);
  if (resolve) resolve(data);
}

// A card already in the reader when the page opens is diagnosed at once.
async function onOpen() {
  clearCard();
  const answer = await call("listReaders");
  const reader = answer.result && answer.result.readers.find((r) => r.cardPresent);
  if (!reader) return;
  setState("reading", "正在检查卡片,请稍候…");
  const diag = await call("diagnose", { reader: reader.name });
  if (diag.error) showError(diag.error);
  else onDiagnosed(Object.assign({ reader: reader.name }, diag.result));
}

function connect() {
  ws = new WebSocket("ws://" + location.host + "/v1/ws", "sscard.v1");
  ws.onopen = onOpen;
  ws.onmessage = onMessage;
  ws.onclose = () => {
    setState("connecting", "正在连接读卡服务…");
    setTimeout(connect, 1000);
  };
}

connect();
