import numpy as np
import torch

from edgeppg.data.augment import augment, normalise

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
