// supportsim explorer: options, each a list of events, turned into the scenario's [[events]].
"use strict";

// ---- options --------------------------------------------------------------------------------------------
const WITH_END = { close_venue: "reopens", set_budget: "budget back", set_fee: "fee back", remove_fee: "fee back",
  activity_subsidy: "ends", anti_stigma_campaign: "ends", lockdown: "ends" };
const NEEDS_END = ["anti_stigma_campaign", "lockdown"];
const venueOf = (name) => (state.town.venues || []).find((v) => v.name === name);

function uiEvent(raw) {
  const e = { action: raw.action, day: raw.day ?? 182, end: null, venue: raw.venue, note: raw.note };
  if (raw.action === "set_budget" && (raw.district !== undefined || raw.factor !== undefined || raw.venue === undefined)) {
    // A form the page has no controls for (a district's budget, a factor): kept exactly as the file wrote it.
    e.raw = raw;
    return e;
  }
  if (raw.action === "set_budget") {
    const v = venueOf(raw.venue);
    const today = v && v.budget_nok ? v.budget_nok : 1;
    e.amount = raw.amount ?? today;
    e.pct = Math.round((100 * e.amount) / today);
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
    if (e.raw) {
      push(clone(e.raw), "main");
      return;
    }
    switch (e.action) {
      case "close_venue": case "open_venue": case "remove_fee":
        push(Object.assign(base, { venue: e.venue }), "main");
        break;
      case "set_budget":
        push(Object.assign(base, { venue: e.venue, amount: e.amount ?? Math.round(((v ? v.budget_nok || 0 : 0) * e.pct) / 100) }), "main");
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
  if (action === "set_budget") { e.pct = 50; e.amount = undefined; }
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
    if (key === "venue" && e.action === "set_budget") e.amount = undefined;
    renderOptions();
    checkOption(option);
  });
  return el("label", {}, label, f);
}

function budgetSlider(option, e, k) {
  const v = venueOf(e.venue) || {};
  const today = v.budget_nok || 0, full = v.budget_full_nok || 0;
  const describe = () => {
    const amount = e.amount ?? Math.round((today * e.pct) / 100);
    const level = full > 0 ? Math.min(1, amount / full) : 1;
    return `${Math.round((100 * amount) / (today || 1))}% of today's budget: ${amount.toLocaleString("en")} NOK a year, service level ${pct(level)}`;
  };
  const out = el("output", { text: describe() });
  const s = el("input", { type: "range", min: 0, max: 150, step: 5, value: e.pct, "data-path": `events[${k}].amount`,
    "aria-label": `Budget of ${e.venue} as a percentage of today's`, "aria-valuetext": describe() });
  s.addEventListener("input", () => {
    e.pct = Number(s.value);
    e.amount = Math.round((today * e.pct) / 100);
    out.textContent = describe();
    s.setAttribute("aria-valuetext", describe());
  });
  s.addEventListener("change", () => checkOption(option));
  return el("label", { class: "slider" }, "Budget (0–150% of today)", s, out);
}

function renderEvent(option, e, i, first) {
  const v = state.vocab;
  const venues = (state.town.venues || []).map((x) => x.name);
  const groups = state.groups.map((g) => ({ value: g.name, text: g.words }));
  const k = first;
  if (e.raw) {
    return el("div", { class: "event", "data-path": `events[${k}]` }, el("span", { text: `As in the file: ${JSON.stringify(e.raw)}` }),
      el("button", { type: "button", text: "Remove event", "aria-label": "Remove this event",
        onclick: () => { option.events.splice(i, 1); renderOptions(); } }));
  }
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
