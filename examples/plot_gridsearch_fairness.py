"""
Choosing lambda by grid search, then checking fairness with fairlearn
=====================================================================

``Pipeline([FaceEmbedder(), Blinder(recipe_encoder()), SVC()])`` on the ORL images, with
``GridSearchCV`` over the encoder's ``lam`` scored by two metrics: the leakage of an
SVM attacker reading ``smiling`` from phi, and verification ROC AUC. ``refit`` keeps the
best utility among the candidates that leak at most 0.1 above chance. The embeddings
are cached (``memory=``) so that each image is embedded once for the whole search.
Finally a glasses classifier on the chosen phi is audited with a fairlearn MetricFrame
of true-positive rates by smiling group.
"""

import tempfile

import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder
from skblind.evaluation import (
    LeakageScorer,
    VerificationScorer,
    best_utility_under_leakage,
    equality_of_opportunity,
    group_metric_frame,
)
from skblind.suppression import Blinder, recipe_encoder

faces = load_orl_faces()
cache = tempfile.mkdtemp(prefix="skblind-cache-")

with sklearn.config_context(enable_metadata_routing=True):
    pipe = Pipeline(
        [
            ("embed", FaceEmbedder(layer="pooled", memory=cache, progress=False)),
            (
                "blind",
                Blinder(
                    recipe_encoder(progress=False, random_state=0), random_state=0
                ).set_fit_request(sensitive_features=True),
            ),
            ("svc", SVC()),
        ]
    )
    search = GridSearchCV(
        pipe,
        {"blind__encoder__lam": [0.0, 2.0, 8.0]},
        cv=GroupKFold(4),
        scoring={
            "leakage": LeakageScorer().set_score_request(sensitive_features=True, groups=True),
            "utility": VerificationScorer(),
        },
        refit=best_utility_under_leakage(max_leakage=0.1),
    )
    search.fit(faces.images, faces.subject, sensitive_features=faces.smiling, groups=faces.subject)

results = pd.DataFrame(search.cv_results_)
print(results[["param_blind__encoder__lam", "mean_test_leakage", "mean_test_utility"]])
print("chosen:", search.best_params_)

# %%
# Fairness of a downstream glasses classifier on the chosen representation.
phi = search.best_estimator_[:-1].transform(faces.images)
predicted = cross_val_predict(
    LogisticRegression(max_iter=5000), phi, faces.glasses, groups=faces.subject, cv=GroupKFold(5)
)
frame = group_metric_frame(faces.glasses, predicted, faces.smiling)
print(frame.by_group)
print("equality of opportunity:", equality_of_opportunity(faces.glasses, predicted, faces.smiling))
