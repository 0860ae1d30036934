"""Transforms phi(x) that keep a task and remove a sensitive attribute.

The papers' methods (:class:`SensitiveNetsSuppressor`, :class:`LNTLSuppressor`), the
closed-form erasers (:class:`LEACEEraser`, :class:`INLPEraser`,
:class:`WithinIdentityEraser`, :class:`MarginEraser`), the face-template literature's baselines
(:class:`IVEEraser`, :class:`PASSSuppressor`), and skblind's recipe composed of such
stages (:class:`Blinder`).
"""

from ._blinder import Blinder, recipe_encoder
from ._ive import IVEEraser
from ._linear import INLPEraser, LEACEEraser
from ._lntl import LNTLSuppressor
from ._margin import MarginEraser
from ._pass import PASSSuppressor
from ._sensitivenets import SensitiveNetsSuppressor
from ._within import WithinIdentityEraser

__all__ = [
    "Blinder",
    "INLPEraser",
    "IVEEraser",
    "LEACEEraser",
    "LNTLSuppressor",
    "MarginEraser",
    "PASSSuppressor",
    "SensitiveNetsSuppressor",
    "WithinIdentityEraser",
    "recipe_encoder",
]
