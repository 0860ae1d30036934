"""
Blinding smiling with each method, and auditing the result
==========================================================

Embed the ORL faces with SFace's pooled layer, then remove ``smiling`` with the two
closed-form baselines (LEACE, INLP), the papers' learned suppressors (SensitiveNets, LNTL)
and skblind's recipe composed of such stages (Blinder).
:func:`~skblind.evaluation.audit_report` fits each method on the fit subjects of every
subject-disjoint split, and trains and tests its attackers only on blinded templates of the
held-out subjects: attackers who never saw the method's training data, as in deployment.
Glasses should survive; smiling should fall to chance (0.5 balanced accuracy, 0.5
within-identity AUC). Three attackers of the battery keep the gallery quick; the default
battery has eight.
"""

# %%
# Embeddings and the audit
# ------------------------
import matplotlib.pyplot as plt

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder
from skblind.evaluation import (
    audit_report,
    default_attackers,
    feature_removal_curve,
    plot_feature_removal,
    plot_tsne,
    tsne_points,
)
from skblind.suppression import (
    Blinder,
    INLPEraser,
    LEACEEraser,
    LNTLSuppressor,
    SensitiveNetsSuppressor,
)

faces = load_orl_faces()
X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images)
quick = dict(max_epochs=20, progress=False, random_state=0)
methods = {
    "LEACE": LEACEEraser(),
    "INLP": INLPEraser(),
    "SensitiveNets (paper)": SensitiveNetsSuppressor(**quick),
    "LNTL (paper)": LNTLSuppressor(**quick),
    "Blinder": Blinder(random_state=0),
}
audit = audit_report(
    X,
    {"smiling": faces.smiling, "glasses": faces.glasses},
    groups=faces.subject,
    y=faces.subject,
    remove=faces.smiling,
    representations={"raw": None, **methods},
    attackers={name: default_attackers()[name] for name in ("LR", "MLP", "kNN-cosine")},
    adaptive=False,
    n_splits=3,
    progress=False,
)
leakage, verification = audit.leakage, audit.verification

# %%
# Balanced accuracy and within-identity AUC of each attacker on held-out subjects, with the
# verdict of the permutation tests
for value in ("balanced_accuracy", "within_auc", "verdict"):
    table = leakage.pivot_table(
        index=["attribute", "attacker"],
        columns="representation",
        values=value,
        aggfunc="first",
        sort=False,
    )
    print(f"\n{value}")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))

# %%
# Held-out verification: what identity the methods keep
print(verification[["representation", "roc_auc", "accuracy"]].round(4).to_string(index=False))

# %%
# The figures of the paper
# ------------------------
# t-SNE of the raw features and of the Blinder's output, coloured by smiling (Figs. 3 and
# 5), and an attacker's accuracy as features are removed at random (Fig. 4). Here the methods
# are fitted on all subjects: the figures illustrate, the audit above measures.
blinded = Blinder(random_state=0)
phi = blinded.fit_transform(X, faces.subject, sensitive_features=faces.smiling)
points = tsne_points({"raw": X, "Blinder": phi})
plot_tsne(points, faces.smiling, label_names={0: "no", 1: "smiling"})
curve = feature_removal_curve(
    {"raw": X, "Blinder": phi},
    faces.smiling,
    groups=faces.subject,
    fractions=[0.0, 0.25, 0.5, 0.75, 0.9],
    n_repeats=1,
)
print(curve[["representation", "removed", "balanced_accuracy"]].round(3).to_string(index=False))
plot_feature_removal(curve, attribute="smiling")
plt.show()
