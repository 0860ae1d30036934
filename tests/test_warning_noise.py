"""Warnings a user cannot act on are not shown; the ones shown say what to do."""

import subprocess
import sys
import textwrap


def test_fitting_leace_shows_no_torch_jit_deprecation():
    """concept-erasure's torch.jit.script notice was printed on every command."""
    code = textwrap.dedent(
        """
        import warnings
        warnings.simplefilter("error")  # any warning fails the fit
        import numpy as np
        from skblind.suppression import LEACEEraser
        X = np.random.default_rng(0).normal(size=(40, 5))
        LEACEEraser().fit(X, sensitive_features=np.arange(40) % 2)
        print("quiet")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "jit" not in result.stderr and result.stdout.strip() == "quiet"
