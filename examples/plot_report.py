"""
One HTML report of an audit: leakage, verification, trade-off, fairness, figures
================================================================================

fairlearn no longer ships a dashboard; :func:`skblind.report.build` makes one page of
what the audits return. Here the ORL faces are embedded with SFace, ``smiling`` is removed
with the closed-form erasers, and:

- :func:`~skblind.evaluation.audit_report` measures leakage with held-out attackers;
- verification pairs of held-out subjects give ROC and DET curves, and fairlearn
  ``MetricFrame``\\s over pairs give false-match and false-non-match rates by smiling
  group at one global threshold;
- INLP's iterations trace a trade-off;
- a glasses classifier's true-positive rates by smiling group come with bootstrap
  intervals (a fairlearn ``MetricFrame`` with ``n_boot``).

``build`` writes ``report.html``: one self-contained file, figures inline, no scripts,
to open in any browser. ``skblind demo``, ``audit`` and ``reproduce`` write one too.
"""

# %%
# The audit
# ---------
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder
from skblind.evaluation import (
    audit_report,
    default_attackers,
    group_metric_frame,
    pair_groups,
    pair_similarities,
    threshold_at_fmr,
    verification_metric_frame,
    verification_rates,
)
from skblind.report import build
from skblind.suppression import INLPEraser, LEACEEraser

faces = load_orl_faces()
X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images)
subject, smiling, glasses = faces.subject, faces.smiling, faces.glasses
methods = {"LEACE": LEACEEraser(), "INLP": INLPEraser()}
attackers = {k: v for k, v in default_attackers().items() if k in ("LR", "SVM", "kNN-cosine")}
audit = audit_report(
    X,
    {"smiling": smiling, "glasses": glasses},
    groups=subject,
    y=subject,
    remove=smiling,
    representations={"raw": None, **methods},
    attackers=attackers,
    adaptive=False,
    n_splits=4,
    progress=False,
)
fig = audit.plot(attribute="smiling")

# %%
# Verification and fairness on subjects the methods never saw
# -----------------------------------------------------------
# The methods are fitted on 30 subjects; the other 10 give the pairs, the trade-off's
# leakage (an SVM attacker's within-identity AUC, cross-validated among them) and the
# glasses classifier's test set.
fit, held_out = subject <= 30, subject > 30
fitted = {
    name: m.fit(X[fit], subject[fit], sensitive_features=smiling[fit])
    for name, m in methods.items()
}
shown = {"raw": X, **{name: m.transform(X) for name, m in fitted.items()}}
pairs = {name: pair_similarities(Z[held_out], subject[held_out]) for name, Z in shown.items()}
by_pair = pair_groups(np.where(smiling[held_out] == 1, "smiling", "not smiling"))
verification_fairness = {
    name: verification_metric_frame(
        similarity,
        same,
        by_pair,
        threshold=threshold_at_fmr(similarity, same, fmr=1e-2),
        n_boot=100,
        random_state=0,
    )
    for name, (similarity, same) in pairs.items()
}

rows = []
for n in (1, 2, 5, 10):
    Z = INLPEraser(n_iterations=n).fit(X[fit], subject[fit], sensitive_features=smiling[fit])
    Z_test = Z.transform(X[held_out])
    attacked = audit_report(  # an SVM trained on some of the 10 people, tested on the others
        Z_test,
        smiling[held_out],
        groups=subject[held_out],
        attackers={"SVM": attackers["SVM"]},
        adaptive=False,
        protocol="deployment",
        progress=False,
    ).leakage.iloc[0]
    rows.append(
        {
            "method": "INLP",
            "setting": f"n_iterations={n}",
            "leakage": abs(attacked.within_auc - 0.5),
            "utility": verification_rates(*pair_similarities(Z_test, subject[held_out]))["roc_auc"],
        }
    )

fairness = {}
for name, Z in shown.items():
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    classifier.fit(Z[fit], glasses[fit])
    fairness[name] = group_metric_frame(
        glasses[held_out],
        classifier.predict(Z[held_out]),
        np.where(smiling[held_out] == 1, "smiling", "not smiling"),
        n_boot=100,
        random_state=0,
    )

# %%
# The report
# ----------
output = Path(tempfile.mkdtemp(prefix="skblind-report-")) / "report.html"
page = build(
    output,
    title="ORL faces, smiling removed by LEACE and INLP",
    about={"command": "examples/plot_report.py", "settings": {"backbone": "sface pooled"}},
    audit=audit,
    pairs=pairs,
    tradeoff=pd.DataFrame(rows),
    fairness=fairness,
    verification_fairness=verification_fairness,
    figures={"Leakage of smiling": (fig, "the held-out attackers, per method")},
)
print(f"{len(page) / 1e6:.1f} MB, open {output.as_uri()}")
