"""The loss terms and the gradient reversal, one by one."""

import math

import numpy as np
import torch
from fast_fits import FAST

from skblind.suppression import LNTLSuppressor
from skblind.suppression._losses import (
    batch_hard_triplet_loss,
    confusion_loss,
    entropy,
    mmd_penalty,
    neutral_target_penalty,
    similarity_preservation,
)
from skblind.suppression._modules import GradientReversal


def test_triplet_loss_is_zero_for_well_separated_identities_and_positive_otherwise():
    labels = torch.tensor([0, 0, 1, 1])
    apart = torch.tensor([[1.0, 0.0], [1.0, 0.01], [-1.0, 0.0], [-1.0, 0.01]])
    assert batch_hard_triplet_loss(apart, labels, margin=0.2).item() == 0.0
    mixed = apart[[0, 2, 1, 3]]
    assert batch_hard_triplet_loss(mixed, labels, margin=0.2).item() > 1.0
    lonely = batch_hard_triplet_loss(apart, torch.tensor([0, 1, 2, 3]), margin=0.2)
    assert lonely.item() == 0.0 and lonely.requires_grad is False  # no triplet: a zero


def test_mmd_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    generator = torch.Generator().manual_seed(0)
    phi = torch.randn(200, 8, generator=generator)
    classes = torch.arange(200) % 2
    same = mmd_penalty(phi, classes).item()
    shifted = phi + 2.0 * classes[:, None] * torch.eye(8)[0]
    assert same < 0.1 and mmd_penalty(shifted, classes).item() > 10 * same


def test_adversary_terms_at_known_probabilities():
    uniform = torch.zeros(5, 3)
    assert math.isclose(entropy(uniform).item(), math.log(3), rel_tol=1e-6)
    assert math.isclose(confusion_loss(uniform).item(), math.log(3), rel_tol=1e-6)
    confident = torch.tensor([[10.0, -10.0, -10.0]])
    assert confusion_loss(confident).item() > confusion_loss(uniform).item()
    # P(neutral) = 1/3: log(1 + |0.9 - 1/3|)
    expected = math.log1p(0.9 - 1 / 3)
    assert math.isclose(neutral_target_penalty(uniform, 0, 0.9).item(), expected, rel_tol=1e-6)


def test_similarity_preservation_is_zero_for_the_input_itself():
    X = torch.randn(10, 4)
    assert similarity_preservation(X, X).item() < 1e-12
    assert similarity_preservation(X * torch.tensor([1.0, 0.0, 0.0, 1.0]), X).item() > 0


def test_gradient_reversal_flips_and_scales_the_gradient():
    x = torch.ones(3, requires_grad=True)
    weights = torch.tensor([1.0, -2.0, 3.0])
    (GradientReversal(0.5)(x) * weights).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -0.5 * weights.numpy())


def test_lntl_reversed_term_pushes_the_encoder_up_the_bias_heads_loss(small):
    """The reversed term's gradient reaching phi is -grl_scale times the bias CE's."""
    fitted = LNTLSuppressor(**FAST, grl_scale=2.0).fit(
        small.X, small.subject, sensitive_features=small.sensitive
    )
    net = fitted.net_
    phi = torch.as_tensor(small.X[:16], device=net.device).requires_grad_(True)
    sensitive = torch.as_tensor(small.sensitive[:16], device=net.device).long()
    net.reversed_bias_term(phi, sensitive).backward()
    reversed_grad = phi.grad.clone()
    phi.grad = None
    net.criterion_(net.adversary_(phi), sensitive).backward()
    np.testing.assert_allclose(
        reversed_grad.cpu().numpy(), -2.0 * phi.grad.cpu().numpy(), rtol=1e-5
    )


# Reported defect (shared/repro r1: NaN from a one-sample batch); the test failed on the code
# before the fix.


def test_the_mmd_gradient_of_a_one_sample_batch_is_finite():
    phi = torch.randn(1, 8, requires_grad=True)
    mmd_penalty(phi, torch.tensor([0])).backward()
    assert torch.isfinite(phi.grad).all()
