"""What the jobs share: the methods they compare, Table II's protocol, their outputs."""

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch

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
from ..report._figure_text import check_figure_text
from ..suppression import (
    Blinder,
    INLPEraser,
    LEACEEraser,
    LNTLSuppressor,
    SensitiveNetsSuppressor,
)

__all__ = [
    "TABLE_2_SPLITS",
    "UNITS",
    "describe_run",
    "compared_methods",
    "report_pairs",
    "save_figure",
    "table_2",
    "tpr_column",
    "write_report",
    "write_tables",
]

#: Bootstrap draws of the report's fairness MetricFrames.
N_BOOT = 100


def compared_methods(max_epochs, random_state):
    """The blinding methods every job compares: erasers, the papers' methods, the recipe.

    ``max_epochs=None`` keeps each learned method's own default. The recipe runs at its
    defaults (:class:`~skblind.suppression.Blinder`: closed-form stages, no encoder), and
    without its margin (``margin="passthrough"``): the margin is sized by the people the
    recipe is fitted on, and from a few dozen it keeps next to nothing; the two side by
    side show that trade.

    Parameters
    ----------
    max_epochs : int or None
        Training epochs of the learned methods.
    random_state : int
        Seeds every method that draws.

    Returns
    -------
    dict
        Name -> unfitted estimator: LEACE, INLP, SensitiveNets (paper), LNTL (paper),
        Blinder, and Blinder without its margin.
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


#: Table II's training splits: name -> the share of the target's positives in the
#: sensitive attribute's second group (``make_biased_split``'s ``bias``).
TABLE_2_SPLITS = {"biased": 0.7, "unbiased": 0.5}


def tpr_column(group):
    """Table II's column of ``group``'s true-positive rate: ``tpr_<group>``, spaces as ``_``."""
    return "tpr_" + "_".join(str(group).split())


def _table_2_cell(seed, rep_name, suppressor, data, groups, classifier):
    """One seed and representation of Table II: fit on half the subjects, every split."""
    X, target, sensitive, subjects = data
    unique = np.unique(subjects)
    rng = np.random.default_rng(seed)
    train = np.isin(subjects, rng.choice(unique, size=len(unique) // 2, replace=False))
    test = ~train
    if suppressor is None:
        Z_train, Z_test = X[train], X[test]
    else:
        fitted = clone(suppressor).fit(
            X[train], subjects[train], sensitive_features=sensitive[train]
        )
        Z_train, Z_test = fitted.transform(X[train]), fitted.transform(X[test])
    named = np.asarray(groups, dtype=object)[sensitive[test].astype(int)]
    rows, frames = [], {}
    for split_name, bias in TABLE_2_SPLITS.items():
        chosen = make_biased_split(
            target[train], sensitive[train], bias=bias, privileged=1, random_state=seed
        )
        model = clone(classifier).fit(Z_train[chosen], target[train][chosen])
        predicted = model.predict(Z_test)
        frame = group_metric_frame(
            target[test],
            predicted,
            named,
            **({"n_boot": N_BOOT, "random_state": 0} if seed == 0 else {}),
        )
        if seed == 0:
            frames[f"{rep_name} ({split_name}, seed 0)"] = frame
        tpr = frame.by_group["true_positive_rate"]
        rates = {tpr_column(g): tpr.get(g, np.nan) for g in groups}
        rows.append(
            {
                "seed": seed,
                "split": split_name,
                "representation": rep_name,
                "n_train": len(chosen),
                "accuracy": frame.overall["accuracy"],
                **rates,
                "tpr_gap": abs(tpr.get(groups[1], np.nan) - tpr.get(groups[0], np.nan)),
                "equality_of_opportunity": equality_of_opportunity(
                    target[test], predicted, sensitive[test]
                ),
            }
        )
    return rows, frames


def table_2(
    X,
    target,
    sensitive,
    subjects,
    suppressors,
    *,
    seeds,
    groups=("not smiling", "smiling"),
    classifier=None,
    n_jobs=None,
    log=None,
):
    """A ``target`` classifier trained on ``sensitive``-biased and unbiased splits; TPR by group.

    The paper's Table II: each seed draws half of the subjects to train on; on them a
    classifier of ``target`` is trained on a split in which the target's positives fall
    in ``sensitive``'s second group at the rate :data:`TABLE_2_SPLITS` gives (biased:
    0.7; unbiased: 0.5), on the raw embeddings and through each method fitted on those
    subjects; its true-positive rate is measured by group on the other subjects. Every
    representation and seed is a joblib task, ``n_jobs`` at a time.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Embeddings.
    target : array-like of shape (n_samples,)
        The binary attribute the classifier predicts (0/1; e.g. glasses).
    sensitive : array-like of shape (n_samples,)
        The binary attribute the methods remove and the groups (0/1; e.g. smiling).
    subjects : array-like of shape (n_samples,)
        Identities.
    suppressors : dict
        Name -> unfitted method.
    seeds : int
        Subject splits (at least 1).
    groups : tuple of two str, default=("not smiling", "smiling")
        The names of ``sensitive``'s groups 0 and 1, in the frames and the columns
        (``tpr_<group>``, spaces as underscores).
    classifier : classifier, default=None
        The target's classifier (cloned per fit); None: ``StandardScaler`` and
        ``LogisticRegression(max_iter=5000)``.
    n_jobs : int, default=None
        Parallel joblib tasks.
    log : callable, default=None
        Takes one line of progress; None prints nothing.

    Returns
    -------
    sklearn.utils.Bunch
        ``per_seed``: one row per seed, split and representation; ``summary``: their
        means and standard deviations; ``frames``: ``"<representation> (<split>, seed
        0)"`` -> the first seed's fairlearn ``MetricFrame`` on its test subjects, groups
        named by ``groups``, with bootstrap intervals; ``settings``: the protocol as it
        ran (seeds, splits, groups, the classifier as its ``repr``).
    """
    if seeds < 1:
        raise ValueError(f"seeds={seeds}: Table II needs at least one seed (subject split)")
    if classifier is None:
        classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    data = (np.asarray(X), np.asarray(target), np.asarray(sensitive), np.asarray(subjects))
    order = {"raw": None, **suppressors}
    cells = Parallel(n_jobs=n_jobs)(
        delayed(_table_2_cell)(seed, name, model, data, groups, classifier)
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
        for split in TABLE_2_SPLITS
        for name in order
    }
    if log is not None:
        log(f"  Table II: {seeds} seed(s) x {len(order)} representations done")
    per_seed = pd.DataFrame(rows)
    summary = (
        per_seed.groupby(["split", "representation"], sort=False)
        .agg(["mean", "std"])
        .drop(columns=["seed", "n_train"], level=0)
    )
    summary.columns = [f"{a}_{b}" for a, b in summary.columns]
    settings = dict(
        seeds=seeds,
        training_subjects="half of the subjects, drawn per seed",
        splits={
            name: f"{bias:.0%} of the target's positives in group {groups[1]!r} (make_biased_split)"
            for name, bias in TABLE_2_SPLITS.items()
        },
        groups=list(groups),
        classifier=repr(classifier),
    )
    return Bunch(per_seed=per_seed, summary=summary.reset_index(), frames=frames, settings=settings)


def report_pairs(
    representations, subjects, groups=None, *, max_images=600, random_state=0, n_jobs=None
):
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
    n_jobs : int, default=None
        Parallel joblib tasks for the fairness frames (one per representation: their
        bootstrap, fairlearn's, is most of the time).

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
    if groups is None:
        return pairs, {}
    by_pair = pair_groups(np.asarray(groups)[rows])
    frames = Parallel(n_jobs=n_jobs)(
        delayed(verification_metric_frame)(
            similarity,
            same,
            by_pair,
            threshold=threshold_at_fmr(similarity, same, fmr=1e-2),
            n_boot=N_BOOT,
            random_state=random_state,
        )
        for similarity, same in pairs.values()
    )
    return pairs, dict(zip(pairs, frames, strict=True))


def save_figure(fig, path):
    """Write ``fig`` as a PNG file, atomically, close it, and return the PNG's bytes.

    Text the figure's axes cut off or printed over text warns first, naming the file.
    """
    import matplotlib.pyplot as plt

    check_figure_text(fig, Path(path).name)

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

    Parameters
    ----------
    output : pathlib.Path
        An existing folder.
    tables : dict
        Name -> pandas.DataFrame.
    about : dict
        What produced them (:func:`describe_run`), written into the JSON file beside
        the tables.
    name : str, default="report"
        The JSON file's name, without its suffix.
    """
    for table_name, table in tables.items():
        with atomic_path(output / f"{table_name}.csv") as tmp:
            table.to_csv(tmp, index=False)
    with atomic_path(output / f"{name}.json") as tmp:
        tables_json = {k: json.loads(t.to_json(orient="records")) for k, t in tables.items()}
        tmp.write_text(json.dumps({"about": about, **tables_json}, indent=2))


def write_report(output, about, seconds, *, title, **sections):
    """Write ``report.html`` (see :func:`skblind.report.build`) and return its path.

    Parameters
    ----------
    output : pathlib.Path
        An existing folder.
    about : dict
        What produced the run (:func:`describe_run`).
    seconds : float
        The run's duration, added to ``about``.
    title : str
        The page's title.
    **sections
        :func:`~skblind.report.build`'s keyword arguments (``audit``, ``pairs``,
        ``fairness``, ``figures``, ...).

    Returns
    -------
    pathlib.Path
    """
    from ..report import build

    path = output / "report.html"
    build(path, title=title, about={**about, "seconds": round(seconds, 1)}, **sections)
    return path
