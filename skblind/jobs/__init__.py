"""The jobs behind the command line, callable from Python.

- :func:`run_demo`: ORL end to end (``skblind demo``);
- :func:`run_reproduce`: the paper's protocol on the data sets a user has
  (``skblind reproduce``);
- :func:`embed_images`, :func:`fit_suppressor`, :func:`audit_embeddings`: the workflow on a
  user's own files (``skblind embed``, ``fit``, ``audit``).

Each job writes its outputs and returns its tables; :func:`format_tables` renders them
for a terminal (the command line prints that, and knows no column names itself).
"""

from ._demo import run_demo
from ._reproduce import run_reproduce
from ._summaries import describe_fitted, format_tables
from ._workflow import (
    audit_embeddings,
    embed_images,
    fit_suppressor,
    make_suppressor,
    read_embeddings,
)

__all__ = [
    "audit_embeddings",
    "describe_fitted",
    "embed_images",
    "fit_suppressor",
    "format_tables",
    "make_suppressor",
    "read_embeddings",
    "run_demo",
    "run_reproduce",
]
