"""Face-like synthetic blinding problems, with spectra and proportions fitted to real embeddings.

:func:`fit_blinding_profile` measures, on a real embedding matrix with identities and a
binary attribute, what makes blinding hard on real faces; :func:`make_realistic_blinding_problem`
draws problems of any number of subjects from such a profile. skblind ships the profile
fitted to ORL's SFace pooled features (``"orl-sface-pooled"``).
"""

import json
from importlib import resources

import numpy as np
from sklearn.utils import Bunch, check_random_state

__all__ = ["fit_blinding_profile", "load_blinding_profile", "make_realistic_blinding_problem"]

PROFILES = {"orl-sface-pooled": "orl_sface_pooled_profile.json"}


def _tail(spectrum, rank, n_features):
    """The top ``rank // 2`` eigenvalues, then a power law, keeping the sample's trace.

    Near its rank a sample's eigenvalues fall faster than the population's, but their sum
    (the trace) is unbiased: the law's exponent is fitted on ``rank // 10`` to
    ``rank // 2`` and its values beyond ``rank // 2`` are scaled to hold what the head
    leaves of the trace.
    """
    stop = max(2, rank // 2)
    start = min(rank // 10, stop - 2)
    head = np.clip(spectrum[:stop], 1e-12, None)
    k = np.arange(1, stop + 1)
    slope, _ = np.polyfit(np.log(k[start:]), np.log(head[start:]), 1)
    rest = np.arange(stop + 1, n_features + 1, dtype=float) ** slope
    left = max(np.sum(np.clip(spectrum, 0, None)) - head.sum(), 1e-12 * len(rest))
    return np.concatenate([head, rest * left / rest.sum()])


def _random_bases(n_features, overlap_mixing, rng):
    """An orthonormal basis ``Q`` and a second one ``P`` that mixes ``Q`` with noise."""
    Q, _ = np.linalg.qr(rng.normal(size=(n_features, n_features)))
    mixed = Q + overlap_mixing * rng.normal(size=Q.shape) / np.sqrt(n_features)
    P, _ = np.linalg.qr(mixed)
    return Q, P * np.sign(np.sum(P * Q, axis=0))


def _subspace_overlap(P, Q, k_between=10, k_within=50):
    """Share of the top ``k_between`` directions of ``P`` inside the top ``k_within`` of ``Q``."""
    return float(np.linalg.norm(Q[:, :k_within].T @ P[:, :k_between]) ** 2 / k_between)


def _fit_overlap_mixing(overlap, n_features, k_between=10, k_within=50, n_draws=20):
    """The mixing of :func:`_random_bases` whose expected overlap is closest to ``overlap``.

    The overlap does not change when both bases turn together, so ``Q`` can be the
    identity, and the top ``k_between`` columns of ``P`` only need those of the mixture.
    """
    rng = np.random.RandomState(0)
    noise = rng.normal(size=(n_draws, n_features, k_between)) / np.sqrt(n_features)
    top = np.eye(n_features, k_between)
    grid = np.linspace(0.0, 4.0, 81)
    expected = [
        np.mean(np.sum(np.linalg.qr(top + t * noise)[0][:, :k_within] ** 2, axis=(1, 2)))
        / k_between
        for t in grid
    ]
    return float(grid[np.argmin(np.abs(np.array(expected) - overlap))])


def _person_noise_shape(deviations, within_values, within_vectors, person_norm2, noise):
    """How much of the person-specific contrast follows the noise's spectrum (0 to 1).

    From the share of its energy in the top fifth of the noise directions, less what the
    noise in the measured contrasts (``noise``) puts there: 1 where it is as concentrated
    there as the noise, 0 where it spreads over all directions alike.
    """
    d = len(within_values)
    top = max(1, d // 5)
    noise_top_share = within_values[:top].sum() / within_values.sum()
    observed_top = np.linalg.norm(deviations @ within_vectors[:, :top]) ** 2 / np.sum(deviations**2)
    person_top = (
        (observed_top * (person_norm2 + noise) - noise_top_share * noise) / person_norm2
        if person_norm2 > 0
        else noise_top_share
    )
    isotropic_top = top / d
    return float(
        np.clip((person_top - isotropic_top) / (noise_top_share - isotropic_top), 0.0, 1.0)
    )


def _identity_dependent_r2(person_means, deviations):
    """Leave-one-person-out R^2 of a kernel ridge regression of ``deviations`` on identity."""
    from sklearn.kernel_ridge import KernelRidge

    gamma = 1.0 / (2 * np.mean(np.sum((person_means - person_means.mean(0)) ** 2, axis=1)))
    predicted = np.zeros_like(deviations)
    for i in range(len(person_means)):
        train = np.arange(len(person_means)) != i
        model = KernelRidge(kernel="rbf", alpha=1.0, gamma=gamma)
        predicted[i] = model.fit(person_means[train], deviations[train]).predict(
            person_means[i : i + 1]
        )[0]
    return 1 - np.sum((deviations - predicted) ** 2) / np.sum(
        (deviations - deviations.mean(0)) ** 2
    )


def fit_blinding_profile(X, subject, sensitive, *, name="custom"):
    """Measure what a face-like blinding problem needs from real embeddings.

    With cells the (subject, class) groups of rows:

    - ``within_spectrum``: eigenvalues of the covariance of rows around their cell's
      mean (the noise), its tail beyond the sample's rank a fitted power law;
    - ``between_spectrum``: eigenvalues of the covariance of subjects' means, less the
      noise those means carry, likewise extended;
    - ``overlap``: the share of the top 10 between-subject directions that lies inside
      the top 50 noise directions, and ``overlap_mixing``, the mixing of two random
      bases that reproduces it;
    - the class contrast of each subject who shows both classes (mean of class 1 minus
      mean of class 0), split into a part shared by all (``shared_norm2``: the squared
      norm of the mean contrast, less what the noise and the person-specific parts add
      to it) and a person-specific part (``person_norm2``: the mean squared deviation
      from the shared part, less the noise), and how much of the person-specific part
      follows the noise's spectrum rather than spreading over all directions
      (``person_noise_shape``, from the share of its energy in the top fifth of the
      noise directions);
    - ``identity_dependent_share``: the leave-one-subject-out R^2 (clipped at 0) of a
      kernel ridge regression of the person-specific part on the subject's mean: how
      much of it another person's identity predicts;
    - ``one_class_fraction``: subjects who show one class only; ``class1_share``:
      the share of class 1 among them.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Real embeddings.
    subject : array-like of shape (n_samples,)
        Identities.
    sensitive : array-like of shape (n_samples,)
        A binary attribute.
    name : str, default="custom"
        Recorded in the profile.

    Returns
    -------
    dict
        JSON-serialisable; :func:`make_realistic_blinding_problem` takes it as ``profile``.
    """
    X = np.asarray(X, dtype=np.float64)
    subject, sensitive = np.asarray(subject), np.asarray(sensitive)
    classes = np.unique(sensitive)
    if len(classes) != 2:
        raise ValueError(f"sensitive must hold two classes; it holds {list(classes)}")
    codes = (sensitive == classes[1]).astype(int)
    n, d = X.shape
    X = X - X.mean(axis=0)
    persons = np.unique(subject)
    residual = np.empty_like(X)
    cell_means, n_cells = {}, 0
    for p in persons:
        for c in (0, 1):
            rows = (subject == p) & (codes == c)
            if rows.any():
                cell_means[p, c] = X[rows].mean(axis=0)
                residual[rows] = X[rows] - cell_means[p, c]
                n_cells += 1
    within = residual.T @ residual / (n - n_cells)
    within_values, within_vectors = np.linalg.eigh(within)
    within_values, within_vectors = within_values[::-1], within_vectors[:, ::-1]
    noise_trace = within_values.sum()
    means = np.array([X[subject == p].mean(axis=0) for p in persons])
    n_per = n / len(persons)
    between_values = np.linalg.eigvalsh(np.cov(means.T))[::-1]
    between_values = between_values * max(0.0, 1 - noise_trace / n_per / between_values.sum())
    within_rank = min(d, n - n_cells)
    between_rank = min(d, len(persons) - 1)
    within_spectrum = _tail(within_values, within_rank, d)
    between_spectrum = _tail(between_values, between_rank, d)

    _, between_vectors = np.linalg.eigh(np.cov(means.T))
    overlap = _subspace_overlap(between_vectors[:, ::-1], within_vectors)
    overlap_mixing = _fit_overlap_mixing(overlap, d)

    both = [p for p in persons if (p, 0) in cell_means and (p, 1) in cell_means]
    if len(both) < 3:
        raise ValueError(f"only {len(both)} subjects show both classes; at least 3 are needed")
    contrasts = np.array([cell_means[p, 1] - cell_means[p, 0] for p in both])
    counts = np.array([[np.sum((subject == p) & (codes == c)) for c in (0, 1)] for p in both])
    contrast_noise = noise_trace * (1 / counts[:, 0] + 1 / counts[:, 1])
    shared = contrasts.mean(axis=0)
    deviations = contrasts - shared
    noise_in_deviations = contrast_noise.mean() * (1 - 1 / len(both))
    person_norm2 = max(0.0, np.mean(np.sum(deviations**2, axis=1)) - noise_in_deviations)
    # The mean contrast also carries the noise and the person-specific parts, averaged.
    spurious = (contrast_noise.mean() + person_norm2) / len(both)
    shared_norm2 = max(0.0, shared @ shared - spurious)
    person_noise_shape = _person_noise_shape(
        deviations, within_values, within_vectors, person_norm2, noise_in_deviations
    )
    person_means = np.array([X[subject == p].mean(axis=0) for p in both])
    r2 = _identity_dependent_r2(person_means, deviations)
    one_class = [p for p in persons if p not in both]
    class1 = [codes[subject == p][0] for p in one_class]
    return {
        "name": name,
        "n_features": int(d),
        "fitted_on": {
            "n_samples": int(n),
            "n_subjects": len(persons),
            "n_subjects_both_classes": len(both),
        },
        "within_spectrum": within_spectrum.tolist(),
        "between_spectrum": between_spectrum.tolist(),
        "overlap": overlap,
        "overlap_mixing": overlap_mixing,
        "shared_norm2": float(shared_norm2),
        "person_norm2": float(person_norm2),
        "person_noise_shape": person_noise_shape,
        "identity_dependent_share": float(max(0.0, r2)),
        "one_class_fraction": len(one_class) / len(persons),
        "class1_share": float(np.mean(class1)) if class1 else 0.5,
    }


def load_blinding_profile(name="orl-sface-pooled"):
    """A profile shipped with skblind, by name.

    Parameters
    ----------
    name : {"orl-sface-pooled"}
        ``"orl-sface-pooled"``: fitted by :func:`fit_blinding_profile` to ORL's 400 SFace
        pooled embeddings (1,024 features) and its smiling labels.

    Returns
    -------
    dict
    """
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; shipped: {sorted(PROFILES)}")
    text = resources.files("skblind.datasets").joinpath("data", PROFILES[name]).read_text()
    return json.loads(text)


def make_realistic_blinding_problem(
    n_subjects=40, n_per_subject=10, *, profile="orl-sface-pooled", random_state=None
):
    """Draw embeddings whose identity and attribute structure follow a fitted profile.

    Unlike :func:`make_blinding_problem` (one offset shared by every subject, isotropic
    noise), each row is its subject's centroid, plus its class times the subject's
    contrast, plus noise:

    - the noise has the profile's decaying ``within_spectrum``; the centroids the
      ``between_spectrum``, in a basis that overlaps the noise's as much as measured;
    - a subject's contrast is the shared contrast (a direction drawn from the noise's
      distribution, of squared norm ``shared_norm2``) plus a person-specific part of
      mean squared norm ``person_norm2``, which follows the noise's spectrum for a share
      ``person_noise_shape`` and spreads over all directions for the rest; a share
      ``identity_dependent_share`` of it is a fixed non-linear function of the centroid
      (``tanh`` of random projections: the same for people who look alike), the rest
      the person's own;
    - a share ``one_class_fraction`` of the subjects show one class only (class 1 with
      probability ``class1_share``); each of the others shows between 1 and
      ``n_per_subject - 1`` rows of class 1, uniformly.

    Parameters
    ----------
    n_subjects : int, default=40
        Number of identities (at least 2).
    n_per_subject : int, default=10
        Rows per identity (at least 2).
    profile : str or dict, default="orl-sface-pooled"
        A shipped profile's name (:func:`load_blinding_profile`) or the output of
        :func:`fit_blinding_profile`.
    random_state : int, RandomState instance or None, default=None
        Seed of every draw.

    Returns
    -------
    sklearn.utils.Bunch
        X : ndarray of shape (n_subjects * n_per_subject, n_features) float32
        subject : ndarray of int
        sensitive : ndarray of int (0 or 1)
        chance : float, 0.5
        shared_effect : ndarray of shape (n_features,), the contrast every subject shares
        (class 1 minus class 0): what an attacker trained on other people can read
        profile : dict, the profile used

    Examples
    --------
    >>> from skblind.datasets import make_realistic_blinding_problem
    >>> data = make_realistic_blinding_problem(n_subjects=20, random_state=0)
    >>> data.X.shape
    (200, 1024)
    """
    if n_subjects < 2:
        raise ValueError(f"n_subjects must be at least 2; got {n_subjects}")
    if n_per_subject < 2:
        raise ValueError(f"n_per_subject must be at least 2; got {n_per_subject}")
    if isinstance(profile, str):
        profile = load_blinding_profile(profile)
    rng = check_random_state(random_state)
    d = profile["n_features"]
    within = np.asarray(profile["within_spectrum"])
    between = np.asarray(profile["between_spectrum"])
    Q, P = _random_bases(d, profile["overlap_mixing"], rng)
    n = n_subjects * n_per_subject
    subject = np.repeat(np.arange(n_subjects), n_per_subject)

    sensitive = np.empty(n, dtype=int)
    one_class = rng.rand(n_subjects) < profile["one_class_fraction"]
    for p in range(n_subjects):
        rows = slice(p * n_per_subject, (p + 1) * n_per_subject)
        if one_class[p]:
            sensitive[rows] = int(rng.rand() < profile["class1_share"])
        else:
            k = rng.randint(1, n_per_subject)
            sensitive[rows] = rng.permutation(
                np.r_[np.ones(k, int), np.zeros(n_per_subject - k, int)]
            )

    centroids = (rng.normal(size=(n_subjects, d)) * np.sqrt(between)) @ P.T
    shared = (rng.normal(size=d) * np.sqrt(within)) @ Q.T
    shared *= np.sqrt(profile["shared_norm2"]) / np.linalg.norm(shared)

    shape = profile["person_noise_shape"]
    person_scale = shape * within / within.sum() + (1 - shape) / d  # sums to 1
    own = (rng.normal(size=(n_subjects, d)) * np.sqrt(person_scale)) @ Q.T
    projections = rng.normal(size=(d, d)) / np.sqrt(np.sum(between))
    looks = np.tanh(centroids @ projections)
    looks = (looks - looks.mean(0)) * np.sqrt(person_scale) @ Q.T
    looks /= np.sqrt(np.mean(np.sum(looks**2, axis=1)))
    own /= np.sqrt(np.mean(np.sum(own**2, axis=1)))
    share = profile["identity_dependent_share"]
    person = np.sqrt(profile["person_norm2"]) * (np.sqrt(share) * looks + np.sqrt(1 - share) * own)

    noise = (rng.normal(size=(n, d)) * np.sqrt(within)) @ Q.T
    contrast = shared + person
    X = centroids[subject] + (sensitive - 0.5)[:, None] * contrast[subject] + noise
    return Bunch(
        X=X.astype(np.float32),
        subject=subject,
        sensitive=sensitive,
        chance=0.5,
        shared_effect=shared,
        profile=profile,
    )
