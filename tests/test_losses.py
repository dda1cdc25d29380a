"""Each loss against values worked out by hand with the formula in its docstring."""

import math

import pytest
import torch

from edgeppg.distill.dkd import binary_log_probs, nckd_loss, non_target, tckd_loss, warmup_weight
from edgeppg.distill.feature import Projector, feature_loss
from edgeppg.distill.hard import hard_loss
from edgeppg.distill.soft import kd_loss


def softmax(z):
    e = [math.exp(v) for v in z]
    return [v / sum(e) for v in e]


def kl(p, q):
    return sum(a * math.log(a / b) for a, b in zip(p, q) if a > 0)


def test_kd_loss_two_classes_by_hand():
    s, t = torch.tensor([[0.0, 0.0]]), torch.tensor([[math.log(3.0), 0.0]])
    # tau = 1: p_t = [3/4, 1/4], p_s = [1/2, 1/2]
    assert kd_loss(s, t, 1.0).item() == pytest.approx(0.75 * math.log(1.5) + 0.25 * math.log(0.5), rel=1e-6)
    # tau = 2: p_t = [sqrt3, 1] / (1 + sqrt3); the loss is multiplied by tau^2 = 4
    r3 = math.sqrt(3.0)
    p_t = [r3 / (1 + r3), 1 / (1 + r3)]
    assert kd_loss(s, t, 2.0).item() == pytest.approx(4 * kl(p_t, [0.5, 0.5]), rel=1e-6)


def test_kd_loss_sums_classes_and_averages_the_batch():
    s = torch.tensor([[0.0, 1.0, 2.0], [1.0, 0.0, 0.0]])
    t = torch.tensor([[2.0, 1.0, 0.0], [1.0, 0.0, 0.0]])  # the second row matches: KL 0
    expected = kl(softmax([2, 1, 0]), softmax([0, 1, 2])) / 2
    assert kd_loss(s, t, 1.0).item() == pytest.approx(expected, rel=1e-6)


def test_hard_loss_uses_teacher_argmax():
    s = torch.tensor([[0.0, math.log(3.0)]])
    assert hard_loss(s, torch.tensor([[0.1, 5.0]])).item() == pytest.approx(-math.log(0.75), rel=1e-6)
    assert hard_loss(s, torch.tensor([[5.0, 0.1]])).item() == pytest.approx(-math.log(0.25), rel=1e-6)


def test_tckd_and_nckd_three_classes_by_hand():
    s = torch.tensor([[1.0, 0.0, -1.0]])
    t = torch.tensor([[0.0, 2.0, 1.0]])
    y = torch.tensor([1])
    tau = 2.0
    ps, pt = softmax([1 / tau, 0, -1 / tau]), softmax([0, 2 / tau, 1 / tau])
    b_s, b_t = [ps[1], 1 - ps[1]], [pt[1], 1 - pt[1]]
    assert tckd_loss(s, t, y, tau).item() == pytest.approx(tau**2 * kl(b_t, b_s), rel=1e-5)
    # non-target: classes 0 and 2, a softmax over those two logits only
    ns, nt = softmax([1 / tau, -1 / tau]), softmax([0, 1 / tau])
    assert nckd_loss(s, t, y, tau).item() == pytest.approx(tau**2 * kl(nt, ns), rel=1e-5)


def test_tckd_plus_nckd_weighted_by_the_non_target_mass_is_classical_kd():
    """The DKD paper's identity: KD = TCKD + (1 - p_t^T) * NCKD (before the tau^2 scaling)."""
    torch.manual_seed(0)
    s, t = torch.randn(4, 7), torch.randn(4, 7)
    y = torch.tensor([0, 3, 6, 2])
    for i in range(4):
        si, ti, yi = s[i : i + 1], t[i : i + 1], y[i : i + 1]
        p_rest = 1 - torch.softmax(ti, 1)[0, yi].item()
        assert kd_loss(si, ti, 1.0).item() == pytest.approx(
            tckd_loss(si, ti, yi, 1.0).item() + p_rest * nckd_loss(si, ti, yi, 1.0).item(), rel=1e-4)


def test_dkd_terms_stay_finite_with_saturated_logits():
    s = torch.tensor([[1e4, 0.0, 0.0], [0.0, -1e4, 5.0]], requires_grad=True)
    t = torch.tensor([[0.0, 1e4, 0.0], [3e3, 0.0, 0.0]])
    y = torch.tensor([0, 2])
    loss = tckd_loss(s, t, y, 2.0) + 8 * nckd_loss(s, t, y, 2.0)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(s.grad).all()
    assert torch.isfinite(binary_log_probs(s, y, 2.0)).all()


def test_non_target_removes_exactly_the_target():
    z = torch.arange(12.0).view(3, 4)
    out = non_target(z, torch.tensor([0, 2, 3]))
    assert out.tolist() == [[1, 2, 3], [4, 5, 7], [8, 9, 10]]


def test_warmup_ramps_linearly_to_one():
    assert [warmup_weight(e, 4) for e in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    assert warmup_weight(0, 0) == 1.0


def test_feature_loss_and_projection_shapes():
    a, b = torch.zeros(2, 3, 4), torch.ones(2, 3, 4)
    assert feature_loss(a, b).item() == pytest.approx(1.0)
    proj = Projector((32, 200), (64, 25))
    p, target = proj(torch.randn(2, 32, 200), torch.randn(2, 64, 25))
    assert p.shape == target.shape == (2, 64, 25)
    up = Projector((32, 10), (16, 25))  # a longer teacher map: interpolate
    assert up(torch.randn(2, 32, 10), torch.randn(2, 16, 25))[0].shape == (2, 16, 25)
    vec = Projector((64,), (64, 25))  # an MLP student: both sides pooled to vectors
    p, target = vec(torch.randn(2, 64), torch.randn(2, 64, 25))
    assert p.shape == target.shape == (2, 64)
