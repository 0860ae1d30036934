"""Transforms phi(x) that keep a task and remove a sensitive attribute.

The papers' methods (:class:`SensitiveNetsSuppressor`, :class:`LNTLSuppressor`), the
closed-form erasers (:class:`LEACEEraser`, :class:`INLPEraser`,
:class:`WithinIdentityEraser`), and skblind's recipe composed of such stages
(:class:`Blinder`).
"""

from ._blinder import Blinder, recipe_encoder
from ._linear import INLPEraser, LEACEEraser
from ._lntl import LNTLSuppressor
from ._sensitivenets import SensitiveNetsSuppressor
from ._within import WithinIdentityEraser

__all__ = [
    "Blinder",
    "INLPEraser",
    "LEACEEraser",
    "LNTLSuppressor",
    "SensitiveNetsSuppressor",
    "WithinIdentityEraser",
    "recipe_encoder",
]
