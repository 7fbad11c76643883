// supportsim explorer: the page. Plain JavaScript, no libraries; every name a user typed is put on the page
// as text (textContent), never as HTML. The server checks everything; the page shows its problems next to
// the fields they name.
"use strict";

const PALETTE = { baseline: "#0072b2", scenario: "#d55e00", zero: "#555" };
const state = {
  start: null, town: null, vocab: null, options: [], groups: [], answers: [],
  page: Math.random().toString(36).slice(2), job: null, source: null, levelsJob: null,
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

// ---- the town -------------------------------------------------------------------------------------------
function getPath(obj, path) {
  return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
}
function setPath(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) { if (o[k] == null) o[k] = {}; o = o[k]; }
  const last = keys[keys.length - 1];
  if (value === undefined) delete o[last]; else o[last] = value;
}
// The server's path of a town key: venues.2.capacity → venues[2].capacity
const serverPath = (p) => p.replace(/\.(\d+)/g, "[$1]");

function input(path, kind, label, extra) {
  const value = getPath(state.town, path);
  const attrs = { "data-path": serverPath(path), "aria-label": label, class: (extra && extra.class) || null };
  let e;
  if (kind === "select") {
    e = el("select", attrs, extra.choices.map((c) => el("option", { value: c, text: c, selected: c === value })));
  } else if (kind === "checkbox") {
    e = el("input", Object.assign(attrs, { type: "checkbox", checked: value !== false }));
  } else {
    e = el("input", Object.assign(attrs, { type: kind === "number" ? "number" : "text", value: value ?? "", step: "any" }));
  }
  e.addEventListener("change", () => {
    let v;
    if (kind === "checkbox") v = e.checked;
    else if (kind === "number") v = e.value.trim() === "" ? undefined : Number(e.value);
    else if (extra && extra.parse) v = extra.parse(e.value);
    else v = e.value;
    setPath(state.town, path, v);
    townChanged();
  });
  return e;
}

const parseDays = (s) => s.split(/[\s,]+/).filter(Boolean);
const showDays = (a) => (Array.isArray(a) ? a.join(" ") : "");
function parseRituals(s) {
  const out = {};
  for (const part of s.split(",").map((x) => x.trim()).filter(Boolean)) {
    const [day, ritual] = part.split(/\s+/);
    out[day] = ritual === undefined ? "" : ritual;
  }
  return out;
}
const showRituals = (t) => Object.entries(t || {}).map(([d, r]) => d + " " + r).join(", ");

function renderSettings() {
  const box = $("settings");
  box.replaceChildren(
    el("label", {}, "Town name", input("name", "text", "Town name", { class: "name" })),
    el("label", {}, "People", input("population.n_agents", "number", "People in the town")),
    el("label", {}, "Service users (share)", input("population.service_user_share", "number", "Share of service users")),
    el("label", {}, "Days run", input("run.days", "number", "Days run")),
    el("label", {}, "Warm-up days", input("run.burn_in_days", "number", "Warm-up days before any option")),
    el("label", {}, "Replicates", input("run.replicates", "number", "Replicates")),
    el("label", {}, "Seed", input("run.seed", "number", "Seed")),
  );
}

function levelCell(levels, metric) {
  const c = levels && levels.levels.find((l) => l.metric === metric);
  return el("td", { class: "num" }, c ? c.text : "…");
}

function renderDistricts() {
  const t = $("districts");
  const head = el("tr", {}, ["District", "Population share", "Budget (NOK)", "Group", "Lonely", "In crisis",
    "Went to a venue", ""].map((h) => el("th", { text: h })));
  const rows = [head];
  (state.town.districts || []).forEach((d, i) => {
    const lv = (state.levels || []).filter((l) => l.district === d.name);
    const span = 2;
    const first = el("tr", {},
      el("td", { rowspan: span }, input(`districts.${i}.name`, "text", `District ${i + 1} name`, { class: "name" })),
      el("td", { rowspan: span }, input(`districts.${i}.population_share`, "number", `${d.name} population share`)),
      el("td", { rowspan: span }, input(`districts.${i}.budget_nok`, "number", `${d.name} budget`)),
      el("td", { text: "everyone" }), levelCell(lv[0], "lonely_share"), levelCell(lv[0], "crisis_share"),
      levelCell(lv[0], "attended_share"),
      el("td", { rowspan: span }, el("button", { type: "button", "aria-label": `Remove district ${d.name}`, text: "Remove",
        onclick: () => { state.town.districts.splice(i, 1); townChanged(true); } })));
    const second = el("tr", {}, el("td", { text: "service users" }), levelCell(lv[1], "lonely_share"),
      levelCell(lv[1], "crisis_share"), levelCell(lv[1], "attended_share"));
    rows.push(first, second);
  });
  t.replaceChildren(...rows);
}

function renderVenues() {
  const t = $("venues");
  const v = state.vocab;
  const districts = (state.town.districts || []).map((d) => d.name);
  const head = el("tr", {}, ["Name", "Kind", "District", "Open days", "Rituals", "Capacity", "Openness", "Fee (NOK)",
    "Professionals", "Volunteers", "Budget (NOK)", "Full budget (NOK)", "Service level", "Open", ""]
    .map((h) => el("th", { text: h })));
  const rows = [head];
  (state.town.venues || []).forEach((venue, i) => {
    const p = `venues.${i}`;
    const level = (state.serviceLevels || {})[venue.name];
    rows.push(el("tr", {},
      el("td", {}, input(`${p}.name`, "text", `Venue ${i + 1} name`, { class: "name" })),
      el("td", {}, input(`${p}.kind`, "select", `${venue.name} kind`, { choices: v.kinds })),
      el("td", {}, input(`${p}.district`, "select", `${venue.name} district`, { choices: districts })),
      el("td", {}, daysInput(p, venue)),
      el("td", {}, ritualsInput(p, venue)),
      el("td", {}, input(`${p}.capacity`, "number", `${venue.name} capacity`, { class: "short" })),
      el("td", {}, input(`${p}.openness`, "number", `${venue.name} openness`, { class: "short" })),
      el("td", {}, input(`${p}.cost_nok`, "number", `${venue.name} fee`, { class: "short" })),
      el("td", {}, input(`${p}.professionals`, "number", `${venue.name} professionals`, { class: "short" })),
      el("td", {}, input(`${p}.volunteers`, "number", `${venue.name} volunteers`, { class: "short" })),
      el("td", {}, input(`${p}.budget_nok`, "number", `${venue.name} budget`)),
      el("td", {}, input(`${p}.budget_full_nok`, "number", `${venue.name} full budget`)),
      el("td", { class: "num", text: level === undefined ? "…" : pct(level) }),
      el("td", {}, input(`${p}.open`, "checkbox", `${venue.name} open at the start`)),
      el("td", {}, el("button", { type: "button", "aria-label": `Remove venue ${venue.name}`, text: "Remove",
        onclick: () => { state.town.venues.splice(i, 1); townChanged(true); } }))));
  });
  t.replaceChildren(...rows);
}

function daysInput(p, venue) {
  const e = el("input", { type: "text", class: "days", "data-path": serverPath(`${p}.open_days`),
    "aria-label": `${venue.name} open days`, value: showDays(venue.open_days) });
  e.addEventListener("change", () => { setPath(state.town, `${p}.open_days`, parseDays(e.value)); townChanged(); });
  return e;
}
function ritualsInput(p, venue) {
  const e = el("input", { type: "text", class: "days", "data-path": serverPath(`${p}.rituals`),
    "aria-label": `${venue.name} rituals`, value: showRituals(venue.rituals) });
  e.addEventListener("change", () => { setPath(state.town, `${p}.rituals`, parseRituals(e.value)); townChanged(); });
  return e;
}

function renderTown() {
  renderSettings();
  renderDistricts();
  renderVenues();
  renderOptions();
}

// Shows problems next to the fields their paths name (or the nearest enclosing one), inside `box`.
function showProblems(box, problems, list, mapPath) {
  box.querySelectorAll(".problem").forEach((p) => p.remove());
  box.querySelectorAll(".invalid").forEach((p) => { p.classList.remove("invalid"); p.removeAttribute("aria-invalid"); });
  list.replaceChildren();
  problems.forEach((pr, k) => {
    let path = mapPath ? mapPath(pr.path) : pr.path;
    let target = null;
    while (path && !target) {
      target = box.querySelector(`[data-path="${CSS.escape(path)}"]`);
      if (!target) path = path.replace(/(\.[^.[\]]+|\[\d+\])$/, "") === path ? "" : path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
    }
    const id = `problem-${box.id}-${k}`;
    const msg = el("span", { class: "problem", id, text: pr.message });
    if (target) {
      target.classList.add("invalid");
      target.setAttribute("aria-invalid", "true");
      target.setAttribute("aria-describedby", id);
      target.after(msg);
    } else {
      list.append(el("span", { class: "problem", text: (pr.path ? pr.path + ": " : "") + pr.message }));
    }
  });
}

let checkSeq = 0;
async function checkTown() {
  const seq = ++checkSeq;
  const r = await api("/api/check", { town: state.town, events: [] });
  if (seq !== checkSeq) return;
  const problems = r.ok ? r.data.problems : [{ path: "", message: r.data.message }];
  state.townOk = problems.length === 0;
  if (state.townOk) {
    state.groups = r.data.groups;
    state.serviceLevels = Object.fromEntries(r.data.venues.map((v) => [v.name, v.service_level]));
    renderVenues();
    renderOptions();
  }
  showProblems($("town-panel"), problems, $("problems"));
  $("town-status").textContent = state.townOk ? "The town is valid." :
    `${problems.length} problem${problems.length === 1 ? "" : "s"} in the town: see the marked fields.`;
}
const checkSoon = debounce(checkTown, 200);

function townChanged(rerender) {
  state.levels = null;
  if (rerender) renderTown();
  else renderDistricts();
  checkSoon();
}

// ---- options --------------------------------------------------------------------------------------------
const WITH_END = { close_venue: "reopens", set_budget: "budget back", set_fee: "fee back", remove_fee: "fee back",
  activity_subsidy: "ends", anti_stigma_campaign: "ends", lockdown: "ends" };
const NEEDS_END = ["anti_stigma_campaign", "lockdown"];
const venueOf = (name) => (state.town.venues || []).find((v) => v.name === name);

function uiEvent(raw) {
  const e = { action: raw.action, day: raw.day ?? 182, end: null, venue: raw.venue, note: raw.note };
  if (raw.action === "set_budget") {
    const v = venueOf(raw.venue);
    const today = v && v.budget_nok ? v.budget_nok : 1;
    e.pct = raw.factor !== undefined ? 100 * raw.factor : Math.round((100 * (raw.amount ?? today)) / today);
  }
  for (const k of ["cost_nok", "role", "count", "group", "amount_weekly_nok", "strength", "delta", "district"]) {
    if (raw[k] !== undefined) e[k] = raw[k];
  }
  if (raw.duration_days !== undefined) e.end = e.day + raw.duration_days;
  return e;
}

// The scenario's events of an option, and for each the option's event it came from.
function buildEvents(option) {
  const events = [], from = [];
  option.events.forEach((e, i) => {
    const base = { day: e.day, action: e.action };
    if (e.note) base.note = e.note;
    const push = (ev, role) => { events.push(ev); from.push([i, role]); };
    const v = venueOf(e.venue);
    switch (e.action) {
      case "close_venue": case "open_venue": case "remove_fee":
        push(Object.assign(base, { venue: e.venue }), "main");
        break;
      case "set_budget":
        push(Object.assign(base, { venue: e.venue, amount: Math.round(((v ? v.budget_nok || 0 : 0) * e.pct) / 100) }), "main");
        break;
      case "set_fee": push(Object.assign(base, { venue: e.venue, cost_nok: e.cost_nok }), "main"); break;
      case "add_staff": push(Object.assign(base, { venue: e.venue, role: e.role, count: e.count }), "main"); break;
      case "activity_subsidy": push(Object.assign(base, { group: e.group, amount_weekly_nok: e.amount_weekly_nok }), "main"); break;
      case "anti_stigma_campaign": push(Object.assign(base, { strength: e.strength }), "main"); break;
      case "lockdown": push(base, "main"); break;
      case "social_media_shift": push(Object.assign(base, { delta: e.delta }), "main"); break;
      default: push(Object.assign(base, e), "main");
    }
    const last = events[events.length - 1];
    if (e.end !== null && e.end !== undefined && e.end !== "" && WITH_END[e.action]) {
      if (["activity_subsidy", "anti_stigma_campaign", "lockdown"].includes(e.action)) last.duration_days = e.end - e.day;
      else if (e.action === "close_venue") push({ day: e.end, action: "open_venue", venue: e.venue }, "end");
      else if (e.action === "set_budget") push({ day: e.end, action: "set_budget", venue: e.venue, amount: v ? v.budget_nok : 0 }, "end");
      else push({ day: e.end, action: "set_fee", venue: e.venue, cost_nok: v ? v.cost_nok || 0 : 0 }, "end");
    }
  });
  return { events, from };
}

function newEvent(action) {
  const venue = ((state.town.venues || []).find((v) => v.kind !== "commercial") || {}).name;
  const e = { action, day: 182, end: null, venue };
  if (action === "set_budget") e.pct = 50;
  if (action === "set_fee") e.cost_nok = 50;
  if (action === "add_staff") { e.role = "peer_worker"; e.count = 2; }
  if (action === "activity_subsidy") { e.group = "income:q1"; e.amount_weekly_nok = 100; }
  if (action === "anti_stigma_campaign") { e.strength = 0.2; e.end = 182 + 182; }
  if (action === "lockdown") e.end = 182 + 56;
  if (action === "social_media_shift") e.delta = 0.1;
  return e;
}

function eventField(option, e, k, key, label, kind, extra) {
  const path = `events[${k}].${key}`;
  const attrs = { "data-path": path, "aria-label": label };
  let f;
  if (kind === "select") {
    f = el("select", attrs, extra.map((c) => el("option", { value: c.value ?? c, text: c.text ?? c, selected: (c.value ?? c) === e[key] })));
  } else {
    f = el("input", Object.assign(attrs, { type: kind, value: e[key] ?? "", step: "any" }));
  }
  f.addEventListener("change", () => {
    e[key] = kind === "number" ? (f.value.trim() === "" ? null : Number(f.value)) : f.value;
    if (key === "action") Object.assign(e, newEvent(f.value), { day: e.day });
    renderOptions();
    checkOption(option);
  });
  return el("label", {}, label, f);
}

function budgetSlider(option, e, k) {
  const v = venueOf(e.venue) || {};
  const today = v.budget_nok || 0, full = v.budget_full_nok || 0;
  const describe = () => {
    const amount = Math.round((today * e.pct) / 100);
    const level = full > 0 ? Math.min(1, amount / full) : 1;
    return `${e.pct}% of today's budget: ${amount.toLocaleString("en")} NOK a year, service level ${pct(level)}`;
  };
  const out = el("output", { text: describe() });
  const s = el("input", { type: "range", min: 0, max: 150, step: 5, value: e.pct, "data-path": `events[${k}].amount`,
    "aria-label": `Budget of ${e.venue} as a percentage of today's`, "aria-valuetext": describe() });
  s.addEventListener("input", () => { e.pct = Number(s.value); out.textContent = describe(); s.setAttribute("aria-valuetext", describe()); });
  s.addEventListener("change", () => checkOption(option));
  return el("label", { class: "slider" }, "Budget (0–150% of today)", s, out);
}

function renderEvent(option, e, i, first) {
  const v = state.vocab;
  const venues = (state.town.venues || []).map((x) => x.name);
  const groups = state.groups.map((g) => ({ value: g.name, text: g.words }));
  const k = first;
  const parts = [eventField(option, e, k, "action", "What happens", "select", v.actions.map((a) => ({ value: a, text: a.replace(/_/g, " ") })))];
  if (["close_venue", "open_venue", "remove_fee", "set_budget", "set_fee", "add_staff"].includes(e.action)) {
    parts.push(eventField(option, e, k, "venue", "Venue", "select", venues));
  }
  if (e.action === "set_budget") parts.push(budgetSlider(option, e, k));
  if (e.action === "set_fee") parts.push(eventField(option, e, k, "cost_nok", "Fee per visit (NOK)", "number"));
  if (e.action === "add_staff") {
    parts.push(eventField(option, e, k, "role", "Staff", "select", v.roles.map((r) => ({ value: r, text: r.replace(/_/g, " ") }))));
    parts.push(eventField(option, e, k, "count", "How many", "number"));
  }
  if (e.action === "activity_subsidy") {
    parts.push(eventField(option, e, k, "group", "For", "select", groups));
    parts.push(eventField(option, e, k, "amount_weekly_nok", "NOK per week", "number"));
  }
  if (e.action === "anti_stigma_campaign") parts.push(eventField(option, e, k, "strength", "Strength (0–1)", "number"));
  if (e.action === "social_media_shift") parts.push(eventField(option, e, k, "delta", "Change in social-media use", "number"));
  parts.push(eventField(option, e, k, "day", "Start day", "number"));
  if (WITH_END[e.action]) {
    const endKey = NEEDS_END.includes(e.action) || e.action === "activity_subsidy" ? "duration_days" : "day";
    const f = eventField(option, e, k, "end", `End day (${WITH_END[e.action]}${NEEDS_END.includes(e.action) ? "" : "; empty: never"})`, "number");
    f.querySelector("input, select").setAttribute("data-path", endKey === "duration_days" ? `events[${k}].duration_days` : `end-${k}`);
    parts.push(f);
  }
  parts.push(el("button", { type: "button", text: "Remove event", "aria-label": "Remove this event",
    onclick: () => { option.events.splice(i, 1); renderOptions(); } }));
  return el("div", { class: "event" }, parts);
}

function renderOptions() {
  if (!state.vocab || !state.town) return;
  const box = $("options");
  const metrics = state.vocab.metrics;
  box.replaceChildren(...state.options.map((option, oi) => {
    const built = buildEvents(option);
    option.from = built.from;
    const firstOf = (i) => built.from.findIndex(([j]) => j === i);
    const card = el("div", { class: "option", id: `option-${oi}` },
      el("label", {}, "Option ", el("input", { type: "text", class: "name", value: option.title, "aria-label": `Option ${oi + 1} name`,
        onchange: (ev) => { option.title = ev.target.value; } })),
      el("div", { class: "problems-list" }),
      option.events.map((e, i) => renderEvent(option, e, i, firstOf(i))),
      el("div", { class: "bar" },
        el("label", {}, "Add an event ", el("select", { "aria-label": "Add an event to this option",
          onchange: (ev) => { if (ev.target.value) { option.events.push(newEvent(ev.target.value)); renderOptions(); } } },
          el("option", { value: "", text: "choose…" }), state.vocab.actions.map((a) => el("option", { value: a, text: a.replace(/_/g, " ") })))),
        el("label", {}, " Headline: ", el("select", { "aria-label": "Headline group", onchange: (ev) => { option.group = ev.target.value || null; } },
          el("option", { value: "", text: "the affected district's service users" }),
          state.groups.map((g) => el("option", { value: g.name, text: g.words, selected: option.group === g.name })))),
        el("select", { "aria-label": "Headline measure", onchange: (ev) => { option.metric = ev.target.value || null; } },
          metrics.map((m) => el("option", { value: m.name, text: m.words, selected: (option.metric || "lonely_share") === m.name }))),
        " ",
        el("button", { type: "button", class: "run", text: "Run", "aria-label": `Run option ${option.title}`, onclick: () => runOption(option, card) }),
        " ",
        el("button", { type: "button", text: "Remove option", onclick: () => { state.options.splice(oi, 1); renderOptions(); } })));
    option.card = card;
    return card;
  }));
}

function optionRequest(option) {
  const { events } = buildEvents(option);
  return { town: state.town, events, name: slug(option.title), title: option.title, page: state.page,
    headline_group: option.group || undefined, headline_metric: option.metric || undefined };
}

function optionProblems(option, problems) {
  const map = (path) => {
    const m = /^events\[(\d+)\](.*)$/.exec(path);
    if (!m || !option.from) return path;
    const [ui, role] = option.from[Number(m[1])] || [];
    if (ui === undefined) return path;
    const first = option.from.findIndex(([j]) => j === ui);
    return role === "end" ? `end-${first}` : `events[${first}]${m[2]}`;
  };
  const card = option.card;
  if (card) showProblems(card, problems, card.querySelector(".problems-list"), map);
}

async function checkOption(option) {
  const r = await api("/api/check", optionRequest(option));
  if (r.ok) optionProblems(option, r.data.problems);
}

// ---- running --------------------------------------------------------------------------------------------
async function runOption(option, card) {
  const req = optionRequest(option);
  const r = await api("/api/runs", req);
  if (!r.ok) {
    optionProblems(option, r.data.problems || [{ path: "", message: r.data.message }]);
    $("progress-text").textContent = "The option has problems: see the marked fields.";
    return;
  }
  optionProblems(option, []);
  follow(r.data.id, { title: option.title, town: JSON.stringify(state.town), request: req });
}

function follow(id, meta) {
  if (state.source) state.source.close();
  state.job = id;
  $("stop").disabled = false;
  $("progress").value = 0;
  $("progress-text").textContent = "Queued…";
  $("headline").textContent = "";
  $("interval").replaceChildren();
  const src = new EventSource(`/api/runs/${id}/events`);
  state.source = src;
  const done = () => { src.close(); $("stop").disabled = true; };
  src.addEventListener("started", () => { $("progress-text").textContent = "Running…"; });
  src.addEventListener("progress", (m) => {
    const p = JSON.parse(m.data);
    $("progress").max = p.total;
    $("progress").value = p.done;
    $("progress-text").textContent = `${p.done} of ${p.total} replicates finished`;
    if (p.headline) showInterim(p.headline, p.done);
  });
  src.addEventListener("answer", (m) => {
    const a = JSON.parse(m.data);
    a.id = id;
    showAnswer(a, meta);
  });
  src.addEventListener("files", (m) => { showFiles(id, JSON.parse(m.data), meta); $("progress-text").textContent = "Done: the answer and its files are ready."; done(); });
  src.addEventListener("cancelled", (m) => { $("progress-text").textContent = JSON.parse(m.data).message; done(); });
  src.addEventListener("error", (m) => {
    if (m.data) $("progress-text").textContent = "The run failed: " + JSON.parse(m.data).message;
    done();
  });
}

function metricIsShare(metric) { return metric.endsWith("_share"); }
function fmtDiff(metric, x) {
  if (!Number.isFinite(x)) return "–";
  return metricIsShare(metric) ? signed(100 * x, 1) + " points" : signed(x, 3);
}

function showInterim(h, n) {
  const [d, lo, hi, base, scen] = h;
  const metric = "lonely_share";
  const interval = Number.isFinite(lo) ? `95% interval ${fmtDiff(metric, lo)} to ${fmtDiff(metric, hi)}` : "an interval needs two replicates";
  $("headline").textContent = `After ${n} replicate${n === 1 ? "" : "s"}: ${pct(base)} → ${pct(scen)} (${fmtDiff(metric, d)}, ${interval}).`;
  drawInterval(d, lo, hi, true);
}

function drawInterval(d, lo, hi, share) {
  const scale = share ? 100 : 1;
  const [x, a, b] = [d * scale, lo * scale, hi * scale];
  const have = Number.isFinite(a) && Number.isFinite(b);
  const lowest = Math.min(0, have ? a : x), highest = Math.max(0, have ? b : x);
  const pad = (highest - lowest) * 0.15 || 1;
  const [min, max] = [lowest - pad, highest + pad];
  const W = 520, H = 60, px = (v) => 20 + ((v - min) / (max - min)) * (W - 40);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("width", W);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Effect ${x.toFixed(1)}${have ? `, interval ${a.toFixed(1)} to ${b.toFixed(1)}` : ""}`);
  const add = (tag, attrs) => { const e = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); svg.append(e); return e; };
  add("line", { x1: 20, x2: W - 20, y1: 40, y2: 40, stroke: "#999" });
  add("line", { x1: px(0), x2: px(0), y1: 15, y2: 50, stroke: PALETTE.zero, "stroke-dasharray": "3 3" });
  add("text", { x: px(0), y: 12, "text-anchor": "middle", "font-size": 11 }).textContent = "no change";
  if (have) add("line", { x1: px(a), x2: px(b), y1: 30, y2: 30, stroke: PALETTE.scenario, "stroke-width": 4 });
  add("circle", { cx: px(x), cy: 30, r: 6, fill: PALETTE.scenario });
  const unit = share ? " pp" : "";
  add("text", { x: px(x), y: 55, "text-anchor": "middle", "font-size": 11 }).textContent = `${signed(x, share ? 1 : 3)}${unit}`;
  $("interval").replaceChildren(svg);
}

function showAnswer(a, meta) {
  state.lastAnswer = a;
  if (a.headline) {
    $("headline").textContent = a.headline.sentence;
    drawInterval(a.headline.difference, a.headline.low, a.headline.high, metricIsShare(a.headline.metric));
    state.answers = state.answers.filter((x) => !(x.title === meta.title && x.town === meta.town));
    state.answers.push(Object.assign({ id: a.id, replicates: a.replicates, seed: a.seed }, meta, { headline: a.headline }));
  } else {
    $("headline").textContent = `The town's levels over the last ${a.window_days} days, ${a.replicates} replicates (no option, so no effect).`;
  }
  state.levels = a.levels;
  renderDistricts();
  renderRanking(meta.town);
  renderEffects(a);
  renderAttendance(a);
}

function renderRanking(town) {
  const same = state.answers.filter((x) => x.town === town);
  const t = $("ranking");
  if (same.length === 0) { t.replaceChildren(); return; }
  const sorted = same.slice().sort((x, y) => x.headline.difference - y.headline.difference);
  t.replaceChildren(el("caption", { text: "Options on this town, the same baseline and seeds, from the lowest change in their headline measure to the highest." }),
    el("tr", {}, ["Option", "Headline group", "Measure", "Baseline", "With the option", "Change", "95% interval"].map((h) => el("th", { text: h }))),
    ...sorted.map((x) => {
      const h = x.headline, share = metricIsShare(h.metric);
      const level = (v) => (share ? pct(v) : v.toFixed(3));
      return el("tr", {}, el("td", { text: x.title }), el("td", { text: h.words }), el("td", { text: h.metric_words }),
        el("td", { class: "num", text: level(h.baseline) }), el("td", { class: "num", text: level(h.scenario) }),
        el("td", { class: "num", text: fmtDiff(h.metric, h.difference) }),
        el("td", { class: "num", text: `${fmtDiff(h.metric, h.low)} to ${fmtDiff(h.metric, h.high)}` }));
    }));
}

function renderEffects(a) {
  const t = $("effects"), sel = $("metric-filter");
  if (!a.effects) { t.replaceChildren(); sel.replaceChildren(); return; }
  const metrics = [...new Set(a.effects.map((e) => e.metric))];
  const chosen = metrics.includes(sel.value) ? sel.value : (a.headline ? a.headline.metric : metrics[0]);
  sel.replaceChildren(...metrics.map((m) => el("option", { value: m, selected: m === chosen,
    text: a.effects.find((e) => e.metric === m).metric_words })));
  sel.onchange = () => renderEffects(a);
  const rows = a.effects.filter((e) => e.metric === sel.value);
  t.replaceChildren(el("tr", {}, ["Group", "Baseline", "With the option", "Change", "95% interval"].map((h) => el("th", { text: h }))),
    ...rows.map((e) => el("tr", { class: e.reliable ? "reliable" : null }, el("td", { text: e.words }),
      el("td", { class: "num", text: e.baseline }), el("td", { class: "num", text: e.scenario }),
      el("td", { class: "num", text: e.difference }), el("td", { class: "num", text: e.interval }))));
}

function renderAttendance(a) {
  const what = a.headline ? ["Venue", "District", "Visits a week, baseline", "With the option"] : ["Venue", "District", "Visits a week"];
  const n = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en") : "–");
  $("attendance").replaceChildren(el("tr", {}, what.map((h) => el("th", { text: h }))),
    ...a.venues.map((v) => el("tr", {}, el("td", { text: v.name }), el("td", { text: v.district }), el("td", { class: "num", text: n(v.baseline) }),
      a.headline ? el("td", { class: "num", text: n(v.scenario) }) : null)));
}

function showFiles(id, f, meta) {
  const base = `/api/runs/${id}`;
  const name = (meta.request && meta.request.name) || "town";
  $("takeaway").replaceChildren(
    el("a", { href: `${base}/files/report.html`, target: "_blank", rel: "noopener", text: "The report (report.html)" }),
    el("a", { href: `${base}/folder.zip`, text: "The output folder (zip)" }),
    el("a", { href: `${base}/scenario.toml`, text: `The scenario file (${name}.toml)` }),
    el("span", {}, "Reproduce it: ", el("code", { text: `supportsim run ${name}.toml` })),
    el("span", { class: "hint", text: `Saved in ${f.folder}` }));
  const charts = f.files.filter((p) => p.startsWith("charts/") && p.endsWith(".svg"));
  $("charts").replaceChildren(...charts.map((p) => {
    const label = p.slice(7, -4).replace(/_/g, " ");
    return el("figure", {}, el("img", { src: `${base}/files/${p}`, alt: `Chart: ${label}` }),
      el("figcaption", {}, label, " — ", el("a", { href: `${base}/files/${p}`, download: "", text: "SVG" }), " ",
        el("a", { href: `${base}/files/${p.slice(0, -4)}.png`, download: "", text: "PNG" })));
  }));
}

async function computeLevels() {
  const r = await api("/api/runs", { town: state.town, events: [], page: state.page + "-levels" });
  if (!r.ok) { showProblems($("town-panel"), r.data.problems || [], $("problems")); return; }
  follow(r.data.id, { title: "the town's levels", town: JSON.stringify(state.town), request: { name: state.town.name } });
}

// ---- start ----------------------------------------------------------------------------------------------
function loadTown(town, options) {
  state.town = clone(town);
  state.options = options.map((o) => ({ title: o.title, events: o.events.map(uiEvent), group: null, metric: null }));
  if (state.options.length === 0) state.options.push({ title: "Half the budget", events: [newEvent("set_budget")] });
  state.levels = null;
  renderTown();
  checkTown();
}

async function main() {
  const r = await api("/api/town");
  state.start = r.data;
  state.vocab = r.data.vocabulary;
  $("source").textContent = `Town: ${r.data.source}. Answers are written on this machine; nothing leaves it.`;
  loadTown(r.data.town, r.data.options);
  await checkTown();
  computeLevels();
  $("blank").onclick = async () => { const b = await api("/api/blank"); loadTown(b.data.town, []); };
  $("reset").onclick = () => loadTown(state.start.town, state.start.options);
  $("add-district").onclick = () => { (state.town.districts ||= []).push({ name: `district_${state.town.districts.length + 1}`, population_share: 0.1, budget_nok: 0 }); townChanged(true); };
  $("add-venue").onclick = () => {
    const d = ((state.town.districts || [])[0] || {}).name;
    (state.town.venues ||= []).push({ name: `venue_${state.town.venues.length + 1}`, district: d, kind: "meeting_place", capacity: 30,
      cost_nok: 0, open_days: ["mon", "wed", "fri"], openness: 0.9, professionals: 1, volunteers: 2, budget_nok: 1000000, budget_full_nok: 1000000 });
    townChanged(true);
  };
  $("add-option").onclick = () => { state.options.push({ title: `Option ${state.options.length + 1}`, events: [newEvent("set_budget")] }); renderOptions(); };
  $("levels").onclick = computeLevels;
  $("stop").onclick = () => { if (state.job) api(`/api/runs/${state.job}/cancel`, {}); };
  $("download-town").onclick = async () => {
    const res = await fetch("/api/scenario", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ town: state.town, events: [] }) });
    if (!res.ok) { $("town-status").textContent = "Fix the town's problems before downloading it."; return; }
    const url = URL.createObjectURL(await res.blob());
    const a = el("a", { href: url, download: `${slug(state.town.name || "town")}.toml` });
    document.body.append(a); a.click(); a.remove();
    URL.revokeObjectURL(url);
  };
}

main();
