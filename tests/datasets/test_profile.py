"""The realistic synthetic preset: profiles fitted to real embeddings, problems drawn from them."""

import numpy as np
import pytest

from skblind.datasets import (
    fit_blinding_profile,
    load_blinding_profile,
    make_realistic_blinding_problem,
)

KEYS = (
    "shared_norm2",
    "person_norm2",
    "person_noise_shape",
    "identity_dependent_share",
    "one_class_fraction",
)


@pytest.fixture(scope="module")
def shipped():
    return load_blinding_profile("orl-sface-pooled")


def test_the_shipped_profile_is_orls(shipped):
    """What fit_blinding_profile measured on ORL's SFace pooled features (smiling)."""
    assert shipped["n_features"] == len(shipped["within_spectrum"]) == 1024
    assert shipped["fitted_on"] == {
        "n_samples": 400,
        "n_subjects": 40,
        "n_subjects_both_classes": 24,
    }
    assert shipped["one_class_fraction"] == 16 / 40
    # The person-specific part of the smile dominates the shared one (what makes blinding
    # unseen people hard), and the spectra decay.
    assert shipped["person_norm2"] > 5 * shipped["shared_norm2"] > 0
    for name in ("within_spectrum", "between_spectrum"):
        spectrum = np.asarray(shipped[name])
        assert spectrum[0] > 100 * spectrum[-1] > 0


def test_draws_are_seeded_and_shaped(shipped):
    a = make_realistic_blinding_problem(12, 5, random_state=1)
    b = make_realistic_blinding_problem(12, 5, profile=shipped, random_state=1)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.shape == (60, 1024) and a.X.dtype == np.float32
    assert set(np.unique(a.sensitive)) <= {0, 1} and a.chance == 0.5
    assert not np.allclose(a.X, make_realistic_blinding_problem(12, 5, random_state=2).X)


def test_one_class_people_and_the_others(shipped):
    data = make_realistic_blinding_problem(400, 6, random_state=0)
    classes = np.array([len(np.unique(data.sensitive[data.subject == p])) for p in range(400)])
    share = np.mean(classes == 1)
    assert abs(share - shipped["one_class_fraction"]) < 0.07  # binomial sd at 400: 0.025


def test_refitting_a_draw_recovers_its_profile(shipped):
    """fit_blinding_profile on a large draw gives back the proportions it was drawn with."""
    data = make_realistic_blinding_problem(300, 10, random_state=0)
    refit = fit_blinding_profile(data.X, data.subject, data.sensitive)
    assert refit["fitted_on"]["n_subjects"] == 300
    assert refit["one_class_fraction"] == pytest.approx(shipped["one_class_fraction"], abs=0.07)
    assert refit["shared_norm2"] == pytest.approx(shipped["shared_norm2"], rel=0.35)
    assert refit["person_norm2"] == pytest.approx(shipped["person_norm2"], rel=0.15)
    assert np.sum(refit["within_spectrum"]) == pytest.approx(
        np.sum(shipped["within_spectrum"]), rel=0.05
    )
    assert np.sum(refit["between_spectrum"]) == pytest.approx(
        np.sum(shipped["between_spectrum"]), rel=0.25
    )
    assert refit["identity_dependent_share"] < 0.1


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="unknown profile 'celeba'"):
        make_realistic_blinding_problem(profile="celeba")
    with pytest.raises(ValueError, match="n_subjects must be at least 2"):
        make_realistic_blinding_problem(n_subjects=1)
    with pytest.raises(ValueError, match="n_per_subject must be at least 2"):
        make_realistic_blinding_problem(n_per_subject=1)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 8))
    with pytest.raises(ValueError, match="two classes"):
        fit_blinding_profile(X, np.repeat(np.arange(10), 3), np.repeat([0, 1, 2], 10))
    with pytest.raises(ValueError, match="only 0 subjects show both classes"):
        fit_blinding_profile(X, np.repeat(np.arange(10), 3), np.repeat([0, 1], 15))


@pytest.mark.slow
def test_the_shipped_profile_is_refitted_from_orl(shipped):
    """Embedding ORL with SFace (pooled) and fitting gives the shipped numbers."""
    from skblind.datasets import load_orl_faces
    from skblind.embedding import FaceEmbedder

    faces = load_orl_faces()
    X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images)
    refit = fit_blinding_profile(X, faces.subject, faces.smiling, name="orl-sface-pooled")
    for key in KEYS:
        assert refit[key] == pytest.approx(shipped[key], rel=1e-3, abs=1e-6), key
    np.testing.assert_allclose(refit["within_spectrum"], shipped["within_spectrum"], rtol=1e-3)
