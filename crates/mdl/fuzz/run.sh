#!/usr/bin/env bash
# Builds the MDL fuzz target (any text through parse_yaml, parse_json, from_value and
# expr::parse) with libFuzzer's coverage instrumentation on the nightly toolchain (what
# `cargo fuzz run parse` does, without installing cargo-fuzz) and runs it.
# Usage: crates/mdl/fuzz/run.sh [SECONDS]   (default 120)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# Its own target dir: the mesh target's binary is also called `parse`.
target="${CARGO_TARGET_DIR:-$HOME/.cache/mattercraft}/mdl-fuzz-target"
triple="$(rustc -vV | sed -n 's/^host: //p')"
flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters"
flags+=" -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares"
flags+=" --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# --target keeps the instrumentation off build scripts and proc macros.
(cd "$here" && CARGO_TARGET_DIR="$target" RUSTFLAGS="$flags" \
  cargo +nightly build --release --bin parse --target "$triple")
mkdir -p "$here/corpus" "$here/artifacts"
"$target/$triple/release/parse" "$here/corpus" -artifact_prefix="$here/artifacts/" \
  -max_total_time="${1:-120}" -max_len=4096
