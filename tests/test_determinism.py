"""The same random_state gives identical embeddings and reports on CPU.

Each stage's own outputs are checked by tests/test_stage_checks.py.
"""

import numpy as np
import pandas as pd
import pytest
from fast_fits import FAST
from sklearn.base import clone

from skblind.datasets import make_blinding_problem
from skblind.embedding import FaceEmbedder
from skblind.evaluation import audit_report
from skblind.suppression import Blinder, LEACEEraser, recipe_encoder


@pytest.fixture(scope="module")
def data():
    return make_blinding_problem(
        n_subjects=12, n_per_subject=6, n_features=16, identity_dim=4, random_state=0
    )


def test_embeddings_are_identical_run_to_run(orl):
    first = FaceEmbedder(layer="pooled", progress=False).fit_transform(orl.images[:6])
    second = FaceEmbedder(layer="pooled", progress=False).fit_transform(orl.images[:6])
    np.testing.assert_array_equal(first, second)


def test_reports_are_identical_run_to_run(data):
    # Every seeded attacker of the battery, on a learned and a closed-form method (the
    # adaptive attacker, a grid search over the SVM, adds time and no other seed).
    methods = {"LEACE": LEACEEraser(), "Blinder": Blinder(recipe_encoder(**FAST), random_state=0)}

    def run():
        return audit_report(
            data.X,
            data.sensitive,
            groups=data.subject,
            y=data.subject,
            representations={"raw": None, **{k: clone(m) for k, m in methods.items()}},
            n_splits=3,
            adaptive=False,
            n_permutations=50,
            progress=False,
        )

    first, second = run(), run()
    pd.testing.assert_frame_equal(first.leakage, second.leakage)
    pd.testing.assert_frame_equal(first.verification, second.verification)
