"""Names the command line offers, kept where importing them loads nothing heavy.

``skblind --help`` parses its arguments from these without importing torch, OpenCV or
scikit-learn's estimators (the packages that define what the names stand for import
them, and check their registries against these names).
"""

import math

__all__ = ["BACKBONE_NAMES", "DETECTOR_NAMES", "min_permutations"]

#: The backbones of :class:`~skblind.embedding.FaceEmbedder`.
BACKBONE_NAMES = ("sface", "facenet-vggface2", "facenet-casia", "dlib")

#: Its face detectors.
DETECTOR_NAMES = ("yunet", "mtcnn", "retinaface", "dlib")


def min_permutations(alpha):
    """The fewest permutation draws with which a two-sided test at ``alpha`` can reject.

    A permutation p-value is at least ``1 / (n_permutations + 1)``; a row leaks when a
    p-value is at most ``alpha / 2`` (two metrics, Bonferroni), which fewer draws can
    never reach: 39 at ``alpha=0.05``.

    Parameters
    ----------
    alpha : float
        The audit's level, in (0, 1).

    Returns
    -------
    int

    Examples
    --------
    >>> from skblind.evaluation import min_permutations
    >>> min_permutations(0.05)
    39
    """
    return max(1, math.ceil(2 / alpha - 1 - 1e-9))
