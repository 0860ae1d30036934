"""SensitiveNets (Morales et al.) as adapted to emotion blinding in the ICPR 2020 paper."""

from numbers import Real

import numpy as np
import torch

from .._compat import Interval
from ._docstrings import fill_shared_docs
from ._modules import Encoder
from ._nets import SensitiveNetsNet
from ._suppressor_base import BaseSuppressor

__all__ = ["SensitiveNetsSuppressor"]


@fill_shared_docs
class SensitiveNetsSuppressor(BaseSuppressor):
    """SensitiveNets: phi(x) that keeps identity (triplet loss) and hides an attribute.

    The paper's method at its defaults. A projection network w_E (three linear dense
    layers, as wide as the input) maps frozen embeddings to phi(x). Training alternates,
    on every batch, ``adversary_steps`` updates of an adversary w3 (dense 1024 ReLU +
    softmax) that learns to read the sensitive attribute from the current phi, and
    ``encoder_steps`` updates of w_E on::

        L = triplet(phi; y, margin) + lam * log(1 + |target - P3(neutral | phi)|).

    Triplets are mined batch-hard: each labelled sample is an anchor with the farthest
    same-``y`` sample and the nearest other-``y`` sample of the batch. The losses see
    phi centred on the batch mean, and ``transform`` returns phi centred on the
    training mean.

    skblind's own variants are parameters (``suppression="mmd"``,
    ``encoder="residual"``, ``preserve``); skblind's recommended recipe composes such
    an encoder with closed-form erasers in :class:`~skblind.suppression.Blinder`.

    Parameters
    ----------
    lam : float, default=1.0
        Weight lambda of the suppression term.
    encoder : {"dense", "residual"}, default="dense"
        ``"dense"``: the paper's stack of linear dense layers (``module__n_layers``,
        default 3, ``module__hidden_sizes``, default as wide as the input,
        ``module__activation``, default ``"linear"``, ``module__init``, default torch's).
        ``"residual"``: ``phi(x) = x + B A x`` with a correction of rank
        ``module__rank`` (default 32) that starts at zero.
    suppression : {"paper", "confusion", "mmd"}, default="paper"
        ``"paper"``: ``log(1 + |target - P3(neutral | phi)|)``, averaged over the batch.
        ``"confusion"``: cross-entropy of w3's output against the uniform distribution
        (non-saturating: its gradient does not vanish when w3 is confident).
        ``"mmd"``: kernel MMD (Gaussian and linear kernels) between the
        class-conditional distributions of phi, with no adversary to outrun; w3 is
        still trained, to monitor ``adversary_accuracy``.
    %(preserve)s
    neutral_class : label or None, default=None
        The sensitive class that plays "neutral" for ``"paper"``; None takes the first
        of the sorted classes (0 for 0/1 labels).
    target : float, default=0.9
        Target probability of the neutral class for ``"paper"``.
    margin : float, default=0.2
        Triplet margin alpha, on L2-normalised phi with squared distances.
    %(training)s
    **kwargs
        ``module__*`` (the encoder's options: ``n_layers``, ``hidden_sizes``,
        ``activation``, ``init``, ``rank``), ``adversary__units``, ``optimizer__*``,
        ``adversary_optimizer__*``, ``iterator_train__*``, ``callbacks__*``: handed
        to the skorch net.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net (``net_.module_`` is w_E, ``net_.adversary_`` is w3).
    history_ : pandas.DataFrame
        Per epoch: ``train_loss`` and its unweighted terms ``triplet``,
        ``suppression``, ``similarity``; ``adversary_accuracy``.
    %(fitted)s

    Notes
    -----
    %(missing_labels)s

    The paper's target on one class is met by a phi that makes w3 say "neutral" with
    probability 0.9 for everyone, which does not require the classes to be inseparable
    for other probes: see the audit guide for what the paper's recipe leaves to a
    held-out attacker.

    Examples
    --------
    >>> from skblind.datasets import make_blinding_problem
    >>> from skblind.suppression import SensitiveNetsSuppressor
    >>> data = make_blinding_problem(random_state=0)
    >>> suppressor = SensitiveNetsSuppressor(max_epochs=2, progress=False, random_state=0)
    >>> phi = suppressor.fit_transform(data.X, data.subject, sensitive_features=data.sensitive)
    >>> phi.shape
    (400, 64)
    """

    _net_class = SensitiveNetsNet
    _parameter_constraints = {
        **BaseSuppressor._parameter_constraints,
        "neutral_class": "no_validation",
        "target": [Interval(Real, 0, 1, closed="both")],
        "margin": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        lam=1.0,
        encoder="dense",
        suppression="paper",
        preserve=0.0,
        neutral_class=None,
        target=0.9,
        margin=0.2,
        adversary_steps=1,
        encoder_steps=1,
        max_epochs=60,
        batch_size=128,
        lr=1e-3,
        optimizer=torch.optim.Adam,
        device="auto",
        random_state=None,
        progress=True,
        **kwargs,
    ):
        self.lam = lam
        self.encoder = encoder
        self.suppression = suppression
        self.preserve = preserve
        self.neutral_class = neutral_class
        self.target = target
        self.margin = margin
        self.adversary_steps = adversary_steps
        self.encoder_steps = encoder_steps
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.device = device
        self.random_state = random_state
        self.progress = progress
        self._store_net_kwargs(kwargs)

    def _check_labels(self, y_codes, s_codes):
        super()._check_labels(y_codes, s_codes)
        if len(self.classes_) < 2 or np.bincount(y_codes[y_codes >= 0]).max() < 2:
            raise ValueError(
                "y must hold at least two identities and one with two samples or more, "
                "or no triplet can be formed"
            )
        if self.neutral_class is None:
            self.neutral_code_ = 0
        else:
            matches = np.flatnonzero(self.sensitive_classes_ == self.neutral_class)
            if len(matches) == 0:
                raise ValueError(
                    f"neutral_class={self.neutral_class!r} is not among the sensitive "
                    f"classes {self.sensitive_classes_.tolist()}"
                )
            self.neutral_code_ = int(matches[0])

    def _net_params(self, n_features):
        return dict(
            module=Encoder,
            module__n_features=n_features,
            module__n_layers=3,
            criterion=torch.nn.CrossEntropyLoss,
            margin=self.margin,
            neutral=self.neutral_code_,
            target=self.target,
        )
