"""
Blinding "smiling" in real SFace features of the ORL faces: paper recipes and defaults
======================================================================================

The paper's recipes against skblind's defaults, with :func:`skblind.evaluation.audit_report`:
subject-disjoint 5-fold cross-validation, each suppressor fitted on the 32 training subjects
of a fold, probes trained on phi of those subjects and scored on the 8 held-out ones, and
verification ROC AUC on the held-out subjects.

Caveat: the probes learn from phi of the suppressor's own training subjects. Training probes
on other subjects instead needs more subjects than ORL has: it would leave them 8 subjects
to learn from, and 16 of the 40 subjects smile in all or none of their images.

The script then measures the protocol's noise floor: the same probes on the raw features
with labels drawn at random (unrelated to the faces), ``--null-draws`` times. A blinded
representation cannot be shown closer to chance than that spread.

    python examples/orl_blinding_audit.py [--null-draws 8]
"""

import argparse

import numpy as np
from sklearn.decomposition import PCA
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder
from skblind.evaluation import audit_report, default_probes
from skblind.suppression import LEACEEraser, LNTLSuppressor, SensitiveNetsSuppressor

COMMON = dict(progress=False, random_state=0)
PAPER = dict(
    encoder="dense",
    suppression="paper",
    lam=1.0,
    erase_linear=False,
    erase_within=0,
    module__init="default",
)
# The default probes standardise each coordinate; one more whitens phi first (PCA), so a
# representation cannot hide the attribute from it behind a few dominant directions.
PROBES = {
    **default_probes(),
    "MLP-white": make_pipeline(
        PCA(100, whiten=True, random_state=0),
        MLPClassifier((128,), max_iter=2000, random_state=0),
    ),
}

parser = argparse.ArgumentParser()
parser.add_argument("--null-draws", type=int, default=8)
args = parser.parse_args()

faces = load_orl_faces()
X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images)
leakage, verification = audit_report(
    X,
    faces.smiling,
    groups=faces.subject,
    y=faces.subject,
    adaptive=False,
    probes=PROBES,
    representations={
        "raw": None,
        "LEACE": LEACEEraser(),
        "SensitiveNets (paper)": SensitiveNetsSuppressor(**PAPER, **COMMON),
        "SensitiveNets": SensitiveNetsSuppressor(**COMMON),
        "LNTL (paper)": LNTLSuppressor(**PAPER, **COMMON),
        "LNTL": LNTLSuppressor(**COMMON),
    },
)
table = leakage.pivot_table(
    index="representation", columns="probe", values="balanced_accuracy", sort=False
)
print(
    table.join(verification.set_index("representation")[["roc_auc", "roc_auc_std"]]).to_string(
        float_format=lambda v: f"{v:.3f}"
    )
)

null = []
for draw in range(args.null_draws):
    labels = np.random.default_rng(draw).integers(0, 2, len(X))
    scores, _ = audit_report(X, labels, groups=faces.subject, adaptive=False, probes=PROBES)
    null.append(scores.set_index("probe").balanced_accuracy)
null = np.array(null)
print(f"\nNoise floor: raw features, {args.null_draws} draws of random labels")
for probe, column in zip(scores.probe, null.T, strict=True):
    print(
        f"{probe:9s} mean {column.mean():.3f}  std {column.std():.3f}  "
        f"max |score - 0.5| {np.abs(column - 0.5).max():.3f}"
    )
