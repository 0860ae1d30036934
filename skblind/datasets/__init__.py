"""Data: the ORL faces with skblind's annotations, and synthetic blinding problems."""

from ._orl import load_orl_faces
from ._synthetic import make_blinding_problem

__all__ = ["load_orl_faces", "make_blinding_problem"]
