"""Paired comparisons with a bootstrap confidence interval, so a study says "better", "worse" or "no
difference measured" from the data instead of from one seed's luck.

A comparison pairs cells that differ only in what is compared (same student size, teacher and seed):
the difference of their test MAE on each test participant. The 95% interval resamples both sources of
chance at once: seeds (another training run) and participants (other people), each with replacement.
"""

from __future__ import annotations

import numpy as np

BETTER, WORSE, SAME = "better", "worse", "no difference measured"
TOO_FEW = "too few seeds and participants to tell"
# A bootstrap over a handful of units is overconfident (two participants give three possible means):
# below both of these, no verdict is given however narrow the interval looks.
MIN_SEEDS, MIN_PARTICIPANTS = 3, 5


def paired_bootstrap(diff: np.ndarray, n_boot: int = 4000, seed: int = 0, level: float = 0.95) -> dict:
    """`diff[s, p]`: the paired MAE difference for seed s and participant p (NaN where a pair is missing).
    Returns the mean difference, its `level` percentile interval and the counts behind them."""
    diff = np.atleast_2d(np.asarray(diff, np.float64))
    seeds, people = diff.shape
    rng = np.random.default_rng(seed)
    s_idx = rng.integers(0, seeds, size=(n_boot, seeds))
    p_idx = rng.integers(0, people, size=(n_boot, people))
    means = np.array([np.nanmean(diff[np.ix_(s, p)]) for s, p in zip(s_idx, p_idx)])
    tail = (1 - level) / 2 * 100
    lo, hi = np.nanpercentile(means, [tail, 100 - tail])
    return {"mean": float(np.nanmean(diff)), "lo": float(lo), "hi": float(hi), "seeds": seeds,
            "participants": people}


def verdict(ci: dict) -> str:
    """For a difference `this - reference` of MAE: below zero is better."""
    if ci["seeds"] < MIN_SEEDS and ci["participants"] < MIN_PARTICIPANTS:
        return TOO_FEW
    if ci["hi"] < 0:
        return BETTER
    if ci["lo"] > 0:
        return WORSE
    return SAME
