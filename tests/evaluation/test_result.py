"""The audit's result read by a person: verdicts in words, roles, degenerate statistics."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from skblind.datasets import make_blinding_problem
from skblind.evaluation import audit_report
from skblind.suppression import LEACEEraser

LR = {"LR": LogisticRegression(max_iter=2000)}
QUICK = dict(attackers=LR, adaptive=False, n_permutations=40, progress=False)


@pytest.fixture(scope="module")
def audit():
    data = make_blinding_problem(n_subjects=40, random_state=0)
    glasses = np.random.default_rng(0).integers(0, 2, len(data.X))  # it should survive
    X = data.X.copy()
    X[:, -1] += 3.0 * glasses  # read along a direction of its own
    return audit_report(
        X,
        {"smiling": data.sensitive, "glasses": glasses},
        groups=data.subject,
        y=data.subject,
        keep=("glasses",),
        representations={"raw": None, "LEACE": LEACEEraser()},
        protocol="held-out",
        n_splits=4,
        **QUICK,
    )


def test_attributes_to_keep_read_kept_or_lost_not_leaks(audit):
    rows = audit.leakage.set_index(["representation", "attribute"])
    assert rows.loc[("raw", "glasses"), "role"] == "kept"
    assert rows.loc[("raw", "smiling"), "role"] == "removed"
    assert set(audit.leakage[audit.leakage.role == "kept"].verdict) <= {"kept", "lost"}
    assert set(audit.leakage[audit.leakage.role == "removed"].verdict) <= {
        "leaks",
        "no leakage detected",
    }
    with pytest.raises(ValueError, match=r"keep=\['age'\]: \['age'\] not among the attributes"):
        audit_report(np.zeros((4, 2)), [0, 1, 0, 1], keep=["age"], **QUICK)


def test_the_verdict_in_words_names_attacker_size_and_noise_floor(audit):
    lines = audit.verdicts()
    assert [line.split(":")[0] for line in lines] == ["raw", "LEACE"]
    raw, leace = lines
    assert "smiling still leaks to 1 of 1 attackers holding" in raw
    assert "glasses kept: 1 of 1 attackers holding" in raw
    assert "noise floor" in raw and "within-identity AUC" in raw
    assert "(raw: 1 of 1; strongest LR" in leace or "no leak of smiling detected" in leace
    assert "verification ROC AUC" in leace and "(raw " in leace


class _Constant(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def predict_proba(self, X):
        return np.tile(np.eye(len(self.classes_))[0], (len(X), 1))


def test_degenerate_statistics_are_flagged_in_words_not_shown_as_results():
    # issue 27: a constant attacker at 0.500 / 0.500 with p = 1; one person with both
    # classes giving "0.500 [0.500, 0.500]"; a chance of 0.600 without a word
    rng = np.random.default_rng(0)
    subject = np.repeat(np.arange(12), 5)
    s = (subject % 2).astype(int)  # every person shows one class...
    s[:5] = [0, 1, 0, 1, 0]  # ...but person 0
    X = rng.normal(size=(60, 4))
    rows = audit_report(
        X,
        s,
        groups=subject,
        attackers={"constant": _Constant(), **LR},
        adaptive=False,
        protocol="deployment",
        n_permutations=40,
        progress=False,
    ).leakage.set_index("attacker")
    assert rows.note["constant"].startswith("constant: in every fold the attacker gave")
    assert rows.verdict["constant"] == "not measurable"
    lr = rows.loc["LR"]
    assert lr.n_within_persons == 1 and np.isnan(lr.within_auc) and np.isnan(lr.within_auc_p)
    assert "within-identity AUC not measurable: 1 scored person(s)" in lr.note


def test_the_balanced_accuracy_interval_exists_with_a_single_fold():
    data = make_blinding_problem(n_subjects=30, random_state=1)
    B, C = np.flatnonzero(data.subject < 20), np.flatnonzero(data.subject >= 20)
    row = audit_report(
        data.X,
        data.sensitive,
        groups=data.subject,
        protocol="deployment",
        attack_splits=[(B, C)],
        **QUICK,
    ).leakage.iloc[0]
    # bootstrapped over the 10 tested persons, not over the one fold
    assert row.balanced_accuracy_ci_low < row.balanced_accuracy < row.balanced_accuracy_ci_high


def test_verification_of_several_data_sets_is_given_per_data_set(audit):
    # tests/jobs/test_reproduce.py: skblind reproduce's verification table holds CFEE, LFW and
    # DiveFace rows of each representation, and the report's summary failed on it
    # (formatting a Series as a number)
    from skblind.evaluation import Audit

    several = pd.DataFrame(
        {
            "dataset": ["CFEE", "CFEE", "LFW", "LFW"],
            "representation": ["raw", "LEACE", "raw", "LEACE"],
            "roc_auc": [0.99, 0.98, 0.95, 0.90],
        }
    )
    result = Audit(audit.leakage, several, audit.settings)
    [line] = [line for line in result.verdicts() if line.startswith("LEACE:")]
    assert line.endswith("verification ROC AUC 0.980 on CFEE (raw 0.990), 0.900 on LFW (raw 0.950)")
    summary = result.summary().set_index(["representation", "attribute"])
    assert summary.loc[("LEACE", "smiling"), "verification_roc_auc (LFW)"].item() == 0.90
    assert "verification_roc_auc" not in summary
