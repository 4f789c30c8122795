"""Sample efficiency: mobo (MLP ensemble + CMA-ES) vs Optuna TPE (multivariate) vs pymoo
NSGA-II (pop 20) vs random search, same problems, same seeds, same scoring, same run.

Score: hypervolume of the first N evaluations / the problem's maximum hypervolume, mean over
seeds, at N = 100 and N = 300. Maxima: ZDT1 and DTLZ2 analytic; Branin-Currin from the Pareto
front of a 1000 x 1000 grid. Also reported: mobo's wall time per iteration (surrogate training
plus acquisition of a batch of 10) near 300 points, 10 parameters, 3 objectives.

Usage: python efficiency.py PATH_TO_MOBO [SEEDS] [OUT.md]
"""

import json
import math
import subprocess
import sys
import time

import moocore
import numpy as np
import optuna
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.problem import ElementwiseProblem
from pymoo.optimize import minimize as pymoo_minimize

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin_currin(x):
    x0, x1 = 15.0 * x[0] - 5.0, 15.0 * x[1]
    t1 = x1 - 5.1 / (4 * math.pi**2) * x0**2 + 5 / math.pi * x0 - 6
    t2 = 10 * (1 - 1 / (8 * math.pi)) * math.cos(x0)
    branin = (t1**2 + t2 - 44.81) / 51.95
    u, v = x[0], max(x[1], 1e-12)
    currin = (1 - math.exp(-1 / (2 * v))) * (2300 * u**3 + 1900 * u**2 + 2092 * u + 60) / (
        100 * u**3 + 500 * u**2 + 4 * u + 20
    )
    return [branin, currin]


def zdt1(x):
    g = 1 + 9 * sum(x[1:]) / (len(x) - 1)
    return [x[0], g * (1 - math.sqrt(x[0] / g))]


def dtlz2(x, m=3):
    g = sum((xi - 0.5) ** 2 for xi in x[m - 1 :])
    f = []
    for i in range(m):
        v = 1 + g
        for xj in x[: m - 1 - i]:
            v *= math.cos(xj * math.pi / 2)
        if i > 0:
            v *= math.sin(x[m - 1 - i] * math.pi / 2)
        f.append(v)
    return f


def branin_currin_max(ref):
    u = np.linspace(0, 1, 1000)
    pts = np.array([branin_currin([a, b]) for a in u for b in u])
    return moocore.hypervolume(pts, ref=ref)


PROBLEMS = {
    "Branin-Currin": dict(f=branin_currin, d=2, m=2, ref=[18.0, 6.0], max=None),
    "ZDT1 (6 vars)": dict(f=zdt1, d=6, m=2, ref=[11.0, 11.0], max=121.0 - 1.0 / 3.0),
    "DTLZ2 (6 vars, 3 obj)": dict(f=dtlz2, d=6, m=3, ref=[1.1] * 3, max=1.1**3 - math.pi / 6),
}


def score(values, ref, best, n):
    return moocore.hypervolume(np.array(values[:n]), ref=ref) / best


def mdl_text(d, m, budget, seed):
    params = "".join(f"  - {{name: x{i}, type: continuous, bounds: [0, 1]}}\n" for i in range(d))
    objs = "".join(f"  - {{name: f{j}, direction: minimize}}\n" for j in range(m))
    return (
        f"name: bench\ndomain: benchmark\nevaluator: {{type: external}}\nparameters:\n{params}"
        f"objectives:\n{objs}optimizer: {{budget: {budget}, batch_size: 10, seed: {seed}, "
        f"active_learning: {{convergence_threshold: 0}}}}\n"
    )


def run_mobo(mobo, f, d, m, budget, seed, tmp):
    path = f"{tmp}/bench-{d}-{m}-{seed}.yaml"
    with open(path, "w") as fh:
        fh.write(mdl_text(d, m, budget, seed))
    proc = subprocess.Popen([mobo, "ask-tell", "--mdl", path], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, bufsize=1)
    values, ask_times = [], []
    t0 = time.perf_counter()
    for line in proc.stdout:
        ask_times.append(time.perf_counter() - t0)
        msg = json.loads(line)
        if "done" in msg:
            break
        tell = []
        for a in msg["ask"]:
            x = [a["parameters"][f"x{i}"] for i in range(d)]
            y = f(x)
            values.append(y)
            tell.append({"id": a["id"], "objectives": {f"f{j}": y[j] for j in range(m)}})
        proc.stdin.write(json.dumps({"tell": tell}) + "\n")
        proc.stdin.flush()
        t0 = time.perf_counter()
    proc.wait()
    return values, ask_times


def run_optuna(f, d, m, budget, seed):
    values = []

    def objective(trial):
        y = f([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(d)])
        values.append(y)
        return tuple(y)

    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True)
    optuna.create_study(directions=["minimize"] * m, sampler=sampler).optimize(objective, n_trials=budget)
    return values


def run_nsga2(f, d, m, budget, seed):
    values = []

    class P(ElementwiseProblem):
        def __init__(self):
            super().__init__(n_var=d, n_obj=m, xl=0.0, xu=1.0)

        def _evaluate(self, x, out, *args, **kwargs):
            y = f(list(x))
            values.append(y)
            out["F"] = y

    pymoo_minimize(P(), NSGA2(pop_size=20), ("n_eval", budget), seed=seed, verbose=False)
    return values[:budget]


def run_random(f, d, m, budget, seed):
    rng = np.random.default_rng(seed)
    return [f(list(rng.random(d))) for _ in range(budget)]


def main():
    import tempfile

    mobo = sys.argv[1]
    seeds = list(range(1, 1 + (int(sys.argv[2]) if len(sys.argv) > 2 else 5)))
    out = sys.argv[3] if len(sys.argv) > 3 else None
    budget = 300
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, p in PROBLEMS.items():
            best = p["max"] or branin_currin_max(p["ref"])
            results = {k: {100: [], 300: []} for k in ["random", "pymoo NSGA-II", "Optuna TPE", "mobo"]}
            seconds = {k: 0.0 for k in results}
            for seed in seeds:
                for label, runner in [
                    ("random", lambda: run_random(p["f"], p["d"], p["m"], budget, seed)),
                    ("pymoo NSGA-II", lambda: run_nsga2(p["f"], p["d"], p["m"], budget, seed)),
                    ("Optuna TPE", lambda: run_optuna(p["f"], p["d"], p["m"], budget, seed)),
                    ("mobo", lambda: run_mobo(mobo, p["f"], p["d"], p["m"], budget, seed, tmp)[0]),
                ]:
                    t0 = time.perf_counter()
                    values = runner()
                    seconds[label] += time.perf_counter() - t0
                    for n in (100, 300):
                        results[label][n].append(score(values, p["ref"], best, n))
                print(f"{name} seed {seed} done", file=sys.stderr, flush=True)
            for n in (100, 300):
                rows.append((name, n, {k: float(np.mean(v[n])) for k, v in results.items()},
                             {k: s / len(seeds) for k, s in seconds.items()}))
        # Per-iteration time near 300 points, 10 parameters, 3 objectives.
        _, ask_times = run_mobo(mobo, lambda x: dtlz2(x, 3), 10, 3, 310, 1, tmp)
    lines = [f"Seeds: {seeds}; mean hypervolume / maximum hypervolume.", "",
             "| problem | evals | random | pymoo NSGA-II | Optuna TPE (multivariate) | mobo | best |",
             "|---|---|---|---|---|---|---|"]
    for name, n, r, _ in rows:
        best = max(r, key=r.get)
        lines.append(f"| {name} | {n} | {r['random']:.3f} | {r['pymoo NSGA-II']:.3f} | {r['Optuna TPE']:.3f} | {r['mobo']:.3f} | {best} |")
    lines += ["", "Mean wall time of one 300-evaluation run (s):", "",
              "| problem | random | pymoo NSGA-II | Optuna TPE | mobo |", "|---|---|---|---|---|"]
    for name, n, _, s in rows:
        if n == 300:
            lines.append(f"| {name} | {s['random']:.1f} | {s['pymoo NSGA-II']:.1f} | {s['Optuna TPE']:.1f} | {s['mobo']:.1f} |")
    last = ask_times[-3:-1]
    lines += ["", f"mobo per-iteration time (surrogate + acquisition, batch 10, ~300 points, 10 parameters, "
              f"3 objectives): {', '.join(f'{t:.2f} s' for t in last)}"]
    text = "\n".join(lines)
    print(text)
    if out:
        with open(out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
