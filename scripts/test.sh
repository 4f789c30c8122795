#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, then runs
#   the set-up steps' own test, shellcheck, cargo fmt --check, clippy (host and wasm), unit
#   tests, the store and API integration tests on SQLite and on PostgreSQL (their mail through a
#   real SMTP server, aiosmtpd), the attack suite against a running server, the release build of
#   the server and the site (what ships), Playwright in Debian's Chromium against that release
#   build with JavaScript on and off, and schemathesis fuzzing its API from /v1/openapi.json.
# Ends with one line "summary: N passed, M failed"; exits non-zero when anything failed.
set -uo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

LOGS="$(mktemp -d /tmp/mc-test-XXXXXX)"
PASSED=0
FAILED=0
FAILED_STEPS=()

# Runs one step, streaming its output to the console and a log; a non-zero exit marks the
# step failed without stopping the run, so one failure does not hide the others.
step() {
  local name="$1"; shift
  log "$name"
  local logfile
  logfile="$LOGS/$(echo "$name" | tr -c 'a-zA-Z0-9' '_').log"
  local failed_before=$FAILED
  if "$@" 2>&1 | tee "$logfile"; then
    count "$logfile"
    return 0
  fi
  count "$logfile"
  FAILED_STEPS+=("$name")
  # A step that failed without failing a test (fmt, clippy, a build) counts as one failure.
  [ "$FAILED" -gt "$failed_before" ] || FAILED=$((FAILED + 1))
  return 1
}

# Adds up the test counts printed by cargo-nextest and Playwright.
count() {
  local p f
  # nextest: "Summary [ 12.3s] 282 tests run: 280 passed, 1 failed, 1 timed out, 0 skipped"
  p=$(grep -E '^ +Summary \[' "$1" | grep -Eo '[0-9]+ passed' | awk '{s += $1} END {print s + 0}')
  f=$(grep -E '^ +Summary \[' "$1" | grep -Eo '[0-9]+ (failed|timed out)' \
      | awk '{s += $1} END {print s + 0}')
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  p=$(grep -Eo '^ +[0-9]+ passed' "$1" | awk '{s += $1} END {print s + 0}')
  f=$(grep -Eo '^ +[0-9]+ failed' "$1" | awk '{s += $1} END {print s + 0}')
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
}

# --- PostgreSQL: the machine's service when it answers, else a private cluster -------------
PG_PRIVATE_DIR=""
start_postgres() {
  # MC_PRIVATE_POSTGRES=1 skips the machine's service (to exercise the path a bare machine takes).
  if [ -z "${MC_PRIVATE_POSTGRES:-}" ] \
    && psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc 'select 1' >/dev/null 2>&1; then
    export MC_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/postgres"
    log "using the PostgreSQL service on 127.0.0.1:5432"
    return 0
  fi
  ensure_postgres_server
  local bindir="$PG_BINDIR"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
  PG_PRIVATE_DIR="$(mktemp -d /tmp/mc-pg-XXXXXX)"
  local run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root: the cluster belongs to the postgres system user.
    id postgres >/dev/null 2>&1 || useradd --system --home "$PG_PRIVATE_DIR" postgres
    chown postgres "$PG_PRIVATE_DIR"
    run_as=(runuser -u postgres --)
  fi
  log "starting a private PostgreSQL on 127.0.0.1:$port"
  "${run_as[@]}" "$bindir/initdb" -D "$PG_PRIVATE_DIR/data" -A trust -U postgres >/dev/null \
    || die "initdb failed in $PG_PRIVATE_DIR"
  "${run_as[@]}" "$bindir/pg_ctl" -D "$PG_PRIVATE_DIR/data" -l "$PG_PRIVATE_DIR/log" -w \
    -o "-p $port -k $PG_PRIVATE_DIR -c listen_addresses=127.0.0.1" start >/dev/null \
    || die "the private PostgreSQL did not start; its log: $PG_PRIVATE_DIR/log"
  PG_CTL=("${run_as[@]}" "$bindir/pg_ctl" -D "$PG_PRIVATE_DIR/data")
  export MC_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

drop_test_databases() {
  [ -n "${MC_TEST_POSTGRES_URL:-}" ] || return 0
  psql "$MC_TEST_POSTGRES_URL" -Atqc "select datname from pg_database where datname like 'mc\_t\_%'" 2>/dev/null \
    | while read -r db; do psql "$MC_TEST_POSTGRES_URL" -qc "drop database if exists \"$db\" with (force)" >/dev/null 2>&1; done
}

# --- SMTP: aiosmtpd on a private port; the API tests send mail to it and read its maildir ----
SMTP_PID=""
SMTP_DIR=""
start_smtp() {
  local port tries=0
  port=$("$MC_SMTP_VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
    || die "cannot find a free port for the SMTP server"
  SMTP_DIR="$(mktemp -d /tmp/mc-smtp-XXXXXX)"
  log "starting aiosmtpd on 127.0.0.1:$port (mail lands in $SMTP_DIR/maildir)"
  # -n: stay root (as a test server it needs no other user); Mailbox: one maildir file per message.
  "$MC_SMTP_VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox \
    "$SMTP_DIR/maildir" >"$SMTP_DIR/log" 2>&1 &
  SMTP_PID=$!
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$SMTP_PID" 2>/dev/null; then
      die "aiosmtpd did not start on 127.0.0.1:$port; its log: $(cat "$SMTP_DIR/log")"
    fi
    sleep 0.1
  done
  export MC_TEST_SMTP_URL="smtp://127.0.0.1:$port" MC_TEST_MAILDIR="$SMTP_DIR/maildir"
}

SUMMARY_PRINTED=""
cleanup() {
  # A set-up step that cannot go on ends the script (die): the run still ends with its summary.
  if [ -z "$SUMMARY_PRINTED" ]; then
    echo
    echo "The run stopped before the checks finished (see the error above)."
    echo "summary: $PASSED passed, $((FAILED + 1)) failed"
  fi
  drop_test_databases
  if [ -n "$SMTP_PID" ]; then
    kill "$SMTP_PID" 2>/dev/null || true
    wait "$SMTP_PID" 2>/dev/null || true
  fi
  [ -z "$SMTP_DIR" ] || rm -rf "$SMTP_DIR"
  if [ -n "$PG_PRIVATE_DIR" ]; then
    "${PG_CTL[@]}" stop -m fast >/dev/null 2>&1 || true
    rm -rf "$PG_PRIVATE_DIR"
  fi
}
trap cleanup EXIT

# --- Set-up ------------------------------------------------------------------------------
started=$(date +%s)
ensure_build_tools
ensure_wasm_opt
ensure_nextest
ensure_shellcheck
ensure_node
ensure_psql
ensure_chromium
ensure_playwright
ensure_aiosmtpd
ensure_schemathesis
start_postgres
drop_test_databases
start_smtp

# --- Checks ------------------------------------------------------------------------------
HOST_PACKAGES=(-p domain -p store -p services -p server -p optimizer -p mdl -p mesh -p tabular)

step "set-up steps take their install branch when their tool is missing" \
  bash scripts/tests/setup_steps.sh
step "shellcheck scripts/" bash -c 'shellcheck -x scripts/*.sh scripts/tests/*.sh .ci/run'
step "cargo fmt --check" cargo fmt --all --check
# The browser tests run against the release build: a release wasm can build and still fail
# at hydration (an old wasm-opt does that), which only a browser shows.
release_built=""
step "build: release server and site (cargo leptos build --release)" cargo leptos build --release \
  && release_built=1
step "clippy (server side)" host_cargo clippy "${HOST_PACKAGES[@]}" --all-targets -- -D warnings
step "clippy (browser side, wasm32)" \
  host_cargo clippy -p frontend -p domain -p mdl -p mesh --target wasm32-unknown-unknown -- -D warnings
# nextest runs every test in its own process and fails (rather than waits on) a test that
# hangs; the crates have no doctests.
step "unit and integration tests on SQLite" \
  env MC_TEST_DATABASE=sqlite RUSTFLAGS="--cfg erase_components" \
  cargo nextest run --no-fail-fast "${HOST_PACKAGES[@]}" -p app --features app/ssr
step "store and API integration tests on PostgreSQL" \
  env MC_TEST_DATABASE=postgres RUSTFLAGS="--cfg erase_components" \
  cargo nextest run --no-fail-fast -p store --test store -p server --test api
if [ -n "$release_built" ]; then
  step "end-to-end tests in Chromium against the release build (JavaScript on and off)" \
    env MC_SERVER_BIN="$CARGO_TARGET_DIR/release/server" MC_SITE_ROOT="$(site_root)" \
    bash -c 'cd end2end && npx playwright test'
  step "schemathesis against the release server's /v1/openapi.json (120 s)" \
    bash scripts/schemathesis.sh "$CARGO_TARGET_DIR/release/server" "$(site_root)" 120
else
  FAILED_STEPS+=("end-to-end tests and schemathesis (not run: the release build failed)")
  FAILED=$((FAILED + 2))
fi

elapsed=$(( $(date +%s) - started ))
echo
if [ ${#FAILED_STEPS[@]} -gt 0 ]; then
  echo "Failed steps:"
  printf '  - %s\n' "${FAILED_STEPS[@]}"
fi
echo "Logs: $LOGS  (took ${elapsed}s)"
echo "summary: $PASSED passed, $FAILED failed"
SUMMARY_PRINTED=1
[ ${#FAILED_STEPS[@]} -eq 0 ]
