"""The README's commands are the ones CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = '.venv/bin/pip install -e ".[all,dev]" && .venv/bin/python -m pytest'
    assert test_command in readme
    assert test_command in ci
    assert '.venv/bin/pip install -e ".[all]" && .venv/bin/skblind demo' in readme
    docs_command = (
        '.venv/bin/pip install -e ".[all,docs]" && '
        ".venv/bin/python -m sphinx -W -b html docs docs/_build/html"
    )
    assert docs_command in readme
    assert docs_command in ci
