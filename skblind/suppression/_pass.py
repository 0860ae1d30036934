"""PASS (Dhar et al., ICCV 2021): protected-attribute suppression on frozen face descriptors."""

from numbers import Integral

import torch

from .._compat import Interval
from ._docstrings import fill_shared_docs
from ._modules import AdversaryEnsemble, LNTLModule
from ._nets import PASSNet
from ._suppressor_base import BaseSuppressor

__all__ = ["PASSSuppressor"]


@fill_shared_docs
class PASSSuppressor(BaseSuppressor):
    """PASS: phi(x) that identifies people and defeats an ensemble of discriminators.

    After Dhar et al., "PASS: Protected Attribute Suppression System for Mitigating Bias
    in Face Recognition" (ICCV 2021), who trained it on frozen face descriptors to hide
    gender and skin tone. A model M (an MLP, ``module__n_layers`` dense ReLU layers as wide
    as the input) maps descriptors to phi(x); an identity classifier on phi is trained
    with cross-entropy on ``y``; an ensemble of ``n_adversaries`` discriminators learns
    the attribute from phi. On every batch the discriminators are updated on the
    detached phi, then M and the identity head minimise

        CE(identity(phi), y) + lam * mean_k CE(uniform, D_k(phi)),

    and after every ``reinit_every`` epochs one discriminator, in turn, is drawn
    afresh (PASS's ensemble with re-initialisation: phi cannot merely fool the
    discriminators it has already shaped).

    Here the sizes follow the other suppressors (M as wide as the input, one hidden layer
    of 1024 units in the identity head, 256 in each discriminator), not PASS's own,
    which were tuned to 512-d ArcFace/Crystalface descriptors and a multi-stage schedule.

    Parameters
    ----------
    lam : float, default=1.0
        Weight of the ensemble's confusion.
    n_adversaries : int, default=4
        Discriminators in the ensemble.
    reinit_every : int, default=2
        Epochs between re-initialisations (0: never).
    encoder : {"dense", "residual"}, default="dense"
        As :class:`~skblind.suppression.LNTLSuppressor` (``"dense"``: 2 ReLU layers here).
    suppression : {"paper", "confusion", "mmd"}, default="paper"
        ``"paper"`` and ``"confusion"``: the ensemble's confusion; ``"mmd"``: kernel MMD
        between the class-conditional distributions of phi instead.
    %(preserve)s
    %(training)s
    **kwargs
        ``module__*`` (the encoder's options and ``head_units``), ``adversary__units``,
        ``optimizer__*``, ``adversary_optimizer__*``, ``iterator_train__*``,
        ``callbacks__*``.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        ``net_.module_`` holds M and the identity head, ``net_.adversary_`` the ensemble.
    history_ : pandas.DataFrame
        Per epoch: ``train_loss``, ``main``, ``suppression``, ``similarity``,
        ``adversary_accuracy`` (of the ensemble's members together).
    %(fitted)s

    Notes
    -----
    %(missing_labels)s

    Examples
    --------
    >>> from skblind.datasets import make_blinding_problem
    >>> from skblind.suppression import PASSSuppressor
    >>> data = make_blinding_problem(n_subjects=20, random_state=0)
    >>> model = PASSSuppressor(max_epochs=2, progress=False, random_state=0)
    >>> model.fit_transform(data.X, data.subject, sensitive_features=data.sensitive).shape
    (200, 64)
    """

    _net_class = PASSNet
    _parameter_constraints = {
        **BaseSuppressor._parameter_constraints,
        "n_adversaries": [Interval(Integral, 1, None, closed="left")],
        "reinit_every": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        lam=1.0,
        n_adversaries=4,
        reinit_every=2,
        encoder="dense",
        suppression="paper",
        preserve=0.0,
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
        self.n_adversaries = n_adversaries
        self.reinit_every = reinit_every
        self.encoder = encoder
        self.suppression = suppression
        self.preserve = preserve
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
        if len(self.classes_) < 2:
            raise ValueError(f"y must hold at least two classes; got {self.classes_.tolist()}")

    def _net_params(self, n_features):
        return dict(
            module=LNTLModule,
            module__n_features=n_features,
            module__n_layers=2,
            module__activation="relu",
            module__n_classes=len(self.classes_),
            adversary=AdversaryEnsemble,
            adversary__n_adversaries=self.n_adversaries,
            criterion=torch.nn.CrossEntropyLoss,
            reinit_every=self.reinit_every,
        )
