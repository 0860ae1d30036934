import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skblind.datasets import make_blinding_problem
from skblind.evaluation import (
    feature_removal_curve,
    group_metric_frame,
    plot_feature_removal,
    plot_group_tpr,
    plot_tradeoff,
    plot_tsne,
    tsne_points,
)


@pytest.fixture(scope="module")
def problem():
    return make_blinding_problem(
        n_subjects=20,
        n_per_subject=6,
        n_features=24,
        identity_dim=8,
        sensitive_strength=3.0,
        random_state=0,
    )


def test_tsne_one_panel_per_representation(problem):
    noise = np.random.default_rng(0).normal(size=problem.X.shape)
    points = tsne_points({"raw": problem.X, "noise": noise})
    assert {k: v.shape for k, v in points.items()} == {"raw": (120, 2), "noise": (120, 2)}
    fig = plot_tsne(points, problem.sensitive, label_names={0: "a", 1: "b"})
    assert [ax.get_title() for ax in fig.axes] == ["raw", "noise"]
    assert len(fig.axes[0].collections) == 2
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "b"]
    unlabelled = pd.DataFrame({"lam": [np.nan], "utility": [0.9], "leakage": [0.1]})
    assert len(plot_tradeoff(unlabelled).axes[0].texts) == 0


def test_tsne_of_a_collapsed_representation_is_one_point():
    # CI crashed (a segmentation fault in sklearn's Barnes-Hut t-SNE) on the recipe's
    # output from 20 ORL people, where the margin keeps no direction: every row the same.
    # Run in a child process, so that a regression fails this test, not the whole suite.
    program = """
import numpy as np
from skblind.evaluation import tsne_points
points = tsne_points({"collapsed": np.full((40, 3), 0.25), "one column": np.arange(40.0)[:, None]})
assert np.array_equal(points["collapsed"], np.zeros((40, 2)))
assert points["one column"].shape == (40, 2) and np.ptp(points["one column"]) > 0
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    fig = plot_tsne({"collapsed": np.zeros((4, 2))}, [0, 1, 0, 1])
    assert "every image maps to one point" in [t.get_text() for t in fig.axes[0].texts]


def test_feature_removal_curves(problem):
    noise = np.random.default_rng(0).normal(size=problem.X.shape)
    curve = feature_removal_curve(
        {"raw": problem.X, "noise": noise},
        problem.sensitive,
        groups=problem.subject,
        fractions=[0.0, 0.5, 0.9],
        n_repeats=2,
    )
    by_rep = curve.set_index(["representation", "removed"]).balanced_accuracy
    assert by_rep["raw", 0.0] > 0.85
    assert np.all(np.abs(by_rep["noise"].to_numpy() - 0.5) < 0.15)
    assert set(curve.attacker) == {"ScalableSVC"} and set(curve.chance) == {0.5}
    fig = plot_feature_removal(curve, attribute="smiling")
    ax = fig.axes[0]
    assert "SVC" in ax.get_ylabel() and "smiling" in ax.get_title()
    raw_line = ax.lines[0]
    np.testing.assert_allclose(np.asarray(raw_line.get_ydata(), float), by_rep["raw"].to_numpy())


def test_plots_draw_on_the_axes_given(problem):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3)
    table = pd.DataFrame({"lam": [0.0, 1.0], "utility": [0.99, 0.98], "leakage": [0.3, 0.05]})
    assert plot_tradeoff(table, ax=axes[0]) is fig
    assert plot_group_tpr(pd.DataFrame({"a": [0.5], "b": [0.9]}, index=["raw"]), ax=axes[1]) is fig
    points = {"raw": np.zeros((4, 2))}
    assert plot_tsne(points, [0, 1, 0, 1], axes=[axes[2]]) is fig
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="need 1 axes"):
        plot_tsne(points, [0, 1, 0, 1], axes=axes[:2])


def test_tradeoff_and_group_tpr():
    table = pd.DataFrame({"lam": [0.0, 1.0], "utility": [0.99, 0.98], "leakage": [0.3, 0.05]})
    fig = plot_tradeoff(table)
    line = fig.axes[0].lines[0]
    assert list(line.get_xdata()) == [0.3, 0.05] and len(fig.axes[0].texts) == 2
    both = pd.concat([table.assign(method="a"), table.assign(method="b", utility=[0.9, 0.8])])
    fig = plot_tradeoff(both, hue="method")
    assert [list(line.get_ydata()) for line in fig.axes[0].lines] == [[0.99, 0.98], [0.9, 0.8]]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "b"]
    unlabelled = pd.DataFrame({"lam": [np.nan], "utility": [0.9], "leakage": [0.1]})
    assert len(plot_tradeoff(unlabelled).axes[0].texts) == 0
    y_true = np.array([1, 1, 1, 1, 0, 0])
    frames = {
        "raw": group_metric_frame(y_true, np.array([1, 0, 1, 1, 0, 0]), [0, 0, 1, 1, 0, 1]),
        "phi": group_metric_frame(y_true, np.array([1, 1, 1, 1, 0, 0]), [0, 0, 1, 1, 0, 1]),
    }
    fig = plot_group_tpr(frames)
    heights = sorted(round(p.get_height(), 3) for p in fig.axes[0].patches)
    assert heights == [0.5, 1.0, 1.0, 1.0]


def test_group_tpr_error_bars_title_and_a_legend_beside_the_bars():
    table = pd.DataFrame({"a": [0.5, 0.7], "b": [0.9, 0.8]}, index=["raw", "phi"])
    errors = pd.DataFrame({"a": [0.1, 0.2], "b": [0.05, 0.15]}, index=table.index)
    fig = plot_group_tpr(table, errors=errors, title="Glasses classifier")
    ax = fig.axes[0]
    assert ax.get_title() == "Glasses classifier"
    from matplotlib.container import BarContainer

    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 2 and all(c.errorbar is not None for c in bars)
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1  # outside the axes: it hides no bar


def test_tradeoff_error_bars_and_room_for_labels():
    table = pd.DataFrame(
        {"lam": [0.0, 8.0], "utility": [0.99, 0.98], "leakage": [0.3, 0.05], "se": [0.02, 0.03]}
    )
    fig = plot_tradeoff(table, leakage_err="se")
    ax = fig.axes[0]
    low, high = ax.get_xlim()
    assert low < 0.05 - 0.03 and high > 0.3 + 0.02  # the error bars and labels fit


def test_feature_removal_fits_estimators_inside_the_folds(problem):
    from sklearn.base import BaseEstimator, TransformerMixin

    seen = []

    class Recorder(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None, *, sensitive_features=None):
            seen.append({tuple(row) for row in np.round(X, 6)})
            return self

        def transform(self, X):
            return X

    curve = feature_removal_curve(
        {"recorded": Recorder()},
        problem.sensitive,
        X=problem.X,
        y=problem.subject,
        groups=problem.subject,
        fractions=[0.0],
    )
    everything = {tuple(row) for row in np.round(problem.X.astype(np.float64), 6)}  # as fitted
    assert len(seen) == 5  # once per fold, on the fold's training rows only
    assert all(0.7 * len(everything) < len(rows) < 0.9 * len(everything) for rows in seen)
    assert set.union(*seen) == everything and not set.intersection(*seen) == everything
    assert curve.balanced_accuracy.iloc[0] > 0.85  # the identity map leaves the attribute
    with pytest.raises(ValueError, match="pass X"):
        feature_removal_curve({"recorded": Recorder()}, problem.sensitive, fractions=[0.0])


def test_leakage_chart_one_row_per_representation_and_the_verdict_shown(small):
    from sklearn.linear_model import LogisticRegression

    from skblind.evaluation import audit_report, plot_leakage

    leakage = audit_report(
        small.X,
        small.sensitive,
        groups=small.subject,
        representations={"raw": None, "noise": np.random.default_rng(0).normal(size=small.X.shape)},
        attackers={"LR": LogisticRegression(max_iter=1000)},
        adaptive=False,
        n_splits=4,
        n_permutations=40,
        progress=False,
    ).leakage
    fig = plot_leakage(leakage)
    left, right = fig.axes[:2]
    assert [t.get_text() for t in left.get_yticklabels()] == ["raw", "noise"]
    assert "within-identity AUC" in right.get_xlabel()
    assert "held-out protocol" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="no rows of attribute 'age'"):
        plot_leakage(leakage, attribute="age")
    both = pd.concat([leakage, leakage.assign(protocol="in-sample")])
    with pytest.raises(ValueError, match="several protocols"):
        plot_leakage(both)


def test_verification_curves_one_line_per_representation_on_both_panels():
    from skblind.evaluation import pair_similarities, plot_verification_curves

    rng = np.random.default_rng(0)
    subjects = np.repeat(np.arange(10), 4)
    X = rng.normal(size=(10, 6))[subjects] + rng.normal(size=(40, 6))
    pairs = {"a": pair_similarities(X, subjects), "b": pair_similarities(X[:, :3], subjects)}
    fig = plot_verification_curves(pairs)
    roc, det = fig.axes
    assert len(roc.get_lines()) == 2 and len(det.get_lines()) == 2
    assert roc.get_xscale() == "log" and "DET" in det.get_title()


def test_feature_removal_is_the_same_in_parallel(problem):
    from skblind.suppression import LEACEEraser

    args = dict(
        X=problem.X,
        y=problem.subject,
        groups=problem.subject,
        fractions=[0.0, 0.5],
        n_repeats=2,
    )
    representations = {"raw": problem.X, "LEACE": LEACEEraser()}
    one = feature_removal_curve(representations, problem.sensitive, **args)
    two = feature_removal_curve(representations, problem.sensitive, n_jobs=2, **args)
    pd.testing.assert_frame_equal(one, two)
    assert one.representation.tolist() == ["raw", "raw", "LEACE", "LEACE"]


def test_learning_curve_one_line_per_representation_with_its_worst_attacker():
    from skblind.evaluation import plot_learning_curve

    rows = [
        dict(
            representation=rep,
            attribute="smiling",
            attacker=attacker,
            training_subjects=n,
            within_auc=value,
            balanced_accuracy=value,
            chance=0.5,
        )
        for rep, values in {"raw": (0.7, 0.72), "blinded": (0.6, 0.52)}.items()
        for n, value in zip((20, 32), values, strict=True)
        for attacker, value in (("LR", value), ("SVM", value - 0.05))
    ]
    fig = plot_learning_curve(pd.DataFrame(rows), goal=0.55)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["blinded"].get_ydata(), [0.6, 0.52])  # the worst attacker
    np.testing.assert_allclose(lines["raw"].get_xdata(), [20, 32])
    assert "goal (0.55)" in lines and "chance (0.50)" in lines
    with pytest.raises(ValueError, match="training_subjects"):
        plot_learning_curve(pd.DataFrame(rows).drop(columns="training_subjects"))
    with pytest.raises(ValueError, match="metric must be"):
        plot_learning_curve(pd.DataFrame(rows), metric="accuracy")


def test_learning_curve_lines_past_ten_keep_apart():
    """Eleven representations (the generalisation benchmark's count): no two lines look
    alike, though matplotlib's cycle has ten colours."""
    from skblind.evaluation import plot_learning_curve

    rows = [
        dict(
            representation=f"m{k}",
            attribute="s",
            attacker="LR",
            training_subjects=n,
            within_auc=0.6,
        )
        for k in range(11)
        for n in (40, 200)
    ]
    ax = plot_learning_curve(pd.DataFrame(rows)).axes[0]
    looks = [(line.get_color(), line.get_linestyle()) for line in ax.get_lines()[:11]]
    assert len(set(looks)) == 11


def test_tradeoff_point_labels_never_print_over_one_another():
    """Issue 27: crowded settings (INLP's, the demo's small input) overprinted their labels.
    Points that land together share a label; the others find a free place."""
    from skblind.report._figure_text import figure_text_problems

    table = pd.DataFrame(
        {
            "method": ["SN"] * 3 + ["INLP"] * 4,
            "lam": [0, 2, 8, 1, 2, 5, 10],
            "leakage": [0.3, 0.3001, 0.2, 0.25, 0.251, 0.2505, 0.252],
            "utility": [0.9, 0.9, 0.85, 0.95, 0.949, 0.951, 0.95],
        }
    )
    fig = plot_tradeoff(table, hue="method")
    assert figure_text_problems(fig) == []
    labels = sorted(text.get_text() for text in fig.axes[0].texts)
    assert labels == ["lam=0, lam=2", "lam=1, lam=2, lam=5, lam=10", "lam=8"]
    # six points about 10 pixels apart, beside a far one: each its own label, in a free place
    crowded = pd.DataFrame(
        {
            "method": ["INLP"] * 6 + ["SN"],
            "lam": [1, 2, 3, 4, 5, 6, 8],
            "leakage": [*(0.2 + 0.011 * np.arange(6)), 0.6],
            "utility": [*(0.9 + 0.003 * np.arange(6)), 0.5],
        }
    )
    fig = plot_tradeoff(crowded, hue="method")
    assert figure_text_problems(fig) == []
    assert len(fig.axes[0].texts) == 7
