"""Utility against leakage for each blinding method over a sweep of its strength.

Two problems, each audited on subject-disjoint folds (the same folds for every method and
setting, transformers fitted on the training folds only):

- ``orl``: ORL faces, SFace ``layer="pooled"``, sensitive attribute ``smiling``;
- ``synthetic``: ``make_blinding_problem`` with a mostly non-linear sensitive factor
  (``nonlinearity=0.8``), 120 subjects.

Methods and their strength parameter: LEACE (none: one point), INLP (``n_iterations``),
the papers' SensitiveNets and LNTL (``lam``), and skblind's recipe, ``Blinder``, over its
encoder's ``lam``. Baseline: the raw embeddings, in the same run. Printed
per setting: held-out verification ROC AUC and each probe's balanced accuracy (chance
0.5); written to ``--output``: ``tradeoff.csv`` and ``frontier_<problem>.png`` (AUC
against the worst probe's distance from chance).

    python benchmarks/bench_tradeoff.py [--problems orl synthetic] [--folds 3] [--max-epochs 60]
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from skblind.datasets import load_orl_faces, make_blinding_problem
from skblind.embedding import FaceEmbedder
from skblind.evaluation import audit_report, plot_tradeoff
from skblind.suppression import (
    Blinder,
    INLPEraser,
    LEACEEraser,
    LNTLSuppressor,
    SensitiveNetsSuppressor,
    recipe_encoder,
)

LAMS = (0.0, 0.5, 2.0, 8.0)
INLP_ITERATIONS = (1, 3, 10, 30)


def load_problem(name):
    """(X, subjects, sensitive) of a problem."""
    if name == "orl":
        faces = load_orl_faces()
        X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images)
        return X, faces.subject, faces.smiling
    data = make_blinding_problem(
        n_subjects=120, nonlinearity=0.8, sensitive_strength=3.0, random_state=0
    )
    return data.X, data.subject, data.sensitive


def sweep(max_epochs):
    """Name -> (method, strength, unfitted transformer) of every setting."""
    settings = {"raw": ("raw", np.nan, None), "LEACE": ("LEACE", np.nan, LEACEEraser())}
    for n in INLP_ITERATIONS:
        settings[f"INLP n={n}"] = ("INLP", n, INLPEraser(n_iterations=n, tol=0.0))
    common = dict(max_epochs=max_epochs, progress=False, random_state=0)
    for lam in LAMS:
        settings[f"SensitiveNets lam={lam:g}"] = (
            "SensitiveNets",
            lam,
            SensitiveNetsSuppressor(lam=lam, **common),
        )
        settings[f"LNTL lam={lam:g}"] = ("LNTL", lam, LNTLSuppressor(lam=lam, **common))
        settings[f"Blinder lam={lam:g}"] = (
            "Blinder",
            lam,
            Blinder(recipe_encoder(lam=lam, **common), random_state=0),
        )
    return settings


def run_problem(name, folds, max_epochs):
    X, subjects, sensitive = load_problem(name)
    settings = sweep(max_epochs)
    start = time.perf_counter()
    audit = audit_report(
        X,
        sensitive,
        groups=subjects,
        y=subjects,
        representations={key: model for key, (_, _, model) in settings.items()},
        adaptive=False,
        n_splits=folds,
    )
    leakage, verification = audit.leakage, audit.verification
    seconds = time.perf_counter() - start
    scores = leakage.pivot(index="representation", columns="attacker", values="balanced_accuracy")
    table = scores.join(verification.set_index("representation")["roc_auc"])
    table["worst_leakage"] = (scores - 0.5).abs().max(axis=1)
    table.insert(0, "strength", [settings[key][1] for key in table.index])
    table.insert(0, "method", [settings[key][0] for key in table.index])
    table = table.loc[list(settings)].reset_index().assign(problem=name)
    print(f"\n{name}: {len(X)} samples, {folds} subject-disjoint folds, {seconds:.0f} s")
    print(table.drop(columns="problem").to_string(index=False, float_format="%.3f"))
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+", default=["orl", "synthetic"])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--max-epochs", type=int, default=60)
    parser.add_argument("--output", type=Path, default=Path("bench-tradeoff"))
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    tables = []
    for name in args.problems:
        table = run_problem(name, args.folds, args.max_epochs)
        tables.append(table)
        points = table[table.method != "raw"]
        fig = plot_tradeoff(
            points,
            utility="roc_auc",
            leakage="worst_leakage",
            label="strength",
            hue="method",
        )
        raw = table[table.method == "raw"].iloc[0]
        fig.axes[0].scatter([raw.worst_leakage], [raw.roc_auc], marker="*", s=120, c="k")
        fig.axes[0].set_title(f"{name}: AUC vs worst probe |balanced acc. - 0.5| (star: raw)")
        fig.tight_layout()
        fig.savefig(args.output / f"frontier_{name}.png", dpi=120)
    pd.concat(tables).to_csv(args.output / "tradeoff.csv", index=False)
    print(f"\nWrote tradeoff.csv and frontier_*.png to {args.output}/")


if __name__ == "__main__":
    main()
