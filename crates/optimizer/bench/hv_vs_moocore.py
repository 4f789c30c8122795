"""Exact hypervolume: `mobo hv` against moocore on identical inputs, in the same run.

Points are spread uniformly on the positive orthant of the unit sphere (normalised absolute
Gaussian vectors), reference 1.1 in every objective. Each case is written to a file once and
read back, so both tools see the same floats. Times are compute only (moocore: the call;
mobo: its own "seconds" field, which excludes reading the file); best of REPEATS.

Usage: python hv_vs_moocore.py PATH_TO_MOBO [REPEATS]
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import moocore
import numpy as np

CASES = [(2, 1_000_000), (3, 100_000), (4, 10_000), (5, 2_000), (6, 300), (8, 100)]


def sphere_points(m: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.abs(rng.standard_normal((n, m)))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main() -> None:
    mobo = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for m, n in CASES:
            path = Path(tmp) / f"sphere_{m}_{n}.txt"
            np.savetxt(path, sphere_points(m, n, seed=m * 1000 + n), fmt="%.17g")
            data = np.loadtxt(path, ndmin=2)
            ref = [1.1] * m

            moo_times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                moo_hv = moocore.hypervolume(data, ref=ref)
                moo_times.append(time.perf_counter() - t0)

            mobo_times = []
            for _ in range(repeats):
                out = subprocess.run(
                    [mobo, "hv", "--ref", ",".join(map(str, ref)), str(path)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                result = json.loads(out.stdout)
                mobo_times.append(result["seconds"])
            mobo_hv = result["hypervolume"]
            rel = abs(mobo_hv - moo_hv) / abs(moo_hv)
            rows.append((m, n, moo_hv, rel, min(moo_times), min(mobo_times)))

    print(f"moocore {moocore.__version__}, best of {repeats}")
    print("| objectives | points | hypervolume | relative difference | moocore s | mobo s | mobo / moocore |")
    print("|---|---|---|---|---|---|---|")
    for m, n, hv, rel, t_moo, t_mobo in rows:
        print(f"| {m} | {n:,} | {hv:.12f} | {rel:.1e} | {t_moo:.4f} | {t_mobo:.4f} | {t_mobo / t_moo:.2f} |")


if __name__ == "__main__":
    main()
