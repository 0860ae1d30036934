"""Closed-form linear erasure (LEACE) applied to a learned phi."""

import torch

__all__ = ["fit_linear_eraser"]


def fit_linear_eraser(phi, codes, n_classes):
    """Fit LEACE on ``phi`` (a tensor) against one-hot sensitive ``codes``.

    Parameters
    ----------
    phi : Tensor of shape (n_samples, n_features)
        The learned representations of the training samples.
    codes : ndarray of shape (n_samples,) of int
        Sensitive class codes, ``0..n_classes-1``.
    n_classes : int
        Number of sensitive classes.

    Returns
    -------
    concept_erasure.LeaceEraser
        Callable on tensors of phi.
    """
    from concept_erasure import LeaceEraser

    onehot = torch.nn.functional.one_hot(torch.as_tensor(codes), n_classes).to(phi.dtype)
    return LeaceEraser.fit(phi, onehot)
