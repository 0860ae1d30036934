import joblib
import numpy as np
import pytest
import sklearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_predict
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skblind.datasets import make_blinding_problem
from skblind.evaluation import verification_roc_auc
from skblind.suppression import LNTLSuppressor, SensitiveNetsSuppressor
from skblind.suppression._labels import encode_with_missing

FAST = dict(max_epochs=3, progress=False, random_state=0, module__rank=4)


@pytest.fixture(scope="module")
def small():
    return make_blinding_problem(
        n_subjects=20,
        n_per_subject=8,
        n_features=24,
        identity_dim=8,
        sensitive_strength=3.0,
        random_state=0,
    )


@pytest.fixture(scope="module")
def split():
    """300 subjects: suppressors train on 200, probes are cross-validated on the other 100."""
    data = make_blinding_problem(n_subjects=300, sensitive_strength=2.0, random_state=0)
    return data, data.subject < 200


def probe_scores(Z, sensitive, subject):
    probes = {
        "svm": SVC(),
        "rf": RandomForestClassifier(random_state=0),
        "mlp": MLPClassifier((128,), max_iter=2000, random_state=0),
    }
    return {
        name: balanced_accuracy_score(
            sensitive, cross_val_predict(probe, Z, sensitive, groups=subject, cv=GroupKFold(3))
        )
        for name, probe in probes.items()
    }


@pytest.mark.parametrize("cls", [SensitiveNetsSuppressor, LNTLSuppressor])
def test_blinds_unseen_identities_at_no_utility_cost(cls, split):
    """Issue 3's bar: SVM, RF and MLP probes within 0.05 of chance, AUC within 0.02."""
    data, train = split
    test = ~train
    raw = probe_scores(data.X[test], data.sensitive[test], data.subject[test])
    assert min(raw.values()) > 0.9  # the planted factor is strong
    suppressor = cls(max_epochs=40, progress=False, random_state=0).fit(
        data.X[train], data.subject[train], sensitive_features=data.sensitive[train]
    )
    Z = suppressor.transform(data.X[test])
    after = probe_scores(Z, data.sensitive[test], data.subject[test])
    print(cls.__name__, "raw", raw, "after", after)
    for name, score in after.items():
        assert abs(score - data.chance) <= 0.05, (name, score)
    auc_raw = verification_roc_auc(data.X[test], data.subject[test])
    auc_after = verification_roc_auc(Z, data.subject[test])
    print(f"verification AUC raw {auc_raw:.4f} after {auc_after:.4f}")
    assert auc_after >= auc_raw - 0.02


@pytest.mark.parametrize("cls", [SensitiveNetsSuppressor, LNTLSuppressor])
def test_history_reproducibility_and_persistence(cls, small, tmp_path):
    fitted = cls(**FAST).fit(small.X, small.subject, sensitive_features=small.sensitive)
    history = fitted.history_
    assert len(history) == 3
    assert {"utility_loss", "suppression", "adversary_accuracy"} <= set(history.columns)
    assert np.isfinite(history[["utility_loss", "suppression", "adversary_accuracy"]]).all().all()
    Z = fitted.transform(small.X)
    # SensitiveNets' residual encoder keeps the input's dimension; LNTL's dense one has 1024.
    width = small.X.shape[1] if cls is SensitiveNetsSuppressor else 1024
    assert Z.shape == (len(small.X), width) and Z.dtype == np.float32
    again = cls(**FAST).fit(small.X, small.subject, sensitive_features=small.sensitive)
    np.testing.assert_array_equal(again.transform(small.X), Z)
    other = cls(**{**FAST, "random_state": 1}).fit(
        small.X, small.subject, sensitive_features=small.sensitive
    )
    assert not np.allclose(other.transform(small.X), Z)
    joblib.dump(fitted, tmp_path / "model.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "model.joblib").transform(small.X), Z)


def test_parameters_reach_the_skorch_net(small):
    residual = SensitiveNetsSuppressor(**FAST).fit(
        small.X, small.subject, sensitive_features=small.sensitive
    )
    assert residual.net_.module_.down.out_features == 4  # module__rank
    assert residual.n_features_out_ == small.X.shape[1]
    suppressor = SensitiveNetsSuppressor(max_epochs=3, progress=False, encoder="dense")
    suppressor.set_params(module__hidden_sizes=(16, 8), optimizer__lr=0.01, adversary__units=4)
    assert suppressor.get_params()["module__hidden_sizes"] == (16, 8)
    suppressor.fit(small.X, small.subject, sensitive_features=small.sensitive)
    assert suppressor.n_features_out_ == 8
    assert suppressor.net_.optimizer_.param_groups[0]["lr"] == 0.01
    assert suppressor.net_.adversary_optimizer_.param_groups[0]["lr"] == 1e-3
    assert suppressor.net_.adversary_.body[0].out_features == 4
    assert sklearn.base.clone(suppressor).get_params()["optimizer__lr"] == 0.01


def test_string_labels_and_missing_labels(small):
    names = np.array([f"id{s}" for s in small.subject], dtype=object)
    sensitive = np.where(small.sensitive == 1, "smiling", "neutral").astype(object)
    names[::5] = None  # these train only the sensitive side
    sensitive[1::5] = np.nan  # these train only the utility side
    fitted = SensitiveNetsSuppressor(neutral_class="neutral", **FAST).fit(
        small.X, names, sensitive_features=sensitive
    )
    assert fitted.sensitive_classes_.tolist() == ["neutral", "smiling"]
    assert fitted.neutral_code_ == 0
    assert len(fitted.classes_) == 20


def test_encode_with_missing():
    codes, classes = encode_with_missing(["b", None, "a", np.nan, "b"], "y")
    assert codes.tolist() == [1, -1, 0, -1, 1] and classes.tolist() == ["a", "b"]
    codes, classes = encode_with_missing([3, -1, 5], "y")  # -1 is a class, not "missing"
    assert codes.tolist() == [1, 0, 2] and classes.tolist() == [-1, 3, 5]
    codes, _ = encode_with_missing([3.0, np.nan, 5.0], "y")
    assert codes.tolist() == [0, -1, 1]
    with pytest.raises(ValueError, match="mixes label types"):
        encode_with_missing(["a", 1], "sensitive_features")


def test_errors_name_the_problem(small):
    X, y, s = small.X, small.subject, small.sensitive
    with pytest.raises(ValueError, match="requires sensitive_features"):
        SensitiveNetsSuppressor(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="at least two classes"):
        SensitiveNetsSuppressor(**FAST).fit(X, y, sensitive_features=np.zeros(len(y)))
    with pytest.raises(ValueError, match=r"neutral_class='happy' is not among"):
        SensitiveNetsSuppressor(neutral_class="happy", **FAST).fit(X, y, sensitive_features=s)
    with pytest.raises(TypeError, match="unexpected keyword argument 'modul__x'"):
        SensitiveNetsSuppressor(modul__x=1, **FAST).fit(X, y, sensitive_features=s)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LNTLSuppressor(**FAST).fit(X, y, sensitive_features=s[:-1])
    fitted = LNTLSuppressor(**FAST).fit(X, y, sensitive_features=s)
    with pytest.raises(ValueError, match="features"):
        fitted.transform(X[:, :-1])


def test_pipeline_keyword_and_gridsearch_with_metadata_routing(small):
    X, y, s = small.X, small.subject, small.sensitive
    pipe = Pipeline([("suppressor", SensitiveNetsSuppressor(**FAST)), ("svc", SVC())])
    pipe.fit(X, y, suppressor__sensitive_features=s)
    assert pipe.predict(X[:3]).shape == (3,)

    with sklearn.config_context(enable_metadata_routing=True):
        suppressor = SensitiveNetsSuppressor(**FAST).set_fit_request(sensitive_features=True)
        pipe = Pipeline([("suppressor", suppressor), ("svc", SVC())])
        search = GridSearchCV(pipe, {"suppressor__lam": [0.0, 1.0]}, cv=GroupKFold(2))
        search.fit(X, y, sensitive_features=s, groups=y)
        assert search.best_params_["suppressor__lam"] in (0.0, 1.0)
        new = make_blinding_problem(n_subjects=3, n_features=24, identity_dim=8, random_state=5).X
        phi = search.best_estimator_[:-1].transform(new)
        assert phi.shape == (len(new), 24) and np.isfinite(phi).all()
        assert search.predict(new).shape == (len(new),)
        # Without the request, routing refuses to drop the metadata silently.
        unrequested = Pipeline([("suppressor", SensitiveNetsSuppressor(**FAST)), ("svc", SVC())])
        with pytest.raises(Exception, match="sensitive_features"):
            GridSearchCV(unrequested, {"suppressor__lam": [1.0]}, cv=GroupKFold(2)).fit(
                X, y, sensitive_features=s, groups=y
            )


def test_device_auto_uses_cpu_without_cuda(small):
    import torch

    if torch.cuda.is_available():
        pytest.skip("checks the CPU-only machine")
    fitted = LNTLSuppressor(**FAST).fit(small.X, small.subject, sensitive_features=small.sensitive)
    assert fitted.net_.device == "cpu"


def test_user_net_parameters_override_the_defaults(small):
    fitted = SensitiveNetsSuppressor(iterator_train__shuffle=False, **FAST).fit(
        small.X, small.subject, sensitive_features=small.sensitive
    )
    assert fitted.net_.iterator_train__shuffle is False


def test_losses_cannot_be_met_by_one_huge_common_direction(split):
    """Backbone features share a large mean (SFace's are nearly all positive).

    On L2-normalised, uncentred phi an encoder could meet the MMD and the triplet loss by
    blowing up one common direction until every sample is parallel: the probes behind a
    StandardScaler then see that direction alone, while the attribute stays intact in the
    rest. The losses now see phi centred and scaled, so the learned phi alone (without
    the closed-form steps) must carry no dominant direction and no linear trace of the factor.
    """
    data, train = split
    X = data.X + 5.0  # a common offset much larger than the per-sample spread
    suppressor = SensitiveNetsSuppressor(
        max_epochs=40, erase_linear=False, erase_within=0, progress=False
    )
    suppressor.set_params(random_state=0).fit(
        X[train], data.subject[train], sensitive_features=data.sensitive[train]
    )
    Z = suppressor.transform(X[~train])
    eigenvalues = np.linalg.eigvalsh(np.cov(Z.T))[::-1]
    assert eigenvalues[0] / eigenvalues[1] < 10
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    score = balanced_accuracy_score(
        data.sensitive[~train],
        cross_val_predict(
            probe, Z, data.sensitive[~train], groups=data.subject[~train], cv=GroupKFold(3)
        ),
    )
    assert abs(score - data.chance) <= 0.05, score
    assert (
        verification_roc_auc(Z, data.subject[~train])
        >= verification_roc_auc(X[~train], data.subject[~train]) - 0.02
    )


@pytest.mark.parametrize("cls", [SensitiveNetsSuppressor, LNTLSuppressor])
def test_an_adversary_that_is_never_trained_is_still_read(cls, small):
    """adversary_steps=0 passed validation and then crashed (UnboundLocalError)."""
    fitted = cls(**FAST, adversary_steps=0).fit(
        small.X, small.subject, sensitive_features=small.sensitive
    )
    assert np.isfinite(fitted.history_["adversary_accuracy"]).all()
