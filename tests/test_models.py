import numpy as np
import pytest
import torch

from edgeppg.errors import EdgeppgError
from edgeppg.metrics import errors, hr_from_logits
from edgeppg.models import ModelSpec, build_model, count_macs, count_params


@pytest.mark.parametrize("blocks", range(1, 13))
def test_resnet_shapes(blocks):
    model = build_model(ModelSpec(blocks=blocks)).eval()
    logits, feats = model.forward_features(torch.randn(3, 200))
    assert logits.shape == (3, 180) and len(feats) == blocks
    channels = 32 * 2 ** ((blocks - 1) // 4)
    length = 200
    for i in range(blocks):
        length = (length + 1) // 2 if i % 2 else length
    assert feats[-1].shape == (3, channels, length)


@pytest.mark.parametrize("k", [5, 9])
def test_one_block_size_by_hand(k):
    model = build_model(ModelSpec(blocks=1, kernel=k))
    stem = 1 * 32 * k + 2 * 32  # conv (no bias) + BatchNorm scale and shift
    block = 2 * (32 * 32 * k + 2 * 32)
    head = 32 * 180 + 180
    assert count_params(model) == stem + block + head
    assert count_macs(model) == 32 * 200 * k + 2 * (32 * 200 * 32 * k) + 32 * 180


def test_mlp_student():
    model = build_model(ModelSpec(arch="mlp", hidden=64, layers=2))
    assert model(torch.randn(5, 200)).shape == (5, 180)
    assert count_params(model) == 200 * 64 + 64 + 64 * 64 + 64 + 64 * 180 + 180
    assert count_macs(model) == 200 * 64 + 64 * 64 + 64 * 180


def test_bad_specs_are_named():
    with pytest.raises(EdgeppgError, match="arch: must be one of resnet1d, mlp, got 'transformer'"):
        ModelSpec(arch="transformer")
    with pytest.raises(EdgeppgError, match="blocks: must be at least 1, got 0"):
        ModelSpec(blocks=0)
    with pytest.raises(EdgeppgError, match="width: must be a whole number, got 8.5"):
        ModelSpec(width=8.5)


def test_hr_readouts():
    logits = torch.full((2, 180), -1e9)
    logits[0, 40] = 0.0  # all mass on 70 BPM
    logits[1, 40] = logits[1, 50] = 0.0  # half on 70, half on 80 BPM
    assert hr_from_logits(logits, "argmax").tolist() == [70.0, 70.0]
    assert hr_from_logits(logits, "expectation").tolist() == pytest.approx([70.0, 75.0])
    assert errors([70, 75], [72, 75]) == {"mae": 1.0, "rmse": pytest.approx(2**0.5)}


def test_a_step_lock_is_the_longest_stretch_on_the_step_rate_or_its_half_or_double_away_from_the_heart():
    from edgeppg.metrics import step_lock_s

    n = 40
    start = np.arange(n) * 2.0
    hr, steps = np.full(n, 150.0), np.full(n, 80.0)
    est = hr.copy()
    est[5:15] = 81  # 10 windows on the steps: 20 s
    est[20:32] = 160  # 12 windows on twice them: 24 s
    subject = np.array(["a"] * n)
    assert step_lock_s(est, hr, steps, subject, start) == 24.0
    steps[25] = np.nan  # a still window breaks the stretch
    assert step_lock_s(est, hr, steps, subject, start) == 20.0
    assert step_lock_s(hr, hr, steps, subject, start) == 0.0  # right, even where the heart is at the step rate
    gap = start.copy()
    gap[10:] += 10.0  # a dropped stretch of windows: the run starts again
    assert step_lock_s(est, hr, np.full(n, 80.0), subject, gap) == 24.0
    two = np.array(["a"] * 20 + ["b"] * 20)  # a participant's stretch never runs on into the next one's
    assert step_lock_s(np.full(n, 80.0), hr, np.full(n, 80.0), two, np.tile(np.arange(20) * 2.0, 2)) == 40.0
