"""Tests of the protocols the jobs share (skblind.jobs._protocols)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from skblind.datasets import make_blinding_problem
from skblind.jobs import report_pairs, table_2
from skblind.jobs._protocols import TABLE_2_SPLITS
from skblind.suppression import LEACEEraser


@pytest.fixture(scope="module")
def problem():
    data = make_blinding_problem(n_subjects=20, n_per_subject=8, random_state=0)
    target = np.random.default_rng(0).integers(0, 2, len(data.X))
    return data, target


def test_table_2_names_its_groups_and_records_how_it_ran(problem):
    data, target = problem
    classifier = LogisticRegression(max_iter=300)
    result = table_2(
        data.X,
        target,
        data.sensitive,
        data.subject,
        {"LEACE": LEACEEraser()},
        seeds=2,
        groups=("no beard", "beard"),
        classifier=classifier,
    )
    assert {"tpr_no_beard", "tpr_beard"} <= set(result.per_seed.columns)
    assert "tpr_smiling" not in result.per_seed.columns
    assert len(result.per_seed) == 2 * len(TABLE_2_SPLITS) * 2  # seeds x splits x (raw, LEACE)
    frame = result.frames["LEACE (biased, seed 0)"]
    assert set(frame.by_group.index) == {"no beard", "beard"}
    assert result.settings["groups"] == ["no beard", "beard"]
    assert result.settings["classifier"] == repr(classifier)
    assert set(result.settings["splits"]) == set(TABLE_2_SPLITS)
    expected = result.per_seed.groupby(["split", "representation"], sort=False)["tpr_gap"].mean()
    summary = result.summary.set_index(["split", "representation"])["tpr_gap_mean"]
    pd.testing.assert_series_equal(summary, expected, check_names=False)


def test_table_2_predicts_the_target_not_the_sensitive_attribute(problem):
    data, target = problem  # the target is drawn at random; the attribute is planted
    result = table_2(data.X, target, data.sensitive, data.subject, {}, seeds=1)
    assert result.per_seed.accuracy.max() < 0.65  # swapped, it would read the attribute


def test_report_pairs_gives_the_same_frames_in_parallel(problem):
    data, _ = problem
    reps = {"raw": data.X, "shifted": data.X + 1.0}
    groups = np.where(data.sensitive == 1, "smiling", "not smiling")
    pairs, one = report_pairs(reps, data.subject, groups, max_images=60)
    _, two = report_pairs(reps, data.subject, groups, max_images=60, n_jobs=2)
    assert list(one) == list(two) == ["raw", "shifted"]
    for name in reps:
        pd.testing.assert_frame_equal(one[name].by_group, two[name].by_group)
        for low_one, low_two in zip(one[name].by_group_ci, two[name].by_group_ci, strict=True):
            pd.testing.assert_frame_equal(low_one, low_two)
    similarity, same = pairs["raw"]
    assert len(similarity) == 60 * 59 // 2 and same.any() and not same.all()
