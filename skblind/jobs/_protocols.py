"""What the jobs share: the methods they compare, Table II's protocol, their outputs."""

import json

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .._io import atomic_path
from ..evaluation import equality_of_opportunity, group_metric_frame, make_biased_split
from ..suppression import (
    Blinder,
    INLPEraser,
    LEACEEraser,
    LNTLSuppressor,
    SensitiveNetsSuppressor,
    recipe_encoder,
)

__all__ = ["methods", "save_figure", "table_2", "write_tables"]


def methods(max_epochs, random_state):
    """The blinding methods every job compares: erasers, the papers' methods, the recipe.

    ``max_epochs=None`` keeps each learned method's own default.
    """
    common = dict(progress=False, random_state=random_state)
    if max_epochs is not None:
        common["max_epochs"] = max_epochs
    return {
        "LEACE": LEACEEraser(),
        "INLP": INLPEraser(),
        "SensitiveNets (paper)": SensitiveNetsSuppressor(**common),
        "LNTL (paper)": LNTLSuppressor(**common),
        "Blinder": Blinder(recipe_encoder(**common), random_state=random_state),
    }


def table_2(X, smiling, glasses, subjects, suppressors, seeds, log):
    """Glasses classifiers trained on smiling-biased and unbiased splits; TPR by smiling."""
    rows = []
    unique = np.unique(subjects)
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        train_subjects = rng.choice(unique, size=len(unique) // 2, replace=False)
        train = np.isin(subjects, train_subjects)
        test = ~train
        representations = {"raw": (X[train], X[test])}
        for name, suppressor in suppressors.items():
            fitted = clone(suppressor).fit(
                X[train], subjects[train], sensitive_features=smiling[train]
            )
            representations[name] = (fitted.transform(X[train]), fitted.transform(X[test]))
        for split_name, bias in (("biased", 0.7), ("unbiased", 0.5)):
            chosen = make_biased_split(
                glasses[train], smiling[train], bias=bias, privileged=1, random_state=seed
            )
            for rep_name, (Z_train, Z_test) in representations.items():
                model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
                model.fit(Z_train[chosen], glasses[train][chosen])
                predicted = model.predict(Z_test)
                frame = group_metric_frame(glasses[test], predicted, smiling[test])
                tpr = frame.by_group["true_positive_rate"]
                rows.append(
                    {
                        "seed": seed,
                        "split": split_name,
                        "representation": rep_name,
                        "n_train": len(chosen),
                        "accuracy": frame.overall["accuracy"],
                        "tpr_not_smiling": tpr.get(0, np.nan),
                        "tpr_smiling": tpr.get(1, np.nan),
                        "tpr_gap": abs(tpr.get(1, np.nan) - tpr.get(0, np.nan)),
                        "equality_of_opportunity": equality_of_opportunity(
                            glasses[test], predicted, smiling[test]
                        ),
                    }
                )
        log(f"  Table II: seed {seed + 1}/{seeds} done")
    per_seed = pd.DataFrame(rows)
    summary = (
        per_seed.groupby(["split", "representation"], sort=False)
        .agg(["mean", "std"])
        .drop(columns=["seed", "n_train"], level=0)
    )
    summary.columns = [f"{a}_{b}" for a, b in summary.columns]
    return per_seed, summary.reset_index()


def save_figure(fig, path):
    """Write ``fig`` as a PNG file, atomically, and close it."""
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)


def write_tables(output, tables):
    """Write each table as ``<name>.csv`` and all of them as ``report.json``, atomically."""
    for name, table in tables.items():
        with atomic_path(output / f"{name}.csv") as tmp:
            table.to_csv(tmp, index=False)
    with atomic_path(output / "report.json") as tmp:
        tmp.write_text(
            json.dumps(
                {
                    name: json.loads(table.to_json(orient="records"))
                    for name, table in tables.items()
                },
                indent=2,
            )
        )
