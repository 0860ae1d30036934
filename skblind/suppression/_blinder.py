"""skblind's recommended recipe: closed-form erasers, after an optional learned encoder."""

import warnings

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    clone,
)
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._checks import is_one_point
from .._compat import HasMethods, StrOptions, _fit_context
from .._persistence import VersionedPickleMixin
from .._tags import BlindingTags, blinding_tags
from ._linear import LEACEEraser
from ._margin import MarginEraser
from ._scoring import BlindingScoreMixin
from ._sensitivenets import SensitiveNetsSuppressor
from ._within import WithinIdentityEraser

__all__ = ["Blinder", "recipe_encoder"]

_STAGE = [HasMethods(["fit", "transform"]), StrOptions({"passthrough"}), None]


def recipe_encoder(**params):
    """The encoder stage of skblind's recipe, with ``params`` set on top.

    A :class:`SensitiveNetsSuppressor` with a low-rank residual encoder (the identity
    plus a rank-32 correction, which keeps verification on unseen identities) trained
    on the kernel MMD between the sensitive classes (no adversary to outrun), weighted
    by ``lam=8``, and a term that keeps the batch's cosine similarities (``preserve=10``):
    without it, the encoder cost up to 0.027 of held-out verification ROC AUC (the
    realistic preset, 300 training people; 0.9728 against 0.9999), with it none
    measurable (0.99998). :class:`Blinder` runs without an encoder by default; pass this
    one to add it: ``Blinder(recipe_encoder())`` has the parameters ``encoder__lam``,
    ``encoder__max_epochs``, ... for a grid search.

    Parameters
    ----------
    **params
        Parameters of :class:`SensitiveNetsSuppressor` that override the recipe's.

    Returns
    -------
    SensitiveNetsSuppressor
    """
    return SensitiveNetsSuppressor(
        **{"encoder": "residual", "suppression": "mmd", "lam": 8.0, "preserve": 10.0, **params}
    )


class Blinder(
    BlindingScoreMixin,
    VersionedPickleMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    """skblind's recipe: a margin, a within-identity and a linear eraser, after an optional encoder.

    ``fit`` fits each stage on the previous stage's output, handing ``y`` and
    ``sensitive_features`` to every stage itself (no metadata routing needed, except to
    route ``sensitive_features`` to the Blinder itself inside a Pipeline);
    ``transform`` chains their transforms. Each stage is an estimator of its own and can
    be measured alone.

    Parameters
    ----------
    encoder : estimator, "passthrough" or None, default=None
        An optional learned first stage, fitted with ``fit(X, y, sensitive_features=...)``,
        e.g. :func:`recipe_encoder` (SensitiveNets' net with a residual encoder and the
        MMD term; tune it through ``encoder__lam``). None and ``"passthrough"``: no
        encoder. None is the default because, measured on people the recipe never saw
        (``benchmarks/bench_generalisation.py``), what the learned encoder removes beyond
        the erasers stays within the attackers' intervals, at several times the fit
        time (the realistic preset: 0.5 s against 6 s from 40 people, 15 s against 40 s
        from 2,000).
    margin : estimator, "passthrough" or None, default=None
        Then the margin: None builds :class:`MarginEraser` (``budget=0.03``), which keeps
        only the principal directions in which the attribute's shared effect can be
        estimated from the people fitted on, so that what the later stages' estimates
        miss is bounded for attackers of any size (within-identity AUC about 0.55). The
        fewer people, the more it removes: ``"passthrough"`` keeps every direction (the
        recipe before this stage), a larger ``margin__budget`` trades that bound for
        verification.
    within : estimator, "passthrough" or None, default=None
        Then the within-identity stage; None builds :class:`WithinIdentityEraser`
        (up to 32 directions, each tested against within-identity shuffles). Its
        parameters are settable on a default Blinder (``within__n_components``), which
        then holds the stage it builds.
    linear : estimator, "passthrough" or None, default=None
        Then the linear stage; None builds :class:`LEACEEraser`: no linear probe beats a
        constant on the training distribution. ``linear__method`` and the like are
        settable as for ``within``.
    random_state : int, RandomState instance or None, default=None
        Seeds the within-identity and linear stages whose own ``random_state`` is None
        (the default ones included); the encoder keeps its own.

    Attributes
    ----------
    encoder_, margin_, within_, linear_ : estimator or None
        The fitted stages (None for ``"passthrough"``).
    n_features_in_, n_features_out_ : int

    See Also
    --------
    SensitiveNetsSuppressor, LNTLSuppressor : the papers' methods (possible encoders).
    MarginEraser, WithinIdentityEraser, LEACEEraser, INLPEraser : closed-form stages.

    Examples
    --------
    >>> from skblind.datasets import make_blinding_problem
    >>> from skblind.suppression import Blinder, recipe_encoder
    >>> data = make_blinding_problem(n_subjects=200, random_state=0)
    >>> blinder = Blinder(random_state=0).fit(
    ...     data.X, data.subject, sensitive_features=data.sensitive
    ... )
    >>> blinder.transform(data.X).shape
    (2000, 64)
    >>> blinder.margin_.n_components_  # directions the margin vouches for, from 200 people
    12
    >>> with_encoder = Blinder(recipe_encoder(max_epochs=2, progress=False), random_state=0)
    >>> sorted(with_encoder.get_params())[:3]
    ['encoder', 'encoder__adversary_steps', 'encoder__batch_size']
    """

    _parameter_constraints = {
        "encoder": _STAGE,
        "margin": _STAGE,
        "within": _STAGE,
        "linear": _STAGE,
        "random_state": ["random_state"],
    }

    def __init__(self, encoder=None, *, margin=None, within=None, linear=None, random_state=None):
        self.encoder = encoder
        self.margin = margin
        self.within = within
        self.linear = linear
        self.random_state = random_state

    #: The stage each of ``margin``, ``within`` and ``linear`` builds when it is None.
    _DEFAULT_STAGES = {
        "margin": MarginEraser,
        "within": WithinIdentityEraser,
        "linear": LEACEEraser,
    }

    #: The stages, in the order they are fitted and applied.
    _STAGE_NAMES = ("encoder", "margin", "within", "linear")

    def set_params(self, **params):
        """Set the parameters; a default stage's own parameters too.

        ``within__n_components=4`` on a Blinder whose ``within`` is None (the default)
        sets ``within`` to the stage it builds, :class:`WithinIdentityEraser`, with that
        parameter: a default Blinder is grid-searchable over its stages' parameters.

        Parameters
        ----------
        **params
            Estimator parameters, nested ones as ``stage__parameter``.

        Returns
        -------
        self
        """
        for name, make in self._DEFAULT_STAGES.items():
            nested = any(key.startswith(f"{name}__") for key in params)
            if nested and params.get(name, getattr(self, name)) is None:
                params = {name: make(), **{k: v for k, v in params.items() if k != name}}
        return super().set_params(**params)

    def _stages(self):
        """The (name, unfitted stage or None) pairs, the defaults built and seeded.

        A stage whose ``random_state`` is None (a default one included) is seeded from
        the Blinder's ``random_state``, in the order of the stages.
        """
        rng = check_random_state(self.random_state)
        stages = []
        for name in self._STAGE_NAMES:
            given = getattr(self, name)
            if isinstance(given, str):  # "passthrough"
                stages.append((name, None))
                continue
            if given is None:
                if name not in self._DEFAULT_STAGES:
                    stages.append((name, None))
                    continue
                stage = self._DEFAULT_STAGES[name]()
            else:
                stage = clone(given)
            if name != "encoder" and stage.get_params().get("random_state", False) is None:
                stage.set_params(random_state=rng.randint(np.iinfo(np.int32).max))
            stages.append((name, stage))
        return stages

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, sensitive_features=None):
        """Fit the stages in turn, each on the previous one's output.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Frozen input embeddings.
        y : array-like of shape (n_samples,)
            Identities (the labels to keep; missing ones are None or NaN).
        sensitive_features : array-like of shape (n_samples,)
            The attribute to remove (missing ones are None or NaN; -1 is a class).

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        if y is None:
            raise ValueError(
                "Blinder requires y to be passed, but the target y is None "
                "(y holds the identities to keep)"
            )
        if sensitive_features is None:
            raise ValueError(
                "Blinder.fit requires sensitive_features (the attribute to remove), by "
                "keyword or through metadata routing"
            )
        Z = X
        collapsed = False
        for name, stage in self._stages():
            if stage is not None:
                with warnings.catch_warnings():
                    if collapsed:
                        # An earlier stage kept nothing (and said so): the later stages'
                        # warnings about repeated rows and a collapsed output are its echo.
                        warnings.simplefilter("ignore", UserWarning)
                    Z = stage.fit(Z, y, sensitive_features=sensitive_features).transform(Z)
                collapsed = collapsed or is_one_point(Z)
            setattr(self, f"{name}_", stage)
        self.n_features_out_ = Z.shape[1]
        return self

    def transform(self, X):
        """Map embeddings through the fitted stages.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings with the features seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_features_out_)
        """
        check_is_fitted(self, "n_features_out_")
        Z = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        for name in self._STAGE_NAMES:
            stage = getattr(self, f"{name}_")
            if stage is not None:
                Z = stage.transform(Z)
        return Z

    def __skblind_tags__(self):
        """What the recipe declares: its linear stage's guarantee (LEACE's by default)."""
        linear = LEACEEraser() if self.linear is None else self.linear
        removes = not isinstance(linear, str) and blinding_tags(linear).removes_linear_leakage
        return BlindingTags(removes_linear_leakage=removes)

    @property
    def _n_features_out(self):
        return self.n_features_out_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
