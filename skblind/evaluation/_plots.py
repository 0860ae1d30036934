"""Figures of an audit (matplotlib; each function returns the Figure)."""

import numpy as np
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.utils import check_random_state

from ._leakage import default_probes

__all__ = ["plot_feature_removal", "plot_group_tpr", "plot_tradeoff", "plot_tsne"]


def _figure(n_panels, width=4.5, height=4.0):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n_panels, figsize=(width * n_panels, height), squeeze=False)
    return fig, axes[0]


def plot_tsne(representations, labels, *, label_names=None, random_state=0):
    """t-SNE of each representation, coloured by ``labels`` (the paper's Fig. 3 and 5).

    Parameters
    ----------
    representations : dict
        Title -> array of shape (n_samples, n_features).
    labels : array-like of shape (n_samples,)
        The attribute to colour by.
    label_names : dict, default=None
        Label value -> legend text.
    random_state : int, default=0
        Seed of t-SNE.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from sklearn.manifold import TSNE

    labels = np.asarray(labels)
    fig, axes = _figure(len(representations))
    for ax, (title, Z) in zip(axes, representations.items(), strict=True):
        perplexity = min(30.0, (len(Z) - 1) / 3)
        points = TSNE(init="pca", perplexity=perplexity, random_state=random_state)
        points = points.fit_transform(np.asarray(Z))
        for value in np.unique(labels):
            mask = labels == value
            name = (label_names or {}).get(value, str(value))
            ax.scatter(points[mask, 0], points[mask, 1], s=8, alpha=0.7, label=name)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].legend()
    fig.tight_layout()
    return fig


def plot_feature_removal(
    representations,
    sensitive,
    *,
    groups=None,
    probe=None,
    fractions=None,
    n_repeats=3,
    random_state=0,
):
    """Probe accuracy as a growing share of features is removed at random (Fig. 4).

    Parameters
    ----------
    representations : dict
        Name -> array of shape (n_samples, n_features).
    sensitive : array-like of shape (n_samples,)
        The attribute the probe reads.
    groups : array-like of shape (n_samples,), default=None
        Subject ids for subject-disjoint 5-fold cross-validation.
    probe : classifier, default=None
        None takes the RBF-SVM of :func:`default_probes`.
    fractions : sequence of float, default=None
        Shares of features removed; None takes 0, 0.1, ..., 0.9.
    n_repeats : int, default=3
        Random draws of the removed features per share.
    random_state : int, default=0
        Seed of the draws and of the folds.

    Returns
    -------
    matplotlib.figure.Figure
        One line per representation (its y data are the measured mean balanced
        accuracies per share), and the chance level.
    """
    sensitive = np.asarray(sensitive)
    fractions = np.arange(0.0, 1.0, 0.1) if fractions is None else np.asarray(fractions)
    probe = default_probes()["SVM"] if probe is None else probe
    rng = check_random_state(random_state)
    if groups is None:
        splits = list(
            StratifiedKFold(5, shuffle=True, random_state=random_state).split(sensitive, sensitive)
        )
    else:
        splits = list(GroupKFold(5).split(sensitive, sensitive, groups))
    fig, axes = _figure(1, width=6)
    for name, Z in representations.items():
        Z = np.asarray(Z)
        means = []
        for fraction in fractions:
            n_keep = max(1, int(round(Z.shape[1] * (1 - fraction))))
            scores = []
            for _ in range(n_repeats if fraction > 0 else 1):
                kept = rng.choice(Z.shape[1], size=n_keep, replace=False)
                predicted = cross_val_predict(clone(probe), Z[:, kept], sensitive, cv=splits)
                scores.append(balanced_accuracy_score(sensitive, predicted))
            means.append(np.mean(scores))
        axes[0].plot(fractions * 100, means, marker="o", label=name)
    axes[0].axhline(1.0 / len(np.unique(sensitive)), color="grey", linestyle="--", label="chance")
    axes[0].set_xlabel("features removed at random (%)")
    axes[0].set_ylabel("probe balanced accuracy")
    axes[0].legend()
    fig.tight_layout()
    return fig


def plot_tradeoff(table, *, utility="utility", leakage="leakage", label="lam", hue=None):
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

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = _figure(1, width=6)
    ax = axes[0]
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


def plot_group_tpr(table):
    """Bars of true-positive rate by group, one cluster of bars per setting (Table II).

    Parameters
    ----------
    table : pandas.DataFrame or dict
        Rows: settings (e.g. "raw (biased)"); columns: groups; values: TPR. A dict of
        name -> fairlearn MetricFrame with a ``true_positive_rate`` metric is turned
        into such a table.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import pandas as pd

    if isinstance(table, dict):
        table = pd.DataFrame(
            {name: frame.by_group["true_positive_rate"] for name, frame in table.items()}
        ).T
    fig, axes = _figure(1, width=max(6, 1.2 * len(table)))
    ax = axes[0]
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
