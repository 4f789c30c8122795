"""How many evaluations mobo needs to reach 95 % of ZDT1's maximum hypervolume (target: 60).

Usage: python zdt1_95.py PATH_TO_MOBO [SEEDS]
"""

import sys
import tempfile

import efficiency as e

mobo = sys.argv[1]
seeds = range(1, 1 + (int(sys.argv[2]) if len(sys.argv) > 2 else 5))
best = 121.0 - 1.0 / 3.0
needed = []
with tempfile.TemporaryDirectory() as tmp:
    for seed in seeds:
        values, _ = e.run_mobo(mobo, e.zdt1, 6, 2, 100, seed, tmp)
        n = next((n for n in range(1, len(values) + 1) if e.score(values, [11.0, 11.0], best, n) >= 0.95), None)
        needed.append(n)
print(f"evaluations to reach 95 % of the maximum hypervolume on ZDT1, per seed: {needed}")
