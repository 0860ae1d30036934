"""Tests of ``skblind.suppression._labels`` and the input checks the suppressors share."""

import numpy as np
import pytest
from fast_fits import FAST

from skblind.datasets import make_blinding_problem
from skblind.suppression import (
    Blinder,
    IVEEraser,
    LEACEEraser,
    LNTLSuppressor,
    SensitiveNetsSuppressor,
)


@pytest.fixture(scope="module")
def data():
    return make_blinding_problem(
        n_subjects=10, n_per_subject=6, n_features=16, identity_dim=4, random_state=0
    )


@pytest.mark.parametrize(
    "estimator",
    [LEACEEraser(), Blinder(random_state=0), SensitiveNetsSuppressor(**FAST)],
    ids=lambda e: type(e).__name__,
)
def test_two_classes_coded_as_fractions_are_two_classes(data, estimator):
    # repro2/two_float_classes_refused.py: age groups coded 25.5 / 35.5 were refused as
    # "continuous" by every suppressor ("2 distinct values among 60 labelled samples")
    age = np.where(data.sensitive == 1, 35.5, 25.5)  # the same order of classes
    coded = type(estimator)(**estimator.get_params())
    by_fraction = estimator.fit(data.X, data.subject, sensitive_features=age).transform(data.X)
    by_code = coded.fit(data.X, data.subject, sensitive_features=data.sensitive).transform(data.X)
    np.testing.assert_allclose(by_fraction, by_code, atol=1e-6)


@pytest.mark.parametrize(
    "estimator, what",
    [
        (SensitiveNetsSuppressor(**FAST), "its network computes in float32"),
        (LNTLSuppressor(**FAST), "its network computes in float32"),
        (IVEEraser(n_eliminate=2, step=1, random_state=0), "its decision trees compute in"),
    ],
    ids=lambda e: type(e).__name__ if not isinstance(e, str) else "",
)
def test_values_beyond_float32_are_refused_as_overflow(data, estimator, what):
    # repro2/float32_overflow_message.py: 1e39 (finite in float64) was cast to float32
    # inside, and the suppressors blamed the learning rate; IVE said X held infinity
    X = data.X.astype(np.float64)
    X[3, 2] = 1e39
    with pytest.raises(
        ValueError, match=f"beyond float32's range .* 1e\\+39 at row 3, column 2; {what}"
    ):
        estimator.fit(X, data.subject, sensitive_features=data.sensitive)
