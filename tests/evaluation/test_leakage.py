import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from skblind.datasets import make_blinding_problem
from skblind.evaluation import audit_report, diff_score, leakage_report, pic_score
from skblind.suppression import Blinder, LEACEEraser, SensitiveNetsSuppressor, recipe_encoder


def test_diff_by_hand():
    assert diff_score(0.88, 0.60, 0.5) == pytest.approx(28 / 38)  # the paper's NN row (73.7 %)
    assert diff_score(0.9, 0.5, 0.5) == 1.0
    assert diff_score(0.9, 0.9, 0.5) == 0.0
    np.testing.assert_allclose(diff_score([0.8, 0.7], [0.5, 0.8], 0.5), [1.0, -0.5])
    with pytest.raises(ValueError, match="not above chance"):
        diff_score(0.5, 0.4, 0.5)


@pytest.fixture(scope="module")
def problem():
    return make_blinding_problem(
        n_subjects=60,
        n_per_subject=8,
        n_features=32,
        identity_dim=8,
        sensitive_strength=2.0,
        random_state=0,
    )


def test_recovers_known_leakage_and_reports_chance_without_signal(problem):
    rng = np.random.default_rng(0)
    noise = rng.normal(size=problem.X.shape)
    probes = {"LR": LogisticRegression(max_iter=2000)}
    report = leakage_report(
        problem.X,
        problem.sensitive,
        groups=problem.subject,
        attackers=probes,
        adaptive=True,
        representations={"raw": None, "noise": noise},
    )
    raw = report[report.representation == "raw"].set_index("attacker")
    blank = report[report.representation == "noise"].set_index("attacker")
    assert (raw.balanced_accuracy > 0.85).all()
    assert (abs(blank.balanced_accuracy - 0.5) < 0.08).all()
    assert (raw["diff"] == 0).all()
    assert (blank["diff"] > 0.8).all()
    assert set(report.columns) >= {"accuracy", "balanced_accuracy_std", "accuracy_std", "chance"}
    assert (report.chance == 0.5).all()


def test_transformers_are_fitted_inside_the_folds(problem):
    suppressor = Blinder(
        recipe_encoder(max_epochs=15, progress=False, random_state=0, module__rank=4),
        random_state=0,
    )
    report = leakage_report(
        problem.X,
        problem.sensitive,
        groups=problem.subject,
        y=problem.subject,
        representations={"raw": None, "sn": suppressor},
        attackers={"LR": LogisticRegression(max_iter=2000)},
        adaptive=False,
        n_splits=3,
    )
    after = report.set_index(["representation", "attacker"]).balanced_accuracy
    assert after["raw", "LR"] > 0.85
    assert after["sn", "LR"] < 0.65
    assert not hasattr(suppressor, "encoder_")  # the given estimator is cloned, not fitted


def test_random_folds_are_a_warned_choice(problem):
    with pytest.warns(UserWarning, match="groups=subject ids"):
        leakage_report(
            problem.X, problem.sensitive, attackers={"LR": LogisticRegression()}, adaptive=False
        )


def test_errors(problem):
    with pytest.raises(ValueError, match="single class"):
        leakage_report(problem.X, np.zeros(len(problem.X)), groups=problem.subject)
    with pytest.raises(ValueError, match="needs y"):
        leakage_report(
            problem.X,
            problem.sensitive,
            groups=problem.subject,
            adaptive=False,
            representations={"sn": SensitiveNetsSuppressor()},
            attackers={"LR": LogisticRegression()},
        )


def test_audit_report_probes_several_attributes_and_verification(problem):
    from skblind.evaluation import audit_report

    kept = (problem.subject % 2).astype(int)  # an attribute of identity, to keep
    suppressor = Blinder(  # 40 fitted people: the margin would keep nothing (its own tests)
        recipe_encoder(max_epochs=15, progress=False, random_state=0, module__rank=4),
        margin="passthrough",
        random_state=0,
    )
    audit = audit_report(
        problem.X,
        {"sensitive": problem.sensitive, "kept": kept},
        groups=problem.subject,
        y=problem.subject,
        remove=problem.sensitive,
        adaptive=False,
        n_splits=3,
        representations={"raw": None, "sn": suppressor},
        attackers={"LR": LogisticRegression(max_iter=2000)},
    )
    leakage, verification = audit.leakage, audit.verification
    scores = leakage.set_index(["representation", "attribute", "attacker"]).balanced_accuracy
    assert scores["sn", "sensitive", "LR"] < 0.65 < 0.85 < scores["raw", "sensitive", "LR"]
    auc = verification.set_index("representation").roc_auc
    assert auc["raw"] > 0.9 and auc["sn"] >= auc["raw"] - 0.02
    assert list(verification.columns) == [
        "representation",
        "roc_auc",
        "roc_auc_std",
        "accuracy",
        "accuracy_std",
        "eer",
        "eer_std",
    ]
    # The EER is the verification's own: 1 - ROC AUC bounds it from neither side, but a
    # better ROC AUC goes with a lower EER here.
    by_name = verification.set_index("representation")
    assert 0 <= by_name.loc["raw", "eer"] < 0.5


def test_a_probe_that_learns_nothing_scores_chance_not_below():
    """A majority-class probe cannot follow its training subjects' class balance.

    With subject-disjoint folds the training majority is the held-out minority, so a probe
    that predicts it scores below chance pooled (and its permutation null, which keeps the
    predictions, would not see why). Attackers learn from as many samples of each class,
    so a probe that learns nothing scores chance, per split and pooled, in both protocols.
    """
    from sklearn.dummy import DummyClassifier

    from skblind.evaluation import audit_report

    rng = np.random.default_rng(0)
    subjects = np.repeat(np.arange(20), 10)
    # the attribute follows identity: 8 subjects always 1, 8 always 0, 4 mixed
    sensitive = np.concatenate([np.ones(80), np.zeros(80), rng.integers(0, 2, 40)]).astype(int)
    X = rng.normal(size=(200, 6))
    for protocol in ("in-sample", "held-out"):
        leakage = audit_report(
            X,
            sensitive,
            groups=subjects,
            attackers={"majority": DummyClassifier(strategy="most_frequent")},
            adaptive=False,
            protocol=protocol,
            progress=False,
        ).leakage
        row = leakage.iloc[0]
        # one prediction for every template: chance, and said to measure nothing
        assert row.verdict == "not measurable" and row.note.startswith("constant")
        assert row.balanced_accuracy == pytest.approx(row.chance)
        assert row.balanced_accuracy_pooled == pytest.approx(0.5)


FITS = []


class _CountedLEACE(TransformerMixin, BaseEstimator):
    """LEACE that records each fit (module level: joblib.Memory hashes it by pickling)."""

    def fit(self, X, y=None, *, sensitive_features=None):
        from skblind.suppression import LEACEEraser

        FITS.append(len(X))
        self.eraser_ = LEACEEraser().fit(X, y, sensitive_features=sensitive_features)
        return self

    def transform(self, X):
        return self.eraser_.transform(X)


def test_the_fits_of_an_audits_splits_serve_every_audit_and_figure_of_them(problem):
    from skblind.evaluation import (
        audit_report,
        audit_splits,
        feature_removal_curve,
        fit_representations,
    )

    args = dict(
        groups=problem.subject,
        y=problem.subject,
        representations={"LEACE": _CountedLEACE()},
        attackers={"LR": LogisticRegression(max_iter=1000)},
        adaptive=False,
        n_splits=3,
        n_permutations=40,
        progress=False,
    )
    FITS.clear()
    plain = audit_report(problem.X, problem.sensitive, **args).leakage
    assert len(FITS) == 3
    splits = audit_splits(problem.sensitive, problem.subject, n_splits=3)
    assert len(splits) == 3
    FITS.clear()
    fitted = fit_representations(
        args["representations"],
        problem.X,
        y=problem.subject,
        sensitive_features=problem.sensitive,
        splits=splits,
    )
    first = audit_report(problem.X, problem.sensitive, fitted=fitted, **args).leakage
    in_sample = audit_report(
        problem.X, problem.sensitive, fitted=fitted, protocol="in-sample", **args
    ).leakage
    curve = feature_removal_curve(
        {"LEACE": _CountedLEACE()},
        problem.sensitive,
        X=problem.X,
        y=problem.subject,
        cv=splits,
        fitted=fitted,
        fractions=[0.0],
    )
    assert len(FITS) == 3  # fitted once per split, for both audits and the curve
    assert first.balanced_accuracy.tolist() == plain.balanced_accuracy.tolist()
    assert set(in_sample.protocol) == {"in-sample"} and len(curve) == 1
    with pytest.raises(ValueError, match=r"fitted\['LEACE'\] holds 3 splits; this audit has 5"):
        audit_report(problem.X, problem.sensitive, fitted=fitted, **{**args, "n_splits": 5})


# --- the second round of reported defects (shared/repro2/) ---------------------------------


@pytest.fixture(scope="module")
def small_problem():
    return make_blinding_problem(
        n_subjects=20, n_per_subject=6, n_features=16, identity_dim=4, random_state=0
    )


LR_ONLY = dict(attackers={"LR": LogisticRegression(max_iter=2000)}, adaptive=False, progress=False)


def test_a_null_too_small_to_reject_is_refused_and_the_least_one_can_reject(small_problem):
    # repro2/few_permutations_never_leaks.py: with fewer than 39 draws the smallest
    # p-value 1/(n+1) is above alpha/2 = 0.025, and an attribute read at balanced
    # accuracy 0.91 was reported "no leakage detected"
    from skblind.evaluation import audit_report, min_permutations

    assert min_permutations(0.05) == 39 and min_permutations(0.01) == 199
    d = small_problem
    with pytest.raises(ValueError, match="n_permutations=38 is too few .* at least 39"):
        audit_report(d.X, d.sensitive, groups=d.subject, n_permutations=38, **LR_ONLY)
    leakage = audit_report(d.X, d.sensitive, groups=d.subject, n_permutations=39, **LR_ONLY).leakage
    row = leakage.iloc[0]
    assert row.balanced_accuracy > 0.85 and row.within_auc_p == pytest.approx(1 / 40)
    assert row.verdict == "leaks"


def test_missing_subject_ids_are_refused_naming_the_rows(small_problem):
    # repro2/audit_missing_group_int_merged.py: NaN groups became one person (20 -> 19
    # persons, silently); repro2/audit_missing_group_traceback.sh: None in text ids
    # crashed with numpy's "'<' not supported" TypeError
    from skblind.evaluation import audit_report

    d = small_problem
    numbers = d.subject.astype(float)
    numbers[:12] = np.nan
    text = np.array([f"s{v:02d}" for v in d.subject], dtype=object)
    text[3] = None
    for groups, rows in (
        (numbers, r"12 missing entries \(rows 0, 1, 2, 3, 4, ...\)"),
        (text, r"1 missing entries \(rows 3\)"),
    ):
        with pytest.raises(ValueError, match=f"groups has {rows}; an unknown subject"):
            audit_report(d.X, d.sensitive, groups=groups, n_permutations=40, **LR_ONLY)


@pytest.mark.parametrize(
    "setting, message",
    [
        (dict(n_repeats=0), "'n_repeats' parameter of audit_report must be an int in the range"),
        (dict(n_permutations=0), "'n_permutations' parameter .* range \\[1, inf\\)"),
        (dict(n_splits=1), "'n_splits' parameter .* range \\[2, inf\\)"),
        (dict(alpha=2.0), "'alpha' parameter .* range \\(0.0, 1.0\\)"),
        (dict(attack_splits=1), "attack_splits=1: the attackers are cross-validated over"),
    ],
)
def test_counts_that_cannot_work_are_refused_for_their_reason(small_problem, setting, message):
    # repro2/audit_zero_repeats_permutations.py: 0 repeats and 0 permutations crashed
    # inside pandas and numpy; attack_splits=1 was blamed on a held-out part with fewer
    # than two subjects (it held 4); alpha=2 ran
    from skblind.evaluation import audit_report

    d = small_problem
    with pytest.raises(ValueError, match=message):
        audit_report(
            d.X, d.sensitive, groups=d.subject, **{"n_permutations": 40, **setting}, **LR_ONLY
        )


def test_the_scalable_svm_reads_what_the_exact_one_reads():
    """Beyond max_exact rows the SVM attacker is a Nystroem approximation: on a size both
    forms handle (attackers of 225 people, 2,250 templates), forcing the approximation
    reads the same within the intervals, on a non-linear attribute."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skblind.evaluation import ScalableSVC, audit_report

    data = make_blinding_problem(
        n_subjects=300, nonlinearity=1.0, sensitive_strength=0.5, random_state=0
    )
    attackers = {
        "exact": make_pipeline(StandardScaler(), ScalableSVC()),
        "approximate": make_pipeline(StandardScaler(), ScalableSVC(max_exact=1)),
    }
    rows = audit_report(
        data.X,
        data.sensitive,
        groups=data.subject,
        attackers=attackers,
        adaptive=False,
        protocol="deployment",
        progress=False,
    ).leakage.set_index("attacker")
    assert rows.attacker_people.tolist() == [225, 225]
    exact, approximate = rows.loc["exact"], rows.loc["approximate"]
    assert exact.within_auc > 0.53  # a leak both must see
    for metric in ("balanced_accuracy", "within_auc"):
        for one, other in ((exact, approximate), (approximate, exact)):
            assert other[f"{metric}_ci_low"] <= one[metric] <= other[f"{metric}_ci_high"]


# Reported defect (shared/repro r8: chance when a class is missing from test folds); the test
# failed on the code before the fix.


def test_chance_is_what_a_know_nothing_probe_scores_on_the_same_folds():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 16))
    subject = np.repeat(np.arange(20), 10)
    s = rng.integers(0, 2, size=200)
    s[subject == 0] = 2  # a rare third class, one subject: in one held-out fold only
    probes = {"LR": LogisticRegression(max_iter=2000)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        leak = audit_report(X, s, groups=subject, attackers=probes, adaptive=False).leakage
    expected = np.mean(
        [
            1 / len(np.unique(s[test]))
            for _, test in GroupKFold(5).split(X, s, subject)  # audit_report's folds
        ]
    )
    assert leak.chance[0] == pytest.approx(expected) and expected > 0.4
    assert abs(leak.balanced_accuracy[0] - leak.chance[0]) < 0.05  # 0.473 against 0.333


# Reported defect (reliability issue, crashes that must name the item: audit_report's errors);
# the test failed on the code before the fix.


def test_audit_report_errors_name_the_attribute_and_fold(tiny):
    options = dict(attackers={"LR": LogisticRegression()}, adaptive=False)
    s = tiny.sensitive.astype(object)
    s[::10] = None
    with pytest.raises(ValueError, match=r"attribute 'sensitive' has 5 missing entries \(rows 0"):
        audit_report(tiny.X, s, groups=tiny.subject, **options)
    one_class = (tiny.subject < 4).astype(int)
    with pytest.raises(ValueError, match=r"'sensitive': training fold \d of 2 holds a single"):
        audit_report(
            tiny.X, one_class, groups=one_class, n_splits=2, protocol="in-sample", **options
        )
    with pytest.raises(ValueError, match=r"outer split \d holds 1 held-out subject\(s\): the"):
        audit_report(tiny.X, one_class, groups=one_class, n_splits=2, **options)


def test_audit_report_takes_a_representation_given_as_a_list(tiny):
    options = dict(attackers={"LR": LogisticRegression()}, adaptive=False, n_splits=2)
    reps = {"raw": None, "as list": tiny.X.tolist()}
    leak = audit_report(
        tiny.X, tiny.sensitive, groups=tiny.subject, representations=reps, **options
    ).leakage
    raw, listed = leak.balanced_accuracy
    assert raw == listed
    with pytest.raises(ValueError, match="representation 'bad': give None, an array"):
        audit_report(
            tiny.X, tiny.sensitive, groups=tiny.subject, representations={"bad": "x"}, **options
        )


def test_the_audit_gives_each_removed_row_its_pic(split):
    data, fit = split
    eraser = LEACEEraser().fit(data.X[fit], sensitive_features=data.sensitive[fit])
    held = ~fit
    audit = audit_report(
        data.X[held],
        {"sensitive": data.sensitive[held], "kept": data.subject[held] % 2},
        y=data.subject[held],
        groups=data.subject[held],
        representations={"raw": None, "LEACE": eraser},
        keep=["kept"],
        attackers={"LR": LogisticRegression(max_iter=2000)},
        adaptive=False,
        protocol="deployment",
        n_permutations=39,
        progress=False,
    )
    leak = audit.leakage.set_index(["representation", "attribute"])
    eer = audit.verification.set_index("representation").eer
    expected = pic_score(
        leak.loc[("raw", "sensitive"), "balanced_accuracy"],
        leak.loc[("LEACE", "sensitive"), "balanced_accuracy"],
        eer["raw"],
        eer["LEACE"],
    )
    assert leak.loc[("LEACE", "sensitive"), "pic"] == pytest.approx(expected)
    assert leak.loc[("LEACE", "sensitive"), "pic"] > 0  # LEACE removes a linear attribute
    assert leak.loc[("raw", "sensitive"), "pic"] == 0
    assert np.isnan(leak.loc[("LEACE", "kept"), "pic"])  # kept attributes have none


@pytest.mark.parametrize("seed", range(5))
def test_the_adaptive_attackers_scorer_is_sklearns_balanced_accuracy(seed):
    """The inner search's NumPy scorer gives scikit-learn's value, also when the model
    predicts a class the fold does not hold (three classes, one of them rare)."""
    from sklearn.dummy import DummyClassifier
    from sklearn.metrics import get_scorer

    from skblind.evaluation._attackers import balanced_accuracy

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 4))
    y = rng.choice([0, 1, 2], size=60, p=[0.5, 0.4, 0.1])
    model = LogisticRegression().fit(X, y)
    reference = get_scorer("balanced_accuracy")
    X_test, y_test = rng.normal(size=(30, 4)), rng.choice([0, 1], size=30)  # no class 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sklearn: "y_pred contains classes..."
        expected = reference(model, X_test, y_test)
    assert balanced_accuracy(model, X_test, y_test) == pytest.approx(expected, abs=1e-12)
    for label, value in ((1, 0.5), (2, 0.0)):  # 2: a class the fold does not hold
        constant = DummyClassifier(strategy="constant", constant=label).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            assert reference(constant, X_test, y_test) == value
        assert balanced_accuracy(constant, X_test, y_test) == value
