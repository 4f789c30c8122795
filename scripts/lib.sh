#!/usr/bin/env bash
# Set-up shared by scripts/run.sh and scripts/test.sh. Every step is a no-op when its tool is
# already present, so warm runs skip straight to the work.
# shellcheck disable=SC2034

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# One target dir outside the clone, reused by every run on this machine (warm builds).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mattercraft/target}"
# The leptos crate bakes LEPTOS_OUTPUT_NAME in at compile time (it names the wasm file the pages
# load). cargo-leptos sets it; every other cargo command must set the same value, or each
# build recompiles leptos for the other and the last one decides the file name.
export LEPTOS_OUTPUT_NAME=mattercraft
# cargo-leptos adds `--cfg erase_components` to RUSTFLAGS itself (debug builds); host cargo
# commands pass exactly the same flags through `host_cargo`, so they share its artifacts.
# RUSTFLAGS is not exported: cargo-leptos would append its flag a second time.
unset RUSTFLAGS
host_cargo() {
  RUSTFLAGS="--cfg erase_components" cargo "$@"
}
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

log() { printf '\n==> [%s] %s\n' "$(date +%T)" "$*"; }

# Tools are installed with a quicker release profile than their own (fat LTO, one codegen
# unit): they only orchestrate builds, and this halves the first run on a fresh machine.
quick_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=2 cargo install "$@"
}

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is missing: install Rust with rustup (https://rustup.rs) first" >&2
    exit 1
  fi
  rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || { log "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
  for component in rustfmt clippy; do
    rustup component list --installed | grep -q "^$component" \
      || { log "adding $component"; rustup component add "$component"; }
  done
}

# The wasm-bindgen CLI must be exactly the version of the crate in Cargo.lock.
ensure_wasm_bindgen() {
  local want have
  want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
  if [ "$have" != "$want" ]; then
    log "installing wasm-bindgen-cli $want (a few minutes, once)"
    quick_install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_cargo_leptos() {
  if ! cargo leptos --version >/dev/null 2>&1; then
    log "installing cargo-leptos (about 15-20 minutes on 2 cores, once)"
    # --ignore-rust-version: one locked dependency asks for a newer rustc than it needs.
    # no_downloads: a missing helper tool is an error, never a download from outside.
    quick_install cargo-leptos --locked --ignore-rust-version --features no_downloads
  fi
}

# cargo-nextest runs each test in its own process and kills a hung test (.config/nextest.toml).
ensure_nextest() {
  if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest (a few minutes, once)"
    quick_install cargo-nextest --locked
  fi
}

ensure_build_tools() {
  ensure_rust
  ensure_wasm_bindgen
  ensure_cargo_leptos
}

# Where cargo-leptos puts the site (pkg/ and the public assets): site-root in Cargo.toml,
# relative to the workspace whatever CARGO_TARGET_DIR is.
site_root() {
  echo "$ROOT/target/site"
}
