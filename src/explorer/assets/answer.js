// supportsim explorer: running an option and showing its answer as it arrives (server-sent events).
"use strict";

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
  for (const id of ["interval", "steady", "takeaway", "effects", "attendance", "charts", "metric-filter"]) $(id).replaceChildren();
  const src = new EventSource(`/api/runs/${id}/events`);
  state.source = src;
  const done = () => { src.close(); $("stop").disabled = true; };
  src.addEventListener("started", () => { $("progress-text").textContent = "Running…"; });
  src.addEventListener("progress", (m) => {
    const p = JSON.parse(m.data);
    $("progress").max = p.total;
    $("progress").value = p.done;
    $("progress-text").textContent = `${p.done} of ${p.total} replicates finished`;
    if (p.headline) showInterim(p.headline, p.done, p.metric);
  });
  src.addEventListener("answer", (m) => {
    const a = JSON.parse(m.data);
    a.id = id;
    showAnswer(a, meta);
  });
  src.addEventListener("files", (m) => { showFiles(id, JSON.parse(m.data), meta); $("progress-text").textContent = "Done: the answer and its files are ready."; done(); });
  src.addEventListener("cancelled", (m) => { $("progress-text").textContent = JSON.parse(m.data).message; done(); });
  src.addEventListener("failed", (m) => { $("progress-text").textContent = "The run failed: " + JSON.parse(m.data).message; done(); });
  // A dropped connection reconnects by itself and the server replays the run's events from the start.
}

function metricIsShare(metric) { return metric.endsWith("_share"); }
function fmtDiff(metric, x) {
  if (!Number.isFinite(x)) return "–";
  return metricIsShare(metric) ? signed(100 * x, 1) + " points" : signed(x, 3);
}

function fmtLevel(metric, x) {
  return metricIsShare(metric) ? pct(x) : Number.isFinite(x) ? x.toFixed(3) : "–";
}

function showInterim(h, n, metric) {
  const [d, lo, hi, base, scen] = h;
  const interval = Number.isFinite(lo) ? `95% interval ${fmtDiff(metric, lo)} to ${fmtDiff(metric, hi)}` : "an interval needs two replicates";
  $("headline").textContent = `After ${n} replicate${n === 1 ? "" : "s"}: ${fmtLevel(metric, base)} → ${fmtLevel(metric, scen)} (${fmtDiff(metric, d)}, ${interval}).`;
  drawInterval(d, lo, hi, metricIsShare(metric));
}

function drawInterval(d, lo, hi, share) {
  const scale = share ? 100 : 1;
  // A missing interval (one replicate) arrives as null, which must not be drawn as 0 to 0.
  const have = Number.isFinite(lo) && Number.isFinite(hi);
  const [x, a, b] = [d * scale, have ? lo * scale : NaN, have ? hi * scale : NaN];
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
  const current = meta.town === JSON.stringify(state.town);
  if (a.headline) {
    $("headline").textContent = a.headline.sentence + (current ? "" : " (for the town as it was before your latest edits)");
    drawInterval(a.headline.difference, a.headline.low, a.headline.high, metricIsShare(a.headline.metric));
    state.answers.push(Object.assign({ id: a.id, replicates: a.replicates, seed: a.seed }, meta, { headline: a.headline }));
  } else {
    $("headline").textContent = `The town's levels over the last ${a.window_days} days, ${a.replicates} replicates (no option, so no effect).`;
  }
  // The levels are the town's only while the town is the one that ran.
  if (current) {
    state.levels = a.levels;
    renderDistricts();
  }
  renderRanking(meta.town, a.headline);
  renderEffects(a);
  renderAttendance(a);
}

// Answers on the same town, baseline and seeds with the same headline group and measure, ranked.
function renderRanking(town, headline) {
  const t = $("ranking");
  const same = headline ? state.answers.filter((x) => x.town === town && x.headline.group === headline.group
    && x.headline.metric === headline.metric) : [];
  if (same.length === 0) { t.replaceChildren(); return; }
  const sorted = same.slice().sort((x, y) => x.headline.difference - y.headline.difference);
  t.replaceChildren(el("caption", { text: `Options on this town, on the same baseline and seeds: ${headline.metric_words} among ${headline.words}, from the lowest change to the highest.` }),
    el("tr", {}, ["Option", "Run", "Baseline", "With the option", "Change", "95% interval"].map((h) => el("th", { text: h }))),
    ...sorted.map((x) => {
      const h = x.headline;
      return el("tr", {}, el("td", { text: x.title }), el("td", { class: "num", text: String(x.id) }),
        el("td", { class: "num", text: fmtLevel(h.metric, h.baseline) }), el("td", { class: "num", text: fmtLevel(h.metric, h.scenario) }),
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
  // What `supportsim run` warns about: a town not settled over the window, venues full on most open days.
  $("steady").replaceChildren(...(f.warnings || []).map((w) => el("p", { class: "warn", text: `Warning: ${w}` })));
  const charts = f.files.filter((p) => p.startsWith("charts/") && p.endsWith(".svg"));
  $("charts").replaceChildren(...charts.map((p) => {
    const label = p.slice(7, -4).replace(/_/g, " ");
    return el("figure", {}, el("img", { src: `${base}/files/${p}`, alt: `Chart: ${label}` }),
      el("figcaption", {}, label, " — ", el("a", { href: `${base}/files/${p}`, download: "", text: "SVG" }), " ",
        el("a", { href: `${base}/files/${p.slice(0, -4)}.png`, download: "", text: "PNG" })));
  }));
}

// The town's levels: a run without events, followed apart from the answer panel so a question asked meanwhile
// does not stop the page from hearing it.
async function computeLevels() {
  const town = JSON.stringify(state.town);
  const r = await api("/api/runs", { town: state.town, events: [], page: state.page + "-levels" });
  if (!r.ok) { showProblems($("town-panel"), r.data.problems || [], $("problems")); return; }
  if (state.levelsSource) state.levelsSource.close();
  const src = new EventSource(`/api/runs/${r.data.id}/events`);
  state.levelsSource = src;
  const status = $("levels-status");
  status.textContent = "Computing the town's levels…";
  src.addEventListener("progress", (m) => { const p = JSON.parse(m.data); status.textContent = `Computing the town's levels: ${p.done} of ${p.total} replicates.`; });
  src.addEventListener("answer", (m) => {
    if (town === JSON.stringify(state.town)) { state.levels = JSON.parse(m.data).levels; renderDistricts(); }
    status.textContent = "";
  });
  for (const end of ["files", "cancelled", "failed"]) {
    src.addEventListener(end, (m) => { if (end !== "files") status.textContent = JSON.parse(m.data).message; src.close(); });
  }
}
