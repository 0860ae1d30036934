"""skblind: face representations blind to a sensitive attribute, and audits of how blind."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("skblind")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
