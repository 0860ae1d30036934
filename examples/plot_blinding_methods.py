"""
Blinding smiling with each method, and auditing the result
==========================================================

Embed the ORL faces with SFace's pooled layer, then remove ``smiling`` with the two
closed-form baselines (LEACE, INLP) and the two learned suppressors (SensitiveNets, LNTL).
:func:`~skblind.evaluation.audit_report` fits each method inside every subject-disjoint
fold and probes the held-out subjects, so each figure is measured on people the method
never saw. Glasses should survive; smiling should fall to chance (0.5).
"""

# %%
# Embeddings and the audit
# ------------------------
import matplotlib.pyplot as plt

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder
from skblind.evaluation import audit_report, plot_feature_removal, plot_tsne
from skblind.suppression import INLPEraser, LEACEEraser, LNTLSuppressor, SensitiveNetsSuppressor

faces = load_orl_faces()
X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images)
quick = dict(max_epochs=20, progress=False, random_state=0)
methods = {
    "LEACE": LEACEEraser(),
    "INLP": INLPEraser(),
    "SensitiveNets": SensitiveNetsSuppressor(**quick),
    "LNTL": LNTLSuppressor(**quick),
}
leakage, verification = audit_report(
    X,
    {"smiling": faces.smiling, "glasses": faces.glasses},
    groups=faces.subject,
    y=faces.subject,
    remove=faces.smiling,
    representations={"raw": None, **methods},
    adaptive=False,
    n_splits=3,
)

# %%
# Balanced accuracy of each probe on held-out subjects (mean over folds)
table = leakage.pivot_table(
    index=["attribute", "probe"], columns="representation", values="balanced_accuracy", sort=False
)
print(table.round(3).to_string())

# %%
# Held-out verification: what identity the methods keep
print(verification[["representation", "roc_auc", "accuracy"]].round(4).to_string(index=False))

# %%
# The figures of the paper
# ------------------------
# t-SNE of the raw features and of SensitiveNets' output, coloured by smiling (Figs. 3 and
# 5), and a probe's accuracy as features are removed at random (Fig. 4). Here the methods
# are fitted on all subjects: the figures illustrate, the audit above measures.
blinded = SensitiveNetsSuppressor(**quick).fit(X, faces.subject, sensitive_features=faces.smiling)
phi = blinded.transform(X)
plot_tsne({"raw": X, "SensitiveNets": phi}, faces.smiling, label_names={0: "no", 1: "smiling"})
plot_feature_removal(
    {"raw": X, "SensitiveNets": phi},
    faces.smiling,
    groups=faces.subject,
    fractions=[0.0, 0.25, 0.5, 0.75, 0.9],
    n_repeats=1,
)
plt.show()
