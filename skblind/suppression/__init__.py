"""Transforms phi(x) that keep a task and remove a sensitive attribute: learned and linear."""

from ._linear import INLPEraser, LEACEEraser
from ._lntl import LNTLSuppressor
from ._sensitivenets import SensitiveNetsSuppressor

__all__ = ["INLPEraser", "LEACEEraser", "LNTLSuppressor", "SensitiveNetsSuppressor"]
