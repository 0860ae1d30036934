"""Tests of ``skblind.embedding._images``: what image files are decoded from."""

import shutil

import numpy as np
import pytest
from PIL import Image, ImageOps

from skblind.embedding import FaceEmbedder
from skblind.embedding._images import IMAGE_FORMATS

POSTSCRIPT = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n"
    b"newpath 0 0 moveto 100 100 lineto stroke\nshowpage\n"
)


def test_a_postscript_program_named_jpg_is_refused_unread(tmp_path, monkeypatch):
    # repro2/eps_as_jpg_runs_ghostscript.sh: Pillow identified the file as EPS among all
    # its plugins and ran Ghostscript on the program to decode it
    from PIL import EpsImagePlugin

    def ghostscript(*args, **kwargs):
        raise AssertionError("Ghostscript was asked to run the file")

    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", ghostscript)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: f"/usr/bin/{name}")
    (tmp_path / "face.jpg").write_bytes(POSTSCRIPT)
    with pytest.raises(ValueError, match=r"face.jpg'\): cannot be read as an image: its content"):
        FaceEmbedder(progress=False).transform([str(tmp_path / "face.jpg")])


def test_the_allowed_formats_are_named_and_read(tmp_path, orl):
    from PIL import Image

    assert "EPS" not in IMAGE_FORMATS and "PDF" not in IMAGE_FORMATS
    image = Image.fromarray(orl.images[0])
    for suffix, format_ in (("jpg", "JPEG"), ("png", "PNG"), ("bmp", "BMP"), ("tif", "TIFF")):
        assert format_ in IMAGE_FORMATS
        image.save(tmp_path / f"face.{suffix}", format=format_)
    paths = [str(p) for p in sorted(tmp_path.iterdir())]
    assert FaceEmbedder(progress=False).transform(paths).shape == (4, 128)


# Reported defect (shared/repro r7: EXIF orientation); the test failed on the code before the
# fix.


def test_a_phone_jpeg_with_exif_rotation_is_embedded_upright(tmp_path, orl):
    upright = Image.open(orl.paths[0]).convert("RGB").resize((276, 336))
    upright.save(tmp_path / "upright.jpg", quality=95)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    upright.transpose(Image.ROTATE_90).save(tmp_path / "phone.jpg", quality=95, exif=exif)
    shown = ImageOps.exif_transpose(Image.open(tmp_path / "phone.jpg"))
    assert np.abs(np.asarray(shown, float) - np.asarray(upright, float)).mean() < 3
    a, b = FaceEmbedder(progress=False).transform(
        [str(tmp_path / "upright.jpg"), str(tmp_path / "phone.jpg")]
    )
    assert a @ b / np.linalg.norm(a) / np.linalg.norm(b) > 0.95  # sideways: 0.05
