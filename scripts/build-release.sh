#!/usr/bin/env bash
# Production build: the server binary and the site (wasm + JS + CSS + assets) in release mode.
#
#   scripts/build-release.sh            build into $CARGO_TARGET_DIR/release/server and target/site
#   scripts/build-release.sh --dist DIR also copy the binary and the site into DIR (DIR/server,
#                                       DIR/site) to ship to a machine that has no toolchain
#
# Set-up on first use: the wasm32 target, wasm-bindgen-cli (the version in Cargo.lock),
# cargo-leptos, and wasm-opt from npm's binaryen at a pinned version (never Debian's binaryen,
# whose wasm-opt 108 produces a wasm that fails at hydration).
# How to run the result: README, "Production build".
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
report_errors

dist=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dist) dist="${2:?--dist needs a folder}"; shift 2 ;;
    *) die "unknown argument: $1 (usage: scripts/build-release.sh [--dist DIR])" ;;
  esac
done

ensure_build_tools
ensure_wasm_opt
log "building the server and the site in release mode (cargo leptos build --release)"
note "a cold release build takes about 15-25 minutes on 2 cores (fat LTO for the wasm)"
cargo leptos build --release

site="$(site_root)"
server="$CARGO_TARGET_DIR/release/server"
[ -x "$server" ] || die "the build finished but $server is missing"
log "built"
note "server: $server"
note "site:   $site"
for f in "$site"/pkg/*.wasm "$site"/pkg/*.js "$site"/pkg/*.css; do
  size="$(basename "$f"): $(wc -c <"$f") bytes, $(gzip -9 -c "$f" | wc -c) with gzip -9"
  if have brotli; then size="$size, $(brotli -q 11 -c "$f" | wc -c) with brotli -q 11"; fi
  note "$size"
done

if [ -n "$dist" ]; then
  log "copying the server and the site into $dist"
  mkdir -p "$dist"
  rm -rf "$dist/site"
  cp "$server" "$dist/server"
  cp -R "$site" "$dist/site"
  note "run it: cd $dist && LEPTOS_SITE_ROOT=site MATTERCRAFT_ENV=production ./server serve"
fi
