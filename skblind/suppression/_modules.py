"""The torch modules of the suppressors."""

import torch
from torch import nn

__all__ = ["Adversary", "GradientReversal", "LNTLModule", "Projection", "mlp"]

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


class LNTLModule(nn.Module):
    """Learning Not To Learn: an encoder phi and the main-task head on top of it.

    Parameters
    ----------
    n_features : int
        Dimension of the input embeddings.
    n_classes : int
        Number of classes of the main task ``y``.
    hidden_sizes : tuple of int, default=(1024,)
        Units of the encoder's dense layers; the last is the dimension of phi(x).
    activation : str, default="relu"
        Activation of the encoder.
    head_units : int, default=1024
        Units of the main head's hidden layer (dense + ReLU, then softmax).
    init : {"identity", "default"}, default="identity"
        Initialisation of the encoder (see :func:`mlp`).
    """

    def __init__(
        self,
        n_features,
        n_classes,
        hidden_sizes=(1024,),
        activation="relu",
        head_units=1024,
        init="identity",
    ):
        super().__init__()
        self.encoder = mlp(n_features, hidden_sizes, activation, final_activation=False, init=init)
        self.head = nn.Sequential(
            nn.Linear(hidden_sizes[-1], head_units), nn.ReLU(), nn.Linear(head_units, n_classes)
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
