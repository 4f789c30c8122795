#!/usr/bin/env bash
# Quick start: builds and runs MatterCraft with its embedded defaults (SQLite under ./data,
# local storage, test-mode payments, demo data) on http://127.0.0.1:3000.
# Set-up (wasm target, wasm-bindgen CLI, cargo-leptos) happens on the first run only; every step
# says what it does, and a step that fails says so.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
report_errors

ensure_build_tools
log "building (debug) and starting MatterCraft on http://${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
note "the first build compiles every dependency: about 10 minutes on 2 cores; later runs reuse $CARGO_TARGET_DIR"
note "the console shows the demo account's email, password and API key once the server is up"
exec cargo leptos serve "$@"
