"""The margin: keep only the directions in which the attribute's shared effect is estimable."""

import numpy as np
import pytest

from skblind.datasets import make_realistic_blinding_problem
from skblind.suppression import MarginEraser
from skblind.suppression._labels import encode_with_missing
from skblind.suppression._margin import estimation_errors


def test_the_estimation_error_by_hand():
    """Two directions; persons' contrasts vary by 2 along the first, 0 along the second;
    the within-person noise has variance 1 along the first, 4 along the second."""
    rng = np.random.default_rng(0)
    n_persons = 2000
    rows, y, s = [], [], []
    for person in range(n_persons):
        contrast = np.array([1.0 + np.sqrt(2.0) * rng.normal(), 0.5])
        for k in range(8):
            cls = k % 2
            rows.append(cls * contrast + rng.normal(size=2) * [1.0, 2.0])
            y.append(person)
            s.append(cls)
    X = np.array(rows)
    y_codes, _ = encode_with_missing(np.array(y), "y")
    s_codes, _ = encode_with_missing(np.array(s), "s")
    errors, persons = estimation_errors(X - X.mean(0), y_codes, s_codes, np.eye(2))
    assert persons == n_persons
    # the contrasts' variance: 2 (the persons') + 2 x 1 / 4 (two means of 4 noisy images)
    # = 2.5 along the first, 2 x 4 / 4 = 2 along the second; the noise about a person and
    # class's mean: 1 and 4
    expected = np.array([2.5 / 1.0, 2.0 / 4.0]) / n_persons
    np.testing.assert_allclose(errors, expected, rtol=0.1)


def test_the_margin_narrows_as_fewer_people_are_fitted_on():
    kept = {}
    for n in (100, 400):
        data = make_realistic_blinding_problem(n, random_state=0)
        eraser = MarginEraser().fit(data.X, data.subject, sensitive_features=data.sensitive)
        kept[n] = eraser.n_components_
        assert np.cumsum(eraser.errors_)[eraser.n_components_ - 1] <= eraser.budget
        assert np.cumsum(eraser.errors_)[eraser.n_components_] > eraser.budget
        Z = eraser.transform(data.X)
        # only the kept principal directions vary
        assert np.linalg.matrix_rank(Z - Z.mean(0), tol=1e-6) == eraser.n_components_
    assert 1 <= kept[100] < kept[400]


def test_a_budget_larger_than_every_error_keeps_everything_and_without_people_nothing():
    data = make_realistic_blinding_problem(40, random_state=0)
    every = MarginEraser(budget=1e9).fit(data.X, data.subject, sensitive_features=data.sensitive)
    Z = every.transform(data.X)
    np.testing.assert_allclose(Z, data.X, atol=1e-4)
    one_class = np.zeros(len(data.X), dtype=int)
    one_class[data.subject % 2 == 1] = 1  # every person shows one class: nothing estimable
    with pytest.warns(UserWarning, match="MarginEraser kept 0 of 1024 directions: from the 0"):
        none = MarginEraser().fit(data.X, data.subject, sensitive_features=one_class)
    assert none.n_components_ == 0 and none.n_persons_ == 0
    with pytest.raises(ValueError, match="requires y"):
        MarginEraser().fit(data.X, None, sensitive_features=data.sensitive)
