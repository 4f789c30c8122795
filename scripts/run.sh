#!/usr/bin/env bash
# Quick start: builds and runs MatterCraft with its embedded defaults (SQLite under ./data,
# local storage, test-mode payments, demo data) on http://127.0.0.1:3000.
# Set-up (wasm target, wasm-bindgen CLI, cargo-leptos) happens on the first run only.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ensure_build_tools
log "building and starting MatterCraft on http://${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
exec cargo leptos serve "$@"
