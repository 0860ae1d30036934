"""A self-contained HTML report of a blinding run (the dashboard fairlearn no longer ships).

:func:`build` turns what the audits return (leakage and verification tables, verification
pairs, fairlearn MetricFrames, figures) into one HTML file with its figures inline:
no scripts, no network, readable on a laptop and archivable as it is. ``skblind demo``,
``audit`` and ``reproduce`` each write one as ``report.html``.
"""

from ._build import build

__all__ = ["build"]
