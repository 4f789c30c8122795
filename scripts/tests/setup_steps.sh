#!/usr/bin/env bash
# The cases' set-up snippets are single-quoted on purpose: they expand inside each case's shell.
# shellcheck disable=SC2016
# Tests of the set-up steps in scripts/lib.sh, as a fresh machine meets them.
#
# Each case runs one `ensure_*` step under `set -euo pipefail` (as run.sh and build-release.sh
# do) with PATH holding only basic system tools and stubs: the step's tool is absent, and its
# installer (cargo install, rustup, apt-get, npm) is a stub that records its arguments and
# makes the tool appear. A case passes when the installer was called as expected, the step
# went on past its install (the script reached its next line), and nothing else was installed.
# Other cases check that a step with its tool present installs nothing, and that a failing
# installer ends the script with a message rather than silently.
#
# Prints "  N passed" / "  M failed" (counted by scripts/test.sh); exits non-zero on a failure.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="${MC_SETUP_TEST_LIB:-$HERE/../lib.sh}" # another lib.sh, to check that this test catches a regression
WORK="$(mktemp -d /tmp/mc-setup-test-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

PASSED=0
FAILED=0

# --- A PATH with basic tools only ------------------------------------------------------------
SYSBIN="$WORK/sysbin"
mkdir -p "$SYSBIN"
for tool in bash sh env awk grep sed cat date id mktemp dirname basename tr tee ls sort tail \
  head rm mkdir touch chmod ln cp mv wc cut find gzip sleep uname; do
  real=$(command -v "$tool") || { echo "setup test: basic tool $tool missing" >&2; exit 1; }
  ln -s "$real" "$SYSBIN/$tool"
done

# --- Stubs ------------------------------------------------------------------------------------
STUBS="$WORK/stubs"
mkdir -p "$STUBS"

# `make_tool DIR NAME OUTPUT`: a fake tool that prints OUTPUT for any arguments.
cat >"$STUBS/.make_tool" <<'EOF'
#!/bin/bash
mkdir -p "$1"
printf '#!/bin/bash\necho "%s"\n' "$3" >"$1/$2"
chmod +x "$1/$2"
EOF
chmod +x "$STUBS/.make_tool"

cat >"$STUBS/cargo" <<'EOF'
#!/bin/bash
echo "cargo $*" >>"$STUB_LOG"
mk="$STUB_DIR/.make_tool"
case "$1" in
  --version) echo "cargo 1.95.0 (stub)" ;;
  leptos) [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo-leptos" ] || { echo "error: no such command: leptos" >&2; exit 101; } ;;
  nextest) [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo-nextest" ] || { echo "error: no such command: nextest" >&2; exit 101; } ;;
  install)
    shift
    crate="" version="" prev=""
    for arg in "$@"; do
      case "$prev" in --version) version="$arg" ;; esac
      case "$arg" in -*) ;; *) [ "$prev" = --version ] || [ "$prev" = --features ] || [ -n "$crate" ] || crate="$arg" ;; esac
      prev="$arg"
    done
    [ "${STUB_FAIL:-}" = "$crate" ] && { echo "error: failed to compile $crate (stub)" >&2; exit 101; }
    case "$crate" in
      wasm-bindgen-cli) "$mk" "${CARGO_HOME:-$HOME/.cargo}/bin" wasm-bindgen "wasm-bindgen $version" ;;
      cargo-leptos) "$mk" "${CARGO_HOME:-$HOME/.cargo}/bin" cargo-leptos "cargo-leptos 0.3.11" ;;
      cargo-nextest) "$mk" "${CARGO_HOME:-$HOME/.cargo}/bin" cargo-nextest "cargo-nextest 0.9.0" ;;
      *) echo "stub cargo: unexpected crate $crate" >&2; exit 1 ;;
    esac ;;
  *) echo "stub cargo: unexpected command $*" >&2; exit 1 ;;
esac
EOF

cat >"$STUBS/rustup" <<'EOF'
#!/bin/bash
echo "rustup $*" >>"$STUB_LOG"
case "$1 $2" in
  "target list") cat "$STUB_STATE/targets" ;;
  "target add") echo "$3" >>"$STUB_STATE/targets" ;;
  "component list") cat "$STUB_STATE/components" ;;
  "component add") echo "$3-x86_64-unknown-linux-gnu" >>"$STUB_STATE/components" ;;
  *) echo "stub rustup: unexpected $*" >&2; exit 1 ;;
esac
EOF

cat >"$STUBS/apt-get" <<'EOF'
#!/bin/bash
echo "apt-get $*" >>"$STUB_LOG"
[ "$1" = update ] && exit 0
[ "$1" = install ] || { echo "stub apt-get: unexpected $*" >&2; exit 1; }
mk="$STUB_DIR/.make_tool"
for pkg in "$@"; do
  [ "${STUB_FAIL:-}" = "$pkg" ] && { echo "E: Unable to locate package $pkg (stub)" >&2; exit 100; }
  case "$pkg" in
    -*|install) ;;
    postgresql-client) "$mk" "$STUB_INSTALLED" psql "psql (PostgreSQL) 15 (stub)" ;;
    postgresql) mkdir -p "$MC_PG_LIB_DIR/15/bin" ;;
    chromium) "$mk" "$STUB_INSTALLED" chromium "Chromium 156 (stub)" ;;
    shellcheck) "$mk" "$STUB_INSTALLED" shellcheck "ShellCheck (stub)" ;;
    nodejs) "$mk" "$STUB_INSTALLED" node "v18.19.0" ;;
    npm) cp "$STUB_DIR/.npm" "$STUB_INSTALLED/npm" ;;
    python3) cp "$STUB_DIR/.python3" "$STUB_INSTALLED/python3" ;;
    python3-venv) touch "$STUB_STATE/python3-venv" ;;
    *) echo "stub apt-get: unexpected package $pkg" >&2; exit 1 ;;
  esac
done
EOF

# npm is absent until apt-get installs it (ensure_node), or present from the start.
cat >"$STUBS/.npm" <<'EOF'
#!/bin/bash
echo "npm $*" >>"$STUB_LOG"
mk="$STUB_DIR/.make_tool"
case "$1" in
  --version) echo "11.0.0" ;;
  ci) mkdir -p node_modules/@playwright/test ;;
  install)
    prefix="" prev=""
    for arg in "$@"; do [ "$prev" = --prefix ] && prefix="$arg"; prev="$arg"; done
    case "$*" in
      *binaryen@*) "$mk" "$prefix/node_modules/.bin" wasm-opt "wasm-opt version ${STUB_WASM_OPT_VERSION:-132} (version_132)" ;;
      *) echo "stub npm: unexpected install $*" >&2; exit 1 ;;
    esac ;;
  *) echo "stub npm: unexpected $*" >&2; exit 1 ;;
esac
EOF
# python3 can make a venv only once python3-venv is "installed" (Debian splits it off).
cat >"$STUBS/.python3" <<'EOF'
#!/bin/bash
echo "python3 $*" >>"$STUB_LOG"
case "$1" in
  -c) [ -e "$STUB_STATE/python3-venv" ] || { echo "ModuleNotFoundError: No module named 'ensurepip' (stub)" >&2; exit 1; } ;;
  -m)
    [ "$2" = venv ] || { echo "stub python3: unexpected $*" >&2; exit 1; }
    [ -e "$STUB_STATE/python3-venv" ] || { echo "The virtual environment was not created: ensurepip is not available (stub)" >&2; exit 1; }
    mkdir -p "$3/bin" && cp "$STUB_DIR/.venv_python" "$3/bin/python" ;;
  *) echo "stub python3: unexpected $*" >&2; exit 1 ;;
esac
EOF

# A venv's python: pip records the package it installed, the probe prints its version.
cat >"$STUBS/.venv_python" <<'EOF'
#!/bin/bash
venv="$(dirname "$(dirname "$0")")"
case "$1" in
  -c) [ -e "$venv/installed" ] || { echo "importlib.metadata.PackageNotFoundError (stub)" >&2; exit 1; }
      cat "$venv/installed" ;;
  -m)
    echo "venv-python $*" >>"$STUB_LOG"
    [ "$2 $3" = "pip install" ] || { echo "stub venv python: unexpected $*" >&2; exit 1; }
    for arg in "$@"; do
      case "$arg" in
        "${STUB_FAIL:-no failure}"==*)
          echo "ERROR: No matching distribution found for $arg (stub)" >&2; exit 1 ;;
        *==*) echo "${arg#*==}" >"$venv/installed" ;;
      esac
    done ;;
  *) echo "stub venv python: unexpected $*" >&2; exit 1 ;;
esac
EOF
chmod +x "$STUBS"/* "$STUBS/.npm" "$STUBS/.python3" "$STUBS/.venv_python"

# --- Running one step --------------------------------------------------------------------------
# `run_step NAME SETUP STEP`: a fresh HOME and state, the stubs for `STUB_TOOLS` (cargo, rustup,
# apt-get always; npm when `with_npm`), then `STEP` under `set -euo pipefail`. Leaves the
# output in $OUT, the exit status in $STATUS and the installers' calls in $LOG.
run_step() {
  local setup="$1" step="$2"
  local case_dir
  case_dir=$(mktemp -d "$WORK/case-XXXXXX")
  mkdir -p "$case_dir/home" "$case_dir/state" "$case_dir/installed" "$case_dir/bin" "$case_dir/root/end2end"
  printf 'x86_64-unknown-linux-gnu\n' >"$case_dir/state/targets"
  printf 'cargo-x86_64-unknown-linux-gnu\nrustc-x86_64-unknown-linux-gnu\n' >"$case_dir/state/components"
  : >"$case_dir/log"
  cp "$HERE/../../Cargo.lock" "$case_dir/root/Cargo.lock"
  echo '{}' >"$case_dir/root/end2end/package-lock.json"
  ln -s "$STUBS/cargo" "$STUBS/rustup" "$STUBS/apt-get" "$case_dir/bin/"
  OUT=$(
    cd "$case_dir/root" || exit 99
    env -i HOME="$case_dir/home" \
      PATH="$case_dir/bin:$case_dir/installed:$SYSBIN" \
      STUB_LOG="$case_dir/log" STUB_STATE="$case_dir/state" STUB_INSTALLED="$case_dir/installed" \
      STUB_DIR="$STUBS" MC_PG_LIB_DIR="$case_dir/pglib" MC_TOOLS_DIR="$case_dir/tools" \
      CASE_DIR="$case_dir" \
      bash -c "
        set -euo pipefail
        $setup
        source '$LIB'
        report_errors
        ROOT='$case_dir/root'; cd \"\$ROOT\"
        $step
        echo 'STEP WENT ON'
      " 2>&1
  )
  STATUS=$?
  LOG=$(cat "$case_dir/log")
}

indent() {
  local line
  while IFS= read -r line; do printf '    %s\n' "$line"; done <<<"$1"
}

pass() {
  PASSED=$((PASSED + 1))
  echo "PASS $1"
}

fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL $1: $2"
  echo "---- output (exit status $STATUS):"
  indent "$OUT"
  echo "---- installer calls:"
  indent "$LOG"
}

# `expect_install NAME SETUP STEP PATTERN...`: the step with its tool absent calls an installer
# matching each PATTERN (grep -E, one call per line) and goes on.
expect_install() {
  local name="$1" setup="$2" step="$3"
  shift 3
  run_step "$setup" "$step"
  [ "$STATUS" -eq 0 ] || { fail "$name" "the step exited with status $STATUS"; return; }
  grep -q 'STEP WENT ON' <<<"$OUT" || { fail "$name" "the script did not go on after the step"; return; }
  local pattern
  for pattern in "$@"; do
    grep -Eq "$pattern" <<<"$LOG" || { fail "$name" "no installer call matching /$pattern/"; return; }
  done
  pass "$name"
}

# `expect_no_install NAME SETUP STEP`: with the tool present the step installs nothing.
expect_no_install() {
  local name="$1" setup="$2" step="$3"
  run_step "$setup" "$step"
  if [ "$STATUS" -ne 0 ] || ! grep -q 'STEP WENT ON' <<<"$OUT"; then
    fail "$name" "the step did not succeed"
    return
  fi
  ! grep -Eq '(install|add) ' <<<"$LOG" || { fail "$name" "it installed something although the tool was present"; return; }
  pass "$name"
}

# `expect_loud_failure NAME SETUP STEP MESSAGE`: the installer fails; the script stops with a
# non-zero status and an error naming what failed, never silently.
expect_loud_failure() {
  local name="$1" setup="$2" step="$3" message="$4"
  run_step "$setup" "$step"
  [ "$STATUS" -ne 0 ] || { fail "$name" "the script went on (status 0) although the install failed"; return; }
  ! grep -q 'STEP WENT ON' <<<"$OUT" || { fail "$name" "the script went on after a failed install"; return; }
  grep -q "error: .*$message" <<<"$OUT" || { fail "$name" "no error message naming '$message'"; return; }
  pass "$name"
}

NPM='ln -s "$STUB_DIR/.npm" "$STUB_INSTALLED/npm"; "$STUB_DIR/.make_tool" "$STUB_INSTALLED" node v20.0.0'
PY3='cp "$STUB_DIR/.python3" "$STUB_INSTALLED/python3"; touch "$STUB_STATE/python3-venv"'
WANT_SMTPD=$(sed -n 's/^AIOSMTPD_VERSION="\(.*\)"$/\1/p' "$LIB")
# `smtpd_venv VERSION`: set-up code for a venv holding aiosmtpd VERSION, as an earlier run left it.
smtpd_venv() {
  local venv='$HOME/.cache/mattercraft/aiosmtpd-venv'
  echo "mkdir -p \"$venv/bin\"; cp \"\$STUB_DIR/.venv_python\" \"$venv/bin/python\"; echo $1 >\"$venv/installed\""
}
WANT_ST=$(sed -n 's/^SCHEMATHESIS_VERSION="\(.*\)"$/\1/p' "$LIB")
WANT_WB=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' "$HERE/../../Cargo.lock")

# --- Cases: each tool absent -------------------------------------------------------------------
expect_install "ensure_rust adds the wasm32 target, rustfmt and clippy when missing" "" ensure_rust \
  '^rustup target add wasm32-unknown-unknown$' '^rustup component add rustfmt$' '^rustup component add clippy$'
expect_install "ensure_wasm_bindgen installs wasm-bindgen-cli at the Cargo.lock version when absent" "" \
  ensure_wasm_bindgen "^cargo install wasm-bindgen-cli --version $WANT_WB --force\$"
expect_install "ensure_wasm_bindgen replaces a wasm-bindgen of another version" \
  '"$STUB_DIR/.make_tool" "$HOME/.cargo/bin" wasm-bindgen "wasm-bindgen 0.2.1"' \
  ensure_wasm_bindgen "^cargo install wasm-bindgen-cli --version $WANT_WB --force\$"
expect_install "ensure_cargo_leptos installs cargo-leptos (no downloads) when absent" "" ensure_cargo_leptos \
  '^cargo install cargo-leptos --locked --ignore-rust-version --features no_downloads$'
expect_install "ensure_nextest installs cargo-nextest when absent" "" ensure_nextest \
  '^cargo install cargo-nextest --locked$'
expect_install "ensure_wasm_bindgen finds what cargo installed into CARGO_HOME, even with PATH replaced after set-up" \
  'export CARGO_HOME="$CASE_DIR/cargo-home"' \
  'PATH="$CASE_DIR/bin:$CASE_DIR/installed:$(dirname "$(command -v bash)")"; ensure_wasm_bindgen' \
  "^cargo install wasm-bindgen-cli --version $WANT_WB --force\$"
expect_install "ensure_build_tools (run.sh's set-up) installs all three build tools on a bare machine" "" \
  ensure_build_tools '^rustup target add wasm32' '^cargo install wasm-bindgen-cli' '^cargo install cargo-leptos'
expect_install "ensure_node installs Debian's nodejs and npm when absent" "" ensure_node \
  '^apt-get update' '^apt-get install -y -qq nodejs npm$'
expect_install "ensure_wasm_opt installs npm's binaryen at the pinned version when absent" "$NPM" \
  ensure_wasm_opt '^npm install --prefix .*/tools --no-audit --no-fund --no-save binaryen@[0-9]+\.[0-9]+\.[0-9]+$'
expect_install "ensure_wasm_opt shadows an older wasm-opt (Debian's 108) with npm's" \
  "$NPM"'; "$STUB_DIR/.make_tool" "$STUB_INSTALLED" wasm-opt "wasm-opt version 108"' \
  ensure_wasm_opt '^npm install .*binaryen@'
expect_install "ensure_wasm_opt installs Node.js first when npm is absent too" "" ensure_wasm_opt \
  '^apt-get install -y -qq nodejs npm$' '^npm install .*binaryen@'
expect_install "ensure_psql installs postgresql-client when psql is absent" "" ensure_psql \
  '^apt-get install -y -qq postgresql-client$'
expect_install "ensure_postgres_server installs Debian's postgresql when no server is installed" "" \
  'ensure_postgres_server; [ -d "$PG_BINDIR" ]' '^apt-get install -y -qq postgresql$'
expect_install "ensure_chromium installs Debian's chromium when absent" "" ensure_chromium \
  '^apt-get install -y -qq chromium$'
expect_install "ensure_shellcheck installs shellcheck when absent" "" ensure_shellcheck \
  '^apt-get install -y -qq shellcheck$'
expect_install "ensure_aiosmtpd makes a venv and installs aiosmtpd from PyPI when absent" "$PY3" ensure_aiosmtpd \
  '^python3 -m venv .*/\.cache/mattercraft/aiosmtpd-venv$' "^venv-python -m pip install .* aiosmtpd==$WANT_SMTPD\$"
expect_install "ensure_aiosmtpd installs python3-venv first when Python has no venv (Debian)" \
  'cp "$STUB_DIR/.python3" "$STUB_INSTALLED/python3"' ensure_aiosmtpd \
  '^apt-get install -y -qq python3-venv$' '^python3 -m venv ' "^venv-python -m pip install .* aiosmtpd==$WANT_SMTPD\$"
expect_install "ensure_aiosmtpd installs python3 and python3-venv when there is no Python" "" ensure_aiosmtpd \
  '^apt-get install -y -qq python3 python3-venv$' "^venv-python -m pip install .* aiosmtpd==$WANT_SMTPD\$"
expect_install "ensure_aiosmtpd replaces a venv holding another aiosmtpd version" "$PY3; $(smtpd_venv 1.0)" \
  ensure_aiosmtpd "^venv-python -m pip install .* aiosmtpd==$WANT_SMTPD\$"
expect_install "ensure_schemathesis makes a venv and installs schemathesis from PyPI when absent" "$PY3" \
  ensure_schemathesis '^python3 -m venv .*/\.cache/mattercraft/schemathesis-venv$' \
  "^venv-python -m pip install .* schemathesis==$WANT_ST\$"
expect_install "ensure_playwright runs npm ci in end2end/ when node_modules is missing" "$NPM" \
  'ensure_playwright; [ -d end2end/node_modules ]' '^npm ci --no-audit --no-fund$'

# --- Cases: tool present -----------------------------------------------------------------------
expect_no_install "ensure_wasm_bindgen installs nothing when the right version is present" \
  "\"\$STUB_DIR/.make_tool\" \"\$HOME/.cargo/bin\" wasm-bindgen \"wasm-bindgen $WANT_WB\"" ensure_wasm_bindgen
expect_no_install "ensure_cargo_leptos installs nothing when cargo-leptos answers" \
  '"$STUB_DIR/.make_tool" "$HOME/.cargo/bin" cargo-leptos x' ensure_cargo_leptos
expect_no_install "ensure_wasm_opt installs nothing when npm's wasm-opt 132 is present" \
  "$NPM"'; "$STUB_DIR/.make_tool" "$MC_TOOLS_DIR/node_modules/.bin" wasm-opt "wasm-opt version 132 (version_132)"' \
  ensure_wasm_opt
expect_no_install "ensure_chromium installs nothing when chromium is on PATH" \
  '"$STUB_DIR/.make_tool" "$STUB_INSTALLED" chromium x' ensure_chromium
expect_no_install "ensure_aiosmtpd installs nothing when its venv holds the pinned version" \
  "$PY3; $(smtpd_venv "$WANT_SMTPD")" ensure_aiosmtpd

# --- Cases: the installer fails ----------------------------------------------------------------
expect_loud_failure "a failed cargo install ends the script with a message" "export STUB_FAIL=cargo-leptos" \
  ensure_cargo_leptos "cargo install cargo-leptos"
expect_loud_failure "a failed apt-get install ends the script with a message" "export STUB_FAIL=chromium" \
  ensure_chromium "apt-get install chromium"
expect_loud_failure "a failed pip install of aiosmtpd ends the script with a message" \
  "export STUB_FAIL=aiosmtpd; $PY3" ensure_aiosmtpd "pip install aiosmtpd"
expect_loud_failure "a failed pip install of schemathesis ends the script with a message" \
  "export STUB_FAIL=schemathesis; $PY3" ensure_schemathesis "pip install schemathesis"
expect_loud_failure "an install that does not produce the tool ends the script with a message" \
  "export STUB_WASM_OPT_VERSION=108; $NPM" ensure_wasm_opt "wasm-opt --version"
expect_loud_failure "no cargo at all ends the script with a message pointing to rustup" \
  'rm "$CASE_DIR/bin/cargo"' ensure_rust "cargo is not on PATH"
expect_loud_failure "a command that fails under set -e is reported with its line" "" \
  'false_tool_that_is_missing --version' "false_tool_that_is_missing --version"

echo
echo "setup steps: $PASSED passed, $FAILED failed"
echo "  $PASSED passed"
echo "  $FAILED failed"
[ "$FAILED" -eq 0 ]
