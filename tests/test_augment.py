import numpy as np
import pytest
import torch

from edgeppg.config import RunConfig, TrainConfig
from edgeppg.data.augment import augment, normalise, restart
from edgeppg.device import streaming
from edgeppg.errors import EdgeppgError

FS = 25.0


def pulse_windows(n: int = 64, seed: int = 0) -> tuple[torch.Tensor, np.ndarray]:
    """Normalised windows of a clean pulse-like wave at a known rate each."""
    rng = np.random.default_rng(seed)
    bpm = rng.uniform(50, 160, n)
    t = np.arange(200) / FS
    phase = 2 * np.pi * bpm[:, None] / 60 * t + rng.uniform(0, 2 * np.pi, (n, 1))
    x = np.sin(phase) + 0.4 * np.sin(2 * phase + 1.0)
    return normalise(torch.tensor(x, dtype=torch.float32)), bpm


def peak_bpm(x: torch.Tensor) -> np.ndarray:
    spec = np.abs(np.fft.rfft(x.numpy(), n=4096, axis=1))
    f = np.fft.rfftfreq(4096, 1 / FS) * 60
    band = (f >= 40) & (f <= 210)
    return f[band][spec[:, band].argmax(axis=1)]


def test_no_augmentation_is_the_identity():
    x, _ = pulse_windows()
    assert augment(x, 0.0, torch.Generator().manual_seed(0)) is x


def test_augmented_windows_are_normalised_like_the_device_s_and_x_is_untouched():
    x, _ = pulse_windows()
    before = x.clone()
    y = augment(x, 1.0, torch.Generator().manual_seed(1))
    torch.testing.assert_close(x, before)
    assert not torch.allclose(y, x)
    torch.testing.assert_close(y.mean(1), torch.zeros(len(y)), atol=1e-5, rtol=0)
    torch.testing.assert_close(y.std(1, unbiased=False), torch.ones(len(y)), atol=1e-4, rtol=0)


def test_the_same_generator_state_draws_the_same_augmentation():
    x, _ = pulse_windows()
    a = augment(x, 0.5, torch.Generator().manual_seed(3))
    b = augment(x, 0.5, torch.Generator().manual_seed(3))
    c = augment(x, 0.5, torch.Generator().manual_seed(4))
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, c)


def test_the_pulse_rate_under_the_augmentation_is_unchanged():
    """What keeps the label exact: the window's dominant pulse frequency stays where it was."""
    x, bpm = pulse_windows(256, seed=5)
    y = augment(x, 0.5, torch.Generator().manual_seed(6))
    assert np.median(np.abs(peak_bpm(y) - bpm)) < 1.0
    assert (np.abs(peak_bpm(y) - bpm) < 3).mean() > 0.85


def test_a_restarted_stream_is_what_the_device_holds_in_the_first_windows_of_a_recording():
    """The device's own start: window k of a recording (k < 8) has its oldest 8 - k chunks zeros and the rest
    as streamed; restart() makes a later window's input look like one of those, never touching its own 8 s."""
    n, chunks = 12, streaming.CONTEXT_CHUNKS
    x = np.random.default_rng(0).normal(size=(n, streaming.WINDOW)).astype(np.float32) + 5.0  # never zero
    composed = streaming.compose(x, np.ones(n, bool), np.arange(n)).reshape(n, -1, streaming.STRIDE)
    zeros_at_start = [int((~composed[k].any(axis=1)).sum()) for k in range(chunks)]
    assert zeros_at_start == list(range(chunks, 0, -1))
    full = torch.tensor(composed[chunks:].reshape(n - chunks, -1)).repeat(50, 1)
    out = restart(full, 1.0, torch.Generator().manual_seed(1)).reshape(len(full), -1, streaming.STRIDE)
    zeroed = (~out.bool().any(dim=2)).sum(dim=1)
    assert set(zeroed.tolist()) == set(range(1, chunks + 1))  # every start the device has, each drawn
    for row, m, given in zip(out, zeroed, full):  # the zeros are the oldest chunks; the rest is as it was
        assert not row[:m].any() and torch.equal(row[m:], given.reshape(-1, streaming.STRIDE)[m:])


def test_restarts_are_drawn_at_their_rate_reproducibly_and_none_at_zero():
    x = torch.ones(2000, (streaming.CONTEXT_CHUNKS + 4) * streaming.STRIDE)
    assert restart(x, 0.0, torch.Generator().manual_seed(0)) is x
    a = restart(x, 0.25, torch.Generator().manual_seed(3))
    b = restart(x, 0.25, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and 0.2 < (a[:, 0] == 0).float().mean() < 0.3


def test_restarts_are_refused_for_a_window_model():
    with pytest.raises(EdgeppgError, match="restart: applies to streaming models only"):
        RunConfig(train=TrainConfig(restart=0.25))
