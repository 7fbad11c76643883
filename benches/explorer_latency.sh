#!/usr/bin/env bash
# The explorer's answer times on the default town: a cold question (nothing kept), then a warm one (another
# option on the same town), each from the moment it is asked to the first headline with an interval (two
# replicates), to the answer (all replicates) and to its files (the folder, charts and report written);
# beside them, `supportsim run` of the same question, files and report included.
#
#     cargo build --release && bash benches/explorer_latency.sh [PAIRS]
#
# Needs curl and python3. Each of PAIRS rounds (default 3) starts a fresh explorer, so every cold question is cold. Prints one line per
# measurement and the medians; docs/performance.md records them with the machine and date.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/supportsim
pairs=${1:-3}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
now() { date +%s.%N; }

# Asks one question (events as JSON) and prints "first_interval_s answer_s files_s".
ask() {
    local addr=$1 events=$2 name=$3
    python3 - "$tmp/town.json" "$events" "$name" > "$tmp/ask.json" <<'PY'
import json, sys
town = json.load(open(sys.argv[1]))["town"]
print(json.dumps({"town": town, "events": json.loads(sys.argv[2]), "name": sys.argv[3], "page": sys.argv[3]}))
PY
    local t0 id first="" answer=""
    t0=$(now)
    id=$(curl -s -H "Origin: http://$addr" -H 'content-type: application/json' -d @"$tmp/ask.json" "http://$addr/api/runs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    while IFS= read -r line; do
        if [[ -z $first && $line == data:*'"done":'[2-9]* ]]; then first=$(now); fi
        if [[ $line == "event: answer" ]]; then answer=$(now); fi
        if [[ $line == "event: files" ]]; then break; fi
    done < <(curl -sN "http://$addr/api/runs/$id/events")
    awk -v a="$first" -v b="$answer" -v c="$(now)" -v t="$t0" 'BEGIN { print a - t, b - t, c - t }'
}

closure='[{"day": 182, "action": "set_budget", "venue": "north_meeting_place", "amount": 0}]'
half='[{"day": 182, "action": "set_budget", "venue": "north_meeting_place", "amount": 1200000}]'
: > "$tmp/results"
for round in $(seq "$pairs"); do
    t0=$(now)
    "$bin" run scenarios/venue_closure.toml -q --out "$tmp/cli" --force > /dev/null 2>&1
    awk -v b="$(now)" -v t="$t0" 'BEGIN { print "run", b - t }' | tee -a "$tmp/results"
    "$bin" serve --listen 127.0.0.1:0 --out "$tmp/out$round" > "$tmp/serve.log" 2>&1 &
    sleep 0.5
    addr=$(sed -n 's|.*http://\([^/]*\)/.*|\1|p' "$tmp/serve.log" | head -1)
    curl -s "http://$addr/api/town" > "$tmp/town.json"
    echo "cold $(ask "$addr" "$closure" closure)" | tee -a "$tmp/results"
    echo "warm $(ask "$addr" "$half" half)" | tee -a "$tmp/results"
    kill %1 2>/dev/null || true
    wait 2>/dev/null || true
done
python3 - "$tmp/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = lambda kind, i: statistics.median(float(r[i]) for r in rows if r[0] == kind)
print(f"medians over {sum(r[0] == 'run' for r in rows)} rounds:")
print(f"  supportsim run (whole question, files included): {med('run', 1):.1f} s")
for kind in ("cold", "warm"):
    print(f"  explorer, {kind}: first interval {med(kind, 1):.1f} s, answer {med(kind, 2):.1f} s, files {med(kind, 3):.1f} s")
PY
