"""Synthetic embeddings with a planted identity structure and a planted sensitive factor."""

import numpy as np
from sklearn.utils import Bunch, check_random_state

__all__ = ["make_blinding_problem"]


def make_blinding_problem(
    n_subjects=40,
    n_per_subject=10,
    n_features=64,
    *,
    identity_dim=16,
    n_sensitive_classes=2,
    sensitive_strength=2.0,
    nonlinearity=0.0,
    noise=0.5,
    random_state=None,
):
    """Generate embeddings that encode identity and a sensitive attribute.

    Each subject has a centroid in an ``identity_dim``-dimensional subspace; each sample
    is its subject's centroid plus isotropic noise plus the effect of its sensitive class,
    drawn independently of the subject. The sensitive effect mixes a linear part (one
    offset per class, shared by every subject) and a non-linear part whose sign depends
    on which side of a hyperplane the subject's centroid lies (an XOR of identity and
    class): with ``nonlinearity=1`` the class means coincide and a linear probe sees
    nothing, while a non-linear probe still reads the class. The whole signal is mixed
    into ``n_features`` dimensions by a random rotation.

    Parameters
    ----------
    n_subjects : int, default=40
        Number of identities.
    n_per_subject : int, default=10
        Samples per identity.
    n_features : int, default=64
        Dimension of the embeddings.
    identity_dim : int, default=16
        Dimension of the subspace holding the identity centroids.
    n_sensitive_classes : int, default=2
        Number of classes of the sensitive attribute.
    sensitive_strength : float, default=2.0
        Norm of each class's offset, as a multiple of ``noise``; 0 plants no
        sensitive signal at all.
    nonlinearity : float in [0, 1], default=0.0
        Share of the sensitive effect that is non-linear (see above).
    noise : float, default=0.5
        Standard deviation of the per-sample noise in each dimension.
    random_state : int, RandomState instance or None, default=None
        Seed of every draw.

    Returns
    -------
    sklearn.utils.Bunch
        X : ndarray of shape (n_subjects * n_per_subject, n_features) float32
        subject : ndarray of int, the identity of each row
        sensitive : ndarray of int, the sensitive class of each row
        chance : float, the balanced accuracy of a probe that knows nothing
    """
    if not 0.0 <= nonlinearity <= 1.0:
        raise ValueError(f"nonlinearity must lie in [0, 1]; got {nonlinearity}")
    if identity_dim + 2 * n_sensitive_classes > n_features:
        raise ValueError(
            f"n_features={n_features} is too small for identity_dim={identity_dim} "
            f"plus {2 * n_sensitive_classes} sensitive directions"
        )
    if n_sensitive_classes < 2:
        raise ValueError("n_sensitive_classes must be at least 2")
    rng = check_random_state(random_state)
    n = n_subjects * n_per_subject
    subject = np.repeat(np.arange(n_subjects), n_per_subject)
    sensitive = rng.randint(n_sensitive_classes, size=n)

    centroids = rng.normal(size=(n_subjects, identity_dim))
    latent = np.zeros((n, n_features))
    latent[:, :identity_dim] = centroids[subject]
    k = n_sensitive_classes
    # Class offsets: centred one-hot codes, scaled to the requested norm.
    codes = np.eye(k) - 1.0 / k
    codes *= sensitive_strength * noise / np.linalg.norm(codes[0])
    side = np.sign(centroids @ rng.normal(size=identity_dim))[subject]
    side[side == 0] = 1.0
    linear = slice(identity_dim, identity_dim + k)
    xor = slice(identity_dim + k, identity_dim + 2 * k)
    latent[:, linear] += np.sqrt(1.0 - nonlinearity) * codes[sensitive]
    latent[:, xor] += np.sqrt(nonlinearity) * side[:, None] * codes[sensitive]
    latent += rng.normal(scale=noise, size=latent.shape)

    rotation, _ = np.linalg.qr(rng.normal(size=(n_features, n_features)))
    return Bunch(
        X=(latent @ rotation).astype(np.float32),
        subject=subject,
        sensitive=sensitive,
        chance=1.0 / k,
    )
