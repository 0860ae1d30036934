"""What a blinding stage declares it does, for the check suite to dispatch on."""

from dataclasses import dataclass

__all__ = ["BlindingTags", "blinding_tags"]


@dataclass(frozen=True)
class BlindingTags:
    """The capabilities a blinding stage declares (as scikit-learn's tags, for stages).

    Attributes
    ----------
    removes_linear_leakage : bool
        After it, a linear classifier trained on its own training rows reads the
        attribute at chance (LEACE's guarantee; INLP's; the recipe's, whose last stage is
        LEACE). Stages that restrict or reshape the space without that guarantee (the
        margin, IVE's elimination of a few dimensions) do not declare it.
    trained : bool
        Learned by gradient descent through skorch, recording its loss terms per epoch.
    """

    removes_linear_leakage: bool = False
    trained: bool = False


def blinding_tags(stage):
    """The :class:`BlindingTags` ``stage`` declares (``__skblind_tags__``), or the defaults.

    Parameters
    ----------
    stage : estimator
        A blinding stage.

    Returns
    -------
    BlindingTags
    """
    declare = getattr(stage, "__skblind_tags__", None)
    return BlindingTags() if declare is None else declare()
