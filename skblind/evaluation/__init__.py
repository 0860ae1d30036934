"""Audits of a representation: what it still reveals, what it still does."""

from ._verification import pair_similarities, verification_roc_auc

__all__ = ["pair_similarities", "verification_roc_auc"]
