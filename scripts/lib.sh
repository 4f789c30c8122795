#!/usr/bin/env bash
# Set-up shared by scripts/run.sh, scripts/test.sh and scripts/build-release.sh.
#
# Each `ensure_*` step says what it checks, does nothing more when its tool is present, installs
# the tool otherwise, and then checks that the install worked. A step that cannot go on says
# why and ends the script; nothing ends silently.
#
# These scripts run under `set -euo pipefail`, where a command substitution or pipeline that
# fails ends the script at once. So every probe of a tool that may be absent is guarded
# (`have` first, `|| true` on captures): a missing tool must lead to its install branch, not
# to an exit (issue #10: `have=$(wasm-bindgen --version | awk …)` exited 127 on a fresh
# machine before it could install anything). scripts/tests/setup_steps.sh checks every step
# with its tool hidden from PATH.
# shellcheck disable=SC2034 # variables used by the scripts that source this file

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

# One target dir outside the clone, reused by every run on this machine (warm builds).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mattercraft/target}"
# Tools that come from npm (wasm-opt) live here, outside the clone, and come first on PATH.
export MC_TOOLS_DIR="${MC_TOOLS_DIR:-$HOME/.cache/mattercraft/tools}"
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
# Where installed tools land: cargo install's bin folder (CARGO_INSTALL_ROOT, else CARGO_HOME,
# else ~/.cargo) and npm's in MC_TOOLS_DIR. Put first on PATH now and again after each install
# (a caller may have replaced PATH since this file was sourced), so a tool just installed is the
# one found.
tool_paths() {
  local dir
  for dir in "${CARGO_INSTALL_ROOT:+$CARGO_INSTALL_ROOT/bin}" "${CARGO_HOME:-$HOME/.cargo}/bin" \
    "$MC_TOOLS_DIR/node_modules/.bin"; do
    [ -n "$dir" ] || continue
    case ":$PATH:" in *":$dir:"*) ;; *) PATH="$dir:$PATH" ;; esac
  done
  export PATH
  hash -r
}
tool_paths
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Pinned versions of the tools that are not in Cargo.lock.
BINARYEN_VERSION="132.0.0"
# The SMTP server the API tests send mail to, from PyPI into a venv of its own.
AIOSMTPD_VERSION="1.4.6"
MC_SMTP_VENV="${MC_SMTP_VENV:-$HOME/.cache/mattercraft/aiosmtpd-venv}"
# The API fuzzer run against /v1/openapi.json, from PyPI into a venv of its own.
SCHEMATHESIS_VERSION="4.32.5"
MC_SCHEMATHESIS_VENV="${MC_SCHEMATHESIS_VENV:-$HOME/.cache/mattercraft/schemathesis-venv}"
# Where Debian's postgresql package puts its server binaries (a test points it elsewhere).
PG_LIB_DIR="${MC_PG_LIB_DIR:-/usr/lib/postgresql}"

log() { printf '\n==> [%s] %s\n' "$(date +%T)" "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
  printf '\nerror: %s\n' "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# For scripts under `set -e`: name the command, file and line when one stops the script
# (reported once, by the top-level shell, not again by each subshell it passed through).
report_errors() {
  set -o errtrace
  # shellcheck disable=SC2154 # `status` is assigned inside the trap's own text
  trap 'status=$?; [ "$BASH_SUBSHELL" -gt 0 ] || printf "\nerror: %s stopped: \`%s\` exited with status %s (%s line %s)\n" \
    "$0" "$BASH_COMMAND" "$status" "${BASH_SOURCE[0]:-$0}" "$LINENO" >&2' ERR
}

# The first line of a tool's `--version` output, or nothing when it is absent or broken.
version_line() {
  have "$1" || return 0
  "$@" 2>/dev/null | head -n 1 || true
}

SUDO=""
if [ "$(id -u)" -ne 0 ] && have sudo; then SUDO="sudo"; fi

apt_install() {
  have apt-get || die "cannot install $*: apt-get is missing; install $* with your package manager"
  if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
    die "installing $* needs root or sudo; run: apt-get install $*"
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    note "apt-get update"
    $SUDO apt-get update -qq || die "apt-get update failed (is Debian's package mirror reachable?)"
    APT_UPDATED=1
  fi
  note "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" \
    || die "apt-get install $* failed"
  hash -r # forget where bash found the tools before: the new ones may shadow them
}

# Installs a Rust tool from crates.io with a quicker release profile than its own (fat LTO, one
# codegen unit): tools only orchestrate builds, and this halves the first run on a fresh machine.
quick_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=2 cargo install "$@" || die "cargo install $* failed"
  tool_paths
}

ensure_rust() {
  log "checking Rust: cargo, rustup, the wasm32 target, rustfmt and clippy"
  have cargo || die "cargo is not on PATH. Install Rust with rustup first (https://rustup.rs), then open a new shell."
  have rustup || die "rustup is not on PATH. MatterCraft needs Rust installed with rustup (for the wasm32 target)."
  note "$(version_line cargo --version)"
  local targets components component
  targets=$(rustup target list --installed 2>/dev/null) || targets=""
  if ! grep -qx wasm32-unknown-unknown <<<"$targets"; then
    note "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown || die "rustup target add wasm32-unknown-unknown failed"
  fi
  components=$(rustup component list --installed 2>/dev/null) || components=""
  for component in rustfmt clippy; do
    if ! grep -q "^$component" <<<"$components"; then
      note "adding $component"
      rustup component add "$component" || die "rustup component add $component failed"
    fi
  done
}

# The wasm-bindgen CLI must be exactly the version of the crate in Cargo.lock.
ensure_wasm_bindgen() {
  local want found
  want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)
  [ -n "$want" ] || die "Cargo.lock names no wasm-bindgen version"
  log "checking wasm-bindgen-cli $want"
  found=$(version_line wasm-bindgen --version | awk '{print $2}')
  if [ "$found" = "$want" ]; then
    note "present"
    return 0
  fi
  note "${found:+found $found; }installing wasm-bindgen-cli $want from crates.io (about 3 minutes, once)"
  quick_install wasm-bindgen-cli --version "$want" --force
  found=$(version_line wasm-bindgen --version | awk '{print $2}')
  [ "$found" = "$want" ] \
    || die "wasm-bindgen-cli $want was installed but \`wasm-bindgen --version\` says '${found:-nothing}'"
}

ensure_cargo_leptos() {
  log "checking cargo-leptos"
  if cargo leptos --version >/dev/null 2>&1; then
    note "present"
    return 0
  fi
  note "installing cargo-leptos from crates.io (about 20 minutes on 2 cores, once)"
  # --ignore-rust-version: one locked dependency asks for a newer rustc than it needs.
  # no_downloads: a missing helper tool is an error, never a download from outside.
  quick_install cargo-leptos --locked --ignore-rust-version --features no_downloads
  cargo leptos --version >/dev/null 2>&1 || die "cargo-leptos was installed but \`cargo leptos --version\` fails"
}

# cargo-nextest runs each test in its own process and kills a hung test (.config/nextest.toml).
ensure_nextest() {
  log "checking cargo-nextest"
  if cargo nextest --version >/dev/null 2>&1; then
    note "present"
    return 0
  fi
  note "installing cargo-nextest from crates.io (a few minutes, once)"
  quick_install cargo-nextest --locked
  cargo nextest --version >/dev/null 2>&1 || die "cargo-nextest was installed but \`cargo nextest --version\` fails"
}

# Node.js and npm (the Playwright runner, wasm-opt); Debian's when the machine has none.
ensure_node() {
  log "checking Node.js and npm"
  if have npm && have node; then
    note "node $(version_line node --version), npm $(version_line npm --version)"
    return 0
  fi
  apt_install nodejs npm
  if ! have npm || ! have node; then
    die "nodejs and npm were installed but npm or node is not on PATH"
  fi
}

# wasm-opt for release builds, from npm's binaryen at a pinned version. Never Debian's binaryen
# (wasm-opt 108): the release build succeeds, but the wasm then fails at hydration.
ensure_wasm_opt() {
  local want="${BINARYEN_VERSION%%.*}" found
  log "checking wasm-opt $want (npm package binaryen@$BINARYEN_VERSION)"
  found=$(version_line wasm-opt --version | awk '{print $3}')
  if [ "$found" = "$want" ]; then
    note "present"
    return 0
  fi
  ensure_node
  note "${found:+found wasm-opt $found; }installing binaryen@$BINARYEN_VERSION into $MC_TOOLS_DIR"
  mkdir -p "$MC_TOOLS_DIR"
  npm install --prefix "$MC_TOOLS_DIR" --no-audit --no-fund --no-save "binaryen@$BINARYEN_VERSION" \
    || die "npm install binaryen@$BINARYEN_VERSION failed"
  tool_paths # the npm wasm-opt comes first on PATH and shadows any other
  found=$(version_line wasm-opt --version | awk '{print $3}')
  [ "$found" = "$want" ] || die "binaryen was installed but \`wasm-opt --version\` says '${found:-nothing}'"
}

ensure_psql() {
  log "checking the PostgreSQL client (psql)"
  if have psql; then
    note "present"
    return 0
  fi
  apt_install postgresql-client
  have psql || die "postgresql-client was installed but psql is not on PATH"
}

# Sets PG_BINDIR to the newest PostgreSQL server's bin folder, installing Debian's postgresql
# when there is none.
ensure_postgres_server() {
  log "checking the PostgreSQL server binaries (initdb, pg_ctl)"
  PG_BINDIR=$(find "$PG_LIB_DIR" -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1) || PG_BINDIR=""
  if [ -n "$PG_BINDIR" ]; then
    note "present: $PG_BINDIR"
    return 0
  fi
  apt_install postgresql
  PG_BINDIR=$(find "$PG_LIB_DIR" -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1) || PG_BINDIR=""
  [ -n "$PG_BINDIR" ] || die "postgresql was installed but $PG_LIB_DIR/<version>/bin is missing"
}

ensure_chromium() {
  log "checking Debian's Chromium (for the browser tests)"
  if have chromium; then
    note "present"
    return 0
  fi
  apt_install chromium
  have chromium || die "chromium was installed but is not on PATH"
}

# The Playwright test runner from npm, without its browser download (Debian's Chromium is used).
ensure_playwright() {
  log "checking the Playwright test runner (end2end/node_modules)"
  if [ -d "$ROOT/end2end/node_modules" ] \
    && ! [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules" ]; then
    note "present"
    return 0
  fi
  ensure_node
  note "npm ci in end2end/ (no browser download)"
  (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) \
    || die "npm ci in end2end/ failed"
  touch "$ROOT/end2end/node_modules"
}

ensure_shellcheck() {
  log "checking shellcheck"
  if have shellcheck; then
    note "present"
    return 0
  fi
  apt_install shellcheck
  have shellcheck || die "shellcheck was installed but is not on PATH"
}

# `venv_package VENV PACKAGE VERSION PURPOSE`: PACKAGE==VERSION from PyPI in a venv of
# its own (never the system Python's packages). Needs python3 with venv; Debian splits venv
# into python3-venv.
venv_package() {
  local venv="$1" package="$2" version="$3" purpose="$4"
  local python="$venv/bin/python" found=""
  local probe="import importlib.metadata as m; print(m.version('$package'))"
  log "checking $package $version ($purpose) in $venv"
  if [ -x "$python" ]; then found=$("$python" -c "$probe" 2>/dev/null || true); fi
  if [ "$found" = "$version" ]; then
    note "present"
    return 0
  fi
  if ! have python3; then
    apt_install python3 python3-venv
  elif ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt_install python3-venv
  fi
  have python3 || die "python3 was installed but is not on PATH"
  note "${found:+found $package $found; }creating a Python venv and installing $package==$version from PyPI"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" || die "python3 -m venv $venv failed"
  "$python" -m pip install --quiet --disable-pip-version-check "$package==$version" \
    || die "pip install $package==$version failed (is PyPI reachable?)"
  hash -r
  found=$("$python" -c "$probe" 2>/dev/null || true)
  [ "$found" = "$version" ] \
    || die "$package was installed but the venv's python reports version '${found:-nothing}'"
}

# aiosmtpd, a real SMTP server for the API tests' mail.
ensure_aiosmtpd() {
  venv_package "$MC_SMTP_VENV" aiosmtpd "$AIOSMTPD_VERSION" \
    "the SMTP server the API tests send mail to"
}

# schemathesis, which fuzzes the running API from its OpenAPI document.
ensure_schemathesis() {
  venv_package "$MC_SCHEMATHESIS_VENV" schemathesis "$SCHEMATHESIS_VERSION" \
    "the API fuzzer run against /v1/openapi.json"
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
