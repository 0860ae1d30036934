import numpy as np
import pandas as pd
import pytest

from skblind.datasets import make_blinding_problem
from skblind.evaluation import (
    group_metric_frame,
    plot_feature_removal,
    plot_group_tpr,
    plot_tradeoff,
    plot_tsne,
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
    fig = plot_tsne(
        {"raw": problem.X, "noise": noise}, problem.sensitive, label_names={0: "a", 1: "b"}
    )
    assert [ax.get_title() for ax in fig.axes] == ["raw", "noise"]
    assert len(fig.axes[0].collections) == 2
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "b"]
    unlabelled = pd.DataFrame({"lam": [np.nan], "utility": [0.9], "leakage": [0.1]})
    assert len(plot_tradeoff(unlabelled).axes[0].texts) == 0


def test_feature_removal_curves(problem):
    noise = np.random.default_rng(0).normal(size=problem.X.shape)
    fig = plot_feature_removal(
        {"raw": problem.X, "noise": noise},
        problem.sensitive,
        groups=problem.subject,
        fractions=[0.0, 0.5, 0.9],
        n_repeats=2,
    )
    raw, blank, chance = fig.axes[0].lines
    assert raw.get_ydata()[0] > 0.85
    assert np.all(np.abs(np.asarray(blank.get_ydata()) - 0.5) < 0.15)
    assert list(chance.get_ydata()) == [0.5, 0.5]


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
