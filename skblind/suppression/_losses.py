"""Loss terms of the suppressors (functions of torch tensors)."""

import torch
import torch.nn.functional as F

__all__ = [
    "batch_hard_triplet_loss",
    "centred",
    "confusion_loss",
    "entropy",
    "mmd_penalty",
    "neutral_target_penalty",
    "similarity_preservation",
    "zero_from",
]


def zero_from(reference):
    """A zero that stays on the autograd graph of ``reference``.

    A loss term with nothing to measure in a batch (no labelled sample, no valid
    triplet) returns this: adding it keeps the total differentiable and on the right
    device and dtype, and its gradient is zero.
    """
    return reference.sum() * 0.0


def centred(phi):
    """Subtract the batch mean from ``phi`` and scale it to unit mean squared norm.

    The suppressors' losses see phi through this: a constant offset or a global scale
    cannot change them. On the raw cosine geometry an encoder can make every sample
    nearly parallel by adding one huge common direction, which drives a kernel MMD on
    L2-normalised phi to zero (and the batch-hard triplet loss to its margin) while the
    sensitive information stays, intact, in the small remaining variations.
    """
    phi = phi - phi.mean(dim=0)
    # Clamped before the square root: sqrt's gradient at 0 is infinite, and a batch of
    # one sample is exactly 0 once centred (0 * inf = NaN in the backward pass).
    return phi / phi.pow(2).sum(dim=1).mean().clamp_min(1e-24).sqrt()


def batch_hard_triplet_loss(phi, labels, margin):
    """Batch-hard triplet loss (Hermans et al. 2017) on L2-normalised, centred ``phi``.

    Every sample with a label is an anchor; its positive is the farthest sample of the
    same label in the batch, its negative the nearest sample of another label. Anchors
    without both are skipped; a batch without any valid triplet gives a zero that still
    carries a gradient.

    Parameters
    ----------
    phi : Tensor of shape (n, d)
        The batch's representations.
    labels : Tensor of shape (n,) of int64
        Identity codes, -1 for unlabelled samples.
    margin : float
        The triplet margin alpha.

    Returns
    -------
    Tensor
        The mean of ``relu(d(a, p) - d(a, n) + margin)`` over valid anchors (squared
        Euclidean distances of unit vectors).
    """
    keep = labels >= 0
    phi, labels = F.normalize(phi - phi.mean(dim=0), dim=1)[keep], labels[keep]
    if len(labels) < 2:
        return zero_from(phi)
    distance = torch.cdist(phi, phi).pow(2)
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool, device=phi.device)
    positive = same & ~eye
    valid = positive.any(dim=1) & (~same).any(dim=1)
    if not valid.any():
        return zero_from(phi)
    hardest_positive = distance.masked_fill(~positive, float("-inf")).amax(dim=1)
    hardest_negative = distance.masked_fill(same, float("inf")).amin(dim=1)
    loss = F.relu(hardest_positive - hardest_negative + margin)
    return loss[valid].mean()


def neutral_target_penalty(logits, neutral, target):
    """SensitiveNets' regulariser: ``log(1 + |target - P(neutral | phi)|)``, averaged."""
    probability = logits.softmax(dim=1)[:, neutral]
    return torch.log1p((target - probability).abs()).mean()


def confusion_loss(logits):
    """Cross-entropy between the uniform distribution and the adversary's prediction.

    Minimal (``log K``) when the adversary outputs ``1/K`` for every class, i.e. when
    phi leaves it nothing to go on; unlike the paper's target on one class, it cannot
    be met by a phi that merely pushes every sample towards "neutral" while the
    remaining classes stay separable.
    """
    return -logits.log_softmax(dim=1).mean()


def entropy(logits):
    """Mean entropy of the softmax of ``logits``."""
    log_p = logits.log_softmax(dim=1)
    return -(log_p.exp() * log_p).sum(dim=1).mean()


def mmd_penalty(phi, sensitive, bandwidths=(0.5, 1.0, 2.0)):
    """Kernel MMD between each sensitive class and the rest, on :func:`centred` ``phi``.

    The squared maximum mean discrepancy with a sum of Gaussian kernels is zero exactly
    when the class-conditional distributions of phi coincide, so it removes non-linear
    as well as linear information about the class, without an adversary to outrun.

    Parameters
    ----------
    phi : Tensor of shape (n, d)
        The batch's representations.
    sensitive : Tensor of shape (n,) of int64
        Sensitive class codes (no missing values).
    bandwidths : tuple of float
        Widths of the Gaussian kernels (centred phi has unit mean squared norm, so
        typical distances are about sqrt(2)).

    Returns
    -------
    Tensor
        The sum over classes of the (biased) MMD estimate.
    """
    phi = centred(phi)
    distance = torch.cdist(phi, phi).pow(2)
    # Gaussian kernels for the whole distribution, plus the linear kernel, whose MMD is
    # the squared distance between class means (the linearly readable part).
    kernel = phi @ phi.T + sum(torch.exp(-distance / (2 * b * b)) for b in bandwidths)
    total = zero_from(phi)
    for value in torch.unique(sensitive):
        inside = sensitive == value
        if inside.all() or not inside.any():
            continue
        a, b = inside.float() / inside.sum(), (~inside).float() / (~inside).sum()
        weights = a - b
        total = total + weights @ kernel @ weights
    return total


def similarity_preservation(phi, X):
    """Mean squared difference between the centred cosine similarities of phi and X.

    Identity-agnostic: it keeps the geometry of the input embeddings (which verification
    on unseen identities relies on) except where the suppression term pulls it away.

    Parameters
    ----------
    phi : Tensor of shape (n, d)
        The batch's representations.
    X : Tensor of shape (n, p)
        The batch's input embeddings.

    Returns
    -------
    Tensor
    """
    phi, X = F.normalize(phi - phi.mean(dim=0), dim=1), F.normalize(X - X.mean(dim=0), dim=1)
    return (phi @ phi.T - X @ X.T).pow(2).mean()
