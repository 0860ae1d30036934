"""Sphinx configuration of the skblind documentation."""

import os
import warnings

import skblind

# A deprecation inside a dependency (concept-erasure calls torch.jit.script on import), not
# skblind's to fix; it would otherwise print into the examples' output.
warnings.filterwarnings(
    "ignore", message=".*torch.jit.script.* is deprecated", category=FutureWarning
)

project = "skblind"
author = "skblind developers"
copyright = "2026, skblind developers"
release = skblind.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
exclude_patterns = ["_build", "generated/*.examples", "auto_examples/*.ipynb"]
templates_path = []

intersphinx_mapping = {}  # offline builds: no inventories are fetched
nitpicky = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"orl_blinding_audit\.py|__init__\.py",
    "download_all_examples": False,
    "abort_on_example_error": True,
    "plot_gallery": os.environ.get("SKBLIND_DOCS_GALLERY", "True"),
}

html_theme = "pydata_sphinx_theme"
html_title = "skblind"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
}
html_static_path = []
