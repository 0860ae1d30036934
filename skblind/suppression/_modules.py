"""The torch modules of the suppressors: the shared encoder, LNTL's module, the adversary."""

import torch
from torch import nn

__all__ = ["Adversary", "Encoder", "GradientReversal", "LNTLModule", "LowRankResidual", "mlp"]

_ACTIVATIONS = {"linear": nn.Identity, "relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}


def mlp(n_in, sizes, activation, final_activation=True, init="default"):
    """Build a stack of dense layers of ``sizes`` units with ``activation`` between them.

    ``init="identity"`` sets every weight matrix to the (rectangular) identity and every
    bias to zero, so that a linear stack starts as the identity map (or an isometric
    embedding into more dimensions): training then starts from the input's geometry.
    ``init="default"`` keeps torch's initialisation.
    """
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation={activation!r}; choose one of {sorted(_ACTIVATIONS)}")
    if init not in ("default", "identity"):
        raise ValueError(f"init={init!r}; choose 'default' or 'identity'")
    layers = []
    for index, size in enumerate(sizes):
        layers.append(nn.Linear(n_in, size))
        if init == "identity":
            nn.init.eye_(layers[-1].weight)
            nn.init.zeros_(layers[-1].bias)
        if final_activation or index < len(sizes) - 1:
            layers.append(_ACTIVATIONS[activation]())
        n_in = size
    return nn.Sequential(*layers)


class LowRankResidual(nn.Module):
    """The identity map plus a learned correction of low rank.

    ``phi(x) = x + B A x`` with ``A`` of shape (rank, n_features) and ``B`` of shape
    (n_features, rank); ``B`` starts at zero, so training starts from ``phi(x) = x``.
    The correction can remove (or bend) at most ``rank`` directions of the input, which
    is all a sensitive attribute needs, and it cannot memorise the training identities
    the way a dense stack can: verification on unseen identities keeps the backbone's
    geometry.

    Parameters
    ----------
    n_features : int
        Dimension of the input embeddings (and of phi).
    rank : int, default=32
        Rank of the correction.
    """

    def __init__(self, n_features, rank=32):
        super().__init__()
        self.out_features = n_features
        self.down = nn.Linear(n_features, rank, bias=False)
        self.up = nn.Linear(rank, n_features, bias=False)
        nn.init.zeros_(self.up.weight)

    def forward(self, X):
        """Return phi(X)."""
        return X + self.up(self.down(X))


class Encoder(nn.Module):
    """The encoder phi of both suppressors: a dense stack or a low-rank residual map.

    One class reads every encoder option, so the two suppressors interpret them the
    same way; the options of the other kind are ignored (as scikit-learn ignores
    ``degree`` for an RBF kernel).

    Parameters
    ----------
    n_features : int
        Dimension of the input embeddings.
    kind : {"dense", "residual"}, default="dense"
        ``"dense"``: ``n_layers`` dense layers (the papers' encoders).
        ``"residual"``: :class:`LowRankResidual` of rank ``rank``.
    n_layers : int, default=1
        Depth of the dense stack when ``hidden_sizes`` is None.
    hidden_sizes : tuple of int or None, default=None
        Units of each dense layer, the last being the dimension of phi; None gives
        ``n_layers`` layers as wide as the input.
    activation : {"linear", "relu", "tanh", "gelu"}, default="linear"
        Activation between the dense layers.
    init : {"default", "identity"}, default="default"
        Initialisation of the dense layers (see :func:`mlp`).
    rank : int, default=32
        Rank of the residual correction.

    Attributes
    ----------
    out_features : int
        Dimension of phi.
    """

    def __init__(
        self,
        n_features,
        kind="dense",
        n_layers=1,
        hidden_sizes=None,
        activation="linear",
        init="default",
        rank=32,
    ):
        super().__init__()
        if kind == "residual":
            self.body = LowRankResidual(n_features, rank)
            self.out_features = n_features
        elif kind == "dense":
            sizes = tuple(hidden_sizes) if hidden_sizes is not None else (n_features,) * n_layers
            if not sizes:
                raise ValueError("a dense encoder needs at least one layer")
            self.body = mlp(n_features, sizes, activation, final_activation=False, init=init)
            self.out_features = sizes[-1]
        else:
            raise ValueError(f"encoder={kind!r}; choose 'dense' or 'residual'")

    def forward(self, X):
        """Return phi(X)."""
        return self.body(X)


class LNTLModule(nn.Module):
    """Learning Not To Learn: an :class:`Encoder` and the main-task head on top of it.

    Parameters
    ----------
    n_features : int
        Dimension of the input embeddings.
    n_classes : int
        Number of classes of the main task ``y``.
    head_units : int, default=1024
        Units of the main head's hidden layer (dense + ReLU, then softmax).
    **encoder_params
        Passed to :class:`Encoder` (``kind``, ``n_layers``, ``hidden_sizes``,
        ``activation``, ``init``, ``rank``).

    Attributes
    ----------
    out_features : int
        Dimension of phi.
    """

    def __init__(self, n_features, n_classes, head_units=1024, **encoder_params):
        super().__init__()
        self.encoder = Encoder(n_features, **encoder_params)
        self.out_features = self.encoder.out_features
        self.head = nn.Sequential(
            nn.Linear(self.out_features, head_units), nn.ReLU(), nn.Linear(head_units, n_classes)
        )

    def forward(self, X):
        """Return phi(X) and the main head's logits."""
        phi = self.encoder(X)
        return phi, self.head(phi)


class Adversary(nn.Module):
    """The sensitive-attribute classifier (SensitiveNets' w3, LNTL's bias head).

    Parameters
    ----------
    n_features : int
        Dimension of phi(x).
    n_classes : int
        Number of sensitive classes.
    units : int, default=1024
        Units of the hidden layer (dense + ReLU, then softmax).
    """

    def __init__(self, n_features, n_classes, units=1024):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(n_features, units), nn.ReLU(), nn.Linear(units, n_classes)
        )

    def forward(self, phi):
        """Return the logits of the sensitive classes."""
        return self.body(phi)


class AdversaryEnsemble(nn.Module):
    """Several sensitive-attribute classifiers on the same phi (PASS's discriminators).

    Parameters
    ----------
    n_features : int
        Dimension of phi(x).
    n_classes : int
        Number of sensitive classes.
    n_adversaries : int, default=4
        Members; each is an :class:`Adversary`.
    units : int, default=256
        Units of each member's hidden layer.
    """

    def __init__(self, n_features, n_classes, n_adversaries=4, units=256):
        super().__init__()
        self.members = nn.ModuleList(
            Adversary(n_features, n_classes, units) for _ in range(n_adversaries)
        )

    def forward(self, phi):
        """Return every member's logits, stacked: ``(n_adversaries * len(phi), n_classes)``."""
        return torch.cat([member(phi) for member in self.members])

    def reinitialize(self, index):
        """Draw member ``index``'s weights afresh; return its parameters."""
        member = self.members[index]
        for layer in member.modules():
            if isinstance(layer, nn.Linear):
                layer.reset_parameters()
        return list(member.parameters())


class _ReverseGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.scale * grad, None


class GradientReversal(nn.Module):
    """Identity forward; multiplies the gradient by ``-scale`` backward (Ganin & Lempitsky)."""

    def __init__(self, scale=1.0):
        super().__init__()
        self.scale = scale

    def forward(self, x):
        """Return ``x`` unchanged."""
        return _ReverseGrad.apply(x, self.scale)
