"""Non-dominated filtering: `mobo front` (and its O(n²) definition, the filter used before)
against moocore's `is_nondominated` on identical inputs, in the same run.

Worst cases for a filter: every point on the positive orthant of the unit sphere (no point
dominates another, so the whole set is the front), plus a uniform cube (a small front).
Each case is written to a file once and read back. Times are compute only; best of REPEATS.
The definition is skipped where it would take more than a few minutes.

Usage: python front_vs_moocore.py PATH_TO_MOBO [REPEATS]
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import moocore
import numpy as np

# (objectives, points, shape, run the O(n²) definition too)
CASES = [
    (2, 100_000, "sphere", True),
    (2, 1_000_000, "sphere", False),
    (3, 100_000, "sphere", True),
    (3, 1_000_000, "cube", False),
    (4, 10_000, "sphere", True),
    (5, 10_000, "sphere", True),
    (5, 100_000, "sphere", False),
]


def points(m: int, n: int, shape: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if shape == "cube":
        return rng.random((n, m))
    x = np.abs(rng.standard_normal((n, m)))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def mobo_front(mobo: str, path: Path, definition: bool, repeats: int):
    times = []
    for _ in range(repeats):
        args = [mobo, "front"] + (["--definition"] if definition else []) + [str(path)]
        result = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
        times.append(result["seconds"])
    return result["front"], min(times)


def main() -> None:
    mobo = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for m, n, shape, definition in CASES:
            path = Path(tmp) / f"{shape}_{m}_{n}.txt"
            np.savetxt(path, points(m, n, shape, seed=m * 1000 + n), fmt="%.17g")
            data = np.loadtxt(path, ndmin=2)
            moo_times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                mask = moocore.is_nondominated(data, keep_weakly=True)
                moo_times.append(time.perf_counter() - t0)
            front, t_mobo = mobo_front(mobo, path, False, repeats)
            assert front == int(mask.sum()), (m, n, front, int(mask.sum()))
            t_before = mobo_front(mobo, path, True, 1)[1] if definition else None
            rows.append((m, n, shape, front, min(moo_times), t_before, t_mobo))

    print(f"moocore {moocore.__version__}, best of {repeats} (the definition: one run)")
    print("| objectives | points | shape | front | moocore s | mobo before (definition) s | mobo s | mobo / moocore |")
    print("|---|---|---|---|---|---|---|---|")
    for m, n, shape, front, t_moo, t_before, t_mobo in rows:
        before = f"{t_before:.3f}" if t_before is not None else "–"
        print(f"| {m} | {n:,} | {shape} | {front:,} | {t_moo:.4f} | {before} | {t_mobo:.4f} | {t_mobo / t_moo:.2f} |")


if __name__ == "__main__":
    main()
