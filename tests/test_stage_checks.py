"""skblind's own check suite over every blinding stage, and every option for one epoch."""

import itertools

import numpy as np
import pytest
from fast_fits import FAST, fast

from skblind.datasets import make_blinding_problem
from skblind.suppression import (
    Blinder,
    INLPEraser,
    LEACEEraser,
    LNTLSuppressor,
    SensitiveNetsSuppressor,
    recipe_encoder,
)
from skblind.utils import all_estimators
from skblind.utils.estimator_checks import parametrize_with_stage_checks

ONE_EPOCH = dict(FAST, max_epochs=1, batch_size=32)

#: Settings a discovered stage needs beyond FAST's to be checked quickly.
SETTINGS = {"MarginEraser": dict(budget=1.0)}

#: Every public blinding stage at its defaults (FAST's settings), then compositions and
#: options of their own.
STAGES = [fast(cls, **SETTINGS.get(name, {})) for name, cls in all_estimators("stage")] + [
    LEACEEraser(method="orth"),
    Blinder(recipe_encoder(**ONE_EPOCH), random_state=0),
    Blinder(LNTLSuppressor(**ONE_EPOCH), linear=INLPEraser(), random_state=0),
]


def test_the_suite_covers_every_public_stage():
    found = {name for name, _ in all_estimators("stage")}
    assert found == {
        "Blinder",
        "INLPEraser",
        "IVEEraser",
        "LEACEEraser",
        "LNTLSuppressor",
        "MarginEraser",
        "PASSSuppressor",
        "SensitiveNetsSuppressor",
        "WithinIdentityEraser",
    }
    assert found <= {type(stage).__name__ for stage in STAGES}


@parametrize_with_stage_checks(STAGES)
def test_stage_checks(stage, check):
    check(stage)


def _option_grid(cls, extra):
    """Every suppression x encoder pair, then one option at a time on the defaults."""
    grid = [
        dict(suppression=s, encoder=e)
        for s, e in itertools.product(("paper", "confusion", "mmd"), ("dense", "residual"))
    ]
    grid += [
        dict(adversary_steps=0),
        dict(adversary_steps=2),
        dict(encoder_steps=2),
        dict(preserve=1.0),
        dict(lam=0.0),
        dict(module__hidden_sizes=(8, 12), module__activation="tanh", module__init="identity"),
        dict(encoder="residual", module__rank=2),
        *extra,
    ]
    return [(cls, options) for options in grid]


OPTIONS = _option_grid(SensitiveNetsSuppressor, [dict(neutral_class=1, target=0.6, margin=0.5)])
OPTIONS += _option_grid(LNTLSuppressor, [dict(grl_scale=0.0), dict(module__head_units=8)])


@pytest.fixture(scope="module")
def tiny():
    return make_blinding_problem(
        n_subjects=8, n_per_subject=6, n_features=12, identity_dim=4, random_state=0
    )


@pytest.mark.parametrize("cls, options", OPTIONS, ids=[f"{c.__name__}-{o}" for c, o in OPTIONS])
def test_every_option_trains_an_epoch(cls, options, tiny):
    """Each option is run once: a crash hidden behind a rarely used option surfaces here."""
    fitted = cls(**ONE_EPOCH, **options).fit(
        tiny.X, tiny.subject, sensitive_features=tiny.sensitive
    )
    history = fitted.history_
    assert np.isfinite(history[list(fitted.net_.term_names)].to_numpy()).all()
    Z = fitted.transform(tiny.X)
    assert Z.shape == (len(tiny.X), fitted.n_features_out_) and np.isfinite(Z).all()
