"""The default audit at scale: seconds against rows, the growth exponent, where time goes.

The default ``audit_report`` (the eight attackers, 5 outer splits, 4 attack folds, 200
permutations, verification) of the raw embeddings of the realistic synthetic preset
(``make_realistic_blinding_problem``: 10 images a person, 1,024 features) at each
``--rows``, with ``--jobs`` parallel jobs; then the growth exponent (the slope of log time
on log rows; 1 means linear), and, profiled serially at ``--profile-rows``, the seconds of
each attacker (fit and scoring, over its 20 trainings), of verification and of the
statistics (permutation nulls, intervals), and the peak memory of this process.

    python benchmarks/bench_audit.py [--rows 1000 2000 5000 10000 20000] [--jobs -1]
        [--profile-rows 5000]
"""

import argparse
import cProfile
import pstats
import resource
import time
import warnings

import numpy as np

from skblind.datasets import make_realistic_blinding_problem
from skblind.evaluation import audit_report

#: (label, file, function) of the profile entries each line of the breakdown sums.
BREAKDOWN = {
    "MLP, MLP-white": [("_multilayer_perceptron.py", "fit")],
    "SVM (exact, Nystroem), whitening": [("_attackers.py", "fit")],
    "RF": [("_forest.py", "fit")],
    "LR": [("_logistic.py", "fit")],
    "HGB": [("gradient_boosting.py", "fit")],
    "adaptive (its search)": [("_attack.py", "_tuned")],
    "attackers' scores (predict)": [("_attackers.py", "attack_scores")],
    "verification": [("_leakage.py", "_verification_table")],
    "statistics (nulls, intervals)": [("_leakage.py", "_leakage_table")],
}


def audit(data, n_jobs):
    return audit_report(
        data.X, data.sensitive, groups=data.subject, y=data.subject, n_jobs=n_jobs, progress=False
    )


def profiled(data):
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    audit(data, n_jobs=1)
    profile.disable()
    total = time.perf_counter() - start
    stats = pstats.Stats(profile).stats
    cumulative = {}
    for (path, _, function), (_, _, _, seconds, _) in stats.items():
        key = (path.rsplit("/", 1)[-1], function)
        cumulative[key] = max(cumulative.get(key, 0.0), seconds)
    return total, {
        label: sum(cumulative.get(k, 0.0) for k in keys) for label, keys in BREAKDOWN.items()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 2000, 5000, 10000, 20000])
    parser.add_argument("--jobs", type=int, default=-1)
    parser.add_argument("--profile-rows", type=int, default=5000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"default audit_report, realistic preset (1,024 features), n_jobs={args.jobs}")
    print(f"{'rows':>7s} {'people':>7s} {'seconds':>9s}", flush=True)
    times = []
    for rows in args.rows:
        data = make_realistic_blinding_problem(rows // 10, random_state=0)
        start = time.perf_counter()
        audit(data, args.jobs)
        times.append(time.perf_counter() - start)
        print(f"{rows:7d} {rows // 10:7d} {times[-1]:9.1f}", flush=True)
    if len(times) > 1:
        slope = np.polyfit(np.log(args.rows), np.log(times), 1)[0]
        print(f"growth exponent (log seconds on log rows): {slope:.2f}")
    if args.profile_rows:
        data = make_realistic_blinding_problem(args.profile_rows // 10, random_state=0)
        total, parts = profiled(data)
        print(f"\nwhere the time goes, n_jobs=1, {args.profile_rows} rows: {total:.1f} s in all")
        for label, seconds in parts.items():
            print(f"  {label:32s} {seconds:8.1f} s  {seconds / total:6.1%}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak memory of this process: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
