"""The walk-through of docs/python.md as one script: the default town, the closure of the north meeting place,
its effect over time, and the budget's dose–response curve.

    python python/examples/closure_and_budget.py                      # the full default town: a few minutes
    python python/examples/closure_and_budget.py --agents 2000 --replicates 2 --out /tmp/walk   # seconds

It writes into --out (default output/python_walkthrough): the run's folder (closure/), the sweep's folder
(budget/), and two charts drawn with matplotlib (effect_over_time.png, budget_curve.png).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files, no window
import matplotlib.pyplot as plt

import supportsim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, help="people in the town (default: the town's 20,000)")
    parser.add_argument("--replicates", type=int, help="replicates (default: the scenario's 8)")
    parser.add_argument("--out", type=Path, default=Path("output/python_walkthrough"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    # 1. The town and the what-if: a budget cut closes the north meeting place at week 26.
    closure = supportsim.builtin("venue_closure")
    if args.agents:
        closure = closure.with_values({"population.n_agents": args.agents})
    print(closure)

    # 2. Run it: both arms (with and without the cut) on the same seeds.
    result = supportsim.run(closure, replicates=args.replicates)
    h = result.headline
    print(f"{h['metric']} of {h['group']}: {h['baseline_mean']:.1%} -> {h['scenario_mean']:.1%} "
          f"({h['difference'] * 100:+.1f} points, 95% interval {h['ci_low'] * 100:+.1f} to {h['ci_high'] * 100:+.1f})")
    result.save(args.out / "closure", force=True)

    # 3. The effect over time: the paired difference (scenario minus baseline) per replicate, then its mean.
    ts = result.timeseries
    north = ts[ts["group"] == h["group"]].pivot_table(index=["replicate", "day"], columns="arm", values=h["metric"])
    effect = (north["scenario"] - north["baseline"]).groupby("day").agg(["mean", "min", "max"]) * 100
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.fill_between(effect.index / 7, effect["min"], effect["max"], alpha=0.3, label="range over replicates")
    ax.plot(effect.index / 7, effect["mean"], label="mean effect")
    ax.axvline(closure.events[0]["day"] / 7, color="grey", linestyle="--", label="budget cut")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set(xlabel="week", ylabel="lonely share: scenario − baseline (points)",
           title="Closing the north meeting place: service users in north")
    ax.legend()
    fig.savefig(args.out / "effect_over_time.png", dpi=100, bbox_inches="tight")

    # 4. The budget curve: the meeting place's yearly budget from 0 to today's 2.4 million NOK.
    town_file = args.out / "closure.toml"
    town_file.write_text(closure.to_toml())
    spec = {
        "name": "north_budget",
        "scenario": str(town_file),
        "design": "grid",
        "replicates": args.replicates or 8,
        "seed": 2027,
        "parameters": [{"path": "events[0].amount", "values": [0, 600000, 1200000, 1800000, 2400000]}],
        "summary": {"metrics": ["lonely_share"], "groups": [h["group"]]},
    }
    sweep = supportsim.sweep(spec, out=args.out / "budget", force=True)
    points = sweep.points
    curve = points[points["quantity"] == "effect"].sort_values("events[0].amount")
    fig, ax = plt.subplots(figsize=(8, 4))
    budget = curve["events[0].amount"] / 1e6
    ax.fill_between(budget, curve["ci_low"] * 100, curve["ci_high"] * 100, alpha=0.3, label="95% interval")
    ax.plot(budget, curve["mean"] * 100, marker="o", label="effect")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set(xlabel="north meeting place's budget from week 26 (million NOK a year)",
           ylabel="lonely share: effect (points)", title="What each share of the budget buys")
    ax.legend()
    fig.savefig(args.out / "budget_curve.png", dpi=100, bbox_inches="tight")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
