"""Verification against leakage for each blinding method over a sweep of its strength.

Two problems, each audited with the held-out protocol (``audit_report``): in each
subject-disjoint outer fold every method is fitted on the other folds' people, and the
attackers learn from some of the fold's people and are scored on the others (the same
folds for every method and setting):

- ``orl``: ORL faces, SFace ``layer="pooled"``, sensitive attribute ``smiling``;
- ``synthetic``: ``make_blinding_problem`` with a mostly non-linear sensitive factor
  (``nonlinearity=0.8``), 120 subjects.

Methods and their strength: LEACE (one point), INLP (``n_iterations``), the papers'
SensitiveNets and LNTL (``lam``), and skblind's recipe, ``Blinder()``, over its margin's
``budget`` (``margin__budget``; ``margin="passthrough"``: no margin). Baseline: the raw
embeddings, in the same run.

The leakage read is the strongest attacker's within-identity AUC (chance 0.5), against the
verification loss (raw's held-out ROC AUC minus the method's); every row says how many
people the attackers held and the noise floor (the smallest within-identity AUC shift from
0.5 detectable there). Beside it, the trade-off in one number: the held-out verification
EER and the worst PIC over the attackers (``pic_score``: the attacker's relative rise in
balanced error minus the relative rise in EER, both against raw; the attacker that lost
least sets it). Printed per setting; written to ``--output``: ``tradeoff.csv`` and
``frontier_<problem>.png``.

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
)

LAMS = (0.0, 0.5, 2.0, 8.0)
INLP_ITERATIONS = (1, 3, 10, 30)
BUDGETS = (0.03, 0.1, 0.3, 1.0, 3.0)


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
    for budget in BUDGETS:
        settings[f"Blinder budget={budget:g}"] = (
            "Blinder",
            budget,
            Blinder(random_state=0).set_params(margin__budget=budget),
        )
    settings["Blinder, no margin"] = (
        "Blinder, no margin",
        np.nan,
        Blinder(margin="passthrough", random_state=0),
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
    strongest = leakage.loc[leakage.groupby("representation").within_auc.idxmax()]
    table = strongest.set_index("representation")[
        ["attacker", "within_auc", "within_auc_mde", "attacker_people"]
    ].rename(columns={"attacker": "strongest", "within_auc_mde": "noise_floor"})
    table["leaking"] = leakage.groupby("representation").verdict.agg(
        lambda v: f"{(v == 'leaks').sum()} of {len(v)}"
    )
    auc = verification.set_index("representation")["roc_auc"]
    table["verification_roc_auc"] = auc
    table["verification_loss"] = auc["raw"] - auc
    table["eer"] = verification.set_index("representation")["eer"]
    table["pic_worst"] = leakage.groupby("representation").pic.min()
    table.insert(0, "strength", [settings[key][1] for key in table.index])
    table.insert(0, "method", [settings[key][0] for key in table.index])
    table = table.loc[list(settings)].reset_index().assign(problem=name)
    print(
        f"\n{name}: {len(X)} samples, {folds} subject-disjoint folds, attackers holding "
        f"{table.attacker_people.min()}-{table.attacker_people.max()} people, {seconds:.0f} s"
    )
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
            utility="verification_roc_auc",
            leakage="within_auc",
            label="strength",
            hue="method",
        )
        raw = table[table.method == "raw"].iloc[0]
        ax = fig.axes[0]
        ax.scatter([raw.within_auc], [raw.verification_roc_auc], marker="*", s=120, c="k")
        ax.axvline(0.55, color="black", linestyle="--", linewidth=0.8)
        ax.set_xlabel("strongest attacker's within-identity AUC (chance 0.5; goal 0.55)")
        ax.set_ylabel("held-out verification ROC AUC")
        ax.set_title(
            f"{name}: attackers holding up to {table.attacker_people.max()} people (star: raw)",
            fontsize=9,
        )
        fig.savefig(args.output / f"frontier_{name}.png", dpi=120, bbox_inches="tight")
    pd.concat(tables).to_csv(args.output / "tradeoff.csv", index=False)
    print(f"\nWrote tradeoff.csv and frontier_*.png to {args.output}/")


if __name__ == "__main__":
    main()
