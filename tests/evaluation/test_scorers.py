import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skblind.datasets import make_blinding_problem
from skblind.evaluation import (
    BlindingScorer,
    LeakageScorer,
    VerificationScorer,
    best_utility_under_leakage,
)
from skblind.suppression import Blinder, SensitiveNetsSuppressor, recipe_encoder


@pytest.fixture(scope="module")
def problem():
    return make_blinding_problem(
        n_subjects=30,
        n_per_subject=8,
        n_features=24,
        identity_dim=8,
        sensitive_strength=3.0,
        random_state=0,
    )


def test_grid_search_picks_the_best_utility_under_a_leakage_bound(problem):
    X, y, s = problem.X, problem.subject, problem.sensitive
    with sklearn.config_context(enable_metadata_routing=True):
        suppressor = SensitiveNetsSuppressor(
            max_epochs=60,
            progress=False,
            random_state=0,
            encoder="residual",
            suppression="mmd",
            module__rank=4,
        ).set_fit_request(sensitive_features=True)
        pipe = Pipeline([("suppressor", suppressor), ("svc", SVC())])
        scoring = {
            "leakage": LeakageScorer().set_score_request(sensitive_features=True, groups=True),
            "utility": VerificationScorer(),
        }
        search = GridSearchCV(
            pipe,
            {"suppressor__lam": [0.0, 10.0]},
            cv=GroupKFold(3),
            scoring=scoring,
            refit=best_utility_under_leakage(max_leakage=0.1),
        )
        search.fit(X, y, sensitive_features=s, groups=y)
    leak = -search.cv_results_["mean_test_leakage"]
    assert leak[0] > 0.1  # lam=0 leaves the planted factor readable, above the bound
    assert leak[1] < 0.1  # lam=10 removes it
    assert search.best_params_ == {"suppressor__lam": 10.0}
    assert search.cv_results_["mean_test_utility"].min() > 0.8


def test_refit_rule_by_hand():
    refit = best_utility_under_leakage(max_leakage=0.05)
    results = {
        "mean_test_leakage": np.array([-0.2, -0.04, -0.01]),
        "mean_test_utility": np.array([0.99, 0.97, 0.95]),
    }
    assert refit(results) == 1
    results["mean_test_leakage"] = np.array([-0.2, -0.1, -0.3])
    assert refit(results) == 1  # none under the bound: the least leaky


def test_leakage_scorer_without_routing_says_how(problem):
    fitted = SensitiveNetsSuppressor(max_epochs=1, progress=False, module__rank=4)
    fitted.fit(problem.X, problem.subject, sensitive_features=problem.sensitive)
    with pytest.raises(ValueError, match="enable metadata routing"):
        LeakageScorer()(fitted, problem.X, problem.subject)
    assert LeakageScorer()(fitted, problem.X, sensitive_features=problem.sensitive) <= 0


def test_a_blinders_own_score_selects_lambda_in_a_default_search(problem):
    """Issue 17: GridSearchCV's default scoring is the method's own score, not 0.0 for all."""
    X, y, s = problem.X, problem.subject, problem.sensitive
    encoder = recipe_encoder(max_epochs=60, progress=False, random_state=0, module__rank=4)
    blinder = Blinder(
        encoder, margin="passthrough", within="passthrough", linear="passthrough", random_state=0
    )
    with sklearn.config_context(enable_metadata_routing=True):
        blinder.set_fit_request(sensitive_features=True)
        blinder.set_score_request(sensitive_features=True, groups=True)
        search = GridSearchCV(blinder, {"encoder__lam": [0.0, 10.0]}, cv=GroupKFold(3))
        search.fit(X, y, sensitive_features=s, groups=y)
    scores = search.cv_results_["mean_test_score"]
    splits = np.array([search.cv_results_[f"split{k}_test_score"] for k in range(3)])
    assert (splits[:, 0] < 0).all()  # lam=0 leaks past the bound on every split
    # lam=10 is within it (the score is then verification ROC AUC) on two of three splits;
    # on the second, the class-balanced attacker every scorer trains reads 0.09-0.14 above
    # chance over ten draws of its rows (an unbalanced one read 0.03 there)
    assert (splits[:, 1] > 0.8).sum() == 2
    assert scores[1] > 0 > scores[0] and search.best_params_ == {"encoder__lam": 10.0}
    with pytest.raises(ValueError, match="needs sensitive_features"):
        search.best_estimator_.score(X, y)
    by_hand = BlindingScorer()(search.best_estimator_, X, y, sensitive_features=s, groups=y)
    assert search.best_estimator_.score(X, y, sensitive_features=s) == by_hand


def test_a_search_whose_candidates_all_score_alike_warns():
    refit = best_utility_under_leakage()
    results = {
        "mean_test_leakage": np.array([-0.01, -0.01, -0.01]),
        "mean_test_utility": np.array([0.0, 0.0, 0.0]),
    }
    with pytest.warns(UserWarning, match="all 3 candidates .* scored the same"):
        assert refit(results) == 0
