#!/usr/bin/env bash
# Wall time of a campaign run end to end through the product: a fresh server (the build
# scripts/run.sh uses), a campaign from a template with its default budget, started over the
# REST API and polled until it ends. Usage: scripts/bench-campaign.sh [TEMPLATE] [RUNS]
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
template="${1:-battery/nmc-cathode}"
runs="${2:-3}"
server="$CARGO_TARGET_DIR/debug/server"
[ -x "$server" ] || cargo leptos build
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d /tmp/mc-bench-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
MATTERCRAFT_DATA_DIR="$data" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$(site_root)" \
  LEPTOS_SITE_PKG_DIR=pkg MATTERCRAFT_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn "$server" serve > "$data/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
key=$(curl -sf -X POST "http://127.0.0.1:$port/v1/connect" -H 'content-type: application/json' \
  -d '{"email": "bench@example.com", "name": "Bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
api() { curl -sf -H "authorization: Bearer $key" -H 'content-type: application/json' "$@"; }
for run in $(seq 1 "$runs"); do
  id=$(api -X POST "http://127.0.0.1:$port/v1/campaigns" \
    -d "{\"template_id\": \"$template\", \"name\": \"bench-$run\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
  t0=$(date +%s.%N)
  api -X POST "http://127.0.0.1:$port/v1/campaigns/$id/start" >/dev/null
  while :; do
    detail=$(api "http://127.0.0.1:$port/v1/campaigns/$id")
    status=$(echo "$detail" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["status"])')
    [ "$status" = running ] || break
    sleep 0.2
  done
  t1=$(date +%s.%N)
  echo "$detail" | python3 -c "
import json, sys
d = json.load(sys.stdin)['data']
print(f\"run $run: {d['status']}, {d['evaluations_completed']}/{d['budget']} evaluations, \"
      f\"{d['current_iteration']} iterations, hypervolume {d['hypervolume']:.4g}, \"
      f\"wall {float('$t1') - float('$t0'):.1f} s\")"
done
