// supportsim explorer: loads the town and wires the page's buttons.
"use strict";

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
