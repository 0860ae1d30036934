"""What the jobs share: the methods they compare, Table II's protocol, their outputs."""

import json
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .._io import atomic_path
from ..evaluation import (
    equality_of_opportunity,
    group_metric_frame,
    make_biased_split,
    pair_groups,
    pair_similarities,
    threshold_at_fmr,
    verification_metric_frame,
)
from ..suppression import (
    Blinder,
    INLPEraser,
    LEACEEraser,
    LNTLSuppressor,
    SensitiveNetsSuppressor,
)

__all__ = [
    "UNITS",
    "describe_run",
    "methods",
    "report_pairs",
    "save_figure",
    "table_2",
    "write_report",
    "write_tables",
]

#: Bootstrap draws of the report's fairness MetricFrames.
N_BOOT = 100


def methods(max_epochs, random_state):
    """The blinding methods every job compares: erasers, the papers' methods, the recipe.

    ``max_epochs=None`` keeps each learned method's own default. The recipe runs at its
    defaults (:class:`~skblind.suppression.Blinder`: closed-form stages, no encoder), and
    without its margin (``margin="passthrough"``): the margin is sized by the people the
    recipe is fitted on, and from a few dozen it keeps next to nothing; the two side by
    side show that trade.
    """
    common = dict(progress=False, random_state=random_state)
    if max_epochs is not None:
        common["max_epochs"] = max_epochs
    return {
        "LEACE": LEACEEraser(),
        "INLP": INLPEraser(),
        "SensitiveNets (paper)": SensitiveNetsSuppressor(**common),
        "LNTL (paper)": LNTLSuppressor(**common),
        "Blinder": Blinder(random_state=random_state),
        "Blinder, no margin": Blinder(margin="passthrough", random_state=random_state),
    }


def _table_2_cell(seed, rep_name, suppressor, X, smiling, glasses, subjects):
    """One seed and representation of Table II: fit on half the subjects, both splits."""
    unique = np.unique(subjects)
    rng = np.random.default_rng(seed)
    train = np.isin(subjects, rng.choice(unique, size=len(unique) // 2, replace=False))
    test = ~train
    if suppressor is None:
        Z_train, Z_test = X[train], X[test]
    else:
        fitted = clone(suppressor).fit(X[train], subjects[train], sensitive_features=smiling[train])
        Z_train, Z_test = fitted.transform(X[train]), fitted.transform(X[test])
    rows, frames = [], {}
    for split_name, bias in (("biased", 0.7), ("unbiased", 0.5)):
        chosen = make_biased_split(
            glasses[train], smiling[train], bias=bias, privileged=1, random_state=seed
        )
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
        model.fit(Z_train[chosen], glasses[train][chosen])
        predicted = model.predict(Z_test)
        frame = group_metric_frame(
            glasses[test],
            predicted,
            np.where(smiling[test] == 1, "smiling", "not smiling"),
            **({"n_boot": N_BOOT, "random_state": 0} if seed == 0 else {}),
        )
        if seed == 0:
            frames[f"{rep_name} ({split_name}, seed 0)"] = frame
        tpr = frame.by_group["true_positive_rate"]
        rows.append(
            {
                "seed": seed,
                "split": split_name,
                "representation": rep_name,
                "n_train": len(chosen),
                "accuracy": frame.overall["accuracy"],
                "tpr_not_smiling": tpr.get("not smiling", np.nan),
                "tpr_smiling": tpr.get("smiling", np.nan),
                "tpr_gap": abs(tpr.get("smiling", np.nan) - tpr.get("not smiling", np.nan)),
                "equality_of_opportunity": equality_of_opportunity(
                    glasses[test], predicted, smiling[test]
                ),
            }
        )
    return rows, frames


def table_2(X, smiling, glasses, subjects, suppressors, seeds, log, n_jobs=None):
    """Glasses classifiers trained on smiling-biased and unbiased splits; TPR by smiling.

    Each seed draws half of the subjects to train on; every representation (raw, then
    each method fitted on those subjects) is a joblib task, ``n_jobs`` at a time.

    Returns
    -------
    per_seed, summary : pandas.DataFrame
        One row per seed, split and representation; their means and standard deviations.
    frames : dict
        ``"<representation> (<split>, seed 0)"`` -> the first seed's fairlearn
        ``MetricFrame`` on its test subjects, groups named "smiling" and "not smiling",
        with bootstrap intervals.
    """
    if seeds < 1:
        raise ValueError(f"seeds={seeds}: Table II needs at least one seed (subject split)")
    order = {"raw": None, **suppressors}
    cells = Parallel(n_jobs=n_jobs)(
        delayed(_table_2_cell)(seed, name, model, X, smiling, glasses, subjects)
        for seed in range(seeds)
        for name, model in order.items()
    )
    rows = [row for cell_rows, _ in cells for row in cell_rows]
    rank = {name: k for k, name in enumerate(order)}
    rows.sort(key=lambda row: (row["seed"], row["split"], rank[row["representation"]]))
    frames = {}
    for _, cell_frames in cells:
        frames.update(cell_frames)
    frames = {
        f"{name} ({split}, seed 0)": frames[f"{name} ({split}, seed 0)"]
        for split in ("biased", "unbiased")
        for name in order
    }
    log(f"  Table II: {seeds} seed(s) x {len(order)} representations done")
    per_seed = pd.DataFrame(rows)
    summary = (
        per_seed.groupby(["split", "representation"], sort=False)
        .agg(["mean", "std"])
        .drop(columns=["seed", "n_train"], level=0)
    )
    summary.columns = [f"{a}_{b}" for a, b in summary.columns]
    return per_seed, summary.reset_index(), frames


def report_pairs(representations, subjects, groups=None, *, max_images=600, random_state=0):
    """Verification pairs of each representation, and their fairness by group of pairs.

    Parameters
    ----------
    representations : dict
        Name -> array of shape (n_samples, n_features), all of the same images (which
        the methods should not have been fitted on).
    subjects : array-like of shape (n_samples,)
        Identities.
    groups : array-like of shape (n_samples,), default=None
        A group of each image (e.g. smiling, a demographic group): per-group false-match
        and false-non-match rates at one global threshold (false-match rate 1e-2 over
        all pairs). None computes none.
    max_images : int, default=600
        Every pair of at most this many images (a seeded draw beyond it).
    random_state : int, default=0
        Seed of the draw and of the bootstrap.

    Returns
    -------
    pairs : dict
        Name -> ``(similarity, same)``.
    fairness : dict
        Name -> ``MetricFrame`` over pairs (empty without ``groups``).
    """
    subjects = np.asarray(subjects)
    rows = np.arange(len(subjects))
    if len(rows) > max_images:
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(rows, size=max_images, replace=False))
    pairs = {
        name: pair_similarities(np.asarray(Z)[rows], subjects[rows])
        for name, Z in representations.items()
    }
    fairness = {}
    if groups is not None:
        by_pair = pair_groups(np.asarray(groups)[rows])
        for name, (similarity, same) in pairs.items():
            fairness[name] = verification_metric_frame(
                similarity,
                same,
                by_pair,
                threshold=threshold_at_fmr(similarity, same, fmr=1e-2),
                n_boot=N_BOOT,
                random_state=random_state,
            )
    return pairs, fairness


def save_figure(fig, path):
    """Write ``fig`` as a PNG file, atomically, close it, and return the PNG's bytes."""
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight", pad_inches=0.1)
        data = tmp.read_bytes()
    plt.close(fig)
    return data


#: What the numbers in every table mean; written into every JSON output.
UNITS = {
    "rates": (
        "balanced_accuracy, accuracy, chance, within_auc, roc_auc, eer, tar@far=*, tpr_*, "
        "selection rates, diff, equality_of_opportunity, leakage, utility, and their _std, "
        "_se, _ci_low, _ci_high, _mde and _minus_reference columns: fractions (1 = 100 %)"
    ),
    "diff": (
        "(reference - after) / (reference - chance), the paper's Eq. 4.1 without its factor "
        "100: 1 = the attacker fell to chance; 0 for the reference itself; NaN where the "
        "reference reads less than 0.05 above chance (nothing to remove)"
    ),
    "equality_of_opportunity": (
        "1 - the largest difference of true-positive rates between the groups (the paper's "
        "Table II without its factor 100)"
    ),
    "p-values": "_p columns: two-sided permutation p-values",
    "counts": "n_* columns: numbers of pairs, persons, samples or images",
    "verdict": "'leaks' when either permutation test rejects at alpha / 2",
}


def _jsonable(value):
    """``value`` if JSON can hold it, else its repr (classes, estimators, paths)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


def describe_run(command, settings, methods=None):
    """What produced a job's outputs: enough to understand and reproduce them.

    Parameters
    ----------
    command : str
        The job (e.g. ``"skblind demo"``).
    settings : dict
        Its arguments and the protocol (folds, seeds, attackers' protocol, ...).
    methods : dict, default=None
        Name -> the (unfitted) estimators it compared: their parameters are recorded.

    Returns
    -------
    dict
        ``command``, ``started`` (UTC), ``settings``, ``methods`` (class and
        parameters of each), ``versions`` and ``units``.
    """
    import platform

    import sklearn
    import skorch
    import torch

    from .. import __version__

    methods = {} if methods is None else methods
    return {
        "command": command,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": {k: _jsonable(v) for k, v in settings.items()},
        "methods": {
            name: {
                "class": type(method).__name__,
                "params": {k: _jsonable(v) for k, v in method.get_params().items()},
            }
            for name, method in methods.items()
        },
        "versions": {
            "skblind": __version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scikit-learn": sklearn.__version__,
            "torch": torch.__version__,
            "skorch": skorch.__version__,
            "platform": platform.platform(),
        },
        "units": UNITS,
    }


def write_tables(output, tables, about, name="report"):
    """Write each table as ``<table>.csv`` and all of them as ``<name>.json``, atomically.

    The JSON file holds ``about`` (see :func:`describe_run`) beside the tables.
    """
    for table_name, table in tables.items():
        with atomic_path(output / f"{table_name}.csv") as tmp:
            table.to_csv(tmp, index=False)
    with atomic_path(output / f"{name}.json") as tmp:
        tables_json = {k: json.loads(t.to_json(orient="records")) for k, t in tables.items()}
        tmp.write_text(json.dumps({"about": about, **tables_json}, indent=2))


def write_report(output, about, seconds, *, title, **sections):
    """Write ``report.html`` (see :func:`skblind.report.build`) and return its path.

    ``about`` gets the run's duration; ``sections`` are :func:`~skblind.report.build`'s
    keyword arguments.
    """
    from ..report import build

    path = output / "report.html"
    build(path, title=title, about={**about, "seconds": round(seconds, 1)}, **sections)
    return path
