"""The tracker's temperature, chosen on validation and folded into the head (edgeppg.calibrate)."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from edgeppg.calibrate import TEMPERATURES, fit_temperature, fold
from edgeppg.config import RunConfig
from edgeppg.data.dataset import load_splits
from edgeppg.data.windows import HR_LOW, N_CLASSES
from edgeppg.metrics import predict_logits
from edgeppg.models import ModelSpec, build_model
from edgeppg.runs import load_model
from edgeppg.train import run


def test_fold_divides_the_logits_and_keeps_every_argmax():
    torch.manual_seed(0)
    model = build_model(ModelSpec(blocks=1, width=8)).eval()
    x = torch.randn(16, 200)
    with torch.no_grad():
        before = model(x)
        fold(model, 2.5)
        after = model(x)
    torch.testing.assert_close(after, before / 2.5)
    assert torch.equal(after.argmax(1), before.argmax(1))


class _Windows:
    """The fields of a WindowSet the tracker reads: one participant, a window every 2 s."""

    def __init__(self, hr: np.ndarray):
        self.hr, self.subject = hr, np.zeros(len(hr), int)
        self.start_s, self.steps = np.arange(len(hr)) * 2.0, np.full(len(hr), np.nan)


def test_a_model_the_tracker_already_suits_keeps_temperature_1():
    hr = np.full(30, 100.0)
    logits = np.zeros((30, N_CLASSES))
    logits[:, 100 - HR_LOW] = 20.0  # sure and right: every temperature tracks it exactly
    t, mae = fit_temperature(logits, _Windows(hr))
    assert t == 1.0 and set(mae) == {f"{x:g}" for x in TEMPERATURES} and max(mae.values()) == 0


def test_the_temperature_that_tracks_best_is_chosen():
    """Every third window is sure of a rate 10 BPM low, the others less sure of the pulse: here temperature 4
    tracks best and is chosen; where temperatures tie, the one nearest 1 wins."""
    n = 60
    hr = np.full(n, 120.0)
    logits = np.zeros((n, N_CLASSES))
    logits[:, 120 - HR_LOW] = 2.0
    logits[1::3, 120 - HR_LOW] = 0.0
    logits[1::3, 110 - HR_LOW] = 6.0
    t, mae = fit_temperature(logits, _Windows(hr))
    assert t == 4.0 and mae["4"] == min(mae.values()) < mae["1"]
    t, mae = fit_temperature(logits, _Windows(hr), temperatures=(0.5, 0.75, 1.0))
    assert mae["0.5"] == mae["0.75"] < mae["1"] and t == 0.75  # a tie: the one nearer 1


def test_a_calibrated_run_is_the_plain_run_with_its_logits_divided(tiny_data, quick_train, tmp_path):
    """The same training, then the temperature chosen on validation: the model's logits are the plain
    run's divided by it, the metrics say which and why, and the reported validation score is the chosen one."""
    spec, train = ModelSpec(blocks=1, width=8), replace(quick_train, epochs=2, readout="track")
    run(RunConfig(tiny_data, spec, train), tmp_path / "plain")
    metrics = run(RunConfig(tiny_data, spec, replace(train, calibrate=True)), tmp_path / "calibrated")
    t, table = metrics["calibration"]["temperature"], metrics["calibration"]["val_mae_track"]
    assert t in TEMPERATURES and table[f"{t:g}"] == min(table.values())
    assert abs(metrics["val"]["mae_track"] - table[f"{t:g}"]) < 1e-3
    # each epoch was scored at its own best temperature, and the epoch kept is the best so scored
    history = metrics["history"]
    assert all(h["val_temperature"] in TEMPERATURES for h in history)
    assert abs(history[metrics["best_epoch"] - 1]["val_mae"] - table[f"{t:g}"]) < 1e-3
    val = load_splits(tiny_data).val
    plain, calibrated = (predict_logits(load_model(tmp_path / r)[0], val.x) for r in ("plain", "calibrated"))
    torch.testing.assert_close(calibrated, plain / t, rtol=1e-4, atol=1e-4)
    # its card says so
    from edgeppg.card import write_card

    md, _ = write_card(tmp_path / "calibrated", tmp_path / "card")
    assert f"Its logits were divided by {t:g}, the temperature whose tracked MAE" in Path(md).read_text()
