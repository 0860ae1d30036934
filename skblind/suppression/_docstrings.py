"""Parameter and attribute descriptions the skorch suppressors share, written once.

A suppressor's docstring names a shared description by a line of its own, ``%(name)s``
at the indentation of the section it stands in; :func:`fill_shared_docs` replaces it
(after imbalanced-learn's ``Substitution``). An unknown name is a ``KeyError`` at import.
"""

import re
import textwrap

__all__ = ["fill_shared_docs"]

_SHARED = {
    "preserve": """\
preserve : float, default=0.0
    Weight of a term that keeps the batch's cosine similarities of phi close to those
    of the input embeddings (not in the papers).""",
    "training": """\
adversary_steps, encoder_steps : int, default=1
    Updates of the adversary and of the encoder per batch (``adversary_steps=0``: the
    adversary is never trained, only read).
max_epochs : int, default=60
    Passes over the training rows.
batch_size : int, default=128
    Rows per batch; batches should hold several samples of each identity.
lr : float, default=1e-3
    Learning rate of both optimizers (``optimizer__lr`` and
    ``adversary_optimizer__lr`` override it for each).
optimizer : torch optimizer class, default=torch.optim.Adam
    The encoder's optimizer (the adversary's is Adam; ``adversary_optimizer__*``
    set its options). Both are asked for PyTorch's multi-tensor update
    (``foreach=True``) when they take it, on the CPU too: the same weights as the
    per-parameter loop, sooner (``optimizer__foreach=False`` restores the loop).
device : str, default="auto"
    ``"auto"``: CUDA when available, else the CPU; or any torch device name.
random_state : int, RandomState instance or None, default=None
    Seeds initialisation and batch order: results are identical on CPU.
progress : bool, default=True
    Show a tqdm bar over epochs.""",
    "fitted": """\
classes_, sensitive_classes_ : ndarray
    The labels of ``y`` and of ``sensitive_features`` seen in ``fit``.
n_features_in_, n_features_out_ : int
    Features of the input and of phi.
center_ : ndarray of shape (n_phi,)
    Mean of the encoder's output on the training samples (``n_phi`` is
    ``n_features_out_``); ``transform`` subtracts it.""",
    "missing_labels": """\
Samples with a missing sensitive label (None or NaN; -1 is a class) train only the
identity side; samples with a missing ``y`` train only the adversary and the
suppression.""",
}

_PLACEHOLDER = re.compile(r"^( *)%\((\w+)\)s$", re.MULTILINE)


def fill_shared_docs(cls):
    """Class decorator: replace each ``%(name)s`` line of the docstring by its description."""
    if cls.__doc__ is not None:  # None under python -OO
        cls.__doc__ = _PLACEHOLDER.sub(
            lambda match: textwrap.indent(_SHARED[match.group(2)], match.group(1)), cls.__doc__
        )
    return cls
