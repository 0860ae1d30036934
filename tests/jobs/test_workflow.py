"""Tests of skblind.jobs' embedding workflow: embed_images and read_embeddings."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from skblind.jobs import embed_images, read_embeddings

# Reported defect (shared/repro r12: CSV labels kept as written); the test failed on the code
# before the fix.


def test_csv_labels_are_kept_exactly_as_written(tmp_path, orl):
    table = pd.DataFrame({"path": orl.paths[:6]})
    table["subject"] = ["007", "007", "7", "7", "NA", "NA"]
    table["emotion"] = ["None", "happy", "null", "N/A", "", "happy"]
    table["smiling"] = [0, 1, 0, 1, 0, 1]
    table.to_csv(tmp_path / "faces.csv", index=False)
    embed_images(tmp_path / "faces.csv", tmp_path / "emb", progress=False)
    _, stored = read_embeddings(tmp_path / "emb")
    assert stored["subject"].tolist() == ["007", "007", "7", "7", "NA", "NA"]
    assert stored["emotion"].tolist()[:4] == ["None", "happy", "null", "N/A"]
    assert stored["emotion"].isna().tolist() == [False] * 4 + [True, False]  # only empty
    assert stored["smiling"].dtype == np.int64


# Reported defect (reliability issue, crashes that must name the item: bad inputs); the test
# failed on the code before the fix.


@pytest.mark.parametrize(
    "text, message",
    [
        ("path,subject\n,1\n", r"faces.csv: empty path on line 2"),
        ("path,subject\n1,1\n", r"item 0 \('.*1'\): no such image file"),
        ("", r"faces.csv: empty file"),
        ("path,subject\n", r"faces.csv: no rows under the header"),
    ],
    ids=["empty path", "numeric path", "0-byte", "header only"],
)
def test_bad_csv_inputs_are_named(tmp_path, text, message):
    (tmp_path / "faces.csv").write_text(text)
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        embed_images(tmp_path / "faces.csv", tmp_path / "emb", progress=False)
    if "item" not in message:  # the input itself is refused before the folder is made
        assert not (tmp_path / "emb").exists()


def test_item_numbers_count_over_the_whole_input(tmp_path, orl):
    folder = tmp_path / "faces"
    folder.mkdir()
    for i in range(5):
        (folder / f"{i}.pgm").write_bytes(open(orl.paths[i], "rb").read())
    (folder / "3.pgm").write_text("not an image")
    with pytest.raises(ValueError, match=r"item 3 \('.*3.pgm'\): cannot be read"):
        embed_images(folder, tmp_path / "emb", shard_size=2, progress=False)


# Reported defect (reliability issue, crashes that must name the item: NaN rows); the test
# failed on the code before the fix.


def test_nan_rows_from_on_no_face_nan_are_named_before_fit(tmp_path, orl, blank_image):
    Image.fromarray(blank_image).save(tmp_path / "blank.png")
    table = pd.DataFrame({"path": [*orl.paths[:3], str(tmp_path / "blank.png")]})
    table["subject"], table["smiling"] = [0, 0, 1, 1], [0, 1, 0, 1]
    table.to_csv(tmp_path / "faces.csv", index=False)
    with pytest.warns(UserWarning, match="NaN rows"):
        embed_images(tmp_path / "faces.csv", tmp_path / "emb", on_no_face="nan", progress=False)
    with pytest.raises(ValueError, match=r"1 of 4 embeddings are NaN .*blank.png"):
        read_embeddings(tmp_path / "emb")
