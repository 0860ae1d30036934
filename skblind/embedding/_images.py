"""Reading the images handed to :class:`~skblind.embedding.FaceEmbedder`.

Every supported input (a path, a PIL image, a numpy array) is turned into an RGB
``uint8`` array of shape ``(height, width, 3)``; anything else raises an error that
names the offending item by its position and, for files, its path.
"""

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["IMAGE_FORMATS", "as_image_list", "describe_item", "to_rgb_uint8"]

#: The formats image files are decoded from (Pillow's names). Pillow is never handed a
#: file to identify among all its plugins: some of them run external programs (EPS and
#: PostScript through Ghostscript), so a PostScript program named ``face.jpg`` is refused.
IMAGE_FORMATS = ("JPEG", "PNG", "BMP", "PPM", "TIFF", "WEBP")


def describe_item(item, index):
    """Name an input item in error messages: its position and, for a file, its path."""
    if isinstance(item, (str, os.PathLike)):
        return f"item {index} ({os.fspath(item)!r})"
    return f"item {index} ({type(item).__name__})"


def as_image_list(X):
    """Turn the ``X`` given to ``transform`` into a list of image items.

    Parameters
    ----------
    X : sequence of (path-like, PIL.Image.Image, ndarray) or ndarray
        A list, tuple, pandas Series or 1-D object array of items; a 3-D array
        ``(n, height, width)`` or 4-D array ``(n, height, width, channels)`` of stacked
        images; or a 2-D array of shape ``(n, 1)`` holding one path per row (as a one-column
        DataFrame gives).

    Returns
    -------
    list
        One item per image.
    """
    if isinstance(X, (str, os.PathLike, Image.Image)):
        raise TypeError(
            "FaceEmbedder expects a sequence of images; got a single "
            f"{type(X).__name__}. Wrap it in a list."
        )
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        X = X.to_numpy()
    if isinstance(X, np.ndarray):
        if X.dtype == object or X.dtype.kind in "US":
            if X.ndim == 2 and X.shape[1] == 1:
                X = X[:, 0]
            if X.ndim != 1:
                raise ValueError(
                    "FaceEmbedder expects one image per row; got an array of paths or "
                    f"objects of shape {X.shape}."
                )
            return list(X)
        if X.ndim in (3, 4):
            return list(X)
        raise ValueError(
            "FaceEmbedder expects a sequence of images, or a stacked array of shape "
            f"(n, height, width[, channels]); got a numeric array of shape {X.shape}. "
            "A feature matrix is not an image batch."
        )
    try:
        return list(X)
    except TypeError:
        raise TypeError(
            f"FaceEmbedder expects a sequence of images; got {type(X).__name__}."
        ) from None


def _read_file(path, where):
    if not Path(path).is_file():
        raise FileNotFoundError(f"{where}: no such image file")
    try:
        with Image.open(path, formats=IMAGE_FORMATS) as image:
            image.load()
            # Phones store the picture as the sensor saw it and say in EXIF how to turn
            # it upright; the detector and backbone expect the upright face.
            return _pil_to_rgb(ImageOps.exif_transpose(image), where)
    except Image.DecompressionBombError:
        raise ValueError(
            f"{where}: more than twice PIL's Image.MAX_IMAGE_PIXELS "
            f"({Image.MAX_IMAGE_PIXELS}) pixels, refused as a possible decompression bomb; "
            "raise PIL.Image.MAX_IMAGE_PIXELS if the file is trusted"
        ) from None
    except UnidentifiedImageError:
        raise ValueError(
            f"{where}: cannot be read as an image: its content is none of the formats "
            f"skblind reads ({', '.join(IMAGE_FORMATS)}), whatever its name says; refused"
        ) from None
    except (OSError, SyntaxError) as exc:
        raise ValueError(f"{where}: cannot be read as an image ({exc})") from None


def _pil_to_rgb(image, where):
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or array.max() > 255 else 255.0
        return _array_to_rgb(np.clip(array / top, 0.0, 1.0), where)
    if mode == "F":
        return _array_to_rgb(np.asarray(image), where)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def _array_to_rgb(array, where):
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.ndim == 3 and array.shape[2] == 4:
        array = array[:, :, :3]
    elif not (array.ndim == 3 and array.shape[2] == 3):
        raise ValueError(
            f"{where}: an image array must be (height, width), (height, width, 1), "
            f"(height, width, 3) or (height, width, 4); got shape {array.shape}"
        )
    if min(array.shape[:2]) < 8:
        raise ValueError(f"{where}: image of {array.shape[1]}x{array.shape[0]} pixels is too small")
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    if array.dtype == np.uint16:
        return (array.astype(np.float64) / 257.0).round().astype(np.uint8)
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise ValueError(f"{where}: the image holds NaN or infinite values")
        low, high = float(array.min()), float(array.max())
        if low < 0.0 or high > 1.0:
            raise ValueError(
                f"{where}: a float image must lie in [0, 1]; its values span "
                f"[{low:.3g}, {high:.3g}]. Divide by 255 or pass uint8."
            )
        return (array * 255.0).round().astype(np.uint8)
    raise ValueError(f"{where}: unsupported image dtype {array.dtype}")


def to_rgb_uint8(item, index):
    """Read one input item as an RGB ``uint8`` array.

    Parameters
    ----------
    item : path-like, PIL.Image.Image or ndarray
        Grey, RGB or RGBA (alpha is dropped); ``uint8``, ``uint16``, ``bool`` or float in
        ``[0, 1]``.
    index : int
        Position of the item in the input, used in error messages.

    Returns
    -------
    ndarray of shape (height, width, 3) and dtype uint8
    """
    where = describe_item(item, index)
    if isinstance(item, (str, os.PathLike)):
        return _read_file(item, where)
    if isinstance(item, Image.Image):
        return _pil_to_rgb(item, where)
    if isinstance(item, np.ndarray):
        return _array_to_rgb(item, where)
    raise TypeError(f"{where}: expected a file path, a PIL image or a numpy array")
