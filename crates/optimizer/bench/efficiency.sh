#!/usr/bin/env bash
# One command for the sample-efficiency benchmark: a virtualenv with Optuna, pymoo and
# moocore, a release build of mobo, then the comparison table (see crates/optimizer/README.md).
# Takes about half an hour on 2 cores with 5 seeds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${MC_BENCH_VENV:-$HOME/.cache/mattercraft/bench-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import moocore, numpy, optuna, pymoo' 2>/dev/null \
  || "$venv/bin/pip" install -q moocore numpy optuna pymoo
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mattercraft/target}"
(cd "$root" && cargo build --release -q -p optimizer --bin mobo)
cd "$here" && "$venv/bin/python" efficiency.py "$CARGO_TARGET_DIR/release/mobo" "${1:-5}" "${2:-}"
