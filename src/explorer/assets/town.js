// supportsim explorer: the town panel (settings, districts with their levels, venues) and its checks.
"use strict";

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
    const before = getPath(state.town, path);
    setPath(state.town, path, v);
    townChanged(renamed(path, before, v));
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

// A district or venue renamed: what names it (venues' districts, options' events) follows. True when
// anything did, so the tables are drawn again.
function renamed(path, before, after) {
  let changed = false;
  if (before === after || typeof before !== "string") return false;
  if (/^districts\.\d+\.name$/.test(path)) {
    for (const v of state.town.venues || []) if (v.district === before) { v.district = after; changed = true; }
  }
  if (/^venues\.\d+\.name$/.test(path)) {
    for (const o of state.options) for (const e of o.events) if (e.venue === before) { e.venue = after; changed = true; }
  }
  return changed;
}

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
