"""
Blinding "smiling" in real SFace features of the ORL faces: paper recipes and defaults
=====================================================================================

The paper's recipes against skblind's defaults, with :func:`skblind.evaluation.audit_report`:
subject-disjoint 5-fold cross-validation, each suppressor fitted on the 32 training subjects
of a fold, probes trained on phi of those subjects and scored on the 8 held-out ones, and
verification ROC AUC on the held-out subjects.

Caveat: the probes learn from phi of the suppressor's own training subjects. Training probes
on other subjects instead needs more subjects than ORL has: with 8, raw features already
give probes below chance, because 16 of the 40 subjects smile in all or none of their images.

    python examples/orl_blinding_audit.py
"""

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder
from skblind.evaluation import audit_report
from skblind.suppression import LNTLSuppressor, SensitiveNetsSuppressor

COMMON = dict(progress=False, random_state=0)
PAPER = dict(suppression="paper", lam=1.0, erase_linear=False, module__init="default")

faces = load_orl_faces()
X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images)
leakage, verification = audit_report(
    X,
    faces.smiling,
    groups=faces.subject,
    y=faces.subject,
    adaptive=False,
    representations={
        "raw": None,
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
