#!/usr/bin/env bash
# One command for the mesh benchmark against trimesh: a virtualenv with trimesh and numpy, a
# release build of meshinfo, then the test files (made by trimesh), timings, peak memory and
# the agreement checks, printed as a markdown table (see crates/mesh/README.md).
# Usage: crates/mesh/bench/run.sh [REPETITIONS]   (default 3; best time of each side is kept)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${MC_MESH_VENV:-$HOME/.cache/mattercraft/mesh-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import trimesh, numpy' 2>/dev/null || "$venv/bin/pip" install -q trimesh numpy
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mattercraft/target}"
(cd "$root" && cargo build --release -q -p mesh --bin meshinfo)
work="${MC_MESH_BENCH_DIR:-$HOME/.cache/mattercraft/mesh-bench}"
mkdir -p "$work"
"$venv/bin/python" "$here/vs_trimesh.py" "$CARGO_TARGET_DIR/release/meshinfo" "$work" "${1:-3}"
