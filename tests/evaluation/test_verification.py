import numpy as np
import pytest

from skblind.evaluation import pair_similarities, verification_roc_auc


def test_pairs_by_hand():
    X = np.array([[1.0, 0.0], [2.0, 0.1], [0.0, 1.0], [0.1, 3.0]])
    subjects = np.array([0, 0, 1, 1])
    similarity, same = pair_similarities(X, subjects)
    assert same.tolist() == [True, False, False, False, False, True]
    assert similarity[0] == pytest.approx(2.0 / np.hypot(2.0, 0.1))
    assert verification_roc_auc(X, subjects) == 1.0
    # Pair the near-orthogonal rows: genuine similarities 0.033 and 0.050 beat only the
    # impostor pair (0, 2) at 0.0, out of four impostor pairs: AUC = 2 / 8.
    assert verification_roc_auc(X, np.array([0, 1, 1, 0])) == 0.25


def test_explicit_pairs_and_errors():
    X = np.eye(3) + 0.1
    sim, same = pair_similarities(X, [0, 0, 1], pairs=[[0, 1], [1, 2]])
    assert same.tolist() == [True, False] and len(sim) == 2
    with pytest.raises(ValueError, match="both same-identity"):
        verification_roc_auc(X, [0, 0, 0])
    with pytest.raises(ValueError, match=r"rows \[1\]"):
        pair_similarities(np.array([[1.0, 0], [0, 0]]), [0, 1])
