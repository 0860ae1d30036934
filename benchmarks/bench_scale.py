"""Suppressors, erasers and the audit at the paper's scale: time and memory against n.

The paper's Table II trains on 36K CelebA images of 2048-d features. For each method and
each n (synthetic data from ``make_blinding_problem``, 10 images per person, 2048
features), one fresh process fits the method and reports:

- the fit time, and for the learned methods the time per epoch (skorch's ``dur``; the
  fit also centres phi and, for the Blinder, runs its closed-form stages after training);
- the process's peak resident memory, and the data's own size for comparison.

Then the growth exponent of each method's time with n (the slope of log time on log n;
about 1 means linear), and the default audit (``audit_report`` with its eight attackers)
at ``--audit-size`` rows timed with ``n_jobs=1`` against ``n_jobs=-1`` (the speed-up of
its parallel tasks), in the same run.

    python benchmarks/bench_scale.py [--sizes 1000 4000 16000 36000] [--epochs 1]
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

METHODS = ("LEACE", "INLP", "WithinIdentityEraser", "SensitiveNets", "LNTL", "Blinder")


def _model(method, epochs):
    from skblind.suppression import (
        Blinder,
        INLPEraser,
        LEACEEraser,
        LNTLSuppressor,
        SensitiveNetsSuppressor,
        WithinIdentityEraser,
        recipe_encoder,
    )

    learned = dict(max_epochs=epochs, progress=False, random_state=0)
    return {
        "LEACE": lambda: LEACEEraser(),
        "INLP": lambda: INLPEraser(),
        "WithinIdentityEraser": lambda: WithinIdentityEraser(random_state=0),
        "SensitiveNets": lambda: SensitiveNetsSuppressor(**learned),
        "LNTL": lambda: LNTLSuppressor(**learned),
        "Blinder": lambda: Blinder(recipe_encoder(**learned), random_state=0),
    }[method]()


def _data(n, n_features):
    from skblind.datasets import make_blinding_problem

    return make_blinding_problem(
        n_subjects=n // 10, n_per_subject=10, n_features=n_features, random_state=0
    )


def one(method, n, n_features, epochs):
    """Fit one method on n rows in this process; print a JSON line of its measures."""
    data = _data(n, n_features)
    X = data.X.astype(np.float32)
    model = _model(method, epochs)
    start = time.perf_counter()
    model.fit(X, data.subject, sensitive_features=data.sensitive)
    seconds = time.perf_counter() - start
    net = getattr(model, "encoder_", model)
    epoch = None
    if hasattr(net, "history_"):
        epoch = float(np.median(net.history_["dur"]))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    print(
        json.dumps(
            {
                "method": method,
                "n": n,
                "fit_s": seconds,
                "epoch_s": epoch,
                "peak_gib": peak,
                "data_gib": X.nbytes / 2**30,
            }
        )
    )


def _growth(rows):
    n = np.array([r["n"] for r in rows], dtype=float)
    t = np.array([r["epoch_s"] or r["fit_s"] for r in rows])
    return float(np.polyfit(np.log(n), np.log(t), 1)[0])


def _audit_times(n, n_features):
    from skblind.evaluation import audit_report

    data = _data(n, n_features)
    times = {}
    for n_jobs in (1, -1):
        start = time.perf_counter()
        audit_report(
            data.X,
            data.sensitive,
            groups=data.subject,
            y=data.subject,
            n_jobs=n_jobs,
            progress=False,
        )
        times[n_jobs] = time.perf_counter() - start
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 16000, 36000])
    parser.add_argument("--features", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=1, help="epochs of the learned methods")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--audit-size", type=int, default=1000)
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one[0], int(args.one[1]), args.features, args.epochs)
        return
    print(
        f"{args.features} features, 10 images per person, {args.epochs} epoch(s) per learned "
        "method, one fresh process per fit"
    )
    print(
        f"{'method':22s} {'n':>6s} {'fit s':>8s} {'epoch s':>8s} {'peak GiB':>9s} {'data GiB':>9s}"
    )
    results = {}
    for method in args.methods:
        for n in args.sizes:
            command = [sys.executable, __file__, "--one", method, str(n)]
            command += ["--features", str(args.features), "--epochs", str(args.epochs)]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode:
                print(f"{method:22s} {n:6d} failed: {done.stderr.strip().splitlines()[-1]}")
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            results.setdefault(method, []).append(row)
            epoch = "" if row["epoch_s"] is None else f"{row['epoch_s']:8.2f}"
            print(
                f"{method:22s} {n:6d} {row['fit_s']:8.2f} {epoch:>8s} "
                f"{row['peak_gib']:9.2f} {row['data_gib']:9.3f}",
                flush=True,
            )
    print("\nGrowth exponent of time with n (epoch time for learned methods; 1 = linear):")
    for method, rows in results.items():
        if len(rows) > 1:
            print(f"  {method:22s} {_growth(rows):.2f}")
    times = _audit_times(args.audit_size, args.features)
    print(
        f"\nDefault audit_report on {args.audit_size} rows: n_jobs=1 {times[1]:.1f} s, "
        f"n_jobs=-1 {times[-1]:.1f} s, speed-up {times[1] / times[-1]:.2f}x"
    )


if __name__ == "__main__":
    main()
