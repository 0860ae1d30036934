"""The torch modules of the suppressors."""

import torch
from torch import nn

__all__ = ["Adversary", "GradientReversal", "LNTLModule", "LowRankResidual", "Projection", "mlp"]

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


class Projection(nn.Module):
    """SensitiveNets' projection w_E: dense layers on the frozen embeddings.

    Parameters
    ----------
    n_features : int
        Dimension of the input embeddings.
    hidden_sizes : tuple of int, default=(1024, 1024, 1024)
        Units of each dense layer; the last is the dimension of phi(x). The paper uses
        three layers of 1024 units, the thesis one.
    activation : {"linear", "relu", "tanh", "gelu"}, default="linear"
        Activation between the layers (the paper's are linear).
    init : {"identity", "default"}, default="identity"
        Start from the identity map (phi(x) = x, padded with zeros), or from torch's
        random initialisation.
    """

    def __init__(
        self, n_features, hidden_sizes=(1024, 1024, 1024), activation="linear", init="identity"
    ):
        super().__init__()
        self.body = mlp(n_features, hidden_sizes, activation, final_activation=False, init=init)

    def forward(self, X):
        """Return phi(X)."""
        return self.body(X)


class LowRankResidual(nn.Module):
    """skblind's encoder: the identity map plus a learned correction of low rank.

    ``phi(x) = x + B A x`` with ``A`` of shape (rank, n_features) and ``B`` of shape
    (n_features, rank); ``B`` starts at zero, so training starts from ``phi(x) = x``.
    The correction can remove (or bend) at most ``rank`` directions of the input, which
    is all a sensitive attribute needs, and it cannot memorise the training identities
    the way a dense 1024 x 1024 stack can: verification on unseen identities keeps the
    backbone's geometry.

    Parameters
    ----------
    n_features : int
        Dimension of the input embeddings (and of phi).
    rank : int, default=32
        Rank of the correction.
    """

    def __init__(self, n_features, rank=32):
        super().__init__()
        self.down = nn.Linear(n_features, rank, bias=False)
        self.up = nn.Linear(rank, n_features, bias=False)
        nn.init.zeros_(self.up.weight)

    def forward(self, X):
        """Return phi(X)."""
        return X + self.up(self.down(X))


class LNTLModule(nn.Module):
    """Learning Not To Learn: an encoder phi and the main-task head on top of it.

    Parameters
    ----------
    n_features : int
        Dimension of the input embeddings.
    n_classes : int
        Number of classes of the main task ``y``.
    encoder : {"dense", "residual"}, default="dense"
        ``"dense"``: an MLP of ``hidden_sizes`` with ``activation`` (Kim et al.'s
        encoder). ``"residual"``: :class:`LowRankResidual` of rank ``rank``.
    rank : int, default=32
        Rank of the residual encoder.
    hidden_sizes : tuple of int, default=(1024,)
        Units of the dense encoder's layers; the last is the dimension of phi(x).
    activation : str, default="relu"
        Activation of the dense encoder.
    head_units : int, default=1024
        Units of the main head's hidden layer (dense + ReLU, then softmax).
    init : {"identity", "default"}, default="identity"
        Initialisation of the dense encoder (see :func:`mlp`).
    """

    def __init__(
        self,
        n_features,
        n_classes,
        encoder="dense",
        rank=32,
        hidden_sizes=(1024,),
        activation="relu",
        head_units=1024,
        init="identity",
    ):
        super().__init__()
        if encoder == "residual":
            self.encoder, n_phi = LowRankResidual(n_features, rank), n_features
        elif encoder == "dense":
            self.encoder = mlp(
                n_features, hidden_sizes, activation, final_activation=False, init=init
            )
            n_phi = hidden_sizes[-1]
        else:
            raise ValueError(f"encoder={encoder!r}; choose 'residual' or 'dense'")
        self.head = nn.Sequential(
            nn.Linear(n_phi, head_units), nn.ReLU(), nn.Linear(head_units, n_classes)
        )

    def forward(self, X):
        """Return phi(X) and the main head's logits."""
        phi = self.encoder(X)
        return phi, self.head(phi)


class Adversary(nn.Module):
    """The sensitive-attribute classifier (paper's w3, LNTL's bias head).

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
