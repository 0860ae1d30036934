"""The README's commands are the ones CI runs, and its Python blocks are programs that run."""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"^```python\n(.*?)^```", README, flags=re.S | re.M)
SCALING = (ROOT / "docs" / "guide" / "scaling.rst").read_text()
# The scaling guide's whole program: the code block after "A whole program".
DASK_PROGRAM = textwrap.dedent(
    re.search(r"A whole program.*?code-block:: python\n\n(.*?)\n(?=\S)", SCALING, re.S).group(1)
)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    whole = (
        '.venv/bin/pip install -e ".[all,dev]" && .venv/bin/python -m pytest -m "slow or not slow"'
    )
    assert whole in README and whole in ci  # CI runs every test, the slow ones too
    assert '.venv/bin/pip install -e ".[all,dev]" && .venv/bin/python -m pytest\n' in README
    assert '.venv/bin/pip install -e ".[all]" && .venv/bin/skblind demo' in README
    docs_command = (
        '.venv/bin/pip install -e ".[all,docs]" && '
        ".venv/bin/python -m sphinx -W -b html docs docs/_build/html"
    )
    assert docs_command in README
    assert docs_command in ci


def test_the_readme_has_its_python_blocks():
    assert len(BLOCKS) == 1


@pytest.mark.slow
@pytest.mark.parametrize("number", range(len(BLOCKS)), ids=lambda n: f"block{n + 1}")
def test_each_python_block_runs_as_a_program(number, tmp_path):
    """Each block on its own, in a fresh interpreter: nothing it uses may be left undefined."""
    script = tmp_path / "snippet.py"
    script.write_text(BLOCKS[number])
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.slow
def test_the_scaling_guides_dask_program_runs(tmp_path):
    script = tmp_path / "dask_search.py"
    script.write_text(DASK_PROGRAM)
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "encoder__lam" in result.stdout
