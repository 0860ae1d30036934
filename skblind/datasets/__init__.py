"""Data: ORL with skblind's annotations, loaders for LFW and CelebA, synthetic problems."""

from ._celeba import load_celeba
from ._lfw import load_lfw
from ._orl import load_orl_faces
from ._synthetic import make_blinding_problem

__all__ = ["load_celeba", "load_lfw", "load_orl_faces", "make_blinding_problem"]
