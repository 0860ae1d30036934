"""Data: ORL with skblind's annotations, loaders for the paper's data sets, synthetic problems."""

from ._celeba import load_celeba
from ._cfee import CFEE_EXPRESSIONS, load_cfee
from ._diveface import DIVEFACE_GROUPS, load_diveface
from ._lfw import load_lfw, read_lfw_pairs
from ._orl import load_orl_faces
from ._profile import fit_blinding_profile, load_blinding_profile, make_realistic_blinding_problem
from ._synthetic import make_blinding_problem

__all__ = [
    "CFEE_EXPRESSIONS",
    "DIVEFACE_GROUPS",
    "load_celeba",
    "load_cfee",
    "fit_blinding_profile",
    "load_blinding_profile",
    "load_diveface",
    "load_lfw",
    "load_orl_faces",
    "make_blinding_problem",
    "make_realistic_blinding_problem",
    "read_lfw_pairs",
]
