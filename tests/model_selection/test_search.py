"""BlindingSearchCV: a search over a blinding method scored by what it is chosen for."""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from sklearn.utils import estimator_checks as checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from skblind.datasets import make_blinding_problem
from skblind.model_selection import BlindingSearchCV
from skblind.suppression import INLPEraser

TIE = "candidates of the search scored"


@pytest.fixture(scope="module")
def data():
    return make_blinding_problem(n_subjects=24, random_state=0)


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def pipeline():
    blind = INLPEraser().set_fit_request(sensitive_features=True)
    return Pipeline([("blind", blind), ("svc", SVC())])


def search_fit(search, data):
    return search.fit(data.X, data.subject, sensitive_features=data.sensitive, groups=data.subject)


def test_a_pipeline_ending_in_a_classifier_is_scored_by_its_representation(routing):
    """GridSearchCV's default (the SVC's accuracy on unseen people) is 0 for every candidate;
    BlindingSearchCV scores the representation and tells the candidates apart.

    120 people, so that each validation fold's 40 people measure leakage well inside the
    0.05 bound (with 8 people, its noise is as large as the bound): one INLP iteration
    leaks 0.12-0.16 above chance on every fold, four leak at most 0.04.
    """
    data = make_blinding_problem(n_subjects=120, random_state=0)
    grid = {"blind__n_iterations": [1, 4]}
    plain = search_fit(GridSearchCV(pipeline(), grid, cv=GroupKFold(3)), data)
    assert np.all(plain.cv_results_["mean_test_score"] == 0.0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=f".*{TIE}")
        search = search_fit(BlindingSearchCV(pipeline(), grid, cv=GroupKFold(3)), data)
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] < 0 < 0.9 < scores[1]  # past the bound; its verification AUC within it
    assert search.best_index_ == 1
    assert search.scoring is None  # the parameter is stored unchanged
    assert hasattr(search.best_estimator_["svc"], "support_")


def test_a_search_whose_candidates_all_tie_warns(data, routing):
    """The SVC's C does not change the representation the default scorer measures; with
    scoring="accuracy" the issue's case, every candidate scores 0 on unseen people."""
    with pytest.warns(UserWarning, match=rf"all 2 scored {TIE} .* on 'score'"):
        search_fit(BlindingSearchCV(pipeline(), {"svc__C": [1, 10]}, cv=GroupKFold(3)), data)
    with pytest.warns(UserWarning, match=rf"all 2 scored {TIE} 0 on 'score'"):
        search_fit(
            BlindingSearchCV(
                pipeline(), {"blind__n_iterations": [1, 4]}, scoring="accuracy", cv=GroupKFold(3)
            ),
            data,
        )


def test_the_default_scoring_without_routing_is_refused_before_any_fit(data):
    search = BlindingSearchCV(pipeline_without_requests(), {"svc__C": [1, 10]})
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        search.fit(data.X, data.subject)
    assert not hasattr(search, "cv_results_")


def pipeline_without_requests():
    return Pipeline([("blind", INLPEraser()), ("svc", SVC())])


def test_clone_keeps_the_parameters():
    search = BlindingSearchCV(pipeline_without_requests(), {"svc__C": [1, 10]}, cv=3)
    copy = clone(search)
    assert copy.get_params()["cv"] == 3 and copy.scoring is None
    assert copy.param_grid == {"svc__C": [1, 10]}


@pytest.mark.parametrize("check", [checks.check_get_params_invariance, checks.check_set_params])
def test_api_checks_with_the_default_scoring(check):
    check("BlindingSearchCV", BlindingSearchCV(pipeline_without_requests(), {"svc__C": [1]}))


@parametrize_with_checks(
    [BlindingSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, scoring="accuracy", cv=2)]
)
def test_sklearn_checks_with_an_explicit_scoring(estimator, check):
    """The whole battery, with ``scoring="accuracy"``: the default scorer needs
    ``sensitive_features`` routed, which the checks' ``fit(X, y)`` never passes."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=f".*{TIE}")  # the checks' tiny data tie
        check(estimator)
