"""Learning Not To Learn (Kim et al., CVPR 2019) on frozen face embeddings."""

from numbers import Real

import torch

from .._compat import Interval
from ._docstrings import fill_shared_docs
from ._modules import LNTLModule
from ._nets import LNTLNet
from ._suppressor_base import BaseSuppressor

__all__ = ["LNTLSuppressor"]


@fill_shared_docs
class LNTLSuppressor(BaseSuppressor):
    """Learning Not To Learn: phi(x) that serves a classifier of ``y`` and hides an attribute.

    Kim et al.'s method at its defaults. An encoder (a dense layer as wide as the
    input; deeper stacks put ReLUs between layers) gives phi(x); a main head (dense
    1024 ReLU + softmax) is trained with cross-entropy on ``y``; a bias head (dense
    1024 ReLU + softmax) learns the sensitive attribute from phi. On every batch the
    bias head is first updated on the detached phi (``adversary_steps`` times), then
    the encoder and the main head minimise

        CE(main(phi), y) + CE(bias(GRL(phi)), s) - lam * H(bias(phi)),

    where the gradient reversal layer GRL multiplies the gradient reaching the encoder
    by ``-grl_scale`` and H is the entropy of the bias head's prediction (the negative
    entropy term of Eq. 3.8 of the thesis).

    skblind's own variants are parameters (``suppression="mmd"``,
    ``encoder="residual"``, ``preserve``); skblind's recommended recipe composes an
    encoder with closed-form erasers in :class:`~skblind.suppression.Blinder`.

    Parameters
    ----------
    lam : float, default=1.0
        Weight of the suppression term (the negative entropy for ``"paper"``).
    grl_scale : float, default=1.0
        Scale of the gradient reversal layer (0 switches the reversed term off).
    encoder : {"dense", "residual"}, default="dense"
        ``"dense"``: an MLP (``module__n_layers``, default 1, ``module__hidden_sizes``,
        default as wide as the input, ``module__activation``, default ``"relu"``,
        ``module__init``, default torch's). ``"residual"``: ``phi(x) = x + B A x`` with
        a correction of rank ``module__rank`` (default 32).
    suppression : {"paper", "confusion", "mmd"}, default="paper"
        ``"paper"``: the negative entropy of the bias head (Kim et al.).
        ``"confusion"``: cross-entropy of the bias head's output against the uniform
        distribution (non-saturating). ``"mmd"``: kernel MMD (Gaussian and linear
        kernels) between the class-conditional distributions of phi, with no adversary
        to outrun; the bias head is still trained, through the reversed term and to
        monitor ``adversary_accuracy``.
    %(preserve)s
    %(training)s
    **kwargs
        ``module__*`` (the encoder's options: ``n_layers``, ``hidden_sizes``,
        ``activation``, ``init``, ``rank``; and ``head_units``), ``adversary__units``,
        ``optimizer__*``, ``adversary_optimizer__*``, ``iterator_train__*``,
        ``callbacks__*``.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        ``net_.module_`` holds the encoder and the main head, ``net_.adversary_`` the
        bias head.
    history_ : pandas.DataFrame
        Per epoch: ``train_loss`` and its unweighted terms ``main``,
        ``reversed_bias``, ``suppression``, ``similarity``; ``adversary_accuracy``.
    %(fitted)s

    Notes
    -----
    %(missing_labels)s

    Both of the paper's terms saturate once the bias head is confident (the entropy and
    the cross-entropy of a confident correct prediction have vanishing gradients), so
    the encoder can stop receiving a signal; ``suppression="mmd"`` does not.

    Examples
    --------
    >>> from skblind.datasets import make_blinding_problem
    >>> from skblind.suppression import LNTLSuppressor
    >>> data = make_blinding_problem(n_subjects=20, random_state=0)
    >>> model = LNTLSuppressor(max_epochs=2, progress=False, random_state=0)
    >>> model.fit_transform(data.X, data.subject, sensitive_features=data.sensitive).shape
    (200, 64)
    """

    _net_class = LNTLNet
    _parameter_constraints = {
        **BaseSuppressor._parameter_constraints,
        "grl_scale": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        lam=1.0,
        grl_scale=1.0,
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
        self.grl_scale = grl_scale
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
            module__n_layers=1,
            module__activation="relu",
            module__n_classes=len(self.classes_),
            criterion=torch.nn.CrossEntropyLoss,
            grl_scale=self.grl_scale,
        )
