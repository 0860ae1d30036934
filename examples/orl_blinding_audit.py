"""
Blinding "smiling" in real SFace features of the ORL faces
==========================================================

Subject-disjoint 5-fold protocol: in each fold a suppressor is fitted on 32 subjects,
then probes trained on phi of those subjects predict ``smiling`` for the 8 held-out
subjects (predictions pooled over folds, balanced accuracy), and verification ROC AUC
is measured on the held-out subjects (mean over folds).

    python examples/orl_blinding_audit.py
"""

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder
from skblind.evaluation import verification_roc_auc
from skblind.suppression import LNTLSuppressor, SensitiveNetsSuppressor

PROBES = {
    "LR": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
    "SVM": lambda: make_pipeline(StandardScaler(), SVC()),
    "RF": lambda: RandomForestClassifier(random_state=0),
    "MLP": lambda: make_pipeline(
        StandardScaler(), MLPClassifier((128,), max_iter=2000, random_state=0)
    ),
}
METHODS = {
    "raw": None,
    "SensitiveNets (paper)": lambda: SensitiveNetsSuppressor(progress=False, random_state=0),
    "SensitiveNets (mmd)": lambda: SensitiveNetsSuppressor(
        suppression="mmd", lam=2.0, module__hidden_sizes=(256,), progress=False, random_state=0
    ),
    "LNTL": lambda: LNTLSuppressor(progress=False, random_state=0),
}


def main():
    faces = load_orl_faces()
    X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images)
    y, s = faces.subject, faces.smiling
    rows = []
    for method, make in METHODS.items():
        predictions = {name: np.empty_like(s) for name in PROBES}
        aucs = []
        for train, test in GroupKFold(5).split(X, s, groups=y):
            if make is None:
                Z_train, Z_test = X[train], X[test]
            else:
                suppressor = make().fit(X[train], y[train], sensitive_features=s[train])
                Z_train, Z_test = suppressor.transform(X[train]), suppressor.transform(X[test])
            for name, probe in PROBES.items():
                predictions[name][test] = probe().fit(Z_train, s[train]).predict(Z_test)
            aucs.append(verification_roc_auc(Z_test, y[test]))
        row = {name: balanced_accuracy_score(s, p) for name, p in predictions.items()}
        rows.append({"method": method, **row, "AUC": np.mean(aucs)})
        print(rows[-1], flush=True)
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
