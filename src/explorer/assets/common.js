// supportsim explorer, the page's shared parts: its state and small helpers. Plain JavaScript, no libraries;
// every name a user typed is put on the page as text (textContent), never as HTML. The server checks
// everything; the page shows its problems next to the fields they name. Scripts load in order: common.js,
// town.js, options.js, answer.js, app.js.
"use strict";

const PALETTE = { baseline: "#0072b2", scenario: "#d55e00", zero: "#555" };
const state = {
  start: null, town: null, vocab: null, options: [], groups: [], answers: [],
  page: Math.random().toString(36).slice(2), job: null, source: null, levelsSource: null,
};


// ---- small helpers --------------------------------------------------------------------------------------
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}
const $ = (id) => document.getElementById(id);
const clone = (x) => JSON.parse(JSON.stringify(x));
const pct = (x) => (Number.isFinite(x) ? (100 * x).toFixed(1) + "%" : "–");
const signed = (x, d) => (x >= 0 ? "+" : "-") + Math.abs(x).toFixed(d);
const slug = (s) => (s || "option").toLowerCase().replace(/[^a-z0-9_.-]+/g, "_").replace(/^[_.-]+|_+$/g, "").slice(0, 60) || "option";

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch (_) { data = { message: res.statusText }; }
  return { ok: res.ok, status: res.status, data };
}

function debounce(fn, ms) {
  let t = null;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}
