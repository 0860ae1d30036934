"""Learning Not To Learn (Kim et al., CVPR 2019) on frozen face embeddings."""

from numbers import Real

import torch
from sklearn.utils._param_validation import Interval

from ._base import BaseSuppressor
from ._modules import LNTLModule
from ._nets import LNTLNet

__all__ = ["LNTLSuppressor"]


class LNTLSuppressor(BaseSuppressor):
    """Learn phi(x) that serves a classifier of ``y`` and hides a sensitive attribute.

    An encoder (MLP on the frozen embeddings) gives phi(x); a main head (dense 1024 ReLU
    + softmax) is trained with cross-entropy on ``y``; a bias head (dense 1024 ReLU +
    softmax) learns the sensitive attribute from phi. On every batch the bias head is
    first updated on the detached phi (``adversary_steps`` times), then the encoder and
    the main head minimise

        CE(main(phi), y) + CE(bias(GRL(phi)), s) - lam * H(bias(phi)),

    where the gradient reversal layer GRL multiplies the gradient reaching the encoder
    by ``-grl_scale`` and H is the entropy of the bias head's prediction (the negative
    entropy term of Eq. 3.8 of the thesis).

    Parameters
    ----------
    lam : float, default=1.0
        Weight of the negative entropy term.
    grl_scale : float, default=1.0
        Scale of the gradient reversal layer.
    adversary_steps, encoder_steps : int, default=1
    max_epochs : int, default=60
    batch_size : int, default=128
    lr : float, default=1e-3
    optimizer : torch optimizer class, default=torch.optim.Adam
    device : str, default="auto"
    random_state : int, RandomState instance or None, default=None
    progress : bool, default=True
    **kwargs
        ``module__hidden_sizes`` (encoder, default ``(1024,)``), ``module__activation``,
        ``module__head_units``, ``adversary__units``, ``optimizer__*``,
        ``adversary_optimizer__*``, ``iterator_train__*``, ``callbacks__*``.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        ``net_.module_`` holds the encoder and the main head, ``net_.adversary_`` the
        bias head.
    history_ : pandas.DataFrame
        Per epoch: ``train_loss``, ``utility_loss`` (main cross-entropy),
        ``suppression`` (negative entropy), ``adversary_accuracy``.
    classes_, sensitive_classes_ : ndarray
    n_features_in_, n_features_out_ : int

    Notes
    -----
    Samples with a missing sensitive label (None, NaN, -1) train only the main task;
    samples with a missing ``y`` train only the bias side.
    """

    _net_class = LNTLNet
    _parameter_constraints = {
        **BaseSuppressor._parameter_constraints,
        "grl_scale": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        lam=1.0,
        grl_scale=1.0,
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
        self.grl_scale = grl_scale
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

    def _net_params(self, n_features, y_codes):
        return dict(
            module=LNTLModule,
            module__n_features=n_features,
            module__n_classes=len(self.classes_),
            criterion=torch.nn.CrossEntropyLoss,
            grl_scale=self.grl_scale,
        )
