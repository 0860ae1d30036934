"""
A glasses classifier trained on smiling-biased data
===================================================

The paper's Table II on the ORL faces: a classifier of glasses is trained on a split in
which smiling is over-represented among people with glasses (70/30) and under-represented
among the others. It learns to use smiling, so its true-positive rate differs between
smiling and non-smiling faces. Trained on a blinded representation, it has less smiling to
use. fairlearn's ``MetricFrame`` gives the rates by group.

ORL has 40 people: one split is a noisy estimate (the demo repeats it over seeds).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder
from skblind.evaluation import (
    equality_of_opportunity,
    group_metric_frame,
    make_biased_split,
    plot_group_tpr,
)
from skblind.suppression import Blinder, recipe_encoder

faces = load_orl_faces()
X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images)
rng = np.random.default_rng(0)
train = np.isin(faces.subject, rng.choice(np.unique(faces.subject), size=20, replace=False))
test = ~train

blind = Blinder(recipe_encoder(max_epochs=30, progress=False, random_state=0), random_state=0)
blind.fit(X[train], faces.subject[train], sensitive_features=faces.smiling[train])
representations = {"raw": X, "Blinder": blind.transform(X)}

chosen = make_biased_split(
    faces.glasses[train], faces.smiling[train], bias=0.7, privileged=1, random_state=0
)
frames = {}
for name, Z in representations.items():
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(Z[train][chosen], faces.glasses[train][chosen])
    predicted = model.predict(Z[test])
    frames[name] = group_metric_frame(faces.glasses[test], predicted, faces.smiling[test])
    eo = equality_of_opportunity(faces.glasses[test], predicted, faces.smiling[test])
    print(f"{name}: equality of opportunity {eo:.1f}")
    print(frames[name].by_group.round(3).to_string(), "\n")

plot_group_tpr(frames)
plt.show()
