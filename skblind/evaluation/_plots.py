"""Figures of an audit: each number is computed by one function, drawn by another.

As scikit-learn's Display objects do, the computation (:func:`tsne_points`,
:func:`feature_removal_curve`) returns plain data that can be saved and compared, and the
``plot_*`` functions only draw it, on the axes given (``ax=``/``axes=``) or on a new
figure, and return the figure.
"""

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import balanced_accuracy_score
from sklearn.utils import check_random_state

from .._checks import is_one_point
from ._attack import attack
from ._attackers import default_attackers
from ._folds import subject_folds
from ._represent import fit_representations

__all__ = [
    "feature_removal_curve",
    "plot_attacker_curve",
    "plot_feature_removal",
    "plot_group_tpr",
    "plot_leakage",
    "plot_learning_curve",
    "plot_verification_curves",
    "plot_tradeoff",
    "plot_tsne",
    "tsne_points",
]


def _axes(n_panels, axes, width=4.5, height=4.0, columns=None):
    """The axes to draw on: those given, or the panels of a new figure.

    ``columns`` wraps the panels onto rows of at most that many (the unused ones hidden).
    """
    if axes is not None:
        axes = np.atleast_1d(axes).ravel()
        if len(axes) != n_panels:
            raise ValueError(f"need {n_panels} axes, one per panel; got {len(axes)}")
        return axes[0].figure, axes
    import matplotlib.pyplot as plt

    columns = n_panels if columns is None else min(columns, n_panels)
    rows = -(-n_panels // columns)
    fig, new = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)
    for ax in new.ravel()[n_panels:]:
        ax.set_visible(False)
    return fig, new.ravel()[:n_panels]


def _wrapped(text, width=60):
    """``text`` broken into lines of at most about ``width`` characters."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _tsne(Z, random_state):
    from sklearn.manifold import TSNE

    Z = np.asarray(Z, dtype=float)
    if is_one_point(Z):
        # Barnes-Hut t-SNE crashes the interpreter (a segmentation fault) on rows without
        # spread: its PCA initialisation divides by a zero standard deviation. A
        # representation that maps every image to one point is drawn as that point.
        return np.zeros((len(Z), 2))
    perplexity = min(30.0, (len(Z) - 1) / 3)
    init = "pca" if Z.shape[1] >= 2 else "random"
    return TSNE(init=init, perplexity=perplexity, random_state=random_state).fit_transform(Z)


def tsne_points(representations, *, random_state=0, n_jobs=None):
    """Two-dimensional t-SNE coordinates of each representation.

    Parameters
    ----------
    representations : dict
        Title -> array of shape (n_samples, n_features).
    random_state : int, default=0
        Seed of t-SNE.
    n_jobs : int, default=None
        Representations embedded at a time (joblib processes).

    Returns
    -------
    dict
        Title -> ndarray of shape (n_samples, 2). A representation whose rows are all one
        point (a collapsed one) gets that point for every row, and :func:`plot_tsne` says
        so in its panel.
    """
    points = Parallel(n_jobs=n_jobs)(
        delayed(_tsne)(Z, random_state) for Z in representations.values()
    )
    return dict(zip(representations, points, strict=True))


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
        One per representation; None draws on a new figure, four panels a row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    labels = np.asarray(labels)
    fig, axes = _axes(len(points), axes, width=3.6, height=3.6, columns=4)
    for ax, (title, xy) in zip(axes, points.items(), strict=True):
        for value in np.unique(labels):
            mask = labels == value
            name = (label_names or {}).get(value, str(value))
            ax.scatter(xy[mask, 0], xy[mask, 1], s=8, alpha=0.7, label=name)
        ax.set_title(_wrapped(title, 30), fontsize=10)
        if is_one_point(xy):
            ax.text(
                0.5,
                0.25,
                "every image maps to one point",
                transform=ax.transAxes,
                ha="center",
                fontsize=8,
            )
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def _removal_score(attacker, parts, splits, codes, groups, kept, seed):
    """Balanced accuracy of the attacker over the folds, on the kept features.

    In each fold the attacker learns from a class-balanced draw of the training rows, as
    every attacker does, and predicts the test rows.
    """
    predicted = np.empty_like(codes)
    n_classes = codes.max() + 1
    for index, ((train, test), (Z_train, Z_test)) in enumerate(zip(splits, parts, strict=True)):
        result = attack(
            {"attacker": attacker},
            Z_train[:, kept],
            codes[train],
            groups[train],
            Z_test[:, kept],
            n_classes,
            np.random.default_rng([seed, index]),
        )
        predicted[test] = 0 if result is None else result["attacker"][0]
    return balanced_accuracy_score(codes, predicted)


def feature_removal_curve(
    representations,
    sensitive,
    *,
    X=None,
    y=None,
    groups=None,
    attacker=None,
    fractions=None,
    n_repeats=3,
    random_state=0,
    cv=None,
    fitted=None,
    n_jobs=None,
    progress=False,
):
    """Attacker balanced accuracy as a growing share of features is removed at random (Fig. 4).

    The attacker is cross-validated on 5 folds (subject-disjoint with ``groups``), the
    same folds for every representation and share, and trained as in every audit (on a
    class-balanced draw of its training rows). A representation given as an estimator is
    fitted inside each fold on its training rows only, and the attacker learns from those
    rows: the paper's protocol, in which the attacker sees the method's own training
    subjects (an array is taken as it is, so one fitted on every sample flatters or
    distorts what the attacker reads on the test folds).

    Parameters
    ----------
    representations : dict
        Name -> array of shape (n_samples, n_features), or an unfitted transformer
        with ``fit(X, y, sensitive_features=...)``.
    sensitive : array-like of shape (n_samples,)
        The attribute the attacker reads.
    X : array-like of shape (n_samples, n_features), default=None
        The input of the estimators among the representations.
    y : array-like of shape (n_samples,), default=None
        What the estimators keep (identities).
    groups : array-like of shape (n_samples,), default=None
        Subject ids for subject-disjoint folds.
    attacker : classifier, default=None
        None takes the RBF-SVM of :func:`default_attackers`.
    fractions : sequence of float, default=None
        Shares of features removed; None takes 0, 0.1, ..., 0.9.
    n_repeats : int, default=3
        Random draws of the removed features per share (one at share 0).
    random_state : int, default=0
        Seed of the draws, of the folds and of the attacker's class-balanced rows.
    cv : iterable of (train, test), default=None
        The folds; None takes 5 (subject-disjoint with ``groups``) from
        :func:`subject_folds` seeded by ``random_state``. Pass :func:`audit_splits` to
        use an audit's outer splits.
    fitted : dict, default=None
        The estimators' fits on these folds, as :func:`fit_representations` of ``cv``
        gives them (e.g. an audit's): used instead of fitting again.
    n_jobs : int, default=None
        The estimators' fold fits and the attacker's draws run as joblib tasks,
        ``n_jobs`` at a time; the result does not depend on it.
    progress : bool, default=False
        Show a progress bar over the draws of removed features.

    Returns
    -------
    pandas.DataFrame
        One row per representation and share: ``representation``, ``removed`` (the
        share), ``balanced_accuracy`` (mean over draws), ``balanced_accuracy_std``,
        ``chance`` (1 / number of classes) and ``attacker`` (the attacker's class name).
    """
    from tqdm.auto import tqdm

    sensitive = np.asarray(sensitive)
    codes = np.unique(sensitive, return_inverse=True)[1]
    fractions = np.arange(0.0, 1.0, 0.1) if fractions is None else np.asarray(fractions)
    attacker = default_attackers()["SVM"] if attacker is None else attacker
    rng = check_random_state(random_state)
    if cv is None:
        folds = subject_folds(5, grouped=groups is not None, random_state=random_state)
        splits = list(folds.split(sensitive, sensitive, groups))
    else:
        splits = list(cv)
    attacker_name = type(attacker[-1] if hasattr(attacker, "steps") else attacker).__name__
    given = {} if fitted is None else {k: v for k, v in fitted.items() if k in representations}
    to_fit = {k: v for k, v in representations.items() if k not in given}
    estimators = [k for k, v in to_fit.items() if hasattr(v, "fit")]
    if estimators and X is None:
        raise ValueError(f"representation {estimators[0]!r} is an estimator: pass X (and y)")
    folded = fit_representations(
        to_fit, X, y=y, sensitive_features=sensitive, splits=splits, n_jobs=n_jobs
    )
    folded = {name: given.get(name, folded.get(name)) for name in representations}
    person = np.arange(len(codes)) if groups is None else np.asarray(groups)
    draws = []  # (name, fraction, kept features), drawn in order: the same for any n_jobs
    for name in folded:
        n_features = folded[name][0][0].shape[1]
        for fraction in fractions:
            n_keep = max(1, int(round(n_features * (1 - fraction))))
            for _ in range(n_repeats if fraction > 0 else 1):
                draws.append((name, fraction, rng.choice(n_features, size=n_keep, replace=False)))
    scores = Parallel(n_jobs=n_jobs)(
        delayed(_removal_score)(attacker, folded[name], splits, codes, person, kept, random_state)
        for name, fraction, kept in tqdm(draws, desc="feature removal", disable=not progress)
    )
    rows = []
    for name in folded:
        for fraction in fractions:
            these = [
                score
                for (n, f, _), score in zip(draws, scores, strict=True)
                if n == name and f == fraction
            ]
            rows.append(
                {
                    "representation": name,
                    "removed": float(fraction),
                    "balanced_accuracy": float(np.mean(these)),
                    "balanced_accuracy_std": float(np.std(these)),
                    "chance": 1.0 / len(np.unique(sensitive)),
                    "attacker": attacker_name,
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
    ax.set_ylabel(f"balanced accuracy of the {curve.attacker.iloc[0]} attacker")
    if attribute is not None:
        ax.set_title(f"Reading {attribute} as features are removed")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the lines
    fig.tight_layout()
    return fig


def plot_tradeoff(
    table,
    *,
    utility="utility",
    leakage="leakage",
    label="lam",
    hue=None,
    leakage_err=None,
    utility_err=None,
    ax=None,
):
    """Utility against leakage, one point per setting (e.g. a lambda sweep).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per setting, with the columns named below.
    utility, leakage, label : str
        Column names: the utility (y axis), the leakage (x axis), the point labels (a
        table without the ``label`` column gets none).
    hue : str, default=None
        A column naming the method of each row: one line per method (a frontier
        plot of several methods' sweeps). None draws one line. Rows whose ``label``
        is NaN (a method without a strength parameter) are drawn but not labelled.
    leakage_err, utility_err : str, default=None
        Columns of the error bars (e.g. a standard error), so that differences smaller
        than the noise read as such.
    ax : matplotlib Axes, default=None
        None draws on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (ax,) = _axes(1, ax, width=6)
    lines = [(None, table)] if hue is None else table.groupby(hue, sort=False)
    points = []
    for name, rows in lines:
        ax.errorbar(
            rows[leakage],
            rows[utility],
            xerr=None if leakage_err is None else rows[leakage_err],
            yerr=None if utility_err is None else rows[utility_err],
            marker="o",
            capsize=3,
            label=name,
        )
        for _, row in rows.iterrows() if label in rows else ():
            value = row[label]
            if isinstance(value, str):  # the setting, spelled out (e.g. "lam=2")
                points.append((row[leakage], row[utility], value))
            elif np.isfinite(value):  # a method without a strength (NaN) is not labelled
                points.append((row[leakage], row[utility], f"{label}={value:g}"))
    if hue is not None:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.margins(x=0.15, y=0.15)  # room for the point labels at the edges
    ax.set_xlabel(leakage)
    ax.set_ylabel(utility)
    fig.tight_layout()
    _label_points(ax, points)  # after the layout, which moves the points
    return fig


def _renderer(fig):
    """The renderer that lays out ``fig``'s text (Agg, which PNG output uses)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    # a Figure made without pyplot has a bare canvas
    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    return canvas.get_renderer()


#: Where a point's label may go, in points from it, tried in turn: right and above, right
#: and below, left and above, left and below, then a line further out.
_LABEL_PLACES = (
    (4, 5, "left"),
    (4, -11, "left"),
    (-4, 5, "right"),
    (-4, -11, "right"),
    (4, 14, "left"),
    (4, -20, "left"),
    (-4, 14, "right"),
    (-4, -20, "right"),
)


def _label_points(ax, points, fontsize=7, together_px=8.0):
    """Label ``(x, y, text)`` points so that no two labels print over one another.

    Points closer than ``together_px`` on screen (the same setting's score twice, or two
    settings that land on one point) share one label, their texts joined; each label then
    takes the first place of :data:`_LABEL_PLACES` that no earlier label holds, or, where
    every place is held, the one it overlaps least.
    """
    if not points:
        return
    ax.get_xlim(), ax.get_ylim()  # the view limits, final before points are placed
    screen = ax.transData.transform([(x, y) for x, y, _ in points])
    groups = []  # [screen position, data position, texts]
    for (x, y, text), at in zip(points, screen, strict=True):
        for group in groups:
            if np.hypot(*(group[0] - at)) < together_px:
                group[2].append(text)
                break
        else:
            groups.append([at, (x, y), [text]])
    renderer = _renderer(ax.figure)
    placed = []
    for _, xy, texts in groups:
        text = ", ".join(dict.fromkeys(texts))
        overlaps = []
        for place in _LABEL_PLACES:
            note = _annotate(ax, text, xy, place, fontsize)
            box = note.get_window_extent(renderer)
            overlaps.append(sum(_shared_area(box, other) for other in placed))
            if overlaps[-1] == 0:
                break
            note.remove()
        else:
            note = _annotate(ax, text, xy, _LABEL_PLACES[int(np.argmin(overlaps))], fontsize)
            box = note.get_window_extent(renderer)
        placed.append(box)


def _annotate(ax, text, xy, place, fontsize):
    """``text`` beside the data point ``xy``, at ``place``: offsets in points, alignment."""
    dx, dy, align = place
    return ax.annotate(
        text, xy, xytext=(dx, dy), textcoords="offset points", ha=align, fontsize=fontsize
    )


def _shared_area(a, b):
    """The area two display boxes share (0 when they do not meet)."""
    from matplotlib.transforms import Bbox

    shared = Bbox.intersection(a, b)
    return 0.0 if shared is None else shared.width * shared.height


def _bar_errors(errors, group):
    """The ``yerr`` of one group's bars: None, symmetric, or (below, above)."""
    if errors is None:
        return None
    if isinstance(errors, tuple):
        below, above = errors
        return np.vstack([below[group].to_numpy(float), above[group].to_numpy(float)])
    return errors[group]


def plot_group_tpr(table, *, errors=None, title=None, ax=None):
    """Bars of true-positive rate by group, one cluster of bars per setting (Table II).

    Parameters
    ----------
    table : pandas.DataFrame or dict
        Rows: settings (e.g. "raw (biased)"); columns: groups; values: TPR. A dict of
        name -> fairlearn MetricFrame with a ``true_positive_rate`` metric is turned
        into such a table.
    errors : pandas.DataFrame or tuple of two, default=None
        The same shape as ``table``: half-lengths of error bars (e.g. the standard
        deviation over seeds), or a pair (below, above) of such frames for asymmetric
        bars (e.g. a bootstrap interval's distances from the value).
    title : str, default=None
        What the bars are (which classifier, which groups).
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
        ax.bar(
            np.arange(len(table)) + k * width,
            table[group],
            width,
            yerr=_bar_errors(errors, group),
            capsize=3,
            label=str(group),
        )
    ax.set_xticks(
        np.arange(len(table)) + width * (table.shape[1] - 1) / 2,
        table.index,
        rotation=30,
        ha="right",
    )
    ax.set_ylabel("true-positive rate")
    ax.set_ylim(0, 1.05)
    # Beside the bars, not over them.
    ax.legend(title="group", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if title is not None:
        ax.set_title(_wrapped(title, 70), fontsize=10)
    fig.tight_layout()
    return fig


def plot_leakage(leakage, *, attribute=None, axes=None):
    """What each attacker reads of one attribute, per representation, with intervals.

    Two panels: balanced accuracy against its chance level, and within-identity AUC
    against 0.5; one row per representation, one marker per attacker, the bars being the
    intervals of :func:`~skblind.evaluation.audit_report` (hollow markers: no leakage
    detected).

    Parameters
    ----------
    leakage : pandas.DataFrame
        The leakage table of :func:`~skblind.evaluation.audit_report` (one protocol).
    attribute : str, default=None
        The attribute drawn; None takes the first in the table.
    axes : array of two matplotlib Axes, default=None
        None draws on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if "protocol" in leakage and leakage.protocol.nunique() > 1:
        raise ValueError(
            f"the leakage table holds several protocols ({sorted(set(leakage.protocol))}); "
            "draw one at a time (e.g. leakage[leakage.protocol == 'held-out'])"
        )
    attribute = leakage.attribute.iloc[0] if attribute is None else attribute
    rows = leakage[leakage.attribute == attribute]
    if rows.empty:
        raise ValueError(f"no rows of attribute {attribute!r} in the leakage table")
    if "attacker_people" in rows and rows.groupby(["representation", "attacker"]).size().max() > 1:
        raise ValueError(
            "the leakage table holds several attacker sizes; draw one (e.g. "
            "leakage[leakage.attacker_people == leakage.attacker_people.max()]), or all of "
            "them with plot_attacker_curve"
        )
    representations = list(dict.fromkeys(rows.representation))
    attackers = list(dict.fromkeys(rows.attacker))
    fig, axes = _axes(2, axes, width=5.5, height=0.5 + 0.45 * len(representations) * 1.6)
    offsets = np.linspace(-0.3, 0.3, len(attackers)) if len(attackers) > 1 else np.zeros(1)
    for ax, metric, chance_name in (
        (axes[0], "balanced_accuracy", "chance"),
        (axes[1], "within_auc", None),
    ):
        if metric not in rows or rows[metric].isna().all():
            ax.text(
                0.5,
                0.5,
                f"{metric}: undefined\n(no subject groups)",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set_yticks([])
            continue
        for k, attacker in enumerate(attackers):
            these = rows[rows.attacker == attacker].set_index("representation")
            these = these.loc[representations]
            y = np.arange(len(representations)) + offsets[k]
            value = these[metric].to_numpy(dtype=float)
            low = these.get(f"{metric}_ci_low", these[metric]).to_numpy(dtype=float)
            high = these.get(f"{metric}_ci_high", these[metric]).to_numpy(dtype=float)
            # without verdicts every marker is filled: nothing says a row did not leak
            leaks = (these.get("verdict", pd.Series("leaks", these.index)) == "leaks").to_numpy()
            colour = f"C{k}"
            ax.errorbar(
                value, y, xerr=[value - low, high - value], fmt="none", ecolor=colour, capsize=2
            )
            ax.scatter(value[leaks], y[leaks], color=colour, label=attacker, zorder=3)
            ax.scatter(value[~leaks], y[~leaks], facecolors="white", edgecolors=colour, zorder=3)
        if chance_name is None:
            ax.axvline(0.5, color="grey", linestyle="--", label="chance (0.5)")
            ax.set_xlabel(f"within-identity AUC on {attribute}")
        else:
            ax.set_xlabel(f"balanced accuracy on {attribute}")
        if chance_name in rows:
            chance = rows[chance_name].mean()
            ax.axvline(chance, color="grey", linestyle="--", label=f"chance ({chance:.2f})")
        ax.set_yticks(np.arange(len(representations)), representations)
        ax.invert_yaxis()
    axes[1].set_yticks(axes[1].get_yticks(), [])
    (axes[1] if axes[1].lines else axes[0]).legend(
        fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="attacker"
    )
    protocol = rows.protocol.iloc[0] if "protocol" in rows else "?"
    fig.suptitle(
        f"Attackers reading {attribute} ({protocol} protocol); filled: leaks, hollow: no "
        "leakage detected",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def _attribute_rows(leakage, attribute, metric):
    """``attribute`` (the table's first when None) and its rows; ``metric`` checked."""
    if metric not in ("within_auc", "balanced_accuracy"):
        raise ValueError(f"metric must be 'within_auc' or 'balanced_accuracy'; got {metric!r}")
    attribute = leakage.attribute.iloc[0] if attribute is None else attribute
    rows = leakage[leakage.attribute == attribute]
    if rows.empty:
        raise ValueError(f"no rows of attribute {attribute!r} in the leakage table")
    return attribute, rows


def plot_learning_curve(
    leakage, *, attribute=None, metric="within_auc", goal=None, band=True, logx=False, ax=None
):
    """How leakage to held-out attackers changes with the people a method is fitted on.

    One line per representation, in the order they first appear (the same order gives the
    same colours on several axes; past ten lines the colours repeat dashed): the largest
    ``metric`` over the attackers at each number of training subjects, with a band from
    the smallest to the largest attacker (``band``); a dotted line at chance.

    Parameters
    ----------
    leakage : pandas.DataFrame
        Leakage tables of :func:`~skblind.evaluation.audit_report` (one protocol), stacked,
        with a ``training_subjects`` column: how many subjects each method was fitted on.
    attribute : str, default=None
        The attribute drawn; None takes the first in the table.
    metric : {"within_auc", "balanced_accuracy"}, default="within_auc"
        What the attackers score.
    goal : float, default=None
        Draws a dashed line at this level (e.g. 0.55), labelled "goal".
    band : bool, default=True
        Shade each representation's range over the attackers (for a few lines).
    logx : bool, default=False
        Training subjects on a logarithmic axis.
    ax : matplotlib Axes, default=None
        None draws on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if "training_subjects" not in leakage:
        raise ValueError("the leakage table needs a 'training_subjects' column")
    attribute, rows = _attribute_rows(leakage, attribute, metric)
    fig, (ax,) = _axes(1, ax, width=6.0, height=4.2)
    spread = rows.groupby(["representation", "training_subjects"], sort=False)[metric].agg(
        ["min", "max"]
    )
    for k, (name, line) in enumerate(spread.groupby(level=0, sort=False)):
        line = line.droplevel(0).sort_index()
        x = line.index.to_numpy(dtype=float)
        style = ("-", "--", ":")[k // 10 % 3]  # the 11th line on: the colours again, dashed
        ax.plot(x, line["max"], marker="o", color=f"C{k % 10}", linestyle=style, label=name)
        if band:
            ax.fill_between(x, line["min"], line["max"], color=f"C{k % 10}", alpha=0.12)
    chance = 0.5 if metric == "within_auc" else rows["chance"].mean()
    ax.axhline(chance, color="grey", linestyle=":", label=f"chance ({chance:.2f})")
    if goal is not None:
        ax.axhline(goal, color="black", linestyle="--", linewidth=0.8, label=f"goal ({goal})")
    if logx:
        ax.set_xscale("log")
    sizes = np.unique(rows["training_subjects"].to_numpy(dtype=float))
    ax.set_xticks(sizes, [f"{size:g}" for size in sizes])
    ax.minorticks_off()
    ax.set_xlabel("subjects the method was fitted on\n(the attacked ones never among them)")
    label = "within-identity AUC" if metric == "within_auc" else "balanced accuracy"
    ax.set_ylabel(f"{label} on {attribute}\n(largest attacker; band: all)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def plot_attacker_curve(leakage, *, attribute=None, metric="within_auc", ax=None):
    """How leakage grows with the people an attacker holds (the attacker's learning curve).

    One line per representation and attacker, against the people each attacker was
    trained on (logarithmic axis), with the metric's interval as a band; a dotted line at
    chance. Draw an audit with ``attacker_people=[8, 32, 128, ...]``: every size scores
    the same test rows, so the curve varies only in what the attacker holds. A claim of
    blindness holds only at the attacker size it was measured at.

    Parameters
    ----------
    leakage : pandas.DataFrame
        The leakage table of :func:`~skblind.evaluation.audit_report` (one protocol),
        with several ``attacker_people``.
    attribute : str, default=None
        The attribute drawn; None takes the first in the table.
    metric : {"within_auc", "balanced_accuracy"}, default="within_auc"
        What the attackers score.
    ax : matplotlib Axes, default=None
        None draws on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    attribute, rows = _attribute_rows(leakage, attribute, metric)
    fig, (ax,) = _axes(1, ax, width=6.5, height=4.2)
    lines = rows.groupby(["representation", "attacker"], sort=False)
    for k, ((name, attacker), line) in enumerate(lines):
        line = line.sort_values("attacker_people")
        x = line.attacker_people.to_numpy(dtype=float)
        style = ("-", "--", ":")[k // 10 % 3]  # the 11th line on: the colours again, dashed
        colour = f"C{k % 10}"
        ax.plot(
            x, line[metric], marker="o", color=colour, linestyle=style, label=f"{name}, {attacker}"
        )
        low, high = line.get(f"{metric}_ci_low"), line.get(f"{metric}_ci_high")
        if low is not None and high is not None:
            ax.fill_between(x, low, high, color=colour, alpha=0.12)
    chance = 0.5 if metric == "within_auc" else rows["chance"].mean()
    ax.axhline(chance, color="grey", linestyle=":", label=f"chance ({chance:.2f})")
    ax.set_xscale("log")
    sizes = np.unique(rows["attacker_people"].to_numpy(dtype=float))
    ax.set_xticks(sizes, [f"{size:g}" for size in sizes])
    ax.minorticks_off()
    ax.set_xlabel("people the attacker was trained on (never the tested ones)")
    label = "within-identity AUC" if metric == "within_auc" else "balanced accuracy"
    ax.set_ylabel(f"{label} on {attribute}")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def plot_verification_curves(pairs, *, axes=None):
    """ROC and DET curves of identity verification, one line per representation.

    Parameters
    ----------
    pairs : dict
        Representation name -> ``(similarity, same)`` of its pairs (e.g. from
        :func:`~skblind.evaluation.pair_similarities`).
    axes : array of two matplotlib Axes, default=None
        None draws on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from sklearn.metrics import DetCurveDisplay, RocCurveDisplay

    fig, axes = _axes(2, axes, width=5.0, height=4.2)
    for name, (similarity, same) in pairs.items():
        RocCurveDisplay.from_predictions(same, similarity, name=name, ax=axes[0])
        DetCurveDisplay.from_predictions(same, similarity, name=name, ax=axes[1])
    axes[0].set_xscale("log")
    axes[0].set_xlim(1e-4, 1)
    axes[0].set_ylim(0, 1.02)
    axes[0].set_xlabel("false-match rate (impostor pairs accepted, log scale)")
    axes[0].set_ylabel("true-match rate (genuine pairs accepted)")
    axes[0].set_title("ROC")
    axes[1].set_xlabel("false-match rate")
    axes[1].set_ylabel("false-non-match rate")
    axes[1].set_title("DET (normal deviate scales)")
    for ax in axes:
        ax.set_aspect("auto")  # the displays' square box squeezes the log-scaled ROC
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
