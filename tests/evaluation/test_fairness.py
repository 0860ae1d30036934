import warnings

import numpy as np
import pytest
from fairlearn.metrics import equal_opportunity_difference, true_positive_rate
from hypothesis import given, settings
from hypothesis import strategies as st

from skblind.evaluation import equality_of_opportunity, group_metric_frame, make_biased_split


def test_tpr_gap_by_hand_and_against_fairlearn():
    y_true = np.array([1, 1, 1, 1, 0, 1, 1, 0])
    y_pred = np.array([1, 1, 0, 0, 0, 1, 0, 1])
    group = np.array(["a", "a", "a", "a", "a", "b", "b", "b"])
    frame = group_metric_frame(y_true, y_pred, group)
    # a: 2 of 4 positives found; b: 1 of 2
    assert frame.by_group["true_positive_rate"].to_dict() == {"a": 0.5, "b": 0.5}
    assert equality_of_opportunity(y_true, y_pred, group) == 1.0
    y_pred[6] = 1  # b now finds both positives: gap 0.5
    assert equality_of_opportunity(y_true, y_pred, group) == pytest.approx(0.5)
    assert group_metric_frame(y_true, y_pred, group).by_group.loc["b", "count"] == 3


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 1), st.integers(0, 2)), min_size=6, max_size=60
    )
)
def test_equality_of_opportunity_matches_fairlearn(rows):
    y_true, y_pred, group = map(np.array, zip(*rows, strict=True))
    present = [g for g in np.unique(group) if (y_true[group == g] == 1).any()]
    if len(present) < 2:
        return
    keep = np.isin(group, present)
    y_true, y_pred, group = y_true[keep], y_pred[keep], group[keep]
    tprs = [true_positive_rate(y_true[group == g], y_pred[group == g]) for g in present]
    expected = 1 - (max(tprs) - min(tprs))
    assert equality_of_opportunity(y_true, y_pred, group) == pytest.approx(expected)
    gap = equal_opportunity_difference(y_true, y_pred, sensitive_features=group)
    assert equality_of_opportunity(y_true, y_pred, group) == pytest.approx(1 - gap)


def test_biased_split_has_the_requested_shares():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 4000)
    smiling = rng.integers(0, 2, 4000)
    gender = rng.integers(0, 2, 4000)
    index = make_biased_split(y, smiling, bias=0.7, balance_by=gender, n=800, random_state=0)
    assert len(np.unique(index)) == len(index) == 800
    ys, ss, gs = y[index], smiling[index], gender[index]
    assert (ys == 1).sum() == 400
    assert (ss[ys == 1] == 1).mean() == pytest.approx(0.7, abs=0.01)
    assert (ss[ys == 0] == 1).mean() == pytest.approx(0.3, abs=0.01)
    for label in (0, 1):
        for group in (0, 1):
            cell = (ys == label) & (ss == group)
            assert (gs[cell] == 0).sum() == (gs[cell] == 1).sum()
    unbiased = make_biased_split(y, smiling, bias=0.5, random_state=0)
    assert (smiling[unbiased][y[unbiased] == 1] == 1).mean() == pytest.approx(0.5, abs=0.01)
    again = make_biased_split(y, smiling, bias=0.7, balance_by=gender, n=800, random_state=0)
    np.testing.assert_array_equal(index, again)


def test_biased_split_errors():
    y, s = np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="at most"):
        make_biased_split(y, s, bias=0.7, n=100)
    with pytest.raises(ValueError, match="binary"):
        make_biased_split(np.array([0, 2, 0, 1]), s)
    with pytest.raises(ValueError, match="privileged"):
        make_biased_split(y, s, privileged=5)


def test_verification_metric_frame_counts_false_matches_per_group():
    from skblind.evaluation import verification_metric_frame

    similarity = np.array([0.9, 0.2, 0.8, 0.7, 0.1, 0.95, 0.3, 0.6])
    same = np.array([1, 1, 0, 0, 0, 1, 0, 1], dtype=bool)
    groups = np.array(["a", "a", "a", "a", "b", "b", "b", "b"])
    frame = verification_metric_frame(similarity, same, groups, threshold=0.65)
    # a: impostors 0.8, 0.7 both accepted; genuine 0.9 kept, 0.2 rejected.
    assert frame.by_group.loc["a", "false_match_rate"] == 1.0
    assert frame.by_group.loc["a", "false_non_match_rate"] == 0.5
    # b: impostors 0.1, 0.3 rejected; genuine 0.95 kept, 0.6 rejected.
    assert frame.by_group.loc["b", "false_match_rate"] == 0.0
    assert frame.by_group.loc["b", "false_non_match_rate"] == 0.5
    assert frame.overall["false_match_rate"] == 0.5


def test_verification_metric_frame_leaves_an_undefined_rate_nan_not_zero():
    from skblind.evaluation import verification_metric_frame

    frame = verification_metric_frame(
        [0.9, 0.1, 0.8, 0.7], [1, 0, 1, 1], ["a", "a", "b", "b"], threshold=0.5
    )
    assert np.isnan(frame.by_group.loc["b", "false_match_rate"])  # no impostor pair in b
    assert frame.by_group.loc["b", "false_non_match_rate"] == 0.0
    assert frame.by_group.loc["a", "false_match_rate"] == 0.0
    with warnings.catch_warnings():  # its bootstrap interval is NaN too, quietly
        warnings.simplefilter("error")
        booted = verification_metric_frame(
            [0.9, 0.1, 0.8, 0.7], [1, 0, 1, 1], ["a", "a", "b", "b"], threshold=0.5, n_boot=20
        )
    assert np.isnan(booted.by_group_ci[0].loc["b", "false_match_rate"])


def test_group_metric_frame_bootstrap_intervals_bracket_the_value():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 2, 400), rng.integers(0, 2, 400)
    groups = rng.integers(0, 2, 400)
    frame = group_metric_frame(y_true, y_pred, groups, n_boot=50, random_state=0)
    low, high = frame.by_group_ci
    assert (low.true_positive_rate < high.true_positive_rate).all()
    assert (low.true_positive_rate <= frame.by_group.true_positive_rate + 0.02).all()
    assert (frame.by_group.true_positive_rate <= high.true_positive_rate + 0.02).all()


# Reported defect (reliability issue, fairness helpers); the test failed on the code before the
# fix.


def test_a_biased_split_with_an_empty_cell_is_an_error_naming_it():
    y = np.array([1, 1, 0, 0, 1, 0])
    smiling = np.array([1, 1, 1, 1, 1, 1]) * np.array([1, 1, 1, 1, 0, 0])
    smiling[[4, 5]] = 0
    y[4] = 0  # no positive among the non-smiling
    with pytest.raises(ValueError, match=r"no sample with y=1, sensitive != 1"):
        make_biased_split(y, smiling, bias=0.7)


def test_equality_of_opportunity_is_nan_when_a_group_has_no_positives():
    y_true, y_pred = np.array([1, 0, 0, 0]), np.array([1, 0, 1, 0])
    group = np.array(["a", "a", "b", "b"])
    with pytest.warns(UserWarning, match=r"group\(s\) \['b'\] have no positive"):
        assert np.isnan(equality_of_opportunity(y_true, y_pred, group))
