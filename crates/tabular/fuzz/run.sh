#!/usr/bin/env bash
# Builds the dataset reader's fuzz target with libFuzzer's coverage instrumentation on the
# nightly toolchain (what `cargo fuzz run parse` does, without installing cargo-fuzz) and runs
# it from a small seed corpus (a CSV and a JSON table) with a dictionary of JSON and CSV tokens.
# Usage: crates/tabular/fuzz/run.sh [SECONDS]   (default 120)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${CARGO_TARGET_DIR:-$HOME/.cache/mattercraft}/fuzz-target"
triple="$(rustc -vV | sed -n 's/^host: //p')"
flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters"
flags+=" -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares"
flags+=" --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# --target keeps the instrumentation off build scripts and proc macros.
(cd "$here" && CARGO_TARGET_DIR="$target" RUSTFLAGS="$flags" \
  cargo +nightly build --release --bin parse --target "$triple")
mkdir -p "$here/corpus" "$here/artifacts"
if [ -z "$(ls -A "$here/corpus")" ]; then
  printf 'temp,n,solvent,yield\n400,2,water,0.5\n"4e2", 3 ,"eth,anol",\n' >"$here/corpus/seed.csv"
  printf '[{"temp": 400, "solvent": "water", "ok": true},\n {"solvent": 2, "temp": 4.5e2, "x": null}]' \
    >"$here/corpus/seed.json"
fi
"$target/$triple/release/parse" "$here/corpus" -artifact_prefix="$here/artifacts/" \
  -dict="$here/parse.dict" -max_total_time="${1:-120}" -max_len=4096
