"""The jobs behind the command line, callable from Python.

- :func:`run_demo`: ORL end to end (``skblind demo``);
- :func:`run_reproduce`: the paper's protocol on the data sets a user has
  (``skblind reproduce``);
- :func:`embed_images`, :func:`fit_suppressor`, :func:`audit_embeddings`: the workflow on a
  user's own files (``skblind embed``, ``fit``, ``audit``).

Each job writes its outputs and returns its tables; :func:`format_tables` renders them
for a terminal (the command line prints that, and knows no column names itself).

The demo and ``reproduce`` are compositions of public steps, each usable alone:
:func:`compared_methods` (the methods they compare), :func:`table_2` (the paper's
Table II on any target and binary attribute), :func:`report_pairs` (verification pairs
and their fairness), :func:`describe_run` (what produced the outputs, the settings taken
from the steps as they ran and the methods' ``get_params()``), :func:`write_tables` and
:func:`write_report`; the audits are :func:`skblind.evaluation.audit_report`.
"""

from ._demo import run_demo
from ._protocols import (
    compared_methods,
    describe_run,
    report_pairs,
    table_2,
    write_report,
    write_tables,
)
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
    "compared_methods",
    "describe_fitted",
    "describe_run",
    "embed_images",
    "fit_suppressor",
    "format_tables",
    "make_suppressor",
    "read_embeddings",
    "report_pairs",
    "run_demo",
    "run_reproduce",
    "table_2",
    "write_report",
    "write_tables",
]
