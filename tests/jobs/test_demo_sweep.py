"""The demo's strength sweep reuses the audit's fits of each method's default setting."""

import numpy as np

from skblind.datasets import make_blinding_problem
from skblind.evaluation import audit_splits, fit_representations
from skblind.jobs._demo import _SWEEPS, _audited, _Faces, _make, _strength_sweep, _sweep_point
from skblind.jobs._protocols import compared_methods


def test_the_sweep_takes_the_audits_fits_of_the_defaults_and_they_match_a_new_fit():
    data = make_blinding_problem(
        n_subjects=16, n_per_subject=8, n_features=12, identity_dim=4, random_state=0
    )
    faces = _Faces(data.X, data.subject, data.sensitive, data.sensitive, layers=None)
    methods = compared_methods(max_epochs=2, random_state=0)
    suppressors = {k: methods[k] for k, _, _ in _SWEEPS}
    splits = audit_splits({"s": data.sensitive}, data.subject, n_splits=4)
    fitted = fit_representations(
        suppressors, data.X, y=data.subject, sensitive_features=data.sensitive, splits=splits
    )
    for method, parameter, values in _SWEEPS:
        for value in values:
            taken = _audited(_make(method, value, 2), method, suppressors, fitted)
            if suppressors[method].get_params()[parameter] == value:  # the default
                assert taken is fitted[method][0][1]
            else:
                assert taken is None
    sweep, _, _ = _strength_sweep(faces, splits, suppressors, fitted, 2, n_jobs=1)
    reused = sweep.set_index("setting").loc[["lam=1", "n_iterations=10"]]
    for method, setting in zip(reused.method, reused.index, strict=True):
        # A new fit of the same setting on the same split gives the same point.
        _, point = _sweep_point(methods[method], faces, splits[0])
        assert np.isclose(point["utility"], reused.loc[setting, "utility"]), setting
        assert np.isclose(point["svm_within_auc"], reused.loc[setting, "svm_within_auc"])
    assert len(sweep) == sum(len(values) for _, _, values in _SWEEPS)
