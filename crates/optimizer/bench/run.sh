#!/usr/bin/env bash
# One command for the hypervolume and non-dominated filtering benchmarks: a virtualenv with
# moocore, a release build of mobo, then the comparison tables (see crates/optimizer/README.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${MC_BENCH_VENV:-$HOME/.cache/mattercraft/bench-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import moocore, numpy' 2>/dev/null || "$venv/bin/pip" install -q moocore numpy
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mattercraft/target}"
(cd "$root" && cargo build --release -q -p optimizer --bin mobo)
"$venv/bin/python" "$here/hv_vs_moocore.py" "$CARGO_TARGET_DIR/release/mobo" "${1:-3}"
"$venv/bin/python" "$here/front_vs_moocore.py" "$CARGO_TARGET_DIR/release/mobo" "${1:-3}"
