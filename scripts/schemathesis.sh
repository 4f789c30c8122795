#!/usr/bin/env bash
# Fuzzes the running API with schemathesis, from its own OpenAPI document: a server is started
# on a private port with an empty data folder, an account and key are made through
# POST /v1/connect, and schemathesis runs its coverage, fuzzing and stateful phases against
# /v1/openapi.json for a time budget. Fails on any 5xx and on any response that breaks the
# document (an undocumented status code, a body or content type that does not match).
#
# Usage: scripts/schemathesis.sh SERVER_BINARY SITE_ROOT [SECONDS]   (default 120 s)
# Prints "  N passed" (the operations tested) or "  N failed" (the failures found) for
# scripts/test.sh's count, and the schemathesis summary line.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

server_bin="${1:?usage: scripts/schemathesis.sh SERVER_BINARY SITE_ROOT [SECONDS]}"
site_root="${2:?usage: scripts/schemathesis.sh SERVER_BINARY SITE_ROOT [SECONDS]}"
seconds="${3:-120}"
python="$MC_SCHEMATHESIS_VENV/bin/python"
[ -x "$python" ] || die "schemathesis is not installed; run ensure_schemathesis (scripts/lib.sh)"

work="$(mktemp -d /tmp/mc-schemathesis-XXXXXX)"
server_pid=""
# shellcheck disable=SC2317 # invoked by the EXIT trap
finish() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap finish EXIT

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
log "starting the server for schemathesis on $base"
MATTERCRAFT_DATA_DIR="$work/data" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$site_root" \
  MATTERCRAFT_RATE_LIMIT_PER_MINUTE=0 MATTERCRAFT_SIGNUPS_PER_HOUR=100000 RUST_LOG=warn \
  "$server_bin" serve >"$work/server.log" 2>&1 &
server_pid=$!

# The server is up when /health answers; then a key from POST /v1/connect.
key=$("$python" - "$base" <<'PY'
import json, sys, time, urllib.request
base = sys.argv[1]
for _ in range(300):
    try:
        urllib.request.urlopen(base + "/health", timeout=1)
        break
    except Exception:
        time.sleep(0.1)
else:
    sys.exit("the server did not answer /health within 30 s")
request = urllib.request.Request(
    base + "/v1/connect",
    data=json.dumps({"email": "schemathesis@example.com", "name": "Schemathesis"}).encode(),
    headers={"content-type": "application/json"},
)
print(json.load(urllib.request.urlopen(request, timeout=10))["api_key"])
PY
) || die "the server did not start for schemathesis; its log: $(tail -20 "$work/server.log")"

log "schemathesis for ${seconds}s against $base/v1/openapi.json"
# Not fuzzed: the websocket upgrade (not plain HTTP), and revoking or re-restricting the very
# key the run uses (it would lock the run out of everything after it).
status=0
# Run from the scratch folder: schemathesis keeps a .schemathesis/ cache in its working folder.
cd "$work"
"$MC_SCHEMATHESIS_VENV/bin/schemathesis" run "$base/v1/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-operation-id campaign_socket \
  --exclude-operation-id delete_api_key \
  --exclude-operation-id update_api_key \
  --max-time "$seconds" --workers 2 --seed 20261201 \
  --suppress-health-check all --warnings off \
  >"$work/run.log" 2>&1 || status=$?
cat "$work/run.log"
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "the server died during the run; its log:"
  tail -40 "$work/server.log"
  echo "  1 failed"
  exit 1
fi
summary=$(grep -E '^=+ .* in [0-9.]+s =+$' "$work/run.log" | tail -1 | tr -d '=' | sed 's/^ *//; s/ *$//')
echo "schemathesis summary: ${summary:-none printed}"
if [ "$status" -eq 0 ]; then
  tested=$(sed -n 's/^ *Tested: \([0-9]*\).*/\1/p' "$work/run.log" | tail -1)
  echo "  ${tested:-1} passed"
else
  failures=$(echo "$summary" | grep -Eo '^[0-9]+ failures?' | grep -Eo '[0-9]+' || echo 1)
  echo "  ${failures:-1} failed"
fi
exit "$status"
