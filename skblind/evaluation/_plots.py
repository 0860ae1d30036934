"""Figures of an audit: each number is computed by one function, drawn by another.

As scikit-learn's Display objects do, the computation (:func:`tsne_points`,
:func:`feature_removal_curve`) returns plain data that can be saved and compared, and the
``plot_*`` functions only draw it, on the axes given (``ax=``/``axes=``) or on a new
figure, and return the figure.
"""

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import cross_val_predict
from sklearn.utils import check_random_state

from ._attackers import default_probes
from ._folds import probe_folds

__all__ = [
    "feature_removal_curve",
    "plot_feature_removal",
    "plot_group_tpr",
    "plot_tradeoff",
    "plot_tsne",
    "tsne_points",
]


def _axes(n_panels, axes, width=4.5, height=4.0):
    """The axes to draw on: those given, or the panels of a new figure."""
    if axes is not None:
        axes = np.atleast_1d(axes).ravel()
        if len(axes) != n_panels:
            raise ValueError(f"need {n_panels} axes, one per panel; got {len(axes)}")
        return axes[0].figure, axes
    import matplotlib.pyplot as plt

    fig, new = plt.subplots(1, n_panels, figsize=(width * n_panels, height), squeeze=False)
    return fig, new[0]


def tsne_points(representations, *, random_state=0):
    """Two-dimensional t-SNE coordinates of each representation.

    Parameters
    ----------
    representations : dict
        Title -> array of shape (n_samples, n_features).
    random_state : int, default=0
        Seed of t-SNE.

    Returns
    -------
    dict
        Title -> ndarray of shape (n_samples, 2).
    """
    from sklearn.manifold import TSNE

    points = {}
    for title, Z in representations.items():
        Z = np.asarray(Z)
        perplexity = min(30.0, (len(Z) - 1) / 3)
        tsne = TSNE(init="pca", perplexity=perplexity, random_state=random_state)
        points[title] = tsne.fit_transform(Z)
    return points


def plot_tsne(points, labels, *, label_names=None, axes=None):
    """Scatter t-SNE coordinates coloured by ``labels`` (the paper's Fig. 3 and 5).

    Parameters
    ----------
    points : dict
        Title -> array of shape (n_samples, 2), from :func:`tsne_points`.
    labels : array-like of shape (n_samples,)
        The attribute to colour by.
    label_names : dict, default=None
        Label value -> legend text.
    axes : sequence of matplotlib Axes, default=None
        One per representation; None draws on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    labels = np.asarray(labels)
    fig, axes = _axes(len(points), axes)
    for ax, (title, xy) in zip(axes, points.items(), strict=True):
        for value in np.unique(labels):
            mask = labels == value
            name = (label_names or {}).get(value, str(value))
            ax.scatter(xy[mask, 0], xy[mask, 1], s=8, alpha=0.7, label=name)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].legend()
    fig.tight_layout()
    return fig


def feature_removal_curve(
    representations,
    sensitive,
    *,
    groups=None,
    probe=None,
    fractions=None,
    n_repeats=3,
    random_state=0,
):
    """Probe balanced accuracy as a growing share of features is removed at random (Fig. 4).

    The probe is cross-validated on 5 folds (subject-disjoint with ``groups``), the same
    folds for every representation and share.

    Parameters
    ----------
    representations : dict
        Name -> array of shape (n_samples, n_features).
    sensitive : array-like of shape (n_samples,)
        The attribute the probe reads.
    groups : array-like of shape (n_samples,), default=None
        Subject ids for subject-disjoint folds.
    probe : classifier, default=None
        None takes the RBF-SVM of :func:`default_probes`.
    fractions : sequence of float, default=None
        Shares of features removed; None takes 0, 0.1, ..., 0.9.
    n_repeats : int, default=3
        Random draws of the removed features per share (one at share 0).
    random_state : int, default=0
        Seed of the draws and of the folds.

    Returns
    -------
    pandas.DataFrame
        One row per representation and share: ``representation``, ``removed`` (the
        share), ``balanced_accuracy`` (mean over draws), ``balanced_accuracy_std``,
        ``chance`` (1 / number of classes) and ``probe`` (the probe's class name).
    """
    sensitive = np.asarray(sensitive)
    fractions = np.arange(0.0, 1.0, 0.1) if fractions is None else np.asarray(fractions)
    probe = default_probes()["SVM"] if probe is None else probe
    rng = check_random_state(random_state)
    folds = probe_folds(5, grouped=groups is not None, random_state=random_state)
    splits = list(folds.split(sensitive, sensitive, groups))
    probe_name = type(probe[-1] if hasattr(probe, "steps") else probe).__name__
    rows = []
    for name, Z in representations.items():
        Z = np.asarray(Z)
        for fraction in fractions:
            n_keep = max(1, int(round(Z.shape[1] * (1 - fraction))))
            scores = []
            for _ in range(n_repeats if fraction > 0 else 1):
                kept = rng.choice(Z.shape[1], size=n_keep, replace=False)
                predicted = cross_val_predict(clone(probe), Z[:, kept], sensitive, cv=splits)
                scores.append(balanced_accuracy_score(sensitive, predicted))
            rows.append(
                {
                    "representation": name,
                    "removed": float(fraction),
                    "balanced_accuracy": float(np.mean(scores)),
                    "balanced_accuracy_std": float(np.std(scores)),
                    "chance": 1.0 / len(np.unique(sensitive)),
                    "probe": probe_name,
                }
            )
    return pd.DataFrame(rows)


def plot_feature_removal(curve, *, attribute=None, ax=None):
    """Draw a :func:`feature_removal_curve`: one line per representation, and chance.

    Parameters
    ----------
    curve : pandas.DataFrame
        The output of :func:`feature_removal_curve`.
    attribute : str, default=None
        The attribute's name, for the title.
    ax : matplotlib Axes, default=None
        None draws on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (ax,) = _axes(1, ax, width=6)
    for name, rows in curve.groupby("representation", sort=False):
        ax.errorbar(
            rows.removed * 100,
            rows.balanced_accuracy,
            yerr=rows.balanced_accuracy_std,
            marker="o",
            capsize=2,
            label=name,
        )
    chance = curve.chance.iloc[0]
    ax.axhline(chance, color="grey", linestyle="--", label=f"chance ({chance:.2f})")
    ax.set_xlabel("features removed at random (%)")
    ax.set_ylabel(f"balanced accuracy of the {curve.probe.iloc[0]} probe")
    if attribute is not None:
        ax.set_title(f"Reading {attribute} as features are removed")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_tradeoff(table, *, utility="utility", leakage="leakage", label="lam", hue=None, ax=None):
    """Utility against leakage, one point per setting (e.g. a lambda sweep).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per setting, with the columns named below.
    utility, leakage, label : str
        Column names: the utility (y axis), the leakage (x axis), the point labels.
    hue : str, default=None
        A column naming the method of each row: one line per method (a frontier
        plot of several methods' sweeps). None draws one line. Rows whose ``label``
        is NaN (a method without a strength parameter) are drawn but not labelled.
    ax : matplotlib Axes, default=None
        None draws on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (ax,) = _axes(1, ax, width=6)
    lines = [(None, table)] if hue is None else table.groupby(hue, sort=False)
    for name, rows in lines:
        ax.plot(rows[leakage], rows[utility], marker="o", label=name)
        for _, row in rows.iterrows():
            if np.isfinite(row[label]):  # a method without a strength (NaN) is not labelled
                ax.annotate(f"{label}={row[label]:g}", (row[leakage], row[utility]), fontsize=7)
    if hue is not None:
        ax.legend(fontsize=8)
    ax.set_xlabel(leakage)
    ax.set_ylabel(utility)
    fig.tight_layout()
    return fig


def plot_group_tpr(table, *, ax=None):
    """Bars of true-positive rate by group, one cluster of bars per setting (Table II).

    Parameters
    ----------
    table : pandas.DataFrame or dict
        Rows: settings (e.g. "raw (biased)"); columns: groups; values: TPR. A dict of
        name -> fairlearn MetricFrame with a ``true_positive_rate`` metric is turned
        into such a table.
    ax : matplotlib Axes, default=None
        None draws on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if isinstance(table, dict):
        table = pd.DataFrame(
            {name: frame.by_group["true_positive_rate"] for name, frame in table.items()}
        ).T
    fig, (ax,) = _axes(1, ax, width=max(6, 1.2 * len(table)))
    width = 0.8 / table.shape[1]
    for k, group in enumerate(table.columns):
        ax.bar(np.arange(len(table)) + k * width, table[group], width, label=str(group))
    ax.set_xticks(
        np.arange(len(table)) + width * (table.shape[1] - 1) / 2,
        table.index,
        rotation=30,
        ha="right",
    )
    ax.set_ylabel("true-positive rate")
    ax.set_ylim(0, 1)
    ax.legend(title="group")
    fig.tight_layout()
    return fig
