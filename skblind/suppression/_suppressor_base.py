"""The shared scikit-learn side of the learned suppressors."""

import inspect
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_consistent_length, check_is_fitted, validate_data
from skorch.callbacks import Callback, PassthroughScoring
from tqdm.auto import tqdm

from .._checks import check_float32_range
from .._compat import Interval, StrOptions, _fit_context
from .._device import resolve_device
from .._persistence import VersionedPickleMixin
from .._tags import BlindingTags
from ._diagnostics import warn_if_collapsed
from ._labels import check_sensitive_classes, encode_with_missing
from ._scoring import BlindingScoreMixin

__all__ = ["BaseSuppressor"]

#: Prefixes of the keyword arguments handed to the skorch net unchanged.
NET_PREFIXES = (
    "module__",
    "adversary__",
    "optimizer__",
    "adversary_optimizer__",
    "iterator_train__",
    "callbacks__",
)

_FLOAT32 = "its network computes in float32"


def _takes_foreach(optimizer):
    """Whether ``optimizer`` (a class or a partial) takes PyTorch's ``foreach`` option.

    PyTorch uses the multi-tensor ("foreach") update by default on CUDA only; on the CPU
    it falls back to a loop over parameters. The two give the same weights (measured:
    SensitiveNets' outputs on ORL equal to the last bit) and the multi-tensor update
    trains about 15 % faster on the CPU, so the suppressors ask for it on every device.
    """
    try:
        return "foreach" in inspect.signature(optimizer).parameters
    except (TypeError, ValueError):  # a callable without an inspectable signature
        return False


class _EpochProgress(Callback):
    """A tqdm bar over epochs showing the latest losses.

    The bar lives only while training: it holds the terminal's stream, which cannot be
    pickled, so a fitted suppressor keeps no trace of it.
    """

    def __init__(self, desc, keys):
        self.desc = desc
        self.keys = keys

    def __getstate__(self):
        return {k: v for k, v in vars(self).items() if k != "bar_"}

    def on_train_begin(self, net, **kwargs):
        self.bar_ = tqdm(total=net.max_epochs, desc=self.desc, unit="epoch")

    def on_epoch_end(self, net, **kwargs):
        last = net.history[-1]
        self.bar_.set_postfix({k: f"{last[k]:.3f}" for k in self.keys if k in last})
        self.bar_.update()

    def on_train_end(self, net, **kwargs):
        self.bar_.close()
        del self.bar_


class BaseSuppressor(
    BlindingScoreMixin,
    VersionedPickleMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Base class of the suppressors trained through skorch.

    Subclasses set ``_net_class`` and implement :meth:`_net_params` (the skorch net's
    own parameters) and, if need be, :meth:`_check_labels`. ``fit`` trains the net;
    ``transform`` returns the encoder's output centred on its training mean (the losses
    see phi centred on the batch mean, so this is the geometry that was trained).

    Keyword arguments whose names start with ``module__``, ``adversary__``,
    ``optimizer__``, ``adversary_optimizer__``, ``iterator_train__`` or ``callbacks__``
    are stored as parameters (``get_params``/``set_params``/``clone``/``GridSearchCV``
    see them) and handed to the skorch net unchanged, as skorch routes them.
    """

    _net_class = None

    _parameter_constraints = {
        "encoder": [StrOptions({"residual", "dense"})],
        "lam": [Interval(Real, 0, None, closed="left")],
        "suppression": [StrOptions({"paper", "confusion", "mmd"})],
        "preserve": [Interval(Real, 0, None, closed="left")],
        "adversary_steps": [Interval(Integral, 0, None, closed="left")],
        "encoder_steps": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": "no_validation",
        "device": "no_validation",
        "random_state": ["random_state"],
        "progress": ["boolean"],
    }

    def _store_net_kwargs(self, kwargs):
        # Stored as given; fit checks the names (scikit-learn validates in fit, not init).
        for key, value in kwargs.items():
            setattr(self, key, value)

    def _check_net_kwargs(self):
        known = set(self._get_param_names())
        for key in vars(self):
            if key in known or key.startswith("_") or key.endswith("_"):
                continue
            if not key.startswith(NET_PREFIXES):
                raise TypeError(
                    f"{type(self).__name__} got an unexpected keyword argument {key!r}; "
                    f"extra arguments must start with one of {NET_PREFIXES}"
                )

    def _net_kwargs(self):
        return {k: v for k, v in vars(self).items() if k.startswith(NET_PREFIXES)}

    def get_params(self, deep=True):
        """Get the parameters, including the ``module__*``-style ones passed through."""
        params = super().get_params(deep=deep)
        params.update(self._net_kwargs())
        return params

    def set_params(self, **params):
        """Set parameters; ``module__*``-style ones are stored for the skorch net."""
        passthrough = {k: v for k, v in params.items() if k.startswith(NET_PREFIXES)}
        super().set_params(**{k: v for k, v in params.items() if k not in passthrough})
        for key, value in passthrough.items():
            setattr(self, key, value)
        return self

    def __skblind_tags__(self):
        """What this stage declares it does (:class:`~skblind.utils.BlindingTags`)."""
        return BlindingTags(trained=True)

    def _check_labels(self, y_codes, s_codes):
        """Check the encoded labels; subclasses add what their losses need."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, sensitive_features=None):
        """Learn phi: keep what ``y`` needs, remove what ``sensitive_features`` needs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Frozen input embeddings.
        y : array-like of shape (n_samples,)
            Labels of the task to keep (identities, or any classes); strings or ints.
            A missing label (None or NaN) means the sample trains only the sensitive
            side; -1, like any other value, is a label.
        sensitive_features : array-like of shape (n_samples,)
            The attribute to remove (e.g. expression); strings or ints (-1 included).
            A missing label (None or NaN) means the sample trains only the utility
            side. Passed by
            keyword, or routed by scikit-learn's metadata routing
            (``set_fit_request(sensitive_features=True)``).

        Returns
        -------
        self
        """
        self._check_net_kwargs()
        X = validate_data(self, X, dtype=[np.float32, np.float64], ensure_min_samples=2)
        check_float32_range(X, type(self).__name__, _FLOAT32)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None "
                "(y holds the labels to keep)"
            )
        if sensitive_features is None:
            raise ValueError(
                f"{type(self).__name__}.fit requires sensitive_features (the attribute to "
                "remove), by keyword or through metadata routing"
            )
        check_consistent_length(X, y, sensitive_features)
        y_codes, self.classes_ = encode_with_missing(y, "y")
        s_codes, self.sensitive_classes_ = encode_with_missing(
            sensitive_features, "sensitive_features"
        )
        check_sensitive_classes(s_codes, self.sensitive_classes_)
        self._check_labels(y_codes, s_codes)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        device = resolve_device(self.device)
        keys = (*self._net_class.term_names, "adversary_accuracy")
        callbacks = [(k, PassthroughScoring(name=k, on_train=True)) for k in keys]
        if self.progress:
            callbacks.append(("progress", _EpochProgress(type(self).__name__, keys)))
        devices = [device] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            params = dict(
                optimizer=self.optimizer,
                lr=self.lr,
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                iterator_train__shuffle=True,
                train_split=None,
                device=str(device),
                callbacks=callbacks,
                verbose=0,
                module__kind=self.encoder,
                adversary__n_classes=len(self.sensitive_classes_),
                adversary_steps=self.adversary_steps,
                encoder_steps=self.encoder_steps,
                lam=self.lam,
                suppression=self.suppression,
                preserve=self.preserve,
                **({"optimizer__foreach": True} if _takes_foreach(self.optimizer) else {}),
                adversary_optimizer__foreach=True,  # the adversary's is Adam
                **self._net_params(X.shape[1]),
            )
            # The user's module__*/optimizer__*/... parameters win over these defaults.
            self.net_ = self._net_class(**{**params, **self._net_kwargs()})
            self.net_.fit(X.astype(np.float32), np.stack([y_codes, s_codes], axis=1))
        phi = self._phi(X)
        self.center_ = phi.mean(axis=0)
        self.n_features_out_ = phi.shape[1]
        warn_if_collapsed(type(self).__name__, X, phi - self.center_)
        return self

    def _phi(self, X):
        """Return the encoder's output on ``X``, not yet centred, as a float32 array."""
        phi = self.net_.forward(X.astype(np.float32))
        return (phi[0] if isinstance(phi, tuple) else phi).numpy()

    @property
    def _n_features_out(self):
        return self.n_features_out_

    @property
    def history_(self):
        """Per-epoch training history: total loss, each loss term, adversary accuracy.

        The terms are unweighted (``train_loss`` is their weighted sum); their names are
        the net's ``term_names``.
        """
        check_is_fitted(self, "net_")
        keys = ("epoch", "train_loss", *self._net_class.term_names, "adversary_accuracy", "dur")
        return pd.DataFrame([{k: row.get(k, np.nan) for k in keys} for row in self.net_.history])

    def transform(self, X):
        """Map embeddings to phi(X).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings with the features seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_features_out_), dtype float32
        """
        check_is_fitted(self, "net_")
        X = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        check_float32_range(X, type(self).__name__, _FLOAT32)
        return (self._phi(X) - self.center_).astype(np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
