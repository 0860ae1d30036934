import numpy as np
import pytest

from skblind.evaluation import pair_similarities, verification_report, verification_roc_auc


def test_pairs_by_hand():
    X = np.array([[1.0, 0.0], [2.0, 0.1], [0.0, 1.0], [0.1, 3.0]])
    subjects = np.array([0, 0, 1, 1])
    similarity, same = pair_similarities(X, subjects)
    assert same.tolist() == [True, False, False, False, False, True]
    assert similarity[0] == pytest.approx(2.0 / np.hypot(2.0, 0.1))
    assert verification_roc_auc(X, subjects) == 1.0
    # Pair the near-orthogonal rows: genuine similarities 0.033 and 0.050 beat only the
    # impostor pair (0, 2) at 0.0, out of four impostor pairs: AUC = 2 / 8.
    assert verification_roc_auc(X, np.array([0, 1, 1, 0])) == 0.25


def test_pairs_are_scored_in_bounded_chunks_with_the_same_result():
    """Every pair of 1,000 1,024-d embeddings once took 8 GB (a gathered copy of both rows
    of each pair); given pairs are now scored a chunk at a time, bitwise as before, and
    every pair a block of rows at a time by a matrix product (which rounds in another
    order: within 1e-12 of the pairwise products)."""
    import tracemalloc

    from skblind.evaluation._verification import _all_pair_dots, _pair_dots

    rng = np.random.default_rng(0)
    X, subjects = rng.normal(size=(500, 256)), rng.integers(0, 50, size=500)
    first, second = np.triu_indices(len(X), k=1)
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    whole = np.einsum("ij,ij->i", unit[first], unit[second])  # all at once: 2 x 255 MB
    np.testing.assert_array_equal(_pair_dots(unit, first, second, chunk_elements=1000), whole)
    tracemalloc.start()
    similarity, same = pair_similarities(X, subjects)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    np.testing.assert_allclose(similarity, whole, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(same, subjects[first] == subjects[second])
    blocked = _all_pair_dots(unit, subjects, chunk_elements=3000)  # blocks of 6 rows
    np.testing.assert_allclose(blocked[0], similarity, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(blocked[1], same)
    # The outputs and the pair indices take 124,750 x (8 + 1 + 2 x 8) bytes = 3.1 MB, a
    # chunk 2 x 8 MB; all at once, 492 MB (measured).
    assert peak < 40 * 2**20, peak


def test_explicit_pairs_and_errors():
    X = np.eye(3) + 0.1
    sim, same = pair_similarities(X, [0, 0, 1], pairs=[[0, 1], [1, 2]])
    assert same.tolist() == [True, False] and len(sim) == 2
    with pytest.raises(ValueError, match="both same-identity"):
        verification_roc_auc(X, [0, 0, 0])
    with pytest.raises(ValueError, match=r"rows \[1\]"):
        pair_similarities(np.array([[1.0, 0], [0, 0]]), [0, 1])


def test_best_threshold_and_lfw_accuracy_by_hand():
    from skblind.evaluation._verification import best_threshold

    similarity = np.array([0.1, 0.4, 0.35, 0.8, 0.9])
    same = np.array([False, False, True, True, True])
    threshold, accuracy = best_threshold(similarity, same)
    # genuine and impostor pairs weigh alike: the cut at 0.8 accepts 2 of 3 genuine pairs
    # and rejects both impostors (5/6); the cut at 0.35 gets 4 of 5 pairs right too, but
    # accepts an impostor (3/4)
    assert accuracy == pytest.approx(5 / 6) and threshold == 0.8


def test_verification_report_on_separable_and_random_data():
    from skblind.evaluation import verification_report

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(20, 16)) * 5
    subjects = np.repeat(np.arange(20), 5)
    X = centres[subjects] + rng.normal(size=(100, 16)) * 0.1
    report = verification_report(X, subjects)
    assert report["accuracy"] > 0.99 and report["roc_auc"] > 0.999 and report["eer"] < 0.01
    assert report["n_genuine"] == 20 * 10 and report["n_impostor"] == 4950 - 200
    noise = verification_report(rng.normal(size=(100, 16)), subjects)
    assert abs(noise["roc_auc"] - 0.5) < 0.05 and abs(noise["eer"] - 0.5) < 0.06
    # genuine and impostor pairs weigh alike: rejecting every pair scores 0.5, not the
    # share of impostor pairs (0.96 here)
    assert abs(noise["accuracy"] - 0.5) < 0.06


def test_read_lfw_pairs(tmp_path):
    from skblind.datasets import read_lfw_pairs

    path = tmp_path / "pairs.txt"
    path.write_text("10\t300\nAbel_Pacheco\t1\t4\nAbdel_Madi_Shabneh\t1\tDean_Barker\t1\n")
    pairs = read_lfw_pairs(path)
    assert pairs.values.tolist() == [
        ["Abel_Pacheco", 1, "Abel_Pacheco", 4, True],
        ["Abdel_Madi_Shabneh", 1, "Dean_Barker", 1, False],
    ]
    path.write_text("300\nAbel_Pacheco\t1\n")
    with pytest.raises(ValueError, match="line 2"):
        read_lfw_pairs(path)


def test_too_few_pairs_for_the_folds_is_an_error_not_a_crash():
    X = np.random.default_rng(0).normal(size=(6, 4))
    with pytest.raises(ValueError, match="needs at least 10 genuine .* got 3 genuine"):
        verification_report(X, [0, 0, 1, 1, 2, 2])
    assert verification_report(X, [0, 0, 1, 1, 2, 2], n_folds=3)["n_genuine"] == 3


def test_verification_rates_are_the_reports():
    from skblind.evaluation import pair_similarities, verification_rates

    rng = np.random.default_rng(0)
    subjects = np.repeat(np.arange(12), 5)
    X = rng.normal(size=(12, 8))[subjects] + 0.8 * rng.normal(size=(60, 8))
    report = verification_report(X, subjects)
    rates = verification_rates(*pair_similarities(X, subjects))
    for key, value in rates.items():
        assert report[key] == value
    assert rates["n_genuine"] == 12 * 10 and rates["n_impostor"] == 60 * 59 // 2 - 120


def test_threshold_at_fmr_accepts_at_most_that_share_of_impostors():
    from skblind.evaluation import threshold_at_fmr

    rng = np.random.default_rng(1)
    similarity = rng.normal(size=1000)
    same = rng.random(1000) < 0.2
    for fmr in (0.0, 0.01, 0.1, 0.5, 1.0):
        threshold = threshold_at_fmr(similarity, same, fmr=fmr)
        accepted = np.mean(similarity[~same] >= threshold)
        assert accepted <= fmr
        # The lowest such threshold: the next impostor below it would break the bound.
        below = similarity[~same][similarity[~same] < threshold]
        if len(below):
            assert np.mean(similarity[~same] >= below.max()) > fmr
    with pytest.raises(ValueError, match="fmr must lie in"):
        threshold_at_fmr(similarity, same, fmr=2.0)


def test_pair_groups_follow_pair_similarities_order():
    from skblind.evaluation import pair_groups, pair_similarities

    groups = np.array(["a", "b", "a", "b"])
    X = np.eye(4)
    _, same = pair_similarities(X, np.array([0, 0, 1, 1]))
    labels = pair_groups(groups)
    # Pairs in triu order: (0,1) (0,2) (0,3) (1,2) (1,3) (2,3).
    assert labels.tolist() == ["mixed", "a", "mixed", "mixed", "b", "mixed"]
    assert len(labels) == len(same)
    assert pair_groups(groups, pairs=[[0, 2], [1, 2]]).tolist() == ["a", "mixed"]


def test_verification_accuracy_is_not_the_reject_all_rate():
    # shared/repro2/verification_accuracy_reject_all.py: over every pair of 600 people
    # with two images each, 99.8% of the pairs are impostors, and plain accuracy read
    # 0.996 on pure noise (and in the audit's verification table)
    from sklearn.linear_model import LogisticRegression

    from skblind.evaluation import audit_report

    rng = np.random.default_rng(0)
    subject = np.repeat(np.arange(600), 2)
    noise = rng.normal(size=(1200, 16))
    report = verification_report(noise[:240], subject[:240])
    assert report["n_impostor"] / (report["n_genuine"] + report["n_impostor"]) > 0.99
    assert abs(report["accuracy"] - 0.5) < 0.1
    verification = audit_report(
        noise,
        rng.integers(0, 2, 1200),
        groups=subject,
        y=subject,
        attackers={"LR": LogisticRegression()},
        adaptive=False,
        n_permutations=40,
        progress=False,
    ).verification
    assert abs(verification["accuracy"].iloc[0] - 0.5) < 0.1
