"""scikit-learn's estimator checks for every public estimator.

FaceEmbedder takes images, not feature matrices, and declares it through its input
tags the way scikit-learn's own ``PatchExtractor`` does; ``parametrize_with_checks`` then
has no data checks that apply to it, so its API checks are run here one by one, and the
data-dependent properties (pickling, clone, idempotence, order and subset invariance)
are tested on real images in tests/embedding/test_embedder.py.
"""

import pytest
from sklearn.utils import estimator_checks as checks

from skblind.embedding import FaceEmbedder

API_CHECKS = [
    checks.check_estimator_cloneable,
    checks.check_estimator_repr,
    checks.check_no_attributes_set_in_init,
    checks.check_get_params_invariance,
    checks.check_set_params,
    checks.check_parameters_default_constructible,
    checks.check_do_not_raise_errors_in_init_or_set_params,
    checks.check_mixin_order,
    checks.check_valid_tag_types,
    checks.check_estimator_tags_renamed,
]


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda c: c.__name__)
def test_face_embedder_api_checks(check):
    check("FaceEmbedder", FaceEmbedder(progress=False))


def test_face_embedder_declares_image_input():
    tags = FaceEmbedder().__sklearn_tags__()
    assert not tags.input_tags.two_d_array
    assert tags.input_tags.three_d_array
    assert not tags.requires_fit
