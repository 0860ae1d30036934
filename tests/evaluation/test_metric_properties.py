"""Property tests (hypothesis): the metrics against reference computations on random inputs."""

import numpy as np
import pytest
from fairlearn.metrics import MetricFrame, true_positive_rate
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from skblind.evaluation import diff_score, equality_of_opportunity, pic_score
from skblind.evaluation._verification import best_threshold

scores = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(before=scores, after=scores, chance=st.sampled_from([0.5, 1 / 3, 0.25, 1 / 7]))
def test_diff_matches_the_papers_formula(before, after, chance):
    assume(before - chance > 1e-6)
    expected = (before - after) / (before - chance)
    assert diff_score(before, after, chance) == pytest.approx(expected)
    # falling to chance is 100, not moving is 0, and it is linear in the drop
    assert diff_score(before, chance, chance) == pytest.approx(1.0)
    assert diff_score(before, before, chance) == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.integers(0, 3)), min_size=4))
def test_tpr_gap_matches_a_metricframe_by_hand(rows):
    y_true, y_pred, group = map(np.array, zip(*rows, strict=True))
    groups = [g for g in np.unique(group) if (y_true[group == g] == 1).any()]
    assume(len(groups) >= 2)
    keep = np.isin(group, groups)
    y_true, y_pred, group = y_true[keep], y_pred[keep], group[keep]
    frame = MetricFrame(
        metrics=true_positive_rate, y_true=y_true, y_pred=y_pred, sensitive_features=group
    )
    by_hand = [
        ((y_pred == 1) & (y_true == 1) & (group == g)).sum() / ((y_true == 1) & (group == g)).sum()
        for g in groups
    ]
    np.testing.assert_allclose(frame.by_group.to_numpy(), by_hand)
    gap = max(by_hand) - min(by_hand)
    assert equality_of_opportunity(y_true, y_pred, group) == pytest.approx(1 - gap)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-20, 20).map(lambda v: v / 10), st.booleans()),
        min_size=2,
        max_size=40,
    )
)
def test_verification_threshold_is_the_best_of_every_cut(pairs):
    similarity, same = (np.array(column) for column in zip(*pairs, strict=True))
    threshold, accuracy = best_threshold(similarity, same)
    # brute force over every observed similarity and above the largest
    cuts = np.concatenate([np.unique(similarity), [np.inf]])

    def balanced(cut):
        accepted = similarity >= cut
        if same.all() or not same.any():
            return np.mean(accepted == same)
        return (np.mean(accepted[same]) + np.mean(~accepted[~same])) / 2

    brute = max(balanced(cut) for cut in cuts)
    assert accuracy == pytest.approx(brute)
    assert balanced(threshold) == pytest.approx(accuracy)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-5, 5).map(lambda v: v / 5), st.booleans(), st.integers(0, 3)),
        min_size=4,
        max_size=60,
    )
)
def test_fold_accuracies_from_one_sort_are_those_of_a_threshold_per_fold(pairs):
    """verification_report's k-fold accuracy sorts every pair once; it must give what
    best_threshold on the other folds, applied to each fold, gives (ties included)."""
    from skblind.evaluation._verification import _fold_accuracies

    similarity, same, fold_of = (np.array(column) for column in zip(*pairs, strict=True))
    n_folds = 4
    assume(len(np.unique(fold_of)) == n_folds)
    expected = []
    for fold in range(n_folds):
        test = fold_of == fold
        threshold, _ = best_threshold(similarity[~test], same[~test])
        accepted, genuine = similarity[test] >= threshold, same[test]
        if genuine.all() or not genuine.any():
            expected.append(np.mean(accepted == genuine))
        else:
            expected.append((np.mean(accepted[genuine]) + np.mean(~accepted[~genuine])) / 2)
    np.testing.assert_allclose(_fold_accuracies(similarity, same, fold_of, n_folds), expected)


def test_pic_is_the_relative_error_gain_minus_the_relative_eer_loss():
    # error 0.1 -> 0.5 (+400 %), EER 0.02 -> 0.03 (+50 %)
    assert pic_score(0.9, 0.5, 0.02, 0.03) == pytest.approx(4.0 - 0.5)
    assert pic_score(0.8, 0.8, 0.05, 0.05) == 0.0  # nothing changed
    assert pic_score(0.8, 0.9, 0.05, 0.04) == pytest.approx(-0.5 + 0.2)  # more leakage
    assert np.isnan(pic_score(1.0, 0.5, 0.02, 0.03))  # no error before: no relative gain
    assert np.isnan(pic_score(0.9, 0.5, 0.0, 0.03))  # a perfect verifier: no relative loss
    np.testing.assert_allclose(pic_score([0.9, 0.8], [0.5, 0.8], 0.02, 0.02), [4.0, 0.0])
