"""Checks that every blinding stage must pass, beyond scikit-learn's own.

scikit-learn's ``parametrize_with_checks`` knows nothing of ``sensitive_features``; these
checks (in the manner of imbalanced-learn's ``check_samplers_*``) fit each stage on a
small problem with a planted attribute, with the attribute passed by keyword as users
do. :func:`stage_checks` lists the checks that apply to a stage;
:func:`parametrize_with_stage_checks` turns a list of stages into pytest cases.

The ``check_stage_*`` checks apply to every stage; the others by what a stage declares
(:class:`~skblind.utils.BlindingTags`): ``check_eraser_*`` to stages that remove linear
leakage on their training rows, ``check_suppressor_*`` to stages trained through skorch.
"""

import pickle
from functools import partial

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score

from .._tags import blinding_tags
from ..datasets import make_blinding_problem

__all__ = [
    "check_eraser_removes_linear_leakage",
    "check_stage_feature_names",
    "check_stage_pickles",
    "check_stage_reproducible",
    "check_stage_requires_sensitive_features",
    "check_stage_string_and_missing_labels",
    "check_suppressor_records_loss_terms",
    "parametrize_with_stage_checks",
    "stage_checks",
]


def _problem():
    """Twelve persons, eight images each, 16 features, a strong shared attribute offset."""
    return make_blinding_problem(
        n_subjects=12,
        n_per_subject=8,
        n_features=16,
        identity_dim=6,
        sensitive_strength=4.0,
        random_state=0,
    )


def _fit(stage, data, subject=None, sensitive=None):
    subject = data.subject if subject is None else subject
    sensitive = data.sensitive if sensitive is None else sensitive
    return clone(stage).fit(data.X, subject, sensitive_features=sensitive)


def check_stage_requires_sensitive_features(name, stage):
    """``fit`` without ``sensitive_features`` fails and names the argument."""
    data = _problem()
    try:
        clone(stage).fit(data.X, data.subject)
    except ValueError as error:
        assert "sensitive_features" in str(error), f"{name}: {error}"
    else:
        raise AssertionError(f"{name}.fit accepted no sensitive_features")


def check_stage_string_and_missing_labels(name, stage):
    """String labels with missing entries fit; the output keeps its rows and is finite."""
    data = _problem()
    subject = np.array([f"person {s}" for s in data.subject], dtype=object)
    sensitive = np.where(data.sensitive == 1, "smiling", "neutral").astype(object)
    subject[::7] = None
    sensitive[3::7] = np.nan
    fitted = _fit(stage, data, subject, sensitive)
    if hasattr(fitted, "sensitive_classes_"):
        classes = fitted.sensitive_classes_.tolist()
        assert classes == ["neutral", "smiling"], f"{name}: sensitive_classes_ {classes}"
    Z = fitted.transform(data.X)
    assert Z.shape[0] == len(data.X) and np.isfinite(Z).all(), name


def check_stage_pickles(name, stage):
    """A pickled and loaded stage transforms exactly as the fitted one."""
    data = _problem()
    fitted = _fit(stage, data)
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.transform(data.X), fitted.transform(data.X), err_msg=name)


def check_stage_reproducible(name, stage):
    """Two fits with the same ``random_state`` (when the stage has one) agree exactly on CPU."""
    data = _problem()
    params = stage.get_params()
    if "random_state" in params and params["random_state"] is None:
        stage = clone(stage).set_params(random_state=0)
    first, second = _fit(stage, data).transform(data.X), _fit(stage, data).transform(data.X)
    np.testing.assert_array_equal(first, second, err_msg=name)


def check_stage_feature_names(name, stage):
    """``get_feature_names_out`` has one name per output column."""
    data = _problem()
    fitted = _fit(stage, data)
    names = fitted.get_feature_names_out()
    assert len(names) == fitted.transform(data.X[:2]).shape[1], name


def check_eraser_removes_linear_leakage(name, eraser):
    """A linear probe on the eraser's training rows reads at most 0.6 after it.

    The planted attribute reads above 0.9 balanced accuracy before (0.5 is chance).
    """
    data = _problem()
    probe = LogisticRegression(max_iter=2000)
    before = balanced_accuracy_score(
        data.sensitive, probe.fit(data.X, data.sensitive).predict(data.X)
    )
    Z = _fit(eraser, data).transform(data.X)
    after = balanced_accuracy_score(data.sensitive, probe.fit(Z, data.sensitive).predict(Z))
    assert before > 0.9, f"{name}: the planted attribute reads only {before:.2f} before"
    assert after <= 0.6, f"{name}: a linear probe still reads {after:.2f} on the training rows"


def check_suppressor_records_loss_terms(name, suppressor):
    """One epoch records every loss term, finite, and ``train_loss`` is their weighted sum."""
    data = _problem()
    fitted = _fit(clone(suppressor).set_params(max_epochs=1), data)
    history = fitted.history_
    terms = list(fitted.net_.term_names)
    assert len(history) == 1, name
    assert np.isfinite(history[terms + ["train_loss"]].to_numpy()).all(), (name, history)
    assert np.isfinite(history["adversary_accuracy"]).all(), name
    weights = fitted.net_.term_weights()
    # Epoch values are batch-size-weighted means of the batch values, and the total is
    # linear in the terms, so the identity holds per epoch too.
    weighted = sum(weights[t] * history[t].iloc[0] for t in terms)
    np.testing.assert_allclose(history["train_loss"].iloc[0], weighted, rtol=1e-4, err_msg=name)


def stage_checks(stage):
    """Yield the checks that apply to ``stage``, each a callable ``check(name, stage)``.

    The ``check_stage_*`` checks apply to every stage; the others by what the stage
    declares (:func:`~skblind.utils.blinding_tags`): ``check_eraser_*`` to stages that
    remove linear leakage, ``check_suppressor_*`` to trained ones.
    """
    tags = blinding_tags(stage)
    yield check_stage_requires_sensitive_features
    yield check_stage_string_and_missing_labels
    yield check_stage_pickles
    yield check_stage_reproducible
    yield check_stage_feature_names
    if tags.removes_linear_leakage:
        yield check_eraser_removes_linear_leakage
    if tags.trained:
        yield check_suppressor_records_loss_terms


def parametrize_with_stage_checks(stages):
    """A ``pytest.mark.parametrize`` over ``(stage, check)`` for every applicable check.

    Parameters
    ----------
    stages : list of estimators
        Blinding stages (erasers, suppressors, compositions).

    Returns
    -------
    pytest.MarkDecorator
        Parametrises the test's ``stage`` and ``check`` arguments; call
        ``check(stage)`` in the test.
    """
    import pytest

    cases, ids = [], []
    for stage in stages:
        name = type(stage).__name__
        for check in stage_checks(stage):
            cases.append((stage, partial(check, name)))
            ids.append(f"{stage!r}-{check.__name__}")
    return pytest.mark.parametrize("stage, check", cases, ids=ids)
