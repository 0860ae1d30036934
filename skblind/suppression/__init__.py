"""Learned transforms phi(x) that keep a task and remove a sensitive attribute."""

from ._lntl import LNTLSuppressor
from ._sensitivenets import SensitiveNetsSuppressor

__all__ = ["LNTLSuppressor", "SensitiveNetsSuppressor"]
